package modelcmd

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/chat"
	"github.com/calibkit/calibkit/cli/cmdutil/cmdtest"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/train"
)

func TestNewCmdTrainFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    string
		check   func(t *testing.T, o *train.Options)
		wantErr string
	}{
		{name: "defaults", args: "-o m.gguf a.txt b.txt", check: func(t *testing.T, o *train.Options) {
			d := train.Defaults()
			if o.Model.Embd != d.Model.Embd || o.Window != 256 || o.LR != d.LR || len(o.Inputs) != 2 || o.Checkpoint != "m.gguf.ckpt.gguf" {
				t.Errorf("options %+v", o)
			}
		}},
		{name: "every flag", args: "-o m.gguf --layers 4 --embd 512 --ff 1024 --heads 8 --kv-heads 4 --vocab bpe --vocab-size 4096 --ctx 1024 --model-seed 3 --window 512 --steps 10 --lr 5e-4 --min-lr-ratio 0.2 --warmup 3 --weight-decay 0.01 --held-out 0.2 --seed 9 -t 1 --checkpoint-every 5 --checkpoint c.gguf a.txt",
			check: func(t *testing.T, o *train.Options) {
				m := o.Model
				if m.Layers != 4 || m.Embd != 512 || m.FF != 1024 || m.Heads != 8 || m.KVHeads != 4 || m.Vocab != "bpe" || m.VocabSize != 4096 || m.Ctx != 1024 || m.Seed != 3 ||
					o.Window != 512 || o.Steps != 10 || o.LR != 5e-4 || o.MinLRRatio != 0.2 || o.Warmup != 3 || o.WeightDecay != 0.01 || o.HeldOut != 0.2 ||
					o.Seed != 9 || o.Threads != 1 || o.CheckpointEvery != 5 || o.Checkpoint != "c.gguf" {
					t.Errorf("options %+v", o)
				}
			}},
		{name: "chat model", args: "-o m.gguf --chat-template chatml a.txt chat.txt", check: func(t *testing.T, o *train.Options) {
			src, _ := chat.Builtin("chatml")
			if !slices.Equal(o.Model.Special, []string{"<|im_start|>", "<|im_end|>"}) || o.Model.ChatTemplate != src {
				t.Errorf("special %q, template %q", o.Model.Special, o.Model.ChatTemplate)
			}
		}},
		{name: "no output", args: "a.txt", wantErr: "-o/--output is required"},
		{name: "no input", args: "-o m.gguf", wantErr: "requires at least 1 arg"},
		{name: "window", args: "-o m.gguf --window 300 a.txt", wantErr: "--window must be a positive multiple of 256"},
		{name: "window above ctx", args: "-o m.gguf --window 512 --ctx 256 a.txt", wantErr: "longer than the model's context"},
		{name: "lr", args: "-o m.gguf --lr 0 a.txt", wantErr: "--lr must be above 0"},
		{name: "held out", args: "-o m.gguf --held-out 0.9 a.txt", wantErr: "--held-out"},
		{name: "f16", args: "-o m.gguf --embd 100 --heads 3 a.txt", wantErr: "--heads"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cmdtest.Parse(t, NewCmdTrain, tt.args, tt.wantErr)
			if tt.wantErr != "" {
				return
			}
			tt.check(t, &got.Train)
		})
	}
}

func TestTrainRunBadInput(t *testing.T) {
	dir := t.TempDir()
	short := filepath.Join(dir, "short.txt")
	if err := os.WriteFile(short, []byte(strings.Repeat("ほんの少しの文。\nA few words.\n", 20)), 0o644); err != nil {
		t.Fatal(err)
	}
	latin1 := filepath.Join(dir, "latin1.txt")
	if err := os.WriteFile(latin1, []byte("caf\xe9\nau lait\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ input, want string }{
		{short, "fewer than one window"},
		{latin1, "is not valid UTF-8 (first bad byte at offset 3)"},
		{filepath.Join(dir, "missing.txt"), "no such file"},
	} {
		ios, _, _, _ := iostreams.Test()
		o := train.Defaults()
		o.Model.Embd, o.Model.FF = 64, 128
		o.Inputs, o.Output, o.Steps = []string{tc.input}, filepath.Join(dir, "m.gguf"), 2
		err := trainRun(context.Background(), &TrainOptions{IO: ios, Train: o})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", filepath.Base(tc.input), err, tc.want)
		}
		if _, err := os.Stat(o.Output); err == nil {
			t.Errorf("%s: output written", filepath.Base(tc.input))
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Errorf("left behind: %v", ents)
	}
}
