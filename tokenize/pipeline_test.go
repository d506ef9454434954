package tokenize

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/calibkit/calibkit/tokenize/internal/jagen"
)

// upper is a LineFunc that is easy to predict: "<line>|<len>\n".
func tagLine(dst, line []byte) []byte {
	dst = append(dst, line...)
	return fmt.Appendf(dst, "|%d\n", len(line))
}

func TestProcessLines(t *testing.T) {
	cases := []struct {
		name, in, want string
		lines, invalid int64
	}{
		{"empty", "", "", 0, 0},
		{"one line no newline", "abc", "abc|3\n", 1, 0},
		{"blank lines", "\n\n", "|0\n|0\n", 2, 0},
		{"crlf", "a\r\nbc\r\n", "a|1\nbc|2\n", 2, 0},
		{"invalid utf8 replaced", "a\xffb\nok\n", "a\uFFFDb|5\nok|2\n", 2, 1},
		{"lone cr kept inside", "a\rb\n", "a\rb|3\n", 1, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			st, err := ProcessLines(context.Background(), strings.NewReader(tc.in), &out, 3, tagLine)
			if err != nil {
				t.Fatal(err)
			}
			if out.String() != tc.want {
				t.Errorf("output %q, want %q", out.String(), tc.want)
			}
			if st.Lines != tc.lines || st.InvalidUTF8Lines != tc.invalid || st.BytesIn != int64(len(tc.in)) || st.BytesOut != int64(len(tc.want)) {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// Many workers, small reads, long lines: the output is the same as one
// worker's and in input order.
func TestProcessLinesOrderAnyWorkers(t *testing.T) {
	var in strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&in, "line %d %s\n", i, strings.Repeat("あ", i%97))
		if i%5000 == 0 {
			in.WriteString(strings.Repeat("長", 300_000) + "\n") // longer than a batch
		}
	}
	in.WriteString("last line without newline")
	var want bytes.Buffer
	for _, line := range strings.Split(in.String(), "\n") {
		want.Write(tagLine(nil, []byte(line)))
	}
	for _, workers := range []int{1, 2, 7, 32} {
		var out bytes.Buffer
		r := iotest.HalfReader(strings.NewReader(in.String()))
		st, err := ProcessLines(context.Background(), r, &out, workers, tagLine)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), want.Bytes()) {
			t.Fatalf("workers=%d: output differs from the sequential result", workers)
		}
		if st.Lines != 20005 {
			t.Fatalf("workers=%d: %d lines", workers, st.Lines)
		}
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n -= len(p); w.n < 0 {
		return 0, errors.New("disk full")
	}
	return len(p), nil
}

func TestProcessLinesErrors(t *testing.T) {
	text := jagen.String(1<<20, 1)
	_, err := ProcessLines(context.Background(), iotest.TimeoutReader(strings.NewReader(text)), io.Discard, 2, tagLine)
	if !errors.Is(err, iotest.ErrTimeout) || !strings.Contains(err.Error(), "read input") {
		t.Errorf("failing reader: err = %v", err)
	}
	_, err = ProcessLines(context.Background(), strings.NewReader(text), &failWriter{n: 1000}, 2, tagLine)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("failing writer: err = %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = ProcessLines(ctx, strings.NewReader(text), io.Discard, 2, tagLine)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: err = %v", err)
	}
}

func TestAppendSentenceLines(t *testing.T) {
	s := newTestSplitter(t)
	var out bytes.Buffer
	_, err := ProcessLines(context.Background(), strings.NewReader("一。二！\n\n　\n「三。」と言った。\n"), &out, 2, s.AppendSentenceLines)
	if err != nil {
		t.Fatal(err)
	}
	if want := "一。\n二！\n\n\n「三。」と言った。\n"; out.String() != want {
		t.Errorf("got %q want %q", out.String(), want)
	}
}

func TestCounts(t *testing.T) {
	s := newTestSplitter(t)
	text := "一文目。二文目！\n\nEnglish. Two.\nend"
	want := Counts{Bytes: int64(len(text)), Chars: 27, Lines: 4, Sentences: 5}
	if got := s.Count(text); got != want {
		t.Errorf("Count = %+v, want %+v", got, want)
	}
	got, err := s.CountReader(context.Background(), iotest.OneByteReader(strings.NewReader(text)))
	if err != nil || got != want {
		t.Errorf("CountReader = %+v, %v; want %+v", got, err, want)
	}
	if CountChars("あa\xff") != 3 || CountLines("") != 0 || CountLines("a\n") != 1 || CountLines("a\nb") != 2 {
		t.Error("CountChars/CountLines")
	}
	var sum Counts
	sum.Add(want)
	sum.Add(want)
	if sum.Sentences != 10 || sum.Bytes != 2*want.Bytes {
		t.Errorf("Add: %+v", sum)
	}
}
