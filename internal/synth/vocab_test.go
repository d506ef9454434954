package synth

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

var vocabSizes = []int{384, 2048, 32000, 65536}

func TestSPMVocab(t *testing.T) {
	for _, size := range vocabSizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			v, err := BuildVocab(VocabSPM, size)
			if err != nil {
				t.Fatal(err)
			}
			checkCommon(t, v, size)
			if v.Model != "llama" || v.Pre != "" || v.Merges != nil || !v.AddBOS {
				t.Errorf("model %q pre %q merges %d add_bos %v, want llama, no pre, no merges, add_bos", v.Model, v.Pre, len(v.Merges), v.AddBOS)
			}
			if len(v.Scores) != size {
				t.Fatalf("%d scores for %d tokens", len(v.Scores), size)
			}
			wantHead := []struct {
				tok string
				typ int32
			}{{"<unk>", TokenUnknown}, {"<s>", TokenControl}, {"</s>", TokenControl}}
			for i, w := range wantHead {
				if v.Tokens[i] != w.tok || v.Types[i] != w.typ {
					t.Errorf("token %d = %q type %d, want %q type %d", i, v.Tokens[i], v.Types[i], w.tok, w.typ)
				}
			}
			if v.UNK != 0 || v.BOS != 1 || v.EOS != 2 {
				t.Errorf("unk/bos/eos = %d/%d/%d, want 0/1/2", v.UNK, v.BOS, v.EOS)
			}
			for b := 0; b < 256; b++ {
				if tok, want := v.Tokens[3+b], fmt.Sprintf("<0x%02X>", b); tok != want || v.Types[3+b] != TokenByte {
					t.Fatalf("token %d = %q type %d, want byte token %q", 3+b, tok, v.Types[3+b], want)
				}
			}
			multi := 0
			for i := spmFixed; i < size; i++ {
				if v.Types[i] != TokenNormal {
					t.Fatalf("token %d %q has type %d, want normal", i, v.Tokens[i], v.Types[i])
				}
				if i > spmFixed && v.Scores[i] >= v.Scores[i-1] {
					t.Fatalf("score of token %d %q (%g) is not below the previous one (%g)", i, v.Tokens[i], v.Scores[i], v.Scores[i-1])
				}
				if utf8.RuneCountInString(v.Tokens[i]) > 1 {
					multi++
				}
			}
			if multi < min(100, (size-spmFixed)/4) {
				t.Errorf("only %d multi-character pieces", multi)
			}
			musts := []string{"▁", "e", "の", "▁the"}
			if size >= 2048 {
				musts = append(musts, "Z", "~", "ア", "漢")
			}
			for _, must := range musts {
				if !slices.Contains(v.Tokens, must) {
					t.Errorf("vocabulary lacks %q", must)
				}
			}
		})
	}
}

func TestBPEVocab(t *testing.T) {
	for _, size := range vocabSizes {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			v, err := BuildVocab(VocabBPE, size)
			if err != nil {
				t.Fatal(err)
			}
			checkCommon(t, v, size)
			if v.Model != "gpt2" || v.Pre != "gpt-2" || v.Scores != nil || !v.AddBOS || v.UNK != -1 {
				t.Errorf("model %q pre %q scores %d add_bos %v unk %d, want gpt2, gpt-2, no scores, add_bos, no unk", v.Model, v.Pre, len(v.Scores), v.AddBOS, v.UNK)
			}
			if v.Tokens[v.BOS] != bpeBOS || v.Tokens[v.EOS] != bpeEOS || v.Types[v.BOS] != TokenControl || v.Types[v.EOS] != TokenControl {
				t.Errorf("bos %d %q eos %d %q: want control tokens %q and %q", v.BOS, v.Tokens[v.BOS], v.EOS, v.Tokens[v.EOS], bpeBOS, bpeEOS)
			}
			id := map[string]int{}
			for i, tok := range v.Tokens {
				id[tok] = i
			}
			// The 256 byte symbols are distinct, single runes, and come first.
			for b := 0; b < 256; b++ {
				if r, _ := utf8.DecodeRuneInString(v.Tokens[b]); r != byteRunes[b] || utf8.RuneCountInString(v.Tokens[b]) != 1 {
					t.Fatalf("token %d = %q, want the byte symbol of %#x", b, v.Tokens[b], b)
				}
			}
			// Every merge joins two existing tokens into a token, so any
			// prefix of the merge list is a working tokenizer.
			for i, m := range v.Merges {
				l, r, ok := strings.Cut(m, " ")
				if !ok || l == "" || r == "" || strings.Contains(r, " ") {
					t.Fatalf("merge %d %q is not two symbols", i, m)
				}
				li, lok := id[l]
				ri, rok := id[r]
				ji, jok := id[l+r]
				if !lok || !rok || !jok {
					t.Fatalf("merge %d %q: parts or result missing from the vocabulary", i, m)
				}
				if li >= ji || ri >= ji {
					t.Fatalf("merge %d %q: result id %d not after its parts %d, %d", i, m, ji, li, ri)
				}
			}
			for _, w := range []string{"Ġthe", "ãģ®"} { // " the", "の"
				if _, ok := id[w]; !ok {
					t.Errorf("vocabulary lacks %q", w)
				}
			}
		})
	}
}

func checkCommon(t *testing.T, v *Vocab, size int) {
	t.Helper()
	if len(v.Tokens) != size || len(v.Types) != size {
		t.Fatalf("%d tokens, %d types, want %d", len(v.Tokens), len(v.Types), size)
	}
	seen := map[string]int{}
	for i, tok := range v.Tokens {
		if tok == "" || !utf8.ValidString(tok) {
			t.Fatalf("token %d %q is empty or not UTF-8", i, tok)
		}
		if j, dup := seen[tok]; dup {
			t.Fatalf("token %q at %d and %d", tok, j, i)
		}
		seen[tok] = i
	}
}

func TestVocabPrefixes(t *testing.T) {
	small, err := BuildVocab(VocabBPE, 1000)
	if err != nil {
		t.Fatal(err)
	}
	large, err := BuildVocab(VocabBPE, 5000)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(small.Merges, large.Merges[:len(small.Merges)]) {
		t.Error("the merges of a 1000-token BPE vocabulary are not a prefix of a 5000-token one's")
	}
	if !slices.Equal(small.Tokens[:998], large.Tokens[:998]) {
		t.Error("the tokens of a 1000-token BPE vocabulary are not a prefix of a 5000-token one's")
	}
}

func TestBuildVocabErrors(t *testing.T) {
	for _, tt := range []struct {
		kind string
		size int
	}{{VocabSPM, 383}, {VocabBPE, 65537}, {"wpm", 1000}} {
		if _, err := BuildVocab(tt.kind, tt.size); err == nil {
			t.Errorf("BuildVocab(%q, %d) succeeded", tt.kind, tt.size)
		}
	}
}

// bpeEncode tokenizes text the way llama.cpp's BPE tokenizer does for the
// gpt-2 pre-tokenizer: split into words, map bytes to symbols, apply merges
// by rank, look each result up.
func bpeEncode(t testing.TB, v *Vocab, text string) []int {
	ranks := map[pair]int{}
	for i, m := range v.Merges {
		l, r, _ := strings.Cut(m, " ")
		if _, dup := ranks[pair{l, r}]; !dup {
			ranks[pair{l, r}] = i
		}
	}
	id := map[string]int{}
	for i, tok := range v.Tokens {
		id[tok] = i
	}
	var ids []int
	for _, w := range splitGPT2(text) {
		for _, s := range applyMerges(byteSymbols(w), ranks) {
			i, ok := id[s]
			if !ok {
				t.Fatalf("text %q: symbol %q is not a token", text, s)
			}
			ids = append(ids, i)
		}
	}
	return ids
}

// bpeDecode maps token ids back to bytes through the inverse byte table.
func bpeDecode(v *Vocab, ids []int) string {
	inv := map[rune]byte{}
	for b, r := range byteRunes {
		inv[r] = byte(b)
	}
	var sb strings.Builder
	for _, i := range ids {
		for _, r := range v.Tokens[i] {
			sb.WriteByte(inv[r])
		}
	}
	return sb.String()
}

func TestBPERoundTrip(t *testing.T) {
	v, err := BuildVocab(VocabBPE, 4096)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"吾輩は猫である。名前はまだ無い。",
		"The quick brown fox jumps over the lazy dog.",
		"Ünïcödé 😀 한국어 \t tabs\nnewline  two  spaces",
		"\xff\xfe invalid UTF-8 \x80", // each bad byte becomes U+FFFD, as in llama.cpp
	} {
		ids := bpeEncode(t, v, s)
		if got, want := bpeDecode(v, ids), string([]rune(s)); got != want {
			t.Errorf("round trip of %q gave %q, want %q", s, got, want)
		}
		if len(ids) >= len(s) && utf8.ValidString(s) && s[0] < 0x80 {
			t.Errorf("%q: %d tokens for %d bytes, merges do nothing", s, len(ids), len(s))
		}
	}
}

func FuzzBPERoundTrip(f *testing.F) {
	v, err := BuildVocab(VocabBPE, 2048)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("東京都の人口は約千四百万人。")
	f.Add("it's 10:00 — \t\n  ok")
	f.Fuzz(func(t *testing.T, s string) {
		// Like llama.cpp, invalid UTF-8 bytes become U+FFFD one by one.
		if got, want := bpeDecode(v, bpeEncode(t, v, s)), string([]rune(s)); got != want {
			t.Errorf("round trip of %q gave %q, want %q", s, got, want)
		}
	})
}

func BenchmarkBuildVocab(b *testing.B) {
	for _, kind := range []string{VocabSPM, VocabBPE} {
		for _, size := range []int{2048, 32000} {
			b.Run(fmt.Sprintf("%s-%d", kind, size), func(b *testing.B) {
				for b.Loop() {
					if _, err := BuildVocab(kind, size); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// spmEncode tokenizes text as llama.cpp's SPM tokenizer does (without
// BOS): a space in front, spaces as ▁, characters as symbols, repeatedly
// join the adjacent pair whose concatenation is the highest-scored token
// (leftmost on ties), then byte fallback for symbols not in the vocabulary.
func spmEncode(v *Vocab, text string) []int {
	id := map[string]int{}
	for i, tok := range v.Tokens {
		id[tok] = i
	}
	text = strings.ReplaceAll(" "+text, " ", spmSpace)
	var syms []string
	for len(text) > 0 {
		// Symbol length from the lead byte alone, as llama.cpp's
		// unicode_len_utf8 does, even for invalid UTF-8.
		n := min(len(text), [16]int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4}[text[0]>>4])
		syms = append(syms, text[:n])
		text = text[n:]
	}
	for {
		best := -1
		var bestScore float32
		for i := 0; i+1 < len(syms); i++ {
			if j, ok := id[syms[i]+syms[i+1]]; ok && (best < 0 || v.Scores[j] > bestScore) {
				best, bestScore = i, v.Scores[j]
			}
		}
		if best < 0 {
			break
		}
		syms[best] += syms[best+1]
		syms = append(syms[:best+1], syms[best+2:]...)
	}
	var ids []int
	for _, s := range syms {
		if i, ok := id[s]; ok {
			ids = append(ids, i)
			continue
		}
		for k := 0; k < len(s); k++ {
			ids = append(ids, spmFixed-256+int(s[k]))
		}
	}
	return ids
}

// spmDecode maps SPM token ids back to text, dropping the leading space.
func spmDecode(v *Vocab, ids []int) string {
	var b []byte
	for _, i := range ids {
		tok := v.Tokens[i]
		if v.Types[i] == TokenByte {
			var x byte
			fmt.Sscanf(tok, "<0x%02X>", &x)
			b = append(b, x)
			continue
		}
		b = append(b, strings.ReplaceAll(tok, spmSpace, " ")...)
	}
	return strings.TrimPrefix(string(b), " ")
}

func FuzzSPMRoundTrip(f *testing.F) {
	v, err := BuildVocab(VocabSPM, 2048)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("東京都の人口は約千四百万人。")
	f.Add("it's 10:00 — \t\n  ok \xff")
	f.Fuzz(func(t *testing.T, s string) {
		ids := spmEncode(v, s)
		for _, i := range ids {
			if i < 0 || i >= len(v.Tokens) {
				t.Fatalf("%q: token id %d out of range", s, i)
			}
		}
		// On invalid UTF-8, llama.cpp cuts symbols by lead byte and may
		// split a ▁ into byte tokens, which then decode as ▁ rather than a
		// space; only valid text must come back unchanged.
		if got := spmDecode(v, ids); utf8.ValidString(s) && got != s {
			t.Errorf("round trip of %q gave %q", s, got)
		}
	})
}
