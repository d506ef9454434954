package coverage

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/internal/synth/synthtest"
)

// A file whose manifest marks it chat-formatted has its turn markers counted
// as the one token each the model reads, as imatrix tokenizes it; the same
// text without the mark, or with parsing turned off, counts them as text.
func TestSpecialFromManifest(t *testing.T) {
	o := synth.Default()
	o.Special = []string{"<|im_start|>", "<|im_end|>"}
	model := synthtest.Model(t, "spm-chatml", o)
	dir := t.TempDir()
	text := strings.Repeat("<|im_start|>user\nWhere is Tokyo?<|im_end|>\n<|im_start|>assistant\nIn Japan.<|im_end|>\n\n", 40)
	chatPath, plainPath := filepath.Join(dir, "chat.txt"), filepath.Join(dir, "plain.txt")
	for _, p := range []string{chatPath, plainPath} {
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m := manifest.New(chatPath, []string{"test"})
	m.MarkChatFormatted()
	if err := m.Write(); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name                string
		parse, fromManifest bool
		wantChat, wantPlain bool // ParseSpecial per file
	}{
		{"from the manifest", false, true, true, false},
		{"turned off", false, false, false, false},
		{"turned on", true, false, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Run(context.Background(), Options{Model: model, Files: []string{chatPath, plainPath},
				ParseSpecial: tc.parse, SpecialFromManifest: tc.fromManifest})
			if err != nil {
				t.Fatal(err)
			}
			chat, plain := res.Files[0], res.Files[1]
			if chat.ParseSpecial != tc.wantChat || plain.ParseSpecial != tc.wantPlain {
				t.Fatalf("parse special: chat %v, plain %v; want %v, %v", chat.ParseSpecial, plain.ParseSpecial, tc.wantChat, tc.wantPlain)
			}
			// 160 markers in the text: parsed, each is one special token.
			for _, f := range []*File{chat, plain} {
				if want := map[bool]int64{true: 160, false: 0}[f.ParseSpecial]; f.SpecialTokens != want {
					t.Errorf("%s: %d special tokens, want %d", filepath.Base(f.Path), f.SpecialTokens, want)
				}
			}
			if tc.wantChat != tc.wantPlain && chat.Tokens >= plain.Tokens {
				t.Errorf("chat.txt %d tokens with markers parsed, plain.txt %d as text: want fewer", chat.Tokens, plain.Tokens)
			}
			if tc.wantChat == tc.wantPlain && chat.Tokens != plain.Tokens {
				t.Errorf("same text, same parsing: %d and %d tokens", chat.Tokens, plain.Tokens)
			}
		})
	}
}
