package synth

import (
	"errors"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Options)
		flag   string // "" means valid
		msg    string
	}{
		{"default", func(o *Options) {}, "", ""},
		{"bpe f16 moe", func(o *Options) { o.Vocab, o.Type, o.Experts, o.ExpertsUsed = VocabBPE, TypeF16, 4, 2 }, "", ""},
		{"heads do not divide embd", func(o *Options) { o.Heads = 5 }, "heads", "5 heads do not divide --embd 64"},
		{"odd head size", func(o *Options) { o.Embd, o.Heads, o.KVHeads = 60, 4, 4 }, "heads", "must be even for RoPE"},
		{"kv heads do not divide heads", func(o *Options) { o.KVHeads = 3 }, "kv-heads", "3 KV heads do not divide --heads 4"},
		{"zero layers", func(o *Options) { o.Layers = 0 }, "layers", "at least 1"},
		{"negative ff", func(o *Options) { o.FF = -1 }, "ff", "at least 1"},
		{"zero ctx", func(o *Options) { o.Ctx = 0 }, "ctx", "at least 1"},
		{"vocab too small", func(o *Options) { o.VocabSize = 100 }, "vocab-size", "100 is outside 384..65536"},
		{"vocab too large", func(o *Options) { o.VocabSize = 70000 }, "vocab-size", "outside"},
		{"unknown vocab", func(o *Options) { o.Vocab = "wpm" }, "vocab", `unknown vocabulary "wpm"`},
		{"unknown type", func(o *Options) { o.Type = "q8_0" }, "type", `unknown weight type "q8_0"`},
		{"one expert", func(o *Options) { o.Experts, o.ExpertsUsed = 1, 1 }, "experts", "at least 2 experts"},
		{"too many experts", func(o *Options) { o.Experts, o.ExpertsUsed = 513, 2 }, "experts", "0 (dense) to 512"},
		{"used without experts", func(o *Options) { o.ExpertsUsed = 2 }, "experts-used", "needs --experts"},
		{"used above experts", func(o *Options) { o.Experts, o.ExpertsUsed = 4, 5 }, "experts-used", "1 to --experts 4, got 5"},
		{"none used", func(o *Options) { o.Experts = 4 }, "experts-used", "got 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Default()
			tt.change(&o)
			err := o.Validate()
			if tt.flag == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			var oe *OptionError
			if !errors.As(err, &oe) {
				t.Fatalf("Validate() = %v, want an *OptionError", err)
			}
			if oe.Flag != tt.flag || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Validate() = %q (flag %s), want flag %s and %q", err, oe.Flag, tt.flag, tt.msg)
			}
		})
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	o := Default()
	o.Heads, o.Type = 5, "bf16"
	err := o.Validate()
	for _, want := range []string{"--heads:", "--type:"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to mention %s", err, want)
		}
	}
}

func TestParamCount(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Options)
		want   int64
	}{
		// embd 64, vocab 2048, q 64, kv 32, ff 128, 2 layers:
		// 2*64*2048 + 64 + 2*(64 + 64*64 + 2*64*32 + 64*64 + 64 + 3*64*128).
		{"default", func(o *Options) {}, 2*64*2048 + 64 + 2*(64+64*64+2*64*32+64*64+64+3*64*128)},
		// MoE: the three FFN matrices per expert plus the router.
		{"moe", func(o *Options) { o.Experts, o.ExpertsUsed = 4, 2 }, 2*64*2048 + 64 + 2*(64+64*64+2*64*32+64*64+64+64*4+4*3*64*128)},
		// The benchmark model documented in docs/synth.md.
		{"100M", func(o *Options) {
			o.Layers, o.Embd, o.FF, o.Heads, o.KVHeads, o.VocabSize = 12, 768, 2048, 12, 12, 8000
		}, 97_241_856},
	}
	for _, tt := range tests {
		o := Default()
		tt.change(&o)
		if got := o.ParamCount(); got != tt.want {
			t.Errorf("%s: ParamCount() = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestValidateSpecial(t *testing.T) {
	tests := []struct {
		special []string
		size    int
		msg     string
	}{
		{[]string{"<|im_start|>", "<|im_end|>"}, 2048, ""},
		{[]string{""}, 2048, "empty"},
		{[]string{"<a>", "<a>"}, 2048, `"<a>" is given twice`},
		{[]string{"<a b>"}, 2048, "whitespace"},
		{[]string{"</s>"}, 2048, "already in every vocabulary"},
		{[]string{"<a>", "<b>"}, 385, "385 is outside 386..65536"},
	}
	for _, tt := range tests {
		o := Default()
		o.Special, o.VocabSize = tt.special, tt.size
		err := o.Validate()
		if tt.msg == "" {
			if err != nil {
				t.Errorf("%q: %v", tt.special, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("%q: error %v, want %q", tt.special, err, tt.msg)
		}
	}
}
