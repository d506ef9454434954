package spec

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const good = `name: t
model: m.gguf
imatrix:
  - none
  - name: en
    text: en.txt
  - name: plus-ja
    mix:
      base: en.txt
      add: {ja: ja.jsonl}
      factor: {ja: 4}
  - name: share
    sweep:
      base: en.txt
      add: {ja: ja.jsonl}
      shares: [0, 0.5, 1]
      total: 1.5MB
      nested: true
      repeats: 3
variants: [M, L, fp16, {name: Q8, type: Q8_0, tensor_types: ["attn_v=q8_0"]}]
eval:
  - name: wiki
    file: wiki.test.raw
  - name: ja-wiki
    build: {from: ja.jsonl, like: wiki.test.raw}
settings:
  ctx: 512
  chunks: 10
`

func TestParseGood(t *testing.T) {
	s, err := Parse("s.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Imatrix) != 4 || !s.Imatrix[0].None || s.Imatrix[0].Name != "none" || s.Imatrix[2].Mix.Factor["ja"] != 4 {
		t.Errorf("sources %+v", s.Imatrix)
	}
	if s.Imatrix[3].Sweep.Repeats != 3 || !s.Imatrix[3].Sweep.Nested {
		t.Errorf("sweep %+v", s.Imatrix[3].Sweep)
	}
	if len(s.Variants) != 4 || !reflect.DeepEqual(s.Variants[1], Variant{Name: "L", Type: "Q4_K_M", OutputTensorType: "q8_0", TokenEmbeddingType: "q8_0"}) ||
		s.Variants[2].OutputTensorType != "f16" || s.Variants[3].Type != "Q8_0" {
		t.Errorf("variants %+v", s.Variants)
	}
	if s.Settings.Ctx != 512 || s.Settings.Batch != 2048 || s.Settings.Baseline != "none" || s.Settings.EvalParseSpecial != "" {
		t.Errorf("settings %+v", s.Settings)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct {
		name string
		yaml string
		want string
	}{
		{"unknown top key", good + "modle: x.gguf\n", `s.yaml:29:1: unknown key "modle" in the study`},
		{"typo in settings", strings.Replace(good, "  chunks: 10", "  chunk: 10", 1), `s.yaml:28:3: unknown key "chunk" in settings`},
		{"typo in a mix", strings.Replace(good, "      factor: {ja: 4}", "      factors: {ja: 4}", 1), `s.yaml:11:7: unknown key "factors" in a mix`},
		{"typo in a variant", strings.Replace(good, "type: Q8_0", "typ: Q8_0", 1), `s.yaml:20:35: unknown key "typ" in a variant`},
		{"not yaml", good + "imatrix: [\n", "s.yaml: not YAML"},
		{"no model", strings.Replace(good, "model: m.gguf\n", "", 1), "s.yaml:1:1: no model"},
		{"two kinds", strings.Replace(good, "    text: en.txt", "    text: en.txt\n    file: x.gguf", 1), `s.yaml:5:5: imatrix source "en": give exactly one of`},
		{"bad string source", strings.Replace(good, "  - none\n", "  - nothing\n", 1), `s.yaml:4:5: imatrix source "nothing": a plain string can only be none`},
		{"unknown preset", strings.Replace(good, "[M, L,", "[M, XL,", 1), `s.yaml:20:15: variant "XL": a plain string names a preset`},
		{"share above 1", strings.Replace(good, "shares: [0, 0.5, 1]", "shares: [0, 1.5]", 1), "s.yaml:16:15: sweep share: shares: share 1.5 is outside 0..1"},
		{"baseline", good + "  baseline: nope\n", `s.yaml:29:13: baseline "nope" names no imatrix source`},
		{"duplicate", strings.Replace(good, "name: plus-ja", "name: en", 1), `s.yaml:7:5: imatrix source "en" is given twice`},
		{"bad type", strings.Replace(good, "ctx: 512", "ctx: big", 1), "s.yaml: line 27: cannot unmarshal"},
		{"eval_parse_special", good + "  eval_parse_special: on\n", `s.yaml:29:23: eval_parse_special is auto or off, not "on"`},
		{"eval both", strings.Replace(good, "    file: wiki.test.raw", "    file: wiki.test.raw\n    build: {from: a, like: b}", 1), "eval set wiki: give exactly one of file and build"},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("s.yaml", []byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestLoadResolvesAndNamesMissingFiles(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"m.gguf", "en.txt", "ja.jsonl", "wiki.test.raw"} {
		os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o644)
	}
	p := filepath.Join(dir, "s.yaml")
	os.WriteFile(p, []byte(good), 0o644)
	s, err := Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if s.Model != filepath.Join(dir, "m.gguf") || s.Imatrix[2].Mix.Add["ja"] != filepath.Join(dir, "ja.jsonl") || s.Eval[1].Build.Like != filepath.Join(dir, "wiki.test.raw") {
		t.Errorf("not resolved: %s %v %s", s.Model, s.Imatrix[2].Mix.Add, s.Eval[1].Build.Like)
	}
	os.Remove(filepath.Join(dir, "wiki.test.raw"))
	_, err = Load(p)
	if err == nil || !strings.Contains(err.Error(), "s.yaml:23:11: eval file "+filepath.Join(dir, "wiki.test.raw")+" does not exist") {
		t.Errorf("error %v", err)
	}
	if _, err := Load(filepath.Join(dir, "nope.yaml")); err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Errorf("error %v", err)
	}
}

func TestParseHFModel(t *testing.T) {
	m, err := ParseHFModel("hf://bartowski/Qwen-GGUF/Qwen-f16.gguf")
	if err != nil || m != (HFModel{Repo: "bartowski/Qwen-GGUF", Revision: "main", File: "Qwen-f16.gguf"}) {
		t.Fatalf("%+v %v", m, err)
	}
	dir := t.TempDir()
	snap := filepath.Join(dir, "models--bartowski--Qwen-GGUF", "snapshots", strings.Repeat("a", 40))
	os.MkdirAll(snap, 0o755)
	os.MkdirAll(filepath.Join(dir, "models--bartowski--Qwen-GGUF", "refs"), 0o755)
	os.WriteFile(filepath.Join(dir, "models--bartowski--Qwen-GGUF", "refs", "main"), []byte(strings.Repeat("a", 40)), 0o644)
	if _, err := m.Locate(dir); err == nil || !strings.Contains(err.Error(), "huggingface-cli download bartowski/Qwen-GGUF Qwen-f16.gguf") {
		t.Errorf("missing file: %v", err)
	}
	os.WriteFile(filepath.Join(snap, "Qwen-f16.gguf"), []byte("GGUF"), 0o644)
	if p, err := m.Locate(dir); err != nil || p != filepath.Join(snap, "Qwen-f16.gguf") {
		t.Errorf("%s %v", p, err)
	}
	for _, bad := range []string{"hf://x", "hf://a/b/", "hf://a/b/../c.gguf", "/x.gguf"} {
		if _, err := ParseHFModel(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte("model: x\nimatrix: [none]\nvariants: [M]\neval: [{name: a, file: b}]\n"))
	f.Add([]byte("- a\n- b: [1, {c: d}]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse("f.yaml", b)
		if err == nil && (s.Model == "" || len(s.Imatrix) == 0 || s.Settings.Ctx < 8) {
			t.Fatalf("accepted an invalid spec: %+v", s)
		}
	})
}
