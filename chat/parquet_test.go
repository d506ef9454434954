package chat

import (
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

type pqMessage struct {
	Role    string `parquet:"role"`
	Content string `parquet:"content"`
}

type pqTurn struct {
	From  string `parquet:"from"`
	Value string `parquet:"value"`
}

type pqRow struct {
	PromptID      string      `parquet:"prompt_id"`
	Prompt        string      `parquet:"prompt"`
	Messages      []pqMessage `parquet:"messages,list"`
	Conversations []pqTurn    `parquet:"conversations,list"`
}

func writeParquet(t *testing.T, rows []pqRow) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "train.parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewGenericWriter[pqRow](f)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestParquetReader(t *testing.T) {
	path := writeParquet(t, []pqRow{
		{PromptID: "p1", Prompt: "x", Messages: []pqMessage{{"user", "Hi"}, {"assistant", "Hello."}}, Conversations: []pqTurn{{"human", "Q"}, {"gpt", "A"}}},
		{PromptID: "p2", Messages: nil},
	})
	tests := []struct {
		key  string
		want [][]Message
	}{
		{"", [][]Message{{{"user", "Hi"}, {"assistant", "Hello."}}, nil}},
		{"conversations", [][]Message{{{"user", "Q"}, {"assistant", "A"}}, nil}},
	}
	for _, tt := range tests {
		r, err := OpenParquet(path, tt.key, "prompt_id")
		if err != nil {
			t.Fatal(err)
		}
		var got [][]Message
		var ids []string
		for {
			rec, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if rec.Skip != nil {
				if rec.Skip.Reason != "empty conversation" || rec.Line != 2 {
					t.Errorf("skip %v at row %d, want empty conversation at row 2", rec.Skip, rec.Line)
				}
				got = append(got, nil)
				continue
			}
			got = append(got, rec.Conversation.Messages)
			ids = append(ids, rec.Conversation.ID)
		}
		r.Close()
		if !reflect.DeepEqual(got, tt.want) || !reflect.DeepEqual(ids, []string{"p1"}) {
			t.Errorf("key %q: got %v ids %v, want %v ids [p1]", tt.key, got, ids, tt.want)
		}
	}
}

func TestParquetReaderErrors(t *testing.T) {
	path := writeParquet(t, []pqRow{{PromptID: "p1"}})
	for _, tt := range []struct{ key, want string }{
		{"chat", `no column "chat"; columns present: prompt_id, prompt, messages, conversations`},
		{"prompt", `column "prompt" is not a list of turns`},
	} {
		_, err := OpenParquet(path, tt.key, "")
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
			t.Errorf("key %q: error %v, want it to name %s and say %q", tt.key, err, path, tt.want)
		}
	}
	bad := filepath.Join(t.TempDir(), "bad.parquet")
	os.WriteFile(bad, []byte("PAR1 not really parquet PAR1"), 0o644)
	if _, err := OpenParquet(bad, "", ""); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("corrupt file: error %v, want one naming %s", err, bad)
	}
}
