package llama

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/calibkit/calibkit/internal/gguf"
	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/internal/synth/synthtest"
)

// tinyModel writes the default synthesized model once per test binary.
func tinyModel(t *testing.T) string {
	t.Helper()
	return tinyModelPath(t)
}

func tinyModelPath(t testing.TB) string {
	t.Helper()
	return synthtest.Model(t, "tiny", synth.Default())
}

func TestMain(m *testing.M) { synthtest.Main(m) }

func TestLoadDecodeLogits(t *testing.T) {
	m, err := LoadModel(tinyModel(t), ModelParams{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.NVocab() != 2048 || m.NLayer() != 2 || m.NEmbd() != 64 {
		t.Errorf("model facts: vocab %d layers %d embd %d", m.NVocab(), m.NLayer(), m.NEmbd())
	}
	if arch, ok := m.Meta("general.architecture"); !ok || arch != "llama" {
		t.Errorf("general.architecture = %q, %v", arch, ok)
	}
	toks, err := m.Tokenize("Hello world. こんにちは世界。", true, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(toks) < 3 || (m.AddBOS() && toks[0] != m.BOS()) {
		t.Fatalf("tokens %v (BOS %d, add %v)", toks, m.BOS(), m.AddBOS())
	}
	ctx, err := NewContext(m, ContextParams{NCtx: 64, NBatch: 64, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer ctx.Close()
	b := NewBatch(64)
	defer b.Close()
	for i, tok := range toks {
		if err := b.Add(tok, int32(i), 0, true); err != nil {
			t.Fatal(err)
		}
	}
	if err := ctx.Decode(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	lg, err := ctx.Logits(len(toks) - 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(lg) != m.NVocab() {
		t.Fatalf("%d logits", len(lg))
	}
	// log-softmax in Go matches the C one
	lp, err := ctx.LogProbs([]int{len(toks) - 1}, []int32{5})
	if err != nil {
		t.Fatal(err)
	}
	mx := lg[0]
	for _, v := range lg {
		mx = max(mx, v)
	}
	var s float64
	for _, v := range lg {
		s += math.Exp(float64(v - mx))
	}
	want := float64(lg[5]-mx) - math.Log(s)
	if math.Abs(lp[0]-want) > 1e-4 {
		t.Errorf("log prob %v, want %v", lp[0], want)
	}
	if _, err := ctx.Logits(1000); err == nil {
		t.Error("logits of a token outside the batch: no error")
	}
	ctx.Close()
	ctx.Close() // idempotent
	m.Close()
	m.Close()
	if _, err := m.Tokenize("x", false, false); !errors.Is(err, ErrClosed) {
		t.Errorf("tokenize after close: %v", err)
	}
}

func TestTokenizeLongTextResizes(t *testing.T) {
	m, err := LoadModel(tinyModel(t), ModelParams{VocabOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	text := strings.Repeat("日本語のテキストと English text. ", 2000)
	toks, err := m.Tokenize(text, true, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(toks) < 2000 {
		t.Errorf("%d tokens for %d bytes", len(toks), len(text))
	}
	// bytes the vocabulary lacks fall back to one token each: more tokens
	// than the first buffer holds, so llama.cpp asks for a larger one
	var rare strings.Builder
	for r := rune(0x10400); rare.Len() < 400; r++ {
		rare.WriteRune(r)
	}
	rt, err := m.Tokenize(rare.String(), false, false)
	if err != nil || len(rt) < rare.Len()/2+16 {
		t.Errorf("%d tokens for %d bytes of byte-fallback text, err %v", len(rt), rare.Len(), err)
	}
	empty, err := m.Tokenize("", false, false)
	if err != nil || len(empty) != 0 {
		t.Errorf("empty text: %v, %v", empty, err)
	}
}

func TestLoadModelErrors(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile(tinyModel(t))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	unknownArch := strings.Replace(string(good), "llama.block_count", "fooba.block_count", 1)
	unknownArch = strings.Replace(unknownArch, "\x05\x00\x00\x00\x00\x00\x00\x00llama", "\x05\x00\x00\x00\x00\x00\x00\x00fooba", 1)
	tests := []struct {
		name, path, want string
	}{
		{"token repeated as C string", write("nul.gguf", nulDuplicate(t, good)), "twice"},
		{"missing", filepath.Join(dir, "nope.gguf"), "no such file"},
		{"folder", dir, "is a folder"},
		{"not gguf", write("text.gguf", []byte("hello, this is not a model at all")), "not a GGUF file"},
		{"tiny", write("short.gguf", []byte("GGUF")), "truncated"},
		{"truncated data", write("trunc.gguf", good[:len(good)/2]), "the file is truncated"},
		{"truncated header", write("trunchead.gguf", good[:3000]), "truncated"},
		{"unknown arch", write("arch.gguf", []byte(unknownArch)), "fooba"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := LoadModel(tt.path, ModelParams{})
			if err == nil {
				m.Close()
				t.Fatal("no error")
			}
			t.Logf("%v", err)
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.path) {
				t.Errorf("error %q lacks %q or the path", err, tt.want)
			}
		})
	}
}

func TestLoadModelTooLargeForMemory(t *testing.T) {
	old := availableMemory
	availableMemory = func() (uint64, bool) { return 1000, true }
	defer func() { availableMemory = old }()
	_, err := LoadModel(tinyModel(t), ModelParams{})
	if err == nil || !strings.Contains(err.Error(), "only 1000 B is available") {
		t.Fatalf("err = %v", err)
	}
	// the vocabulary alone needs no such room
	m, err := LoadModel(tinyModel(t), ModelParams{VocabOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
}

func TestDecodeCancelled(t *testing.T) {
	m, err := LoadModel(tinyModel(t), ModelParams{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	lctx, err := NewContext(m, ContextParams{NCtx: 32, NBatch: 32, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer lctx.Close()
	b := NewBatch(32)
	defer b.Close()
	b.Add(1, 0, 0, true)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := lctx.Decode(ctx, b); !errors.Is(err, context.Canceled) {
		t.Errorf("decode with a cancelled context: %v", err)
	}
}

// countHook wants every multiplication and records what it sees.
type countHook struct {
	wanted, observed map[string]int
	failOn           string
}

func (h *countHook) Want(t *Tensor) bool {
	h.wanted[t.Weight()]++
	return true
}

func (h *countHook) Observe(t *Tensor) error {
	h.observed[t.Weight()]++
	if t.Weight() == h.failOn {
		return errors.New("hook refuses " + h.failOn)
	}
	s := t.Shape()
	if !t.F32() || t.Row(int(s[1])-1, 0, 0) == nil || t.Row(int(s[1]), 0, 0) != nil {
		return errors.New("bad row access on " + t.Weight())
	}
	return nil
}

func TestEvalHookSeesEachMultiplicationOnce(t *testing.T) {
	m, err := LoadModel(tinyModel(t), ModelParams{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	h := &countHook{wanted: map[string]int{}, observed: map[string]int{}}
	lctx, err := NewContext(m, ContextParams{NCtx: 64, NBatch: 64, NUBatch: 32, Threads: 1, EvalHook: h})
	if err != nil {
		t.Fatal(err)
	}
	defer lctx.Close()
	b := NewBatch(64)
	defer b.Close()
	for i := range 64 {
		b.Add(int32(300+i), int32(i), 0, true)
	}
	if err := lctx.Decode(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	// 2 micro-batches × (7 block weights × 2 layers + output.weight)
	if len(h.observed) != 15 {
		t.Errorf("observed %d weights: %v", len(h.observed), h.observed)
	}
	for w, n := range h.observed {
		if n != 2 || h.wanted[w] != 2 {
			t.Errorf("%s: wanted %d, observed %d times, want 2 and 2", w, h.wanted[w], n)
		}
	}
	// k and v share q's input, up shares gate's: observed without a split
	if lctx.hook.early != 2*2*3 {
		t.Errorf("%d nodes observed early, want 12 (3 per layer per micro-batch)", lctx.hook.early)
	}

	h.failOn = "blk.1.ffn_up.weight"
	lctx.ClearMemory()
	err = lctx.Decode(context.Background(), b)
	if err == nil || !strings.Contains(err.Error(), "hook refuses blk.1.ffn_up.weight") {
		t.Fatalf("decode with a failing hook: %v", err)
	}
	h.failOn = ""
	lctx.ClearMemory()
	if err := lctx.Decode(context.Background(), b); err != nil {
		t.Errorf("decode after a hook error: %v", err)
	}
}

func TestTokenizeParseSpecialAndConcurrency(t *testing.T) {
	m, err := LoadModel(tinyModel(t), ModelParams{VocabOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	special, err := m.Tokenize("<s>", false, true)
	if err != nil || len(special) != 1 || special[0] != m.BOS() {
		t.Errorf("<s> parsed as special: %v, %v (BOS %d)", special, err, m.BOS())
	}
	plain, err := m.Tokenize("<s>", false, false)
	if err != nil || len(plain) < 2 {
		t.Errorf("<s> as text: %v, %v", plain, err)
	}
	// tokenizing goroutines share the model
	texts := []string{"春には桜が咲く。", "The quick brown fox.", "日本語 and English 混在", strings.Repeat("ab ", 500)}
	want := make([][]int32, len(texts))
	for i, s := range texts {
		if want[i], err = m.Tokenize(s, true, false); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8*len(texts))
	for range 8 {
		for i, s := range texts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := m.Tokenize(s, true, false)
				if err != nil || fmt.Sprint(got) != fmt.Sprint(want[i]) {
					errs <- fmt.Errorf("concurrent tokenize of %q: %v, %v", s, got, err)
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// FuzzLoadModel feeds damaged model files to LoadModel: each must load or
// fail with an error, never crash the process (llama.cpp aborts on some
// malformed headers, which the Go check in front of it must catch).
func FuzzLoadModel(f *testing.F) {
	good, err := os.ReadFile(tinyModelPath(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good[:4096], uint16(0), byte(0))
	f.Add(good[:64], uint16(10), byte(0xff))
	f.Add(good[:1024], uint16(200), byte(7))
	f.Fuzz(func(t *testing.T, head []byte, at uint16, b byte) {
		// a damaged header in front of the real model's remaining bytes
		data := append([]byte(nil), good...)
		copy(data, head)
		if int(at) < len(data) {
			data[at] ^= b
		}
		p := filepath.Join(t.TempDir(), "fuzz.gguf")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := LoadModel(p, ModelParams{VocabOnly: true})
		if err == nil {
			m.Close()
		}
	})
}

// TestLoadModelSurvivesDamagedHeaders flips random bytes in the header of a
// good model (vocabulary, hyperparameters, tensor table): every load must
// end in a model or an error. llama.cpp aborts the process on some damaged
// vocabularies (a token repeated once read as a C string); LoadModel
// refuses those first.
func TestLoadModelSurvivesDamagedHeaders(t *testing.T) {
	good, err := os.ReadFile(tinyModel(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(1, 2))
	failed := 0
	for i := range 300 {
		data := append([]byte(nil), good...)
		for range 1 + r.IntN(4) {
			data[r.IntN(60000)] ^= byte(1 + r.IntN(255))
		}
		p := filepath.Join(dir, fmt.Sprintf("damaged-%d.gguf", i))
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		m, err := LoadModel(p, ModelParams{VocabOnly: i%2 == 0})
		if err != nil {
			failed++
			continue
		}
		m.Close()
	}
	t.Logf("%d of 300 damaged models refused with an error", failed)
}

// nulDuplicate returns the model with one token's last byte set to NUL, so
// that, read as a C string, it repeats a shorter token.
func nulDuplicate(t *testing.T, model []byte) []byte {
	t.Helper()
	g, err := gguf.Open(tinyModel(t))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	v, _ := g.Value("tokenizer.ggml.tokens")
	toks := v.([]string)
	set := map[string]bool{}
	for _, tok := range toks {
		set[tok] = true
	}
	for _, tok := range toks {
		if len(tok) < 2 || !set[tok[:len(tok)-1]] {
			continue
		}
		var enc []byte
		enc = binary.LittleEndian.AppendUint64(enc, uint64(len(tok)))
		enc = append(enc, tok...)
		at := bytes.Index(model, enc)
		if at < 0 {
			continue
		}
		out := append([]byte(nil), model...)
		out[at+len(enc)-1] = 0
		return out
	}
	t.Fatal("no token extends another by one byte")
	return nil
}

type panicHook struct{}

func (panicHook) Want(t *Tensor) bool     { return true }
func (panicHook) Observe(t *Tensor) error { panic("boom") }

func TestEvalHookPanicBecomesError(t *testing.T) {
	m, err := LoadModel(tinyModel(t), ModelParams{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	lctx, err := NewContext(m, ContextParams{NCtx: 32, NBatch: 32, Threads: 1, EvalHook: panicHook{}})
	if err != nil {
		t.Fatal(err)
	}
	defer lctx.Close()
	b := NewBatch(32)
	defer b.Close()
	for i := range 20 {
		b.Add(int32(300+i), int32(i), 0, true)
	}
	err = lctx.Decode(context.Background(), b)
	if err == nil || !strings.Contains(err.Error(), "panicked") || !strings.Contains(err.Error(), "boom") {
		t.Errorf("decode with a panicking hook: %v", err)
	}
}

func TestDetokenizeRoundTrip(t *testing.T) {
	m, err := LoadModel(tinyModel(t), ModelParams{VocabOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for _, text := range []string{"春には桜が咲く。", "The quick brown fox.", strings.Repeat("日本語 and English 混在 ", 300)} {
		toks, err := m.Tokenize(text, false, false)
		if err != nil {
			t.Fatal(err)
		}
		got, err := m.Detokenize(toks)
		if err != nil {
			t.Fatal(err)
		}
		// SPM puts a space before the text; detokenizing keeps it
		if strings.TrimPrefix(got, " ") != text {
			t.Errorf("round trip of %.40q gave %.40q", text, got)
		}
		// two halves join into the whole, but for the space prefix that
		// llama.cpp drops from the first piece of each (add_space_prefix)
		a, _ := m.Detokenize(toks[:len(toks)/2])
		b, _ := m.Detokenize(toks[len(toks)/2:])
		if a+b != got && a+" "+b != got {
			t.Errorf("halves %.30q + %.30q != %.40q", a, b, got)
		}
	}
	if s, err := m.Detokenize(nil); s != "" || err != nil {
		t.Errorf("no tokens: %q, %v", s, err)
	}
}
