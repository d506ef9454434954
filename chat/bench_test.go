package chat

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// benchRecord is an ultrachat-like record: eight turns of a few hundred
// bytes each.
func benchRecord() []byte {
	var msgs []map[string]string
	for i := range 8 {
		role := "user"
		if i%2 == 1 {
			role = "assistant"
		}
		msgs = append(msgs, map[string]string{"role": role, "content": strings.Repeat(fmt.Sprintf("Sentence %d of the turn, with some words in it. ", i), 12)})
	}
	b, _ := json.Marshal(map[string]any{"id": "x", "messages": msgs})
	return b
}

// BenchmarkParseAndRender measures parsing JSONL records and rendering
// them on every core (GOMAXPROCS goroutines, as corpus build's workers
// would); SetBytes is the conversation's message text.
func BenchmarkParseAndRender(b *testing.B) {
	for _, file := range []string{"google-gemma-2-2b-it.jinja", "Qwen-Qwen3-0.6B.jinja", "meta-llama-Llama-3.2-3B-Instruct.jinja", "openai-gpt-oss-120b.jinja"} {
		b.Run(strings.TrimSuffix(file, ".jinja"), func(b *testing.B) {
			tmpl := loadTemplate(b, file, Options{BOS: "<s>", EOS: "</s>"})
			rec := benchRecord()
			c, err := ParseRecord(rec, "", "id")
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(c.Bytes()))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					c, err := ParseRecord(rec, "", "id")
					if err != nil {
						b.Error(err)
						return
					}
					if _, err := tmpl.Render(c); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
