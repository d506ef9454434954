package democmd

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/internal/manifest"
)

func TestNewCmdDemoFlags(t *testing.T) {
	tests := []struct {
		args    []string
		dir     string
		workers int
		err     string
	}{
		{nil, "", 2, ""},
		{[]string{"-o", "x", "--workers", "1"}, "x", 1, ""},
		{[]string{"--workers", "0"}, "", 0, "--workers"},
		{[]string{"extra"}, "", 0, "unknown command"},
	}
	for _, tt := range tests {
		io, _, _, _ := iostreams.Test()
		var got *Options
		cmd := NewCmdDemo(io, func(o *Options) error { got = o; return nil })
		cmd.SetArgs(tt.args)
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
		err := cmd.Execute()
		if tt.err != "" {
			var fe *cmdutil.FlagError
			if err == nil || !strings.Contains(err.Error(), tt.err) || !errors.As(err, &fe) {
				t.Errorf("%v: error %v, want usage error with %q", tt.args, err, tt.err)
			}
			continue
		}
		if err != nil || got.Dir != tt.dir || got.Workers != tt.workers {
			t.Errorf("%v: %+v %v", tt.args, got, err)
		}
	}
}

func TestDemoRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	io, _, out, _ := iostreams.Test()
	if err := demoRun(context.Background(), &Options{IO: io, Dir: dir, Workers: 2}, Steps()[:5]); err != nil { // the data steps
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "corpus", "ja-wiki.txt"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	for _, want := range []string{"富士山(ふじさん)は、静岡県と山梨県にまたがる活火山である。\n", "ニゴロブナは鮒寿司の材料になる。\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("corpus lacks %q", want)
		}
	}
	for _, absent := range []string{"脚注", "Mount Fuji", "（", "ｶ", "()"} {
		if strings.Contains(text, absent) {
			t.Errorf("corpus holds %q", absent)
		}
	}
	if strings.Count(text, "京都や大阪へ水を供給しており") != 1 {
		t.Error("duplicate sentence kept")
	}
	// The Chinese corpus: its own trailing headings cut (注释 and what
	// follows), the English lines dropped, a quote kept with its sentence.
	zb, err := os.ReadFile(filepath.Join(dir, "corpus", "zh-wiki.txt"))
	if err != nil {
		t.Fatal(err)
	}
	zh := string(zb)
	for _, want := range []string{"人们常说:“不到长城非好汉。”\n这句话出自毛泽东的词作。\n", "你见过大熊猫吗?\n它们吃竹子的样子非常可爱!\n"} {
		if !strings.Contains(zh, want) {
			t.Errorf("Chinese corpus lacks %q", want)
		}
	}
	for _, absent := range []string{"注释", "^ ", "参见", "外部链接", "The Great Wall", "Tea is"} {
		if strings.Contains(zh, absent) {
			t.Errorf("Chinese corpus holds %q", absent)
		}
	}
	if strings.Count(zh, "这里物产丰富") != 1 {
		t.Error("duplicate Chinese sentence kept")
	}
	m, err := manifest.Read(manifest.Path(filepath.Join(dir, "corpus", "ja-wiki.txt")))
	if err != nil || len(m.Inputs) != 2 {
		t.Fatalf("manifest %+v %v", m, err)
	}
	for _, want := range []string{"[1/5] sample data", "[2/5] clean corpus", "42 sentences in 7 articles", "2 non-Chinese lines", "46 sentences in 8 articles", "2 duplicate sentences", "All outputs are in " + dir} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestDemoStepFailure(t *testing.T) {
	io, _, _, _ := iostreams.Test()
	steps := []Step{{Name: "clean corpus", Run: buildCorpus}} // without its inputs
	err := demoRun(context.Background(), &Options{IO: io, Dir: t.TempDir(), Workers: 1}, steps)
	if err == nil || !strings.Contains(err.Error(), `demo step "clean corpus"`) {
		t.Errorf("error %v", err)
	}
}
