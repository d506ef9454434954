package coverage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/internal/synth/synthtest"
)

// texts are written for the tests, one per script mix.
var texts = map[string]string{
	"ja.txt": strings.Repeat("朝の駅はいつも混雑している。電車が到着すると、人々は静かに列を作って乗り込む。\n"+
		"カタカナの言葉も日常生活にはたくさんある。コンピューター、インターネット、テレビ。\n", 30),
	"en.txt": strings.Repeat("The morning train was crowded, as it always is on weekdays.\n"+
		"In 2024 the summer was very hot; people stayed inside.\n", 30),
	"mixed.txt": strings.Repeat("Москва — столица России. Αθήνα είναι η πρωτεύουσα. 서울은 한국의 수도이다.\n"+
		"東京は日本の首都である。Tokyo is the capital of Japan!\n\n", 20),
}

// testModel writes (once) a synthesized model with the given vocabulary.
func testModel(t testing.TB, kind string) string {
	t.Helper()
	o := synth.Default()
	o.Vocab, o.VocabSize = kind, 4096
	return synthtest.Model(t, kind, o)
}

func TestMain(m *testing.M) { synthtest.Main(m) }

func writeTexts(t *testing.T) (dir string, paths []string) {
	t.Helper()
	dir = t.TempDir()
	names := make([]string, 0, len(texts))
	for n := range texts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, []byte(texts[n]), 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	return dir, paths
}

// bruteScript classifies a piece the slow way: every rune against every
// Unicode script table, Hiragana and Katakana as kana, the most common
// script winning and the first met on a tie.
func bruteScript(e llama.VocabEntry) string {
	if e.Attr&(llama.AttrControl|llama.AttrUnknown|llama.AttrUnused) != 0 || e.Piece == "" {
		return "special"
	}
	if e.Attr&llama.AttrByte != 0 || !utf8.ValidString(e.Piece) {
		return "byte"
	}
	count := map[string]int{}
	var order []string
	for _, r := range e.Piece {
		for name, tab := range unicode.Scripts {
			if name == "Common" || name == "Inherited" || !unicode.Is(tab, r) {
				continue
			}
			if name == "Hiragana" || name == "Katakana" {
				name = "kana"
			}
			if count[name] == 0 {
				order = append(order, name)
			}
			count[name]++
		}
	}
	if len(order) == 0 {
		return "common"
	}
	best := order[0]
	for _, s := range order[1:] {
		if count[s] > count[best] {
			best = s
		}
	}
	return best
}

func TestRunMatchesBruteForce(t *testing.T) {
	for _, kind := range []string{synth.VocabSPM, synth.VocabBPE} {
		t.Run(kind, func(t *testing.T) {
			model := testModel(t, kind)
			_, paths := writeTexts(t)
			const k = 5
			res, err := Run(context.Background(), Options{Model: model, Files: paths, MinCount: k, Top: 3})
			if err != nil {
				t.Fatal(err)
			}
			m, err := llama.LoadModel(model, llama.ModelParams{VocabOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			vocab, err := m.Vocab()
			if err != nil {
				t.Fatal(err)
			}
			script := make([]string, len(vocab))
			size := map[string]int{}
			for id, e := range vocab {
				script[id] = bruteScript(e)
				size[script[id]]++
			}
			counted := len(vocab) - size["special"]
			if res.NVocab != len(vocab) || res.Counted != counted || res.Special != size["special"] {
				t.Fatalf("vocab %d counted %d special %d, want %d %d %d", res.NVocab, res.Counted, res.Special, len(vocab), counted, size["special"])
			}
			for _, s := range res.Scripts {
				if size[s.Script] != s.Tokens {
					t.Errorf("script %s: %d tokens, brute force %d", s.Script, s.Tokens, size[s.Script])
				}
			}
			for _, want := range []string{"Latin", "Han", "kana", "Cyrillic", "Greek", "byte"} {
				if size[want] == 0 {
					t.Errorf("the %s vocabulary has no %s token: the test cannot check that script", kind, want)
				}
			}
			wantPrior := map[string]string{synth.VocabSPM: PriorScore, synth.VocabBPE: PriorID}[kind]
			if res.Prior != wantPrior {
				t.Errorf("prior %s, want %s", res.Prior, wantPrior)
			}
			for i, f := range res.Files {
				text := texts[filepath.Base(paths[i])]
				toks, err := m.Tokenize(text, false, false)
				if err != nil {
					t.Fatal(err)
				}
				counts := map[int32]int64{}
				for _, tok := range toks {
					counts[tok]++
				}
				seen, seenK := map[string]int{}, map[string]int{}
				occ := map[string]int64{}
				for id, n := range counts {
					s := script[id]
					occ[s] += n
					if s == "special" {
						continue
					}
					seen[s]++
					seen[""]++
					if n >= k {
						seenK[s]++
						seenK[""]++
					}
				}
				if f.Tokens != int64(len(toks)) || f.Bytes != int64(len(text)) || f.Pieces != 1 {
					t.Errorf("%s: %d tokens %d bytes %d pieces, want %d %d 1", f.Path, f.Tokens, f.Bytes, f.Pieces, len(toks), len(text))
				}
				if f.Seen != seen[""] || f.SeenK != seenK[""] || f.Share != float64(seen[""])/float64(counted) {
					t.Errorf("%s: seen %d (≥%d: %d) share %v, want %d %d", f.Path, f.Seen, k, f.SeenK, f.Share, seen[""], seenK[""])
				}
				for _, sc := range f.Scripts {
					if sc.Seen != seen[sc.Script] || sc.SeenK != seenK[sc.Script] || sc.Occurrences != occ[sc.Script] || sc.Vocab != size[sc.Script] {
						t.Errorf("%s %s: seen %d ≥k %d occ %d vocab %d; brute force %d %d %d %d", f.Path, sc.Script,
							sc.Seen, sc.SeenK, sc.Occurrences, sc.Vocab, seen[sc.Script], seenK[sc.Script], occ[sc.Script], size[sc.Script])
					}
					checkUnseen(t, f.Path, sc, counts, vocab, script, res.Prior, min(3, sc.Vocab-sc.Seen))
				}
			}
		})
	}
}

// checkUnseen checks that the listed never-seen tokens are the first n of
// their script in prior order that the text lacks.
func checkUnseen(t *testing.T, path string, sc *ScriptCoverage, counts map[int32]int64, vocab []llama.VocabEntry, script []string, prior string, n int) {
	t.Helper()
	var ids []int32
	for id := range vocab {
		if script[id] == sc.Script && counts[int32(id)] == 0 {
			ids = append(ids, int32(id))
		}
	}
	sort.SliceStable(ids, func(i, j int) bool {
		if prior == PriorScore && vocab[ids[i]].Score != vocab[ids[j]].Score {
			return vocab[ids[i]].Score > vocab[ids[j]].Score
		}
		return ids[i] < ids[j]
	})
	if len(sc.Unseen) != n {
		t.Errorf("%s %s: %d unseen listed, want %d", path, sc.Script, len(sc.Unseen), n)
		return
	}
	for i, u := range sc.Unseen {
		if u.ID != ids[i] || u.Piece != vocab[ids[i]].Piece {
			t.Errorf("%s %s: unseen #%d is %d %q, want %d %q", path, sc.Script, i, u.ID, u.Piece, ids[i], vocab[ids[i]].Piece)
		}
	}
}

// TestPiecesAgreeWithWholeText tokenizes in small pieces and checks that the
// counts differ from whole-file tokenization by at most one token and three
// counts per cut (SPM's space prefix at the start of each piece).
func TestPiecesAgreeWithWholeText(t *testing.T) {
	for _, kind := range []string{synth.VocabSPM, synth.VocabBPE} {
		t.Run(kind, func(t *testing.T) {
			model := testModel(t, kind)
			_, paths := writeTexts(t)
			whole, err := Run(context.Background(), Options{Model: model, Files: paths})
			if err != nil {
				t.Fatal(err)
			}
			cut, err := Run(context.Background(), Options{Model: model, Files: paths, PieceBytes: 500})
			if err != nil {
				t.Fatal(err)
			}
			for i, f := range cut.Files {
				w := whole.Files[i]
				if f.Pieces < 5 || f.Bytes != w.Bytes {
					t.Fatalf("%s: %d pieces, %d bytes (whole %d)", f.Path, f.Pieces, f.Bytes, w.Bytes)
				}
				var diff int64
				for id := range f.counts {
					diff += abs(f.counts[id] - w.counts[id])
				}
				cuts := int64(f.Pieces - 1)
				if abs(f.Tokens-w.Tokens) > cuts || diff > 3*cuts {
					t.Errorf("%s: %d pieces give %d tokens (whole %d), counts differ by %d", f.Path, f.Pieces, f.Tokens, w.Tokens, diff)
				}
				t.Logf("%s: %d pieces: tokens %d vs %d, count difference %d", filepath.Base(f.Path), f.Pieces, f.Tokens, w.Tokens, diff)
			}
		})
	}
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestRunErrors(t *testing.T) {
	dir, paths := writeTexts(t)
	model := testModel(t, synth.VocabSPM)
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, nil, 0o644)
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("abc\n\xffdef"), 0o644)
	tests := []struct {
		name  string
		opts  Options
		want  string
		isErr error
	}{
		{"no files", Options{Model: model}, "no text files", nil},
		{"missing model", Options{Model: filepath.Join(dir, "none.gguf"), Files: paths}, "none.gguf", os.ErrNotExist},
		{"not a model", Options{Model: paths[0], Files: paths}, "not a GGUF file", nil},
		{"missing text", Options{Model: model, Files: []string{filepath.Join(dir, "none.txt")}}, "none.txt", os.ErrNotExist},
		{"folder", Options{Model: model, Files: []string{dir}}, "is a folder", nil},
		{"empty", Options{Model: model, Files: []string{paths[0], empty}}, "empty.txt: empty text", ErrEmptyText},
		{"not utf-8", Options{Model: model, Files: []string{bad}}, "bad.txt: not UTF-8: invalid byte 0xff at byte offset 4", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(context.Background(), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			}
			if tt.isErr != nil && !errors.Is(err, tt.isErr) {
				t.Errorf("error %v is not %v", err, tt.isErr)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, Options{Model: model, Files: paths}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: %v", err)
	}
}

// TestThreadsGiveTheSameCounts tokenizes the pieces on one and on three
// threads: every count must be equal, and a bad byte late in the text is
// reported at its offset either way.
func TestThreadsGiveTheSameCounts(t *testing.T) {
	dir, paths := writeTexts(t)
	model := testModel(t, synth.VocabBPE)
	one, err := Run(context.Background(), Options{Model: model, Files: paths, PieceBytes: 300})
	if err != nil {
		t.Fatal(err)
	}
	three, err := Run(context.Background(), Options{Model: model, Files: paths, PieceBytes: 300, Threads: 3})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range three.Files {
		g := one.Files[i]
		if f.Tokens != g.Tokens || f.Bytes != g.Bytes || f.Pieces != g.Pieces || f.Seen != g.Seen || f.SeenK != g.SeenK {
			t.Errorf("%s: 3 threads %d tokens %d pieces, 1 thread %d %d", f.Path, f.Tokens, f.Pieces, g.Tokens, g.Pieces)
		}
		for id := range f.counts {
			if f.counts[id] != g.counts[id] {
				t.Fatalf("%s: token %d counted %d on 3 threads, %d on 1", f.Path, id, f.counts[id], g.counts[id])
			}
		}
	}
	text := texts["en.txt"]
	bad := filepath.Join(dir, "late-bad.txt")
	os.WriteFile(bad, []byte(text+"x\xc3\n"+text), 0o644)
	want := fmt.Sprintf("late-bad.txt: not UTF-8: invalid byte 0xc3 at byte offset %d", len(text)+1)
	for _, threads := range []int{1, 3} {
		if _, err := Run(context.Background(), Options{Model: model, Files: []string{bad}, PieceBytes: 300, Threads: threads}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%d threads: error %v, want %q", threads, err, want)
		}
	}
}
