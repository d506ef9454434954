package tokenize

import (
	"bytes"
	"testing"
)

func TestCountingWriter(t *testing.T) {
	text := []byte("\n一文目。\n\nabc\n\n最後")
	// Every way of cutting the text into two writes counts the same.
	for cut := 0; cut <= len(text); cut++ {
		var out bytes.Buffer
		cw := &CountingWriter{W: &out}
		cw.Write(text[:cut])
		cw.Write(text[cut:])
		if out.String() != string(text) {
			t.Fatalf("cut %d: passed through %q", cut, out.String())
		}
		if cw.Bytes != int64(len(text)) || cw.Chars != 14 || cw.Lines != 5 || cw.BlankLines != 3 {
			t.Fatalf("cut %d: bytes %d chars %d lines %d blank %d", cut, cw.Bytes, cw.Chars, cw.Lines, cw.BlankLines)
		}
	}
}
