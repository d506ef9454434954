package modelcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/chat"
	"github.com/calibkit/calibkit/cli/cmdutil/cmdtest"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/internal/synth"
)

func TestNewCmdSynthFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		want    func(*synth.Options)
		wantErr string // usage error expected when set
	}{
		{name: "defaults", args: "-o m.gguf", want: func(o *synth.Options) {}},
		{name: "every flag", args: "-o m.gguf --layers 3 --embd 96 --ff 200 --heads 6 --kv-heads 3 --vocab bpe --vocab-size 4000 --ctx 4096 --experts 4 --experts-used 2 --type f16 --seed 42 --name demo",
			want: func(o *synth.Options) {
				*o = synth.Options{Layers: 3, Embd: 96, FF: 200, Heads: 6, KVHeads: 3, Vocab: "bpe", VocabSize: 4000, Ctx: 4096,
					Experts: 4, ExpertsUsed: 2, Type: "f16", Seed: 42, Name: "demo"}
			}},
		{name: "built-in chat template", args: "-o m.gguf --chat-template chatml", want: func(o *synth.Options) {
			o.Special = []string{"<|im_start|>", "<|im_end|>"}
			o.ChatTemplate, _ = chat.Builtin("chatml")
		}},
		{name: "markers given", args: "-o m.gguf --special <s1> --special <s2> --chat-template gemma", want: func(o *synth.Options) {
			o.Special = []string{"<s1>", "<s2>"}
			o.ChatTemplate, _ = chat.Builtin("gemma")
		}},
		{name: "markers alone", args: "-o m.gguf --special <|im_start|>", want: func(o *synth.Options) { o.Special = []string{"<|im_start|>"} }},
		{name: "template file", args: "-o m.gguf --chat-template " + filepath.Join("..", "..", "..", "chat", "testdata", "templates", "google-gemma-2-2b-it.jinja"), want: func(o *synth.Options) {
			b, _ := os.ReadFile(filepath.Join("..", "..", "..", "chat", "testdata", "templates", "google-gemma-2-2b-it.jinja"))
			o.ChatTemplate = string(b)
		}},
		{name: "unknown template", args: "-o m.gguf --chat-template nonesuch", wantErr: `--chat-template nonesuch: no such file, and no built-in chat template "nonesuch"; built-in names: chatml, gemma, llama3, phi3 (or give a Jinja file)`},
		{name: "repeated marker", args: "-o m.gguf --special <a> --special <a>", wantErr: "<a>"},
		{name: "no output", args: "--layers 3", wantErr: "-o/--output is required"},
		{name: "stdout", args: "-o -", wantErr: "must name a file"},
		{name: "heads", args: "-o m.gguf --heads 5", wantErr: "--heads: 5 heads do not divide --embd 64"},
		{name: "experts used", args: "-o m.gguf --experts 4 --experts-used 5", wantErr: "--experts-used: must be 1 to --experts 4, got 5"},
		{name: "vocab", args: "-o m.gguf --vocab wpm", wantErr: `--vocab: unknown vocabulary "wpm"`},
		{name: "argument", args: "-o m.gguf extra", wantErr: "unknown command"},
		{name: "bad number", args: "-o m.gguf --layers two", wantErr: "invalid argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cmdtest.Parse(t, NewCmdSynth, tt.args, tt.wantErr)
			if tt.wantErr != "" {
				return
			}
			want := synth.Default()
			tt.want(&want)
			if !reflect.DeepEqual(got.Model, want) || got.Output != "m.gguf" {
				t.Errorf("options %+v output %q, want %+v and m.gguf", got.Model, got.Output, want)
			}
		})
	}
}

func TestSynthRun(t *testing.T) {
	dir := t.TempDir()
	ios, _, out, errOut := iostreams.Test()
	model := synth.Default()
	model.Vocab, model.Experts, model.ExpertsUsed = synth.VocabBPE, 4, 2
	opts := &SynthOptions{IO: ios, Model: model, Output: filepath.Join(dir, "m.gguf"), JSON: true,
		Command: []string{"calibkit", "model", "synth"}}
	if err := synthRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(opts.Output)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := synth.Write(&want, model); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Error("the command's file differs from synth.Write's bytes for the same options")
	}
	if errOut.Len() != 0 {
		t.Errorf("stderr without a terminal: %q", errOut)
	}

	var sum synthSummary
	if err := json.Unmarshal(out.Bytes(), &sum); err != nil {
		t.Fatalf("--json output %q: %v", out, err)
	}
	if sum.Bytes != int64(len(got)) || sum.Parameters != model.ParamCount() || sum.Tensors != model.TensorCount() || sum.Experts != 4 {
		t.Errorf("summary %+v does not match the file (%d bytes, %d parameters)", sum, len(got), model.ParamCount())
	}

	m, err := manifest.Read(manifest.Path(opts.Output))
	if err != nil {
		t.Fatal(err)
	}
	if m.Parameters["vocab"] != "bpe" || m.Parameters["seed"] != float64(1) || m.Counts["bytes"] != float64(len(got)) {
		t.Errorf("manifest parameters %v counts %v", m.Parameters, m.Counts)
	}
}

func TestSynthRunFailures(t *testing.T) {
	dir := t.TempDir()
	ios, _, _, _ := iostreams.Test()

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	opts := &SynthOptions{IO: ios, Model: synth.Default(), Output: filepath.Join(dir, "m.gguf")}
	if err := synthRun(ctx, opts); !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("cancelled run: %v, want an interrupted context.Canceled error", err)
	}
	opts.Output = filepath.Join(dir, "missing", "m.gguf")
	if err := synthRun(context.Background(), opts); err == nil || !strings.Contains(err.Error(), "missing") {
		t.Errorf("run into a missing folder: %v, want an error naming it", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("failed runs left %v", entries)
	}
}

func TestSynthRunProgress(t *testing.T) {
	ios, _, out, errOut := iostreams.Test()
	ios.StderrTTY = true
	opts := &SynthOptions{IO: ios, Model: synth.Default(), Output: filepath.Join(t.TempDir(), "m.gguf")}
	if err := synthRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "model synth") {
		t.Errorf("no progress bar on a terminal: stderr %q", errOut)
	}
	if out.Len() != 0 {
		t.Errorf("stdout without --json: %q", out)
	}
	got, err := os.ReadFile(opts.Output)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := synth.Write(&want, synth.Default()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Error("the file written through the progress bar differs")
	}

	ios.Quiet = true
	errOut.Reset()
	if err := synthRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if errOut.Len() != 0 {
		t.Errorf("--quiet still wrote %q", errOut)
	}
}
