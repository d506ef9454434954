package democmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/calibkit/calibkit/corpus"
	"github.com/calibkit/calibkit/imatrix"
	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/train"
)

// chatText renders the held-out conversations with the trained model's own
// chat template, as `calibkit corpus build eval-chat.jsonl
// --chat-template-from model.gguf` does (its manifest marks the text
// chat-formatted), shows that each turn marker is one control token of the
// model, and computes an importance matrix from the text with the markers
// read as special tokens, as `calibkit imatrix` does for chat-formatted
// text. Keys: "chat", "chat.imatrix".
func chatText(ctx context.Context, s *State) error {
	model, recs := s.Files["model"], s.Files["wiki.eval-chat.jsonl"]
	if model == "" || recs == "" {
		return fmt.Errorf("no model or eval conversations (the model step must run first)")
	}
	dir := filepath.Join(s.Dir, "chat")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	out := filepath.Join(dir, "eval-chat.txt")
	date := time.Now().UTC().Truncate(24 * time.Hour)
	co, err := corpus.ModelChatOptions(model, "", "", date)
	if err != nil {
		return err
	}
	co.Workers = s.Workers
	cmd := []string{"calibkit", "corpus", "build", recs, "--chat-template-from", model, "-o", out}
	st, err := corpus.BuildChat(ctx, []string{recs}, out, cmd, co)
	if err != nil {
		return err
	}
	s.Files["chat"] = out
	fmt.Fprintf(s.IO.Out, "      %s: %d held-out conversations (never trained on), %d bytes, rendered with %s\n",
		s.rel(out), st.ConversationsWritten, st.Bytes, s.rel(co.TemplateName))
	special, err := manifest.SpecialTokensOf(out)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.IO.Out, "      manifest: %s (chat-formatted, special tokens: %v)\n", s.rel(manifest.Path(out)), special)

	b, err := os.ReadFile(out)
	if err != nil {
		return err
	}
	m, err := llama.LoadModel(model, llama.ModelParams{})
	if err != nil {
		return err
	}
	parsed, err := m.Tokenize(string(b), true, true)
	if err == nil {
		var plain []int32
		if plain, err = m.Tokenize(string(b), true, false); err == nil {
			var parts []string
			for _, sp := range train.DemoSpecial {
				n, id, perr := countSpecial(m, parsed, sp)
				if perr != nil {
					err = perr
					break
				}
				parts = append(parts, fmt.Sprintf("%s (token %d) %d times", sp, id, n))
			}
			if err == nil {
				fmt.Fprintf(s.IO.Out, "      %d tokens with the markers read as special tokens: %s, one token each; %d tokens if they were plain text\n",
					len(parsed), strings.Join(parts, ", "), len(plain))
			}
		}
	}
	m.Close()
	if err != nil {
		return err
	}

	im := filepath.Join(dir, "eval-chat.imatrix.gguf")
	sum, err := imatrix.Run(ctx, imatrix.RunOptions{Model: model, File: out, Output: im, Format: imatrix.FormatGGUF,
		CtxSize: demoCtx, BatchSize: 2048, UBatchSize: 512, Chunks: -1, OutFreq: 1000, Threads: s.Threads, ParseSpecial: special,
		Command: []string{"calibkit", "imatrix", "-m", model, "-f", out, "-c", fmt.Sprint(demoCtx), "-o", im}})
	if err != nil {
		return err
	}
	s.Files["chat.imatrix"] = im
	ppl := ""
	if sum.PPL != nil {
		ppl = fmt.Sprintf(", perplexity %.1f", *sum.PPL)
	}
	fmt.Fprintf(s.IO.Out, "      imatrix from it: %s, %d chunks of %d tokens%s, parse_special on (the manifest says chat-formatted)\n",
		s.rel(im), sum.ChunkCount, demoCtx, ppl)
	return nil
}

// countSpecial returns how often the control token whose text is sp occurs
// in toks, and its id.
func countSpecial(m *llama.Model, toks []int32, sp string) (int, int32, error) {
	ids, err := m.Tokenize(sp, false, true)
	if err != nil {
		return 0, 0, err
	}
	if len(ids) != 1 {
		return 0, 0, fmt.Errorf("%s: turn marker %s is %d tokens, not one control token", m.Path(), sp, len(ids))
	}
	n := 0
	for _, t := range toks {
		if t == ids[0] {
			n++
		}
	}
	return n, ids[0], nil
}
