package mixcmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/cmdutil/cmdtest"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/mix"
)

// writeChatCorpus writes n conversations as corpus build --chat-template
// writes a .jsonl ({"id","text"}, the manifest marked chat-formatted).
func writeChatCorpus(t *testing.T, dir string, n int) string {
	t.Helper()
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"id":"c%d","text":"<start_of_turn>user\nQuestion %d?\n\nAnd more %s<end_of_turn>\n<start_of_turn>model\nAnswer %d.<end_of_turn>\n"}`+"\n",
			i, i, strings.Repeat("words ", i%30), i)
	}
	p := filepath.Join(dir, "chat.jsonl")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	m := manifest.New(p, nil)
	m.Counts["conversations"] = n
	m.MarkChatFormatted()
	if err := m.Write(); err != nil {
		t.Fatal(err)
	}
	return p
}

// `calibkit mix --add chat=chat.jsonl`: any name for a chat-formatted
// corpus; whole conversations; the output's manifest marked, so imatrix
// parses its special tokens.
func TestMixRunChat(t *testing.T) {
	dir := t.TempDir()
	chat := writeChatCorpus(t, dir, 300)
	base := writeBase(t, dir, 600)
	out := filepath.Join(dir, "mix.txt")
	args := fmt.Sprintf("--base %s --add chat=%s --share chat=0.5 --total 40KB -o %s", base, chat, out)
	opts := cmdtest.Parse(t, NewCmdMix, args, "")
	ios, _, _, _ := iostreams.Test()
	opts.IO = ios
	if err := mixRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	text, _ := os.ReadFile(out)
	if len(text) != 40000 {
		t.Errorf("%d bytes, want 40000", len(text))
	}
	// Every conversation is whole: as many openings as closings, and each
	// opening starts a line after a blank one or a base line.
	if o, c := strings.Count(string(text), "<start_of_turn>user"), strings.Count(string(text), "Answer "); o != c || o == 0 {
		t.Errorf("%d conversations opened, %d closed", o, c)
	}
	if special, err := manifest.SpecialTokensOf(out); err != nil || !special {
		t.Errorf("the mix's manifest is not marked chat-formatted: %v", err)
	}
	// A corpus without the mark needs a language code.
	plain := filepath.Join(dir, "plain.jsonl")
	os.WriteFile(plain, []byte(`{"id":"1","text":"x"}`+"\n"), 0o644)
	cmdtest.Parse(t, NewCmdMix, fmt.Sprintf("--base %s --add chat=%s --share chat=0.5 --total 5 -o o", base, plain), `unsupported language "chat"`)
	if o := cmdtest.Parse(t, NewCmdMix, fmt.Sprintf("--base %s --add chat=%s --share chat=1 --total 5 --unit conversations -o o", base, chat), ""); o.Unit != mix.Conversations {
		t.Errorf("--unit conversations parsed as %v", o.Unit)
	}
}
