package coveragecmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/cmdutil/cmdtest"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/coverage"
	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/internal/synth"
)

func TestNewCmdCoverageFlags(t *testing.T) {
	tests := []struct {
		args    string
		check   func(o *Options) bool
		wantErr string
	}{
		{args: "-m m.gguf a.txt", check: func(o *Options) bool {
			return o.Model == "m.gguf" && len(o.Files) == 1 && o.Coverage.MinCount == coverage.DefaultMinCount && o.Coverage.Top == coverage.DefaultTop && !o.JSON && o.Coverage.PieceBytes == coverage.DefaultPieceBytes
		}},
		{args: "--model m.gguf a.txt b.txt -k 3 --top 0 --json --png c.png -o c.json --parse-special --piece-mib 2 -t 3", check: func(o *Options) bool {
			return o.Coverage.Threads == 3 && o.Coverage.PieceBytes == 2<<20 && len(o.Files) == 2 && o.Coverage.MinCount == 3 && o.Coverage.Top == -1 && o.JSON && o.PNG == "c.png" && o.Output == "c.json" && o.Coverage.ParseSpecial
		}},
		{args: "a.txt", wantErr: "-m/--model is required"},
		{args: "-m m.gguf", wantErr: "requires at least 1 arg"},
		{args: "-m m.gguf a.txt -k 0", wantErr: "-k/--min-count must be at least 1"},
		{args: "-m m.gguf a.txt --top -1", wantErr: "--top must not be negative"},
		{args: "-m m.gguf a.txt -t 0", wantErr: "-t/--threads must be at least 1"},
		{args: "-m m.gguf a.txt --piece-mib 0", wantErr: "--piece-mib must be between 1 and 1024"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			got := cmdtest.Parse(t, NewCmdCoverage, tt.args, tt.wantErr)
			if tt.wantErr != "" {
				return
			}
			if !tt.check(got) {
				t.Errorf("options %+v", *got)
			}
		})
	}
}

func TestCoverageRun(t *testing.T) {
	dir := t.TempDir()
	model := filepath.Join(dir, "m.gguf")
	if err := synth.WriteFile(model, synth.Default()); err != nil {
		t.Fatal(err)
	}
	en := filepath.Join(dir, "en.txt")
	ja := filepath.Join(dir, "ja.txt")
	os.WriteFile(en, []byte(strings.Repeat("The morning train was crowded, as it always is on weekdays.\n", 20)), 0o644)
	os.WriteFile(ja, []byte(strings.Repeat("朝の駅はいつも混雑している。電車が到着すると、人々は静かに列を作る。\n", 20)), 0o644)
	empty := filepath.Join(dir, "empty.txt")
	os.WriteFile(empty, nil, 0o644)

	ios, _, stdout, _ := iostreams.Test()
	out, png := filepath.Join(dir, "cov.json"), filepath.Join(dir, "cov.png")
	opts := &Options{IO: ios, Model: model, Files: []string{en, ja}, Output: out, PNG: png, JSON: true,
		Coverage: coverage.Options{MinCount: 10}}
	if err := coverageRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	var res coverage.Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 2 || res.Files[0].Tokens == 0 || res.Files[1].Seen == 0 || res.MinCount != 10 {
		t.Errorf("result %s", stdout)
	}
	for _, p := range []string{out, manifest.Path(out), png, manifest.Path(png)} {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s not written: %v", p, err)
		}
	}
	stdout.Reset()
	opts.JSON, opts.Output, opts.PNG = false, "", ""
	if err := coverageRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if s := stdout.String(); !strings.Contains(s, "tokens/byte") || !strings.Contains(s, "en.txt") || !strings.Contains(s, "most frequent tokens never seen") {
		t.Errorf("table:\n%s", s)
	}

	for _, tt := range []struct {
		name, model, file, want string
	}{
		{"missing text", model, filepath.Join(dir, "none.txt"), "none.txt"},
		{"not a model", en, en, "not a GGUF file"},
		{"empty text", model, empty, "empty.txt: empty text"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			err := coverageRun(context.Background(), &Options{IO: ios, Model: tt.model, Files: []string{tt.file}})
			if err == nil || !strings.Contains(err.Error(), tt.want) || cmdutil.ExitCode(err) != cmdutil.ExitFailed {
				t.Errorf("error %v (exit %d), want one containing %q, exit 1", err, cmdutil.ExitCode(err), tt.want)
			}
		})
	}
}
