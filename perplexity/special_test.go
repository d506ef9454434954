package perplexity

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/internal/synth/synthtest"
)

// chatText is conversations written with ChatML turn markers, 4 markers a
// conversation.
func chatText(n int) string {
	return strings.Repeat("<|im_start|>user\nWhere is Tokyo?<|im_end|>\n<|im_start|>assistant\nIn Japan, by the sea.<|im_end|>\n\n", n)
}

// chatModel is tiny with the ChatML markers as control tokens.
func chatModel(t testing.TB) string {
	o := synth.Default()
	o.Special = []string{"<|im_start|>", "<|im_end|>"}
	return synthtest.Model(t, "spm-chatml", o)
}

// With ParseSpecial each turn marker is the one control token the model
// reads; without, it is spelled as text, as llama-perplexity does. A base
// file written with ParseSpecial holds those tokens, and the KL-divergence
// run against it scores them.
func TestRunParseSpecial(t *testing.T) {
	m := loadModel(t, chatModel(t))
	const convs = 60
	text := chatText(convs)
	asText := run(t, m, text, Options{NCtx: 64, NBatch: 64, Chunks: 2})
	base := filepath.Join(t.TempDir(), "base.kld")
	parsed := run(t, m, text, Options{NCtx: 64, NBatch: 64, Chunks: 2, ParseSpecial: true, SaveBase: base})
	if asText.Mode != "ppl" || parsed.Mode != "kld-base" {
		t.Fatalf("modes %s, %s", asText.Mode, parsed.Mode)
	}
	// each marker spelled as text is several tokens ('<', '|', 'im', ...)
	if parsed.TextTokens >= asText.TextTokens-convs*4 {
		t.Fatalf("parsed: %d tokens, as text: %d; want at least %d fewer parsed (one per marker, %d markers)",
			parsed.TextTokens, asText.TextTokens, convs*4, convs*4)
	}
	ids, err := m.Tokenize(text, true, true)
	if err != nil {
		t.Fatal(err)
	}
	if parsed.TextTokens != len(ids) {
		t.Fatalf("parsed: %d tokens, the tokenizer with special tokens parsed gives %d", parsed.TextTokens, len(ids))
	}
	if parsed.ChunkNLL[0] == asText.ChunkNLL[0] {
		t.Fatalf("the same first chunk either way: %+v", parsed.ChunkNLL[0])
	}
	// the KL-divergence run takes the base file's tokens (those of its
	// chunks, parsed): its base PPL is the parsed run's, not the text one's
	kld := run(t, m, "", Options{KLDBase: base})
	if kld.TextTokens != 2*64 || kld.KLD == nil {
		t.Fatalf("KLD run: %d tokens (want the base file's %d), stats %v", kld.TextTokens, 2*64, kld.KLD)
	}
	if d := math.Abs(kld.KLD.BasePPL-parsed.PPL) / parsed.PPL; d > 1e-6 {
		t.Errorf("KLD base PPL %g, the parsed base run's %g", kld.KLD.BasePPL, parsed.PPL)
	}
	if d := math.Abs(kld.KLD.BasePPL-asText.PPL) / asText.PPL; d < 1e-3 {
		t.Errorf("KLD base PPL %g, the as-text run's %g: the base file's tokens were not the parsed ones", kld.KLD.BasePPL, asText.PPL)
	}
}
