package perplexitycmd

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/internal/synth"
)

// A text whose manifest marks it chat-formatted is scored with its turn
// markers parsed as the control tokens the model reads, unless
// --parse-special=false; the same text without the mark is scored as
// text unless --parse-special is given. --json and a base file's manifest
// record it.
func TestParseSpecialFromManifest(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "chatml.gguf")
	o := synth.Default()
	o.Special = []string{"<|im_start|>", "<|im_end|>"}
	if err := synth.WriteFile(model, o); err != nil {
		t.Fatal(err)
	}
	text := strings.Repeat("<|im_start|>user\nWhere is Tokyo?<|im_end|>\n<|im_start|>assistant\nIn Japan, by the sea.<|im_end|>\n\n", 60)
	chat, plain := filepath.Join(dir, "chat.txt"), filepath.Join(dir, "plain.txt")
	for _, p := range []string{chat, plain} {
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m := manifest.New(chat, []string{"test"})
	m.MarkChatFormatted()
	if err := m.Write(); err != nil {
		t.Fatal(err)
	}
	const markers = 60 * 4
	tokens := map[bool]int{} // text tokens by parse_special
	for _, tc := range []struct {
		name, file, flag string
		want, says       bool // parse_special; the manifest note on stderr
	}{
		{"chat, default", chat, "", true, true},
		{"chat, turned off", chat, "--parse-special=false", false, false},
		{"plain, default", plain, "", false, false},
		{"plain, turned on", plain, "--parse-special", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, errOut, err := execute(t, fmt.Sprintf("-m %s -f %s -c 64 -t 1 --chunks 2 --json %s", model, tc.file, tc.flag))
			if err != nil {
				t.Fatal(err)
			}
			var sum struct {
				ParseSpecial *bool `json:"parse_special"`
				TextTokens   int   `json:"text_tokens"`
			}
			if err := json.Unmarshal([]byte(out), &sum); err != nil {
				t.Fatalf("--json output %q: %v", out, err)
			}
			if sum.ParseSpecial == nil || *sum.ParseSpecial != tc.want {
				t.Fatalf("parse_special %v, want %v", sum.ParseSpecial, tc.want)
			}
			if says := strings.Contains(errOut, "is chat-formatted (its manifest says so)"); says != tc.says {
				t.Errorf("stderr says the manifest turned it on: %v, want %v\n%s", says, tc.says, errOut)
			}
			if n, ok := tokens[tc.want]; ok && n != sum.TextTokens {
				t.Errorf("%d text tokens, %d before with the same setting", sum.TextTokens, n)
			}
			tokens[tc.want] = sum.TextTokens
		})
	}
	if tokens[true] >= tokens[false]-markers {
		t.Errorf("%d tokens parsed, %d as text: want at least %d fewer parsed", tokens[true], tokens[false], markers)
	}

	kld := filepath.Join(dir, "base.kld")
	if _, _, err := execute(t, fmt.Sprintf("-m %s -f %s -c 64 -t 1 --chunks 2 --kl-divergence-base %s", model, chat, kld)); err != nil {
		t.Fatal(err)
	}
	man, err := manifest.Read(manifest.Path(kld))
	if err != nil || man.Parameters["parse_special"] != true || man.Counts["text_tokens"] != float64(tokens[true]) {
		t.Fatalf("base file manifest %+v, %v", man, err)
	}
}
