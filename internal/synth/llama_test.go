package synth_test

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/synth"
)

var llamaTexts = []string{
	"吾輩は猫である。名前はまだ無い。どこで生れたかとんと見当がつかぬ。",
	"The quick brown fox jumps over the lazy dog, and we'll see what's next.",
	"東京都の人口は約1400万人です。Mixed 日本語 and English, カタカナ too!",
	"Ünïcödé 😀 한국어 Ελληνικά \t tabs\nnew line  two  spaces",
}

// spmDecode rebuilds text from SPM token ids: byte tokens give their byte,
// ▁ gives a space, and the space llama.cpp adds in front is dropped.
func spmDecode(t *testing.T, v *synth.Vocab, ids []int32) string {
	var b []byte
	for _, id := range ids {
		tok := v.Tokens[id]
		if v.Types[id] == synth.TokenByte {
			x, err := strconv.ParseUint(tok[3:5], 16, 8)
			if err != nil {
				t.Fatalf("byte token %q: %v", tok, err)
			}
			b = append(b, byte(x))
			continue
		}
		b = append(b, strings.ReplaceAll(tok, "▁", " ")...)
	}
	return strings.TrimPrefix(string(b), " ")
}

// TestLlamaRunsSynthModels loads every kind of synthesized model into the
// pinned llama.cpp, tokenizes Japanese and English text, checks that the
// tokens spell the text again, and decodes them in one batch with finite,
// non-degenerate logits at every position.
func TestLlamaRunsSynthModels(t *testing.T) {
	tests := []struct {
		name   string
		change func(*synth.Options)
	}{
		{"spm dense f32", func(o *synth.Options) {}},
		{"bpe dense f16", func(o *synth.Options) { o.Vocab, o.Type = synth.VocabBPE, synth.TypeF16 }},
		{"spm moe f16", func(o *synth.Options) { o.Experts, o.ExpertsUsed, o.Type = 4, 2, synth.TypeF16 }},
		{"bpe moe f32", func(o *synth.Options) { o.Vocab, o.Experts, o.ExpertsUsed, o.VocabSize = synth.VocabBPE, 8, 2, 4096 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := synth.Default()
			tt.change(&o)
			path := filepath.Join(t.TempDir(), "m.gguf")
			if err := synth.WriteFile(path, o); err != nil {
				t.Fatal(err)
			}
			m, err := llama.LoadModel(path, llama.ModelParams{})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			v, err := synth.BuildVocab(o.Vocab, o.VocabSize)
			if err != nil {
				t.Fatal(err)
			}

			if m.NVocab() != o.VocabSize || m.NLayer() != o.Layers || m.NEmbd() != o.Embd || m.NCtxTrain() != o.Ctx {
				t.Errorf("llama.cpp sees vocab %d layers %d embd %d ctx %d", m.NVocab(), m.NLayer(), m.NEmbd(), m.NCtxTrain())
			}
			if int64(m.NParams()) != o.ParamCount() {
				t.Errorf("llama.cpp counts %d parameters, synth %d", m.NParams(), o.ParamCount())
			}
			if m.VocabType() != o.Vocab || !m.AddBOS() || m.AddEOS() || m.BOS() != v.BOS || m.EOS() != v.EOS {
				t.Errorf("vocab %s add_bos %v add_eos %v bos %d eos %d, want %s, true, false, %d, %d",
					m.VocabType(), m.AddBOS(), m.AddEOS(), m.BOS(), m.EOS(), o.Vocab, v.BOS, v.EOS)
			}

			var all []int32
			for _, text := range llamaTexts {
				ids, err := m.Tokenize(text, true, false)
				if err != nil {
					t.Fatal(err)
				}
				if len(ids) < 2 || ids[0] != v.BOS {
					t.Fatalf("%q: tokens %v do not start with BOS %d", text, ids, v.BOS)
				}
				body := ids[1:]
				ints := make([]int, len(body))
				for i, id := range body {
					ints[i] = int(id)
				}
				var got string
				var want []int
				if o.Vocab == synth.VocabSPM {
					got, want = spmDecode(t, v, body), synth.SPMEncode(v, text)
				} else {
					got, want = synth.BPEDecode(v, ints), synth.BPEEncode(t, v, text)
				}
				if !slices.Equal(ints, want) {
					t.Errorf("%q: llama.cpp gives %v, synth's own tokenizer %v", text, ints, want)
				}
				if got != text {
					t.Errorf("tokens of %q spell %q", text, got)
				}
				if multi := countMulti(v, body); multi == 0 || len(body) >= len(text) {
					t.Errorf("%q: %d tokens for %d bytes, %d multi-character: tokenization is trivial", text, len(body), len(text), multi)
				}
				all = append(all, ids...)
			}
			decodeAll(t, m, all)

			// The whole training sample, 8 KB of Japanese and English,
			// tokenizes in llama.cpp exactly as in synth's own tokenizer.
			ids, err := m.Tokenize(synth.Sample, false, false)
			if err != nil {
				t.Fatal(err)
			}
			ints := make([]int, len(ids))
			for i, id := range ids {
				ints[i] = int(id)
			}
			var want []int
			if o.Vocab == synth.VocabSPM {
				want = synth.SPMEncode(v, synth.Sample)
			} else {
				want = synth.BPEEncode(t, v, synth.Sample)
			}
			if !slices.Equal(ints, want) {
				t.Errorf("the sample: llama.cpp gives %d tokens, synth's tokenizer %d, or other ids", len(ints), len(want))
			}
		})
	}
}

func countMulti(v *synth.Vocab, ids []int32) int {
	n := 0
	for _, id := range ids {
		if v.Types[id] == synth.TokenNormal && utf8.RuneCountInString(v.Tokens[id]) > 1 {
			n++
		}
	}
	return n
}

// decodeAll decodes toks as one sequence, asking for logits at every
// position, and checks them.
func decodeAll(t *testing.T, m *llama.Model, toks []int32) {
	t.Helper()
	c, err := llama.NewContext(m, llama.ContextParams{NCtx: 512, NBatch: 512, NUBatch: 512, Threads: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	b := llama.NewBatch(len(toks))
	defer b.Close()
	for i, tok := range toks {
		if err := b.Add(tok, int32(i), 0, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Decode(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	argmaxes := map[int]bool{}
	for i := range toks {
		lg, err := c.Logits(i)
		if err != nil {
			t.Fatal(err)
		}
		var s, s2 float64
		best := 0
		for j, x := range lg {
			f := float64(x)
			if math.IsNaN(f) || math.IsInf(f, 0) {
				t.Fatalf("position %d: logit %d is %v", i, j, x)
			}
			s += f
			s2 += f * f
			if x > lg[best] {
				best = j
			}
		}
		n := float64(len(lg))
		if std := math.Sqrt(s2/n - (s/n)*(s/n)); std < 0.3 || std > 10 {
			t.Errorf("position %d: logits std %.3f, want spread but bounded", i, std)
		}
		argmaxes[best] = true
	}
	if len(argmaxes) < len(toks)/4 {
		t.Errorf("only %d distinct argmax tokens over %d positions: the logits barely depend on the input", len(argmaxes), len(toks))
	}
}
