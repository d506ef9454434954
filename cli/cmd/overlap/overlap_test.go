package overlapcmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/cmdutil/cmdtest"
	"github.com/calibkit/calibkit/cli/iostreams"
)

func TestNewCmdOverlapFlags(t *testing.T) {
	tests := []struct {
		args    string
		want    Options
		wantErr string
	}{
		{args: "a.txt b.txt", want: Options{A: "a.txt", B: "b.txt", N: 13}},
		{args: "a.txt b.txt --n 5 --json", want: Options{A: "a.txt", B: "b.txt", N: 5, JSON: true}},
		{args: "a.txt", wantErr: "accepts 2 arg(s)"},
		{args: "a b c", wantErr: "accepts 2 arg(s)"},
		{args: "a b --n 0", wantErr: "--n must be at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			got := cmdtest.Parse(t, NewCmdOverlap, tt.args, tt.wantErr)
			if tt.wantErr != "" {
				return
			}
			if got.A != tt.want.A || got.B != tt.want.B || got.N != tt.want.N || got.JSON != tt.want.JSON {
				t.Errorf("options %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestOverlapRun(t *testing.T) {
	dir := t.TempDir()
	ja := "東京は日本の首都であり、政治と経済の中心地として知られている大都市である。\n大阪は西日本の中心都市で、商業の町として古くから栄えてきた歴史を持つ。\n"
	other := "京都は多くの寺院や神社があり、古い町並みが残る観光都市として世界的に有名である。\n"
	a := filepath.Join(dir, "a.txt")
	b := filepath.Join(dir, "b.txt")
	os.WriteFile(a, []byte(ja+other), 0o644)
	os.WriteFile(b, []byte(" "+strings.ReplaceAll(ja, "\n", " \n ")), 0o644)
	ios, _, stdout, _ := iostreams.Test()
	if err := overlapRun(context.Background(), &Options{IO: ios, A: a, B: b, N: 13, JSON: true}); err != nil {
		t.Fatal(err)
	}
	var res Result
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.Share <= 0.3 || res.Share >= 0.95 || res.N != 13 || res.A != a {
		t.Errorf("result %s", stdout)
	}
	stdout.Reset()
	if err := overlapRun(context.Background(), &Options{IO: ios, A: b, B: a, N: 13}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "100.00% of its 13-grams occur in") {
		t.Errorf("text output %q", stdout)
	}
	bad := filepath.Join(dir, "bad.txt")
	os.WriteFile(bad, []byte("abc\xff\n"), 0o644)
	err := overlapRun(context.Background(), &Options{IO: ios, A: a, B: bad, N: 13})
	if err == nil || !strings.Contains(err.Error(), "bad.txt: not UTF-8: invalid byte 0xff at byte offset 3") {
		t.Errorf("error %v", err)
	}
	if err := overlapRun(context.Background(), &Options{IO: ios, A: filepath.Join(dir, "none"), B: a, N: 13}); err == nil {
		t.Error("a missing file gave no error")
	}
}
