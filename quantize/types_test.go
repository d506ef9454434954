package quantize

import (
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/llama"
)

func TestParseFileType(t *testing.T) {
	for _, c := range []struct {
		in, want string
	}{
		{"Q4_K_M", "Q4_K_M"}, {"Q4_k_m", "Q4_K_M"}, {"q4_k_m", "Q4_K_M"}, {"15", "Q4_K"},
		{"Q4_K", "Q4_K"}, {"12", "Q3_K"}, {"0", "F32"}, {"copy", "COPY"}, {"q8_0", "Q8_0"},
		{"7", "Q8_0"}, {" 7", "Q8_0"}, {"+7", "Q8_0"}, {"7x", "Q8_0"}, {"iq2_xxs", "IQ2_XXS"},
		{"f16", "F16"}, {"30", "IQ4_XS"},
	} {
		ft, err := ParseFileType(c.in)
		if err != nil || ft.Name != c.want {
			t.Errorf("ParseFileType(%q) = %q, %v; want %q", c.in, ft.Name, err, c.want)
		}
	}
	for _, bad := range []string{"", "Q4_K_X", "4", "5", "-1", "99999999999", "x7", "Q4_\u212a_M"} {
		_, err := ParseFileType(bad)
		if err == nil || !IsUsage(err) || !strings.Contains(err.Error(), "--list-types") {
			t.Errorf("ParseFileType(%q) = %v, want a usage error naming --list-types", bad, err)
		}
	}
}

func TestTypesTable(t *testing.T) {
	seen := map[string]bool{}
	for _, ft := range Types() {
		if seen[ft.Name] {
			t.Errorf("%s listed twice", ft.Name)
		}
		seen[ft.Name] = true
		if ft.Desc == "" {
			t.Errorf("%s has no description", ft.Name)
		}
	}
	for _, want := range []string{"Q4_K_M", "Q8_0", "F16", "IQ4_XS", "IQ2_XXS", "COPY"} {
		if !seen[want] {
			t.Errorf("table lacks %s", want)
		}
	}
}

func TestParseGGMLType(t *testing.T) {
	for in, want := range map[string]string{"q8_0": "q8_0", "Q8_0": "q8_0", "f16": "f16", "F16": "f16", "q4_k": "q4_K", "BF16": "bf16", "iq4_xs": "iq4_xs"} {
		ty, err := ParseGGMLType(in)
		if err != nil || ty.String() != want {
			t.Errorf("ParseGGMLType(%q) = %v, %v; want %s", in, ty, err, want)
		}
	}
	for _, bad := range []string{"", "q4_2", "deprecated", "q8", "Q4_K_M"} {
		if _, err := ParseGGMLType(bad); err == nil || !IsUsage(err) {
			t.Errorf("ParseGGMLType(%q): %v, want a usage error", bad, err)
		}
	}
}

func TestParseTensorType(t *testing.T) {
	for _, c := range []struct {
		in, pat string
		typ     llama.GGMLType
	}{
		{"attn_q=q8_0", "attn_q", llama.TypeQ8_0},
		{"ATTN_V=Q6_K", "attn_v", llama.TypeQ6_K},
		{"blk\\.[0-3]\\.ffn_down=f16", "blk\\.[0-3]\\.ffn_down", llama.TypeF16},
		{"a=b=q8_0", "", 0}, // the type is "b=q8_0": invalid
	} {
		tt, err := ParseTensorType(c.in)
		if c.pat == "" {
			if err == nil {
				t.Errorf("ParseTensorType(%q) = %+v, want an error", c.in, tt)
			}
			continue
		}
		if err != nil || tt.Pattern != c.pat || tt.Type != c.typ {
			t.Errorf("ParseTensorType(%q) = %+v, %v; want %s=%v", c.in, tt, err, c.pat, c.typ)
		}
	}
	for in, want := range map[string]string{"attn_q": "malformed", "=q8_0": "missing tensor name", "attn_q=": "missing quantization type", "attn_q=q9": "invalid ggml type", "attn_(q=q8_0": "invalid regular expression"} {
		_, err := ParseTensorType(in)
		if err == nil || !IsUsage(err) || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseTensorType(%q) = %v, want a usage error mentioning %q", in, err, want)
		}
	}
}

func FuzzParseTensorType(f *testing.F) {
	for _, s := range []string{"attn_q=q8_0", "=", "a=", "=b", "blk\\.[0-9]+\\.ffn_.*=q4_K", "(=f16", "\x00=q8_0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tt, err := ParseTensorType(s)
		if err != nil {
			if !IsUsage(err) {
				t.Fatalf("ParseTensorType(%q): %v is not a usage error", s, err)
			}
			return
		}
		if !tt.Type.Valid() || tt.Pattern == "" || tt.Pattern != asciiLower(tt.Pattern) {
			t.Fatalf("ParseTensorType(%q) = %+v", s, tt)
		}
		llama.RegexSearch(tt.Pattern, "blk.0.attn_q.weight") // must not crash
	})
}

func FuzzParseFileType(f *testing.F) {
	for _, s := range []string{"Q4_K_M", "q4_k_m", "15", " 15", "+15x", "-0", "COPY", "2147483648", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ft, err := ParseFileType(s)
		if err != nil {
			if !IsUsage(err) {
				t.Fatalf("ParseFileType(%q): %v is not a usage error", s, err)
			}
			return
		}
		again, err := ParseFileType(ft.Name)
		if err != nil || again != ft {
			t.Fatalf("ParseFileType(%q) = %+v, but its name gives %+v, %v", s, ft, again, err)
		}
	})
}
