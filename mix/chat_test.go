package mix

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/manifest"
)

// parseMixed walks a mix's text: every piece that opens with "<bos>" must
// be one whole conversation of convs (returned by id, in order), every
// other line a base line (returned in order).
func parseMixed(t *testing.T, text string, convs map[string]string) (ids []string, lines []string) {
	t.Helper()
	for len(text) > 0 {
		if strings.HasPrefix(text, "<bos>") {
			found := ""
			for id, c := range convs {
				if strings.HasPrefix(text, c) && (found == "" || len(c) > len(convs[found])) {
					found = id
				}
			}
			if found == "" {
				t.Fatalf("a conversation in the output is not a whole corpus conversation: %.80q", text)
			}
			ids = append(ids, found)
			text = text[len(convs[found]):]
			continue
		}
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			t.Fatalf("output ends without a newline: %q", text)
		}
		lines = append(lines, text[:i])
		text = text[i+1:]
	}
	return ids, lines
}

func TestChatPool(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	jsonl := writeChatCorpus(t, dir, "chat.jsonl", 1, 40, true)
	txt := writeChatCorpus(t, dir, "flat.txt", 2, 40, false)
	para := writeChatCorpus(t, dir, "para.txt", 1, 40, true)
	for _, path := range []string{jsonl, txt} {
		p, err := OpenPool(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if !p.Chat() || p.Len() != 40 {
			t.Errorf("%s: chat %v, %d conversations; want a chat pool of 40", path, p.Chat(), p.Len())
		}
		p.Close()
	}
	// The .txt form's conversations are what corpus build wrote, byte for
	// byte: the file is their concatenation.
	all, _ := os.ReadFile(txt)
	p, _ := OpenPool(ctx, txt)
	var b strings.Builder
	for i := range p.Len() {
		c, err := p.conversation(i)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(c.text)
	}
	p.Close()
	if b.String() != string(all) {
		t.Errorf("the .txt corpus's conversations do not rebuild it")
	}
	// A .txt corpus whose conversations hold blank lines is refused.
	if _, err := OpenPool(ctx, para); err == nil || !strings.Contains(err.Error(), "records 40 conversations") || !strings.Contains(err.Error(), "para.jsonl") {
		t.Errorf("a .txt chat corpus with blank lines inside conversations: %v", err)
	}
	// Without its manifest the same file is plain text.
	os.Remove(manifest.Path(txt))
	if p, err := OpenPool(ctx, txt); err != nil || p.Chat() {
		t.Errorf("no manifest: %v, chat %v", err, p != nil && p.Chat())
	}
}

func TestChatEval(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	path := writeChatCorpus(t, dir, "chat.jsonl", 3, 400, true)
	convs := chatConversations(t, path)
	pool, err := OpenPool(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	for _, tc := range []struct {
		unit   Unit
		target int64
	}{{Bytes, 30000}, {Bytes, 123457}, {Chars, 50001}, {Conversations, 37}} {
		var out bytes.Buffer
		res, err := BuildEval(ctx, pool, &out, EvalOptions{Target: tc.target, Unit: tc.unit, Seed: 5, Format: Wikitext})
		if err != nil {
			t.Fatal(err)
		}
		ids, lines := parseMixed(t, out.String(), convs)
		if len(lines) != 0 || res.Sentences != 0 || len(res.Partial) != 0 {
			t.Errorf("%v %d: %d lines outside conversations, %d sentences, %d partial", tc.unit, tc.target, len(lines), res.Sentences, len(res.Partial))
		}
		if !slicesEqual(ids, res.Articles) || res.Conversations != len(ids) {
			t.Errorf("%v %d: ids written %v, reported %v (%d)", tc.unit, tc.target, ids, res.Articles, res.Conversations)
		}
		got := map[Unit]int64{Bytes: int64(out.Len()), Chars: int64(len([]rune(out.String()))), Conversations: int64(len(ids))}[tc.unit]
		if got != res.Achieved || res.Deviation != 0 || got != tc.target {
			t.Errorf("%v %d: achieved %d (deviation %d), measured %d", tc.unit, tc.target, res.Achieved, res.Deviation, got)
		}
	}
	// Asking for less than the smallest conversation names it.
	_, err = BuildEval(ctx, pool, &bytes.Buffer{}, EvalOptions{Target: 20, Unit: Bytes, Seed: 5})
	if err == nil || !strings.Contains(err.Error(), "never cut") || !strings.Contains(err.Error(), "chat.jsonl line") {
		t.Errorf("target below every conversation: %v", err)
	}
	// Conversations of a plain corpus are refused.
	plain, _ := OpenPool(ctx, writeJSONL(t, 1, 20))
	defer plain.Close()
	if _, err := BuildEval(ctx, plain, &bytes.Buffer{}, EvalOptions{Target: 3, Unit: Conversations}); err == nil || !strings.Contains(err.Error(), "plain text") {
		t.Errorf("conversations of a plain corpus: %v", err)
	}
}

// A plain base and a chat corpus mix with shares like two corpora: the
// total is exact, every conversation whole, the base lines in order, the
// manifest carries the mark, and the same inputs give the same bytes.
func TestChatMix(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	chatPath := writeChatCorpus(t, dir, "chat.jsonl", 4, 600, true)
	convs := chatConversations(t, chatPath)
	basePath, _ := writeBase(t, 9, 1000)
	baseLines, _ := ReadLines(basePath)
	for _, share := range []float64{0.5, 0.2, 1} {
		out := filepath.Join(dir, "mix.txt")
		mk := func() []byte {
			_, err := MakeMix(ctx, MakeMixOptions{Base: basePath, Adds: []Source{{Name: "chat", Corpus: chatPath}},
				Shares: map[string]float64{"chat": share}, Total: 200000, Unit: Bytes, Seed: 3, Output: out})
			if err != nil {
				t.Fatal(err)
			}
			b, _ := os.ReadFile(out)
			return b
		}
		text := mk()
		if again := mk(); !bytes.Equal(text, again) {
			t.Fatalf("share %g: two builds differ", share)
		}
		ids, lines := parseMixed(t, string(text), convs)
		m, err := manifest.Read(manifest.Path(out))
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := os.ReadFile(manifest.Path(out))
		var chatBytes int
		for _, id := range ids {
			chatBytes += len(convs[id])
		}
		if share < 1 && len(text) != 200000 {
			t.Errorf("share %g: %d bytes, want 200000", share, len(text))
		}
		if d := float64(chatBytes)/float64(len(text)) - share; d > 0.02 || d < -0.02 {
			t.Errorf("share %g: conversations are %.3f of the bytes", share, float64(chatBytes)/float64(len(text)))
		}
		if !inOrder(lines, baseLines) {
			t.Errorf("share %g: the base lines are not the base's, in order", share)
		}
		if !m.SpecialTokens() || m.Extra[manifest.KeyChatFormatted] != true || !bytes.Contains(raw, []byte(`"chat_sources": [`)) ||
			m.Counts["conversations"] != float64(len(ids)) {
			t.Errorf("share %g: manifest extra %v counts %v", share, m.Extra["chat_sources"], m.Counts)
		}
	}
	// A chat source at share 0 gives no text and no mark.
	out := filepath.Join(dir, "zero.txt")
	if _, err := MakeMix(ctx, MakeMixOptions{Base: basePath, Adds: []Source{{Name: "chat", Corpus: chatPath}},
		Shares: map[string]float64{"chat": 0}, Total: 50000, Seed: 3, Output: out}); err != nil {
		t.Fatal(err)
	}
	if special, _ := manifest.SpecialTokensOf(out); special {
		t.Error("a mix without conversations is marked chat-formatted")
	}
	// A plain mix carries no mark.
	out = filepath.Join(dir, "plain.txt")
	if _, err := MakeMix(ctx, MakeMixOptions{Base: basePath, Adds: []Source{{Name: "ja", Corpus: writeJSONL(t, 2, 200)}},
		Shares: map[string]float64{"ja": 0.5}, Total: 50000, Seed: 3, Output: out}); err != nil {
		t.Fatal(err)
	}
	if special, _ := manifest.SpecialTokensOf(out); special {
		t.Error("a plain mix is marked chat-formatted")
	}
}

// inOrder reports whether sub is a subsequence of all.
func inOrder(sub, all []string) bool {
	i := 0
	for _, s := range sub {
		for i < len(all) && all[i] != s {
			i++
		}
		if i == len(all) {
			return false
		}
		i++
	}
	return true
}

// A chat corpus as the base, in conversations: the base is cut only
// between conversations, and a sweep nests the conversations of its added
// chat source.
func TestChatBaseAndSweep(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	base := writeChatCorpus(t, dir, "base.jsonl", 5, 200, true)
	add := writeChatCorpus(t, dir, "add.jsonl", 6, 300, true)
	convs := chatConversations(t, base)
	for id, c := range chatConversations(t, add) {
		convs["add:"+id] = c
	}
	entries, err := MakeSweep(ctx, MakeSweepOptions{Base: base, Add: Source{Name: "chat", Corpus: add}, Shares: []float64{0, 0.3, 0.6},
		Total: 80, Unit: Conversations, Seed: 2, Nested: true, Dir: filepath.Join(dir, "sweep")})
	if err != nil {
		t.Fatal(err)
	}
	var prev []string
	for _, e := range entries {
		text, _ := os.ReadFile(filepath.Join(dir, "sweep", e.File))
		ids, lines := parseMixed(t, string(text), convs)
		if len(lines) != 0 || len(ids) != 80 {
			t.Errorf("share %g: %d conversations and %d loose lines, want 80 and none", e.Share, len(ids), len(lines))
		}
		added := e.Sources[1].Articles
		if e.Sources[1].Conversations != len(added) || int64(len(added)) != int64(e.Share*80+0.5) {
			t.Errorf("share %g: %d added conversations (%d counted)", e.Share, len(added), e.Sources[1].Conversations)
		}
		if len(prev) > len(added) || !slicesEqual(prev, added[:len(prev)]) {
			t.Errorf("share %g: the added conversations do not extend the smaller share's", e.Share)
		}
		prev = added
		if special, _ := manifest.SpecialTokensOf(filepath.Join(dir, "sweep", e.File)); !special {
			t.Errorf("share %g: not marked chat-formatted", e.Share)
		}
	}
	// A plain base cannot be measured in conversations.
	plainBase, _ := writeBase(t, 1, 50)
	_, err = MakeMix(ctx, MakeMixOptions{Base: plainBase, Adds: []Source{{Name: "chat", Corpus: add}}, Shares: map[string]float64{"chat": 0.5},
		Total: 10, Unit: Conversations, Output: filepath.Join(dir, "x.txt")})
	if err == nil || !strings.Contains(err.Error(), "plain text") {
		t.Errorf("a plain base in conversations: %v", err)
	}
	// A conversation at least twice the source's part is named, not cut.
	_, err = MakeMix(ctx, MakeMixOptions{Base: plainBase, Adds: []Source{{Name: "chat", Corpus: add}}, Shares: map[string]float64{"chat": 0.001},
		Total: 2000, Output: filepath.Join(dir, "y.txt")})
	if err == nil || !strings.Contains(err.Error(), "never cut") || !strings.Contains(err.Error(), "add.jsonl line") {
		t.Errorf("a conversation larger than its share: %v", err)
	}
}
