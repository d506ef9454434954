package study

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/study/engine"
	"github.com/calibkit/calibkit/study/plan"
	"github.com/calibkit/calibkit/study/spec"
)

// chatEvalBody has a plain eval set, a chat eval set built from a chat
// corpus and one given as a file marked chat-formatted; SETTING is the
// eval_parse_special line.
const chatEvalBody = `imatrix: [none]
variants: [M]
eval:
  - {name: en, file: en.raw}
  - name: chat-eval
    build: {from: chat.jsonl, bytes: "1200"}
  - {name: chat-file, file: chat.txt}
settings:
  ctx: 64
  threads: 2
  kld_base: $MODEL
SETTING`

// chatEvalFixture writes chatEvalBody's inputs in a new folder with
// setting and loads its spec.
func chatEvalFixture(t *testing.T, setting string) (string, *spec.Spec) {
	t.Helper()
	dir := t.TempDir()
	writeChatCorpus(t, dir, 200)
	var b strings.Builder
	for range 40 {
		b.WriteString("user\nWhere is Tokyo?</s>\nassistant\nIn Japan, by the sea.</s>\n\n")
	}
	chat := filepath.Join(dir, "chat.txt")
	if err := os.WriteFile(chat, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	m := manifest.New(chat, nil)
	m.MarkChatFormatted()
	if err := m.Write(); err != nil {
		t.Fatal(err)
	}
	return fixtureIn(t, dir, strings.Replace(chatEvalBody, "SETTING", setting, 1))
}

// The chat eval sets (built from a chat corpus, or a file whose manifest
// marks special tokens) are scored with their special tokens parsed unless
// eval_parse_special is off, and their perplexity and KLD-base steps' keys
// say so: the plain set's keys stay those of the text-as-text plan.
func TestPlanChatEvalParseSpecial(t *testing.T) {
	plans := map[string]*plan.Plan{}
	for _, setting := range []string{"", "eval_parse_special: auto", "eval_parse_special: off"} {
		_, s := chatEvalFixture(t, "  "+setting+"\n")
		p, _, _, _, err := Prepare(context.Background(), &Options{Spec: s, Engine: engine.Linked{}})
		if err != nil {
			t.Fatalf("%q: %v", setting, err)
		}
		plans[setting] = p
		for _, e := range p.Evals {
			want := e.Name != "en" && setting != "eval_parse_special: off"
			if e.ParseSpecial != want {
				t.Errorf("%q: eval set %s parse special %v, want %v", setting, e.Name, e.ParseSpecial, want)
			}
		}
	}
	auto, def, off := plans["eval_parse_special: auto"], plans[""], plans["eval_parse_special: off"]
	for _, id := range []string{"ppl:none/M/en", "ppl:none/M/chat-eval", "ppl:none/M/chat-file", "kldbase:en", "kldbase:chat-eval",
		"kldbase:chat-file", "kld:none/M/chat-eval", "kld:none/M/chat-file", "eval:chat-eval"} {
		a, d, o := auto.Step(id), def.Step(id), off.Step(id)
		if a == nil || d == nil || o == nil {
			t.Fatalf("no step %s", id)
		}
		if a.Key != d.Key {
			t.Errorf("%s: auto and the default key differ", id)
		}
		wantSame := strings.HasSuffix(id, "/en") || id == "kldbase:en" || id == "eval:chat-eval"
		if same := a.Key == o.Key; same != wantSame {
			t.Errorf("%s: parsed and as-text keys the same: %v, want %v", id, same, wantSame)
		}
	}
}

// llama-perplexity cannot parse special tokens: with llama.cpp's tools, a
// study with a chat eval set is refused before anything runs, naming the
// set and the way out, unless eval_parse_special is off.
func TestExternalChatEvalRefused(t *testing.T) {
	tools := t.TempDir()
	for _, name := range engine.Tools {
		if err := os.WriteFile(filepath.Join(tools, name), []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ext, err := engine.NewExternal(tools)
	if err != nil {
		t.Fatal(err)
	}
	_, s := chatEvalFixture(t, "")
	_, _, _, _, err = Prepare(context.Background(), &Options{Spec: s, Engine: ext})
	if !errors.Is(err, engine.ErrParseSpecial) || !strings.Contains(err.Error(), "eval set chat-eval") ||
		!strings.Contains(err.Error(), "eval_parse_special: off") {
		t.Fatalf("llama.cpp engine with a chat eval set: %v", err)
	}
	_, s = chatEvalFixture(t, "  eval_parse_special: off\n")
	if _, _, _, _, err := Prepare(context.Background(), &Options{Spec: s, Engine: ext}); err != nil {
		t.Fatalf("eval_parse_special off: %v", err)
	}
	// the engine refuses such a job itself, whoever asks
	if _, err := ext.Perplexity(context.Background(), engine.PerplexityJob{Model: "m.gguf", Text: "chat.txt", ParseSpecial: true}); !errors.Is(err, engine.ErrParseSpecial) {
		t.Errorf("Perplexity: %v", err)
	}
	if err := ext.SaveKLDBase(context.Background(), engine.PerplexityJob{Model: "m.gguf", Text: "chat.txt", ParseSpecial: true}, filepath.Join(tools, "b.kld")); !errors.Is(err, engine.ErrParseSpecial) {
		t.Errorf("SaveKLDBase: %v", err)
	}
}

// In the linked engine the chat eval sets' perplexity and KL divergence
// parse their special tokens ("</s>", the tiny model's EOS control token)
// and the records say so; with eval_parse_special off the same study
// scores them as text, to other figures.
func TestRunChatEvalParseSpecial(t *testing.T) {
	ppl := map[string]map[string]float64{}
	for _, setting := range []string{"", "  eval_parse_special: off\n"} {
		dir, s := chatEvalFixture(t, setting)
		res, err := Run(context.Background(), Options{Spec: s, Dir: filepath.Join(dir, "out")})
		if err != nil {
			t.Fatalf("%q: %v %+v", setting, err, res.Failed)
		}
		if len(res.Records) != 3 {
			t.Fatalf("%q: %d records", setting, len(res.Records))
		}
		ppl[setting] = map[string]float64{}
		for _, r := range res.Records {
			want := r.Eval != "en" && setting == ""
			if r.EvalParseSpecial != want {
				t.Errorf("%q: %s: eval_parse_special %v, want %v", setting, r.Cell, r.EvalParseSpecial, want)
			}
			if r.PPL <= 1 || len(r.KLD) == 0 {
				t.Errorf("%q: %s: PPL %g, KLD %v", setting, r.Cell, r.PPL, r.KLD)
			}
			ppl[setting][r.Eval] = r.PPL
		}
	}
	parsed, asText := ppl[""], ppl["  eval_parse_special: off\n"]
	for _, e := range []string{"en", "chat-eval", "chat-file"} {
		if same := parsed[e] == asText[e]; same != (e == "en") {
			t.Errorf("%s: PPL parsed %g, as text %g", e, parsed[e], asText[e])
		}
	}
}

// With eval_parse_special off, the chat eval sets are read as text in both
// engines, and llama.cpp's tools and the linked engine agree on them as on
// plain text (the quants without an imatrix are byte-identical,
// TestEnginesAgree).
func TestEnginesAgreeChatEvalAsText(t *testing.T) {
	tools := llamaCpp(t)
	ext, err := engine.NewExternal(tools)
	if err != nil {
		t.Fatal(err)
	}
	dir, s := chatEvalFixture(t, "  eval_parse_special: off\n  flash_attn: \"off\"\n")
	linked, err := Run(context.Background(), Options{Spec: s, Dir: filepath.Join(dir, "linked"), Engine: engine.Linked{}})
	if err != nil {
		t.Fatalf("linked: %v %+v", err, linked.Failed)
	}
	theirs, err := Run(context.Background(), Options{Spec: s, Dir: filepath.Join(dir, "llama.cpp"), Engine: ext})
	if err != nil {
		t.Fatalf("llama.cpp: %v %+v", err, theirs.Failed)
	}
	if len(linked.Records) != 3 || len(theirs.Records) != 3 {
		t.Fatalf("%d and %d records", len(linked.Records), len(theirs.Records))
	}
	for i, a := range linked.Records {
		b := theirs.Records[i]
		var dmax float64
		for j := range min(len(a.ChunkNLL), len(b.ChunkNLL)) {
			dmax = math.Max(dmax, math.Abs(a.ChunkNLL[j]-b.ChunkNLL[j]))
		}
		d := math.Abs(a.PPL - b.PPL)
		t.Logf("%s: PPL %.4f ± %.4f / %.4f ± %.4f (%.3f of its error), per-chunk NLL max |Δ| %.1e, mean KLD %g / %g",
			a.Cell, a.PPL, a.PPLError, b.PPL, b.PPLError, d/b.PPLError, dmax, a.KLD["Mean KLD"].Value, b.KLD["Mean KLD"].Value)
		// the same tokens: the same chunks, scored alike up to the two
		// llama.cpp versions' kernels (bounded as in TestEnginesAgree)
		if a.Cell != b.Cell || len(a.ChunkNLL) != len(b.ChunkNLL) || a.EvalParseSpecial || b.EvalParseSpecial {
			t.Fatalf("%s / %s: %d / %d chunks, parse special %v / %v", a.Cell, b.Cell, len(a.ChunkNLL), len(b.ChunkNLL), a.EvalParseSpecial, b.EvalParseSpecial)
		}
		if d > 0.1*b.PPLError {
			t.Errorf("%s: PPL %.4f and %.4f differ by %.2f of the error ± %.4f", a.Cell, a.PPL, b.PPL, d/b.PPLError, b.PPLError)
		}
	}
}
