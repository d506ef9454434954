package mixcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/cmdutil/cmdtest"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/mix"
)

func TestNewCmdMixFlags(t *testing.T) {
	tests := []struct {
		args    string
		check   func(*Options) string
		wantErr string
	}{
		{args: "--base cal.txt --add ja=ja.jsonl --factor ja=4 -o out.txt", check: func(o *Options) string {
			if o.Base != "cal.txt" || len(o.Adds) != 1 || o.Adds[0] != (Source{Name: "ja", Corpus: "ja.jsonl"}) || o.Factors["ja"] != 4 || o.Total != 0 || o.Unit != mix.Bytes || o.Chunk != 512 || o.Seed != 1 {
				return fmt.Sprintf("%+v", *o)
			}
			return ""
		}},
		{args: "--base cal.txt --add ja=ja.jsonl --add en=en.txt --share ja=0.5 --share en=0.25 --total 1.5MB --unit chars --seed 9 --chunk-tokens 256 --exclude e.json --eval e.raw -o o", check: func(o *Options) string {
			if len(o.Adds) != 2 || o.Shares["ja"] != 0.5 || o.Shares["en"] != 0.25 || o.Total != 1_500_000 || o.Unit != mix.Chars || o.Seed != 9 || o.Chunk != 256 || o.Exclude[0] != "e.json" || o.Eval != "e.raw" {
				return fmt.Sprintf("%+v", *o)
			}
			return ""
		}},
		{args: "--base b --add ja=c --share ja=0.5 --total 1000 --unit tokens -m m.gguf -o o", check: func(o *Options) string {
			if o.Unit != mix.Tokens || o.Model != "m.gguf" {
				return fmt.Sprintf("%+v", *o)
			}
			return ""
		}},
		{args: "--base b --add ja=ja.jsonl --add zh=zh.jsonl --share ja=0.3,zh=0.2 --total 2MB -o o", check: func(o *Options) string {
			if len(o.Adds) != 2 || o.Adds[1] != (Source{Name: "zh", Corpus: "zh.jsonl"}) || o.Shares["ja"] != 0.3 || o.Shares["zh"] != 0.2 || o.Total != 2_000_000 {
				return fmt.Sprintf("%+v", *o)
			}
			return ""
		}},
		{args: "--base b --add ja=a --add zh=b --add ko=c --share ja=0.3,zh=0.2 --share ko=0.1 --total 2MB -o o", check: func(o *Options) string {
			if len(o.Adds) != 3 || o.Shares["ko"] != 0.1 || o.Shares["zh"] != 0.2 {
				return fmt.Sprintf("%+v", *o)
			}
			return ""
		}},
		{args: "--base b --add ja=a --add zh=b --factor ja=2,zh=1 -o o", check: func(o *Options) string {
			if o.Factors["ja"] != 2 || o.Factors["zh"] != 1 {
				return fmt.Sprintf("%+v", *o)
			}
			return ""
		}},
		{args: "--base b --add xx=c --share xx=0.5 --total 5 -o o", wantErr: `unsupported language "xx": supported are ar, arz, bg`},
		{args: "--base b --add base=c --share base=0.5 --total 5 -o o", wantErr: `unsupported language "base"`},
		{args: "--base b --add ja=a --add zh=b --share ja=0.6,zh=0.5 --total 5 -o o", wantErr: "shares sum to 1.1, above 1"},
		{args: "--base b --add ja=a --share ja=0.3,zh=0.2 --total 5 -o o", wantErr: "no --add zh=CORPUS"},
		{args: "--base b --add ja=a --add zh=b --share ja=0.3,ja=0.2 --total 5 -o o", wantErr: "--share for ja is given twice"},
		{args: "--base b --add ja=a --add zh=b --share ja=0.3, --total 5 -o o", wantErr: "want NAME=NUMBER"},
		{args: "--add ja=c --factor ja=4 -o o", wantErr: "--base FILE is required"},
		{args: "--base b --add ja=c --factor ja=4", wantErr: "-o/--output is required"},
		{args: "--base b --factor ja=4 -o o", wantErr: "at least one --add"},
		{args: "--base b --add ja -o o --factor ja=1", wantErr: "want NAME=CORPUS"},
		{args: "--base b --add ja=c --add ja=d --factor ja=1 -o o", wantErr: "used twice"},
		{args: "--base b --add ja=c --factor ja=1 --share ja=0.5 --total 5 -o o", wantErr: "exclude each other"},
		{args: "--base b --add ja=c --factor ja=1 --total 5 -o o", wantErr: "--total goes with --share"},
		{args: "--base b --add ja=c --share ja=0.5 -o o", wantErr: "needs --total"},
		{args: "--base b --add ja=c --add en=d --share ja=0.6 --share en=0.5 --total 5 -o o", wantErr: "shares sum to 1.1, above 1"},
		{args: "--base b --add ja=c --share ja=1.5 --total 5 -o o", wantErr: "at most 1"},
		{args: "--base b --add ja=c --share zh=0.5 --total 5 -o o", wantErr: "no --add zh=CORPUS"},
		{args: "--base b --add ja=c --add en=d --factor ja=2 -o o", wantErr: "source en has no --factor or --share"},
		{args: "--base b --add ja=c --factor ja=x -o o", wantErr: "not a number"},
		{args: "--base b --add ja=c -o o", wantErr: "give --factor"},
		{args: "--base b --add ja=c --share ja=0.5 --total 5 --unit tokens -o o", wantErr: "add -m MODEL.gguf"},
		{args: "--base b --add ja=c --share ja=0.5 --total 1.5QB -o o", wantErr: "--total"},
		{args: "--base b --add ja=c --factor ja=1 --chunk-tokens 0 -o o", wantErr: "--chunk-tokens"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			got := cmdtest.Parse(t, NewCmdMix, tt.args, tt.wantErr)
			if tt.wantErr != "" {
				return
			}
			if msg := tt.check(got); msg != "" {
				t.Error(msg)
			}
		})
	}
}

// writeCorpus writes a JSONL corpus of n articles of Japanese-like text.
func writeCorpus(t *testing.T, dir string, n int) string {
	t.Helper()
	var b strings.Builder
	sy := []string{"東京", "は", "日本", "の", "首都", "で", "ある", "大学", "研究", "が", "多い", "人口", "約", "万人", "川", "山"}
	k := 0
	for i := range n {
		var paras []string
		for p := range 1 + i%4 {
			var ss []string
			for s := range 2 + (i+p)%5 {
				var w strings.Builder
				for range 4 + (i*7+s*3+p)%25 {
					w.WriteString(sy[k%len(sy)])
					k += 1 + (k*7+i)%5
				}
				fmt.Fprintf(&w, "%d。", i*100+p*10+s)
				ss = append(ss, w.String())
			}
			paras = append(paras, strings.Join(ss, "\n"))
		}
		j, _ := json.Marshal(map[string]string{"id": fmt.Sprint(100 + i), "title": fmt.Sprintf("記事%d", i), "text": strings.Join(paras, "\n\n")})
		b.Write(j)
		b.WriteByte('\n')
	}
	p := filepath.Join(dir, "ja.jsonl")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func writeBase(t *testing.T, dir string, lines int) string {
	t.Helper()
	var b strings.Builder
	for i := range lines {
		fmt.Fprintf(&b, "line %d of the base calibration text, with %s words.\n", i, strings.Repeat("more ", i%40))
	}
	p := filepath.Join(dir, "calibration_datav3.txt")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMixRun(t *testing.T) {
	dir := t.TempDir()
	corpus := writeCorpus(t, dir, 400)
	base := writeBase(t, dir, 600)
	out := filepath.Join(dir, "mix.txt")
	ios, _, stdout, _ := iostreams.Test()
	opts := &Options{IO: ios, Base: base, Adds: []Source{{Name: "ja", Corpus: corpus}}, Shares: map[string]float64{"ja": 0.5}, Total: 80_000, Unit: mix.Bytes, Chunk: 512, Seed: 2, Output: out, JSON: true}
	if err := mixRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if d := math.Abs(float64(len(b))-80_000) / 80_000; d > 0.005 {
		t.Errorf("%d bytes, %.2f%% off", len(b), 100*d)
	}
	var sum Summary
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
		t.Fatal(err)
	}
	if len(sum.Sources) != 2 || math.Abs(sum.Sources[1].ShareBytes-0.5) > 0.01 || sum.MaxPrefixError > 0.05 {
		t.Errorf("summary %+v", sum)
	}
	m, err := manifest.Read(manifest.Path(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Inputs) != 2 || m.Counts["bytes"] != float64(len(b)) || m.Extra["sources"] == nil {
		t.Errorf("manifest %+v", m)
	}
	// Rerun: byte-identical.
	out2 := filepath.Join(dir, "mix2.txt")
	o2 := *opts
	o2.Output, o2.JSON = out2, false
	if err := mixRun(context.Background(), &o2); err != nil {
		t.Fatal(err)
	}
	b2, _ := os.ReadFile(out2)
	if string(b) != string(b2) {
		t.Error("rerun differs")
	}
}

func TestMixRunEvalOverlapWarning(t *testing.T) {
	dir := t.TempDir()
	corpus := writeCorpus(t, dir, 200)
	base := writeBase(t, dir, 200)
	// The eval file is made of the same corpus: the mix overlaps it.
	var eval strings.Builder
	for _, l := range strings.Split(string(must(os.ReadFile(corpus))), "\n")[:100] {
		if l == "" {
			continue
		}
		var a struct{ Text string }
		json.Unmarshal([]byte(l), &a)
		eval.WriteString(strings.ReplaceAll(a.Text, "\n\n", "\n") + "\n")
	}
	evalPath := filepath.Join(dir, "eval.raw")
	os.WriteFile(evalPath, []byte(eval.String()), 0o644)
	ios, _, _, stderr := iostreams.Test()
	opts := &Options{IO: ios, Base: base, Adds: []Source{{Name: "ja", Corpus: corpus}}, Factors: map[string]float64{"ja": 2}, Unit: mix.Bytes, Chunk: 512, Seed: 1, Eval: evalPath, Output: filepath.Join(dir, "o.txt")}
	if err := mixRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stderr.String(), "warning") || !strings.Contains(stderr.String(), "share 13-grams") {
		t.Errorf("no overlap warning: %q", stderr)
	}
	m, _ := manifest.Read(manifest.Path(opts.Output))
	if m.Extra["eval_overlap"] == nil {
		t.Error("no overlap in the manifest")
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestMixRunBadInput(t *testing.T) {
	dir := t.TempDir()
	corpus := writeCorpus(t, dir, 5)
	base := writeBase(t, dir, 50)
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("ok\nnot \xe3\x81 utf8\n"), 0o644)
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"base not UTF-8", Options{Base: bad, Adds: []Source{{Name: "ja", Corpus: corpus}}, Factors: map[string]float64{"ja": 1}}, "bad.txt is not UTF-8: invalid byte 0xe3 at byte offset 7"},
		{"more than the corpus", Options{Base: base, Adds: []Source{{Name: "ja", Corpus: corpus}}, Factors: map[string]float64{"ja": 100}}, "source ja needs"},
		{"base too small", Options{Base: base, Adds: []Source{{Name: "ja", Corpus: corpus}}, Shares: map[string]float64{"ja": 0.1}, Total: 10_000_000}, "lower --total"},
		{"no binding", Options{Base: base, Adds: []Source{{Name: "ja", Corpus: corpus}}, Factors: map[string]float64{"ja": 1}, Model: "m.gguf"}, "not available in this build"},
		{"bad exclude", Options{Base: base, Adds: []Source{{Name: "ja", Corpus: corpus}}, Factors: map[string]float64{"ja": 1}, Exclude: []string{bad}}, "not a JSON manifest"},
	}
	old := OpenTokenCounter
	OpenTokenCounter = nil
	defer func() { OpenTokenCounter = old }()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			o := tt.opts
			o.IO, o.Chunk, o.Output = ios, 512, filepath.Join(t.TempDir(), "out.txt")
			err := mixRun(context.Background(), &o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if entries, _ := os.ReadDir(filepath.Dir(o.Output)); len(entries) != 0 {
				t.Errorf("left behind %v", entries)
			}
		})
	}
}
