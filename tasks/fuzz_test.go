package tasks

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func FuzzReadHellaswag(f *testing.F) {
	var b bytes.Buffer
	WriteHellaswag(&b, genHellaswag(2, 1))
	f.Add(b.Bytes())
	f.Add([]byte("ctx\n-1\na\nb\nc\nd"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := ReadHellaswag(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := WriteHellaswag(&out, ts); err != nil {
			t.Fatalf("tasks read could not be written: %v", err)
		}
		back, err := ReadHellaswag(&out, "again")
		if err != nil || len(back) != len(ts) {
			t.Fatalf("re-read %d tasks of %d: %v", len(back), len(ts), err)
		}
	})
}

func FuzzReadWinogrande(f *testing.F) {
	var b bytes.Buffer
	WriteWinogrande(&b, genWinogrande(3, 1))
	f.Add(b.Bytes())
	f.Add([]byte("index,sentence,option1,option2,answer\n0,\"a, _ b\",x,y,2\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := ReadWinogrande(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := WriteWinogrande(&out, ts); err != nil {
			return // not every readable row can be written back (quotes in options)
		}
		back, err := ReadWinogrande(&out, "again")
		if err != nil || len(back) != len(ts) {
			t.Fatalf("re-read %d tasks of %d: %v", len(back), len(ts), err)
		}
		for i := range ts {
			if back[i].First != ts[i].First || back[i].Second != ts[i].Second || back[i].Choices != ts[i].Choices || back[i].Answer != ts[i].Answer {
				t.Fatalf("task %d: %+v read back as %+v", i, ts[i], back[i])
			}
		}
	})
}

func FuzzOpenMultipleChoice(f *testing.F) {
	var b bytes.Buffer
	WriteMultipleChoice(&b, genMultipleChoice(3, 1))
	f.Add(b.Bytes())
	f.Add([]byte{1, 0, 0, 0, 8, 0, 0, 0, 255, 255, 255, 255})
	f.Fuzz(func(t *testing.T, data []byte) {
		mf, err := OpenMultipleChoice(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		for i := range min(mf.Len(), 50) {
			mf.Task(i)
		}
		ts, err := mf.Sequential()
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := WriteMultipleChoice(&out, ts); err != nil {
			t.Fatalf("tasks read could not be written: %v", err)
		}
	})
}

// FuzzReadRows feeds dataset files (JSON Lines or a JSON array) to the
// row reader behind Build: no panic, every row or error reported.
func FuzzReadRows(f *testing.F) {
	f.Add([]byte(`{"question": "q", "choices": ["a", "b"], "answer": 1}` + "\n" + `{"x": [1, {"y": null}]}`))
	f.Add([]byte(`[{"sentence": "a _ b"}, 3]`))
	f.Add([]byte("\xef\xbb\xbf{\"a\": 1}\nnot json\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "in.jsonl")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		src, err := readRows(p)
		if err != nil {
			return
		}
		src(func(i int, r Row, err error) bool {
			if err == nil {
				for _, c := range Converters {
					c.convert(r)
				}
			}
			return true
		})
	})
}
