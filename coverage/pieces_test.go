package coverage

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"testing/iotest"
)

// readPieces returns every piece of text cut at size.
func readPieces(t testing.TB, text []byte, size int) [][]byte {
	t.Helper()
	pr := newPieceReader(iotest.HalfReader(bytes.NewReader(text)), size)
	var out [][]byte
	var off int64
	for {
		p, o, err := pr.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if o != off {
			t.Fatalf("piece %d at offset %d, want %d", len(out), o, off)
		}
		off += int64(len(p))
		out = append(out, p)
	}
	return out
}

func TestPieceReaderCuts(t *testing.T) {
	tests := []struct {
		name, text string
		size       int
		want       []string
	}{
		{"whole", "a\nb\nc\n", 100, []string{"a\nb\nc\n"}},
		{"line cut", "aaaa\nbbbb\ncccc\n", 6, []string{"aaaa\n", "bbbb\n", "cccc\n"}},
		{"not between blank lines", "aaaa\n\nbbbb\ncc", 7, []string{"aaaa\n\nbbbb\n", "cc"}},
		{"not before a space", "aaaa\n bbbb\ncc", 7, []string{"aaaa\n bbbb\n", "cc"}},
		{"fallback at a newline", "aa\n\n\n\nbbbbbbbbbbbbbbbbbb", 4, []string{"aa\n\n\n\n", "bbbbbbbbbbbbbbbbb", "b"}},
		{"fallback at a character", strings.Repeat("東", 8), 4, []string{"東東東東東", "東東東"}},
		{"empty", "", 4, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range readPieces(t, []byte(tt.text), tt.size) {
				got = append(got, string(p))
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
				t.Errorf("pieces %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzPieceReader checks that the pieces of any text join back to it, each
// valid UTF-8 text cuts into valid UTF-8 pieces, and no piece is empty.
func FuzzPieceReader(f *testing.F) {
	f.Add([]byte("aaaa\nbbbb\n\n cccc\n東京\n"), 3)
	f.Add([]byte("\n\n\n"), 1)
	f.Fuzz(func(t *testing.T, text []byte, size int) {
		size = 1 + abs32(size)%64
		pieces := readPieces(t, text, size)
		if j := bytes.Join(pieces, nil); !bytes.Equal(j, text) {
			t.Fatalf("pieces join to %q, not %q", j, text)
		}
		for _, p := range pieces {
			if len(p) == 0 {
				t.Fatal("empty piece")
			}
			if len(p) > 5*size+utf8.UTFMax {
				t.Fatalf("piece of %d bytes for size %d", len(p), size)
			}
			if utf8.Valid(text) && !utf8.Valid(p) {
				t.Fatalf("valid text cut inside a character: %q", p)
			}
		}
	})
}

func abs32(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
