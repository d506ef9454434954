package sweepcmd

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

func TestNewCmdSweepFlags(t *testing.T) {
	tests := []struct {
		args    string
		check   func(*Options) string
		wantErr string
	}{
		{args: "--base b --add ja=c.jsonl --shares 0,0.25,0.5,0.75,1 --total 1.5MB --nested -o d", check: func(o *Options) string {
			if o.Base != "b" || o.Add != (mix.Source{Name: "ja", Corpus: "c.jsonl"}) || fmt.Sprint(o.Shares) != "[0 0.25 0.5 0.75 1]" || o.Total != 1_500_000 || !o.Nested || o.Dir != "d" || o.Unit != mix.Bytes || o.Seed != 1 {
				return fmt.Sprintf("%+v", *o)
			}
			return ""
		}},
		{args: "--base b --add ja=c --shares 0.5 --total 4k --unit chars --seed 3 -o d", check: func(o *Options) string {
			if o.Unit != mix.Chars || o.Total != 4000 || o.Seed != 3 || o.Nested {
				return fmt.Sprintf("%+v", *o)
			}
			return ""
		}},
		{args: "--base b --add ja=j --add zh=z --vary ja=0,0.2,0.4 --share zh=0.2 --total 2MB --nested -o d", check: func(o *Options) string {
			if o.Add != (mix.Source{Name: "ja", Corpus: "j"}) || fmt.Sprint(o.Shares) != "[0 0.2 0.4]" || len(o.Fixed) != 1 || o.Fixed[0] != (mix.Source{Name: "zh", Corpus: "z"}) || o.FixedShares["zh"] != 0.2 || o.Total != 2_000_000 {
				return fmt.Sprintf("%+v", *o)
			}
			return ""
		}},
		{args: "--base b --add ja=j --add zh=z --add ko=k --vary zh=0.1,0.3 --share ja=0.2,ko=0.1 --total 1MB -o d", check: func(o *Options) string {
			if o.Add.Name != "zh" || len(o.Fixed) != 2 || o.Fixed[0].Name != "ja" || o.Fixed[1].Name != "ko" || o.FixedShares["ko"] != 0.1 {
				return fmt.Sprintf("%+v", *o)
			}
			return ""
		}},
		{args: "--base b --add ja=c --vary ja=0,0.5 --total 4k -o d", check: func(o *Options) string {
			if o.Add.Name != "ja" || len(o.Fixed) != 0 || o.FixedShares != nil || fmt.Sprint(o.Shares) != "[0 0.5]" {
				return fmt.Sprintf("%+v", *o)
			}
			return ""
		}},
		{args: "--base b --add ja=j --add zh=z --shares 0,0.5 --total 4k -o d", wantErr: "name the one that varies: --vary NAME=S"},
		{args: "--base b --add ja=j --add zh=z --vary ja=0,0.5 --shares 0.1 --total 4k -o d", wantErr: "exclude each other"},
		{args: "--base b --add ja=j --add zh=z --vary ja=0,0.5 --total 4k -o d", wantErr: "source zh has no --share"},
		{args: "--base b --add ja=j --add zh=z --vary ja=0,0.5 --share zh=0.2,ja=0.1 --total 4k -o d", wantErr: "ja is the source that varies"},
		{args: "--base b --add ja=j --add zh=z --vary ja=0,0.5,0.9 --share zh=0.2 --total 4k -o d", wantErr: "the largest share of ja, 0.9, and the fixed shares (0.2) sum to 1.1, above 1"},
		{args: "--base b --add ja=j --add zh=z --vary ko=0,0.5 --share zh=0.2 --total 4k -o d", wantErr: "no --add ko=CORPUS"},
		{args: "--base b --add ja=j --add zh=z --vary ja=0,x --share zh=0.2 --total 4k -o d", wantErr: `"x" is not a number`},
		{args: "--base b --add ja=j --add zh=z --vary ja --share zh=0.2 --total 4k -o d", wantErr: "want NAME=S,S"},
		{args: "--base b --add ja=j --add zh=z --vary ja=0,0.5 --share ko=0.2 --total 4k -o d", wantErr: "no --add ko=CORPUS"},
		{args: "--base b --add ja=j --add ja=z --vary ja=0,0.5 --total 4k -o d", wantErr: "used twice"},
		{args: "--base b --add jp=j --shares 0.5 --total 4k -o d", wantErr: `unsupported language "jp": supported are`},
		{args: "--base b --add ja=j --add zh=z --vary ja=0.2,0.2 --share zh=0.2 --total 4k -o d", wantErr: "given twice"},
		{args: "--add ja=c --shares 0.5 --total 4k -o d", wantErr: "--base"},
		{args: "--base b --shares 0.5 --total 4k -o d", wantErr: "--add"},
		{args: "--base b --add ja=c --total 4k -o d", wantErr: "--shares is required"},
		{args: "--base b --add ja=c --shares 0.5,0.5 --total 4k -o d", wantErr: "given twice"},
		{args: "--base b --add ja=c --shares 0.5,1.2 --total 4k -o d", wantErr: "outside 0..1"},
		{args: "--base b --add ja=c --shares 0.5 -o d", wantErr: "--total SIZE is required"},
		{args: "--base b --add ja=c --shares 0.5 --total 4k", wantErr: "-o/--output DIR"},
		{args: "--base b --add ja=c --shares 0.5 --total 4k --unit tokens -o d", wantErr: "-m MODEL"},
		{args: "--base b --add jac --shares 0.5 --total 4k -o d", wantErr: "NAME=CORPUS"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			got := cmdtest.Parse(t, NewCmdSweep, tt.args, tt.wantErr)
			if tt.wantErr != "" {
				return
			}
			if msg := tt.check(got); msg != "" {
				t.Error(msg)
			}
		})
	}
}

func writeInputs(t *testing.T, dir string, articles, baseLines int) (corpus, base string) {
	t.Helper()
	var b strings.Builder
	sy := []string{"東京", "は", "日本", "の", "首都", "で", "ある", "大学", "研究", "が", "多い", "人口"}
	k := 0
	for i := range articles {
		var ss []string
		for s := range 3 + i%6 {
			var w strings.Builder
			for range 5 + (i+s*7)%20 {
				w.WriteString(sy[k%len(sy)])
				k += 1 + k%3
			}
			fmt.Fprintf(&w, "%d。", i*10+s)
			ss = append(ss, w.String())
		}
		j, _ := json.Marshal(map[string]string{"id": fmt.Sprint(i), "title": fmt.Sprint("記事", i), "text": strings.Join(ss, "\n")})
		b.Write(j)
		b.WriteByte('\n')
	}
	corpus = filepath.Join(dir, "ja.jsonl")
	os.WriteFile(corpus, []byte(b.String()), 0o644)
	b.Reset()
	for i := range baseLines {
		fmt.Fprintf(&b, "base line %d %s\n", i, strings.Repeat("word ", i%30))
	}
	base = filepath.Join(dir, "base.txt")
	os.WriteFile(base, []byte(b.String()), 0o644)
	return corpus, base
}

func TestSweepRun(t *testing.T) {
	dir := t.TempDir()
	corpus, base := writeInputs(t, dir, 400, 800)
	out := filepath.Join(dir, "sweep")
	ios, _, _, _ := iostreams.Test()
	opts := &Options{IO: ios, Base: base, Add: mix.Source{Name: "ja", Corpus: corpus}, Shares: []float64{0, 0.25, 0.5, 0.75, 1},
		Total: 60_000, Unit: mix.Bytes, Chunk: 512, Seed: 1, Nested: true, Dir: out}
	if err := sweepRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"share-0.txt", "share-0.25.txt", "share-0.5.txt", "share-0.75.txt", "share-1.txt"} {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if d := math.Abs(float64(len(b))-60_000) / 60_000; d > 0.005 {
			t.Errorf("%s: %d bytes, %.2f%% off", name, len(b), 100*d)
		}
		if _, err := manifest.Read(manifest.Path(filepath.Join(out, name))); err != nil {
			t.Error(err)
		}
	}
	sm, err := manifest.Read(filepath.Join(out, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	if mixes := sm.Extra["mixes"].([]any); len(mixes) != 5 || mixes[1].(map[string]any)["file"] != "share-0.25.txt" {
		t.Errorf("sweep manifest mixes %v", sm.Extra["mixes"])
	}
}

func TestSweepRunLeavesNothingOnFailure(t *testing.T) {
	dir := t.TempDir()
	corpus, base := writeInputs(t, dir, 20, 2000)
	out := filepath.Join(dir, "sweep")
	ios, _, _, _ := iostreams.Test()
	// Share 0 and 0.1 fit; share 1 needs more than the corpus holds.
	opts := &Options{IO: ios, Base: base, Add: mix.Source{Name: "ja", Corpus: corpus}, Shares: []float64{0, 0.1, 1},
		Total: 40_000, Unit: mix.Bytes, Chunk: 512, Seed: 1, Dir: out}
	err := sweepRun(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "share 1: corpus") {
		t.Fatalf("error %v", err)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		entries, _ := os.ReadDir(out)
		t.Errorf("left behind the folder %s with %v", out, entries)
	}
}

func TestSweepRunTwoLanguages(t *testing.T) {
	dir := t.TempDir()
	ja, base := writeInputs(t, dir, 300, 3000)
	zh, _ := writeInputs(t, t.TempDir(), 300, 1)
	out := filepath.Join(dir, "sweep")
	ios, _, stdout, _ := iostreams.Test()
	cmd := NewCmdSweep(ios, nil)
	if err := cmdtest.Execute(cmd, fmt.Sprintf("--base %s --add ja=%s --add zh=%s --vary ja=0,0.2,0.4 --share zh=0.2 --total 60k --nested --json -o %s", base, ja, zh, out)); err != nil {
		t.Fatal(err)
	}
	var entries []Entry
	if err := json.Unmarshal(stdout.Bytes(), &entries); err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 {
		t.Fatalf("%d mixes", len(entries))
	}
	for _, e := range entries {
		if len(e.Sources) != 3 || e.Sources[1].Name != "ja" || e.Sources[2].Name != "zh" || e.Sources[2].Language != "Chinese" {
			t.Fatalf("%s: sources %+v", e.File, e.Sources)
		}
		if math.Abs(e.Sources[1].ShareBytes-e.Share) > 0.01 || math.Abs(e.Sources[2].ShareBytes-0.2) > 0.01 {
			t.Errorf("%s: ja %.3f zh %.3f of the bytes, want %g and 0.2", e.File, e.Sources[1].ShareBytes, e.Sources[2].ShareBytes, e.Share)
		}
		if e.Sources[2].Sentences != e.Sources[2].Lines || e.Sources[2].Sentences == 0 {
			t.Errorf("%s: zh %d sentences, %d lines", e.File, e.Sources[2].Sentences, e.Sources[2].Lines)
		}
	}
	sm, err := manifest.Read(filepath.Join(out, ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(sm.Parameters["fixed_shares"]) != "map[zh:0.2]" || fmt.Sprint(sm.Parameters["shares"]) != "[0 0.2 0.4]" {
		t.Errorf("sweep manifest parameters %v", sm.Parameters)
	}
}
