package llama

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/calibkit/calibkit/internal/synth"
)

// TestVocabMatchesSynthesizedFile checks each entry's piece, attribute and
// score against the vocabulary synth wrote, for SPM and BPE.
func TestVocabMatchesSynthesizedFile(t *testing.T) {
	for _, kind := range []string{synth.VocabSPM, synth.VocabBPE} {
		t.Run(kind, func(t *testing.T) {
			o := synth.Default()
			o.Vocab, o.VocabSize = kind, 512
			path := filepath.Join(t.TempDir(), kind+".gguf")
			if err := synth.WriteFile(path, o); err != nil {
				t.Fatal(err)
			}
			want, err := synth.BuildVocab(kind, o.VocabSize)
			if err != nil {
				t.Fatal(err)
			}
			m, err := LoadModel(path, ModelParams{VocabOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			got, err := m.Vocab()
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want.Tokens) {
				t.Fatalf("%d entries, want %d", len(got), len(want.Tokens))
			}
			for id, e := range got {
				tok, typ := want.Tokens[id], want.Types[id]
				if (typ == synth.TokenControl) != (e.Attr&AttrControl != 0) || (typ == synth.TokenByte) != (e.Attr&AttrByte != 0) {
					t.Errorf("token %d %q: attr %#x for type %d", id, tok, e.Attr, typ)
				}
				if want.Scores != nil && e.Score != want.Scores[id] {
					t.Errorf("token %d: score %v, want %v", id, e.Score, want.Scores[id])
				}
				switch {
				case typ == synth.TokenByte:
					var b byte
					if _, err := fmtSscanf(tok, &b); err != nil || e.Piece != string([]byte{b}) {
						t.Errorf("byte token %d %q: piece %q", id, tok, e.Piece)
					}
				case typ == synth.TokenNormal && kind == synth.VocabSPM:
					if w := strings.ReplaceAll(tok, "\u2581", " "); e.Piece != w {
						t.Errorf("token %d: piece %q, want %q", id, e.Piece, w)
					}
				case typ == synth.TokenNormal && utf8.ValidString(e.Piece): // BPE: the piece re-tokenizes to the token
					ids, err := m.Tokenize(e.Piece, false, false)
					if err != nil || len(ids) != 1 || ids[0] != int32(id) {
						t.Errorf("token %d %q: piece %q tokenizes to %v (%v)", id, tok, e.Piece, ids, err)
					}
				}
			}
			if _, err := m.TokenEntry(int32(len(got))); err == nil {
				t.Error("an id past the vocabulary gave no error")
			}
		})
	}
}

func fmtSscanf(tok string, b *byte) (int, error) { return fmt.Sscanf(tok, "<0x%02X>", b) }
