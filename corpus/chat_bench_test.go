package corpus

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/chat/chattest"
)

// BenchmarkBuildChat measures corpus build's chat path end to end (read
// JSONL, normalize contents, render with Gemma 2's template, de-duplicate,
// write) on ultrachat-like records; MB/s is of message text.
func BenchmarkBuildChat(b *testing.B) {
	dir := b.TempDir()
	in := filepath.Join(dir, "chats.jsonl")
	f, err := os.Create(in)
	if err != nil {
		b.Fatal(err)
	}
	var msgBytes int64
	for i := range 4000 {
		var msgs []map[string]string
		for j := range 8 {
			role := "user"
			if j%2 == 1 {
				role = "assistant"
			}
			c := strings.Repeat(fmt.Sprintf("Turn %d of conversation %d says a few words about it. ", j, i), 12)
			msgBytes += int64(len(role) + len(c))
			msgs = append(msgs, map[string]string{"role": role, "content": c})
		}
		line, _ := json.Marshal(map[string]any{"id": i, "messages": msgs})
		f.Write(append(line, '\n'))
	}
	f.Close()
	tmpl := chattest.Gemma2(b)
	opts := ChatOptions{Template: tmpl, Dedup: true, Workers: runtime.GOMAXPROCS(0),
		Normalize: NormalizeOptions{Newlines: true, StripControls: true}}
	b.SetBytes(msgBytes)
	for b.Loop() {
		if _, err := ProcessChat(context.Background(), []string{in}, io.Discard, OutputText, opts); err != nil {
			b.Fatal(err)
		}
	}
}
