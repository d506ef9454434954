package exportcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/cmdutil/cmdtest"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/modelcard"
	"github.com/calibkit/calibkit/study/engine"
	"github.com/calibkit/calibkit/study/results"
)

func TestNewCmdModelCardFlags(t *testing.T) {
	tests := []struct {
		args    string
		check   func(*ModelCardOptions) bool
		wantErr string
	}{
		{args: "study -o repo/README.md --license mit --json", check: func(o *ModelCardOptions) bool {
			return o.Dir == "study" && o.Output == "repo/README.md" && o.License == "mit" && o.JSON
		}},
		{args: "study", wantErr: "-o/--output README.md is required"},
		{args: "study -o README.md --license Apache_2.0", wantErr: "Hub license id"},
		{args: "-o README.md", wantErr: "accepts 1 arg"},
		{args: "a b -o README.md", wantErr: "accepts 1 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			got := cmdtest.Parse(t, NewCmdModelCard, tt.args, tt.wantErr)
			if tt.wantErr != "" {
				return
			}
			if !tt.check(got) {
				t.Errorf("options %+v", *got)
			}
		})
	}
}

// recordsStudy writes a study folder from records made through the
// study/results types (two sources × one variant × one eval set, per-chunk
// NLL generated, PPL its exp-mean) and draws its charts with results.Build.
func recordsStudy(t *testing.T) string {
	dir := t.TempDir()
	var recs []*results.Record
	for i, src := range []string{"none", "en"} {
		nll := make([]float64, 20)
		var sum float64
		for k := range nll {
			nll[k] = 5 + 0.1*math.Sin(float64(k)) - 0.01*float64(i)
			sum += nll[k]
		}
		recs = append(recs, &results.Record{Study: "records", Index: i, Cell: src + "/M/en", Key: fmt.Sprintf("%064x", i), Source: src,
			SourceKind: map[string]string{"none": "none", "en": "text"}[src], Baseline: "none", Variant: "M",
			VariantParams: map[string]any{"type": "Q4_K_M"}, Eval: "en", Engine: "linked:test", Model: "m.gguf", Ctx: 512, Batch: 2048,
			PPL: math.Exp(sum / 20), PPLError: 1, ChunkNLL: nll, QuantBytes: 1000, EvalBytes: 100, SourceBytes: int64(500 * i),
			KLD: map[string]engine.Stat{"Mean KLD": {Value: 0.01 * float64(i+1), Err: 0.001}, "Same top p": {Value: 95.5}}})
	}
	if err := results.Append(context.Background(), filepath.Join(dir, results.FileName), recs...); err != nil {
		t.Fatal(err)
	}
	if _, err := results.Build(dir, ""); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestModelCardRun(t *testing.T) {
	dir := recordsStudy(t)
	ios, _, stdout, _ := iostreams.Test()
	out := filepath.Join(t.TempDir(), "README.md")
	err := modelCardRun(context.Background(), &ModelCardOptions{IO: ios, Dir: dir, Output: out, License: "mit", JSON: true,
		Command: []string{"calibkit", "export", "model-card", dir, "-o", out}})
	if err != nil {
		t.Fatal(err)
	}
	var res modelcard.Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.License != "mit" || res.Results != 2 || len(res.Charts) != 2 || res.Card != out { // the bars and the paired PPL forest plot
		t.Errorf("result %+v", res)
	}
	card, _ := os.ReadFile(out)
	kld := fmt.Sprintf("| M | en | %.6f ± %.6f; %.3f%% |", 0.02, 0.001, 95.5)
	if !strings.Contains(string(card), "license: mit") || !strings.Contains(string(card), "| M | en |") || !strings.Contains(string(card), kld) {
		t.Errorf("card:\n%s", card)
	}

	// exit 1 (a failed run, not bad usage: no flag would fix it) for a
	// folder that is not a study and for a study without a complete
	// record; no card either way
	empty := t.TempDir()
	err = modelCardRun(context.Background(), &ModelCardOptions{IO: ios, Dir: empty, Output: filepath.Join(empty, "README.md")})
	if cmdutil.ExitCode(err) != 1 || !strings.Contains(err.Error(), "no results.jsonl") {
		t.Errorf("not a study: %v (exit %d)", err, cmdutil.ExitCode(err))
	}
	os.WriteFile(filepath.Join(empty, results.FileName), []byte(`{"cell":"x"`), 0o644)
	err = modelCardRun(context.Background(), &ModelCardOptions{IO: ios, Dir: empty, Output: filepath.Join(empty, "README.md")})
	var ie *modelcard.InputError
	if cmdutil.ExitCode(err) != 1 || !errors.As(err, &ie) || !strings.Contains(err.Error(), "results.jsonl") {
		t.Errorf("cut line: %v (exit %d)", err, cmdutil.ExitCode(err))
	}
	if _, err := os.Stat(filepath.Join(empty, "README.md")); err == nil {
		t.Error("a failed run left a card")
	}
}
