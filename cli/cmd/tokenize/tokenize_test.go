package tokenizecmd

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/internal/manifest"
)

func TestNewCmdTokenizeFlags(t *testing.T) {
	cases := []struct {
		args     []string
		want     Options
		usageErr string
	}{
		{args: []string{"--sentences"}, want: Options{Mode: ModeSentences}},
		{args: []string{"--wakati", "--workers", "3"}, want: Options{Mode: ModeWakati, Workers: 3}},
		{args: []string{"--pos", "-f", "in.txt", "-o", "out.txt", "--json"}, want: Options{Mode: ModePOS, File: "in.txt", Output: "out.txt", JSON: true}},
		{args: []string{"--wakati", "--user-dict", "u.csv"}, want: Options{Mode: ModeWakati, UserDict: "u.csv"}},
		{args: []string{"--sentences", "--lang", "de"}, want: Options{Mode: ModeSentences, Lang: "de"}},
		{args: []string{"--wakati", "--lang", "ja"}, want: Options{Mode: ModeWakati, Lang: "ja"}},
		{args: []string{"--sentences", "--lang", "xx"}, usageErr: "supported are ar, arz"},
		{args: []string{"--wakati", "--lang", "de"}, usageErr: "Japanese only"},
		{args: []string{}, usageErr: "exactly one of"},
		{args: []string{"--wakati", "--pos"}, usageErr: "exactly one of"},
		{args: []string{"--wakati", "--workers", "-1"}, usageErr: "--workers"},
		{args: []string{"--sentences", "--user-dict", "u.csv"}, usageErr: "--user-dict"},
		{args: []string{"--wakati", "extra"}, usageErr: "unknown command"},
		{args: []string{"--wakati", "--workers", "x"}, usageErr: "invalid argument"},
	}
	for _, tc := range cases {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			ios, _, _, _ := iostreams.Test()
			var got *Options
			cmd := NewCmdTokenize(ios, func(o *Options) error { got = o; return nil })
			cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.FlagError{Err: err} })
			cmd.SetArgs(tc.args)
			cmd.SetOut(&strings.Builder{})
			cmd.SetErr(&strings.Builder{})
			err := cmd.Execute()
			if tc.usageErr != "" {
				if err == nil || cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), tc.usageErr) {
					t.Fatalf("err = %v (exit %d), want a usage error mentioning %q", err, cmdutil.ExitCode(err), tc.usageErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.want.IO = ios
			got.Command = nil
			if fmt.Sprintf("%+v", *got) != fmt.Sprintf("%+v", tc.want) {
				t.Errorf("options\n got %+v\nwant %+v", *got, tc.want)
			}
		})
	}
}

func TestTokenizeRunModes(t *testing.T) {
	in := "すもももももももものうち。「はい。そうです。」と彼は言った。\n\n東京 は晴れ。\n"
	cases := []struct {
		mode Mode
		want string
	}{
		{ModeSentences, "すもももももももものうち。\n「はい。そうです。」と彼は言った。\n\n東京 は晴れ。\n"},
		{ModeWakati, "すもも も もも も もも の うち 。 「 はい 。 そう です 。 」 と 彼 は 言っ た 。\n\n東京 は 晴れ 。\n"},
		{ModePOS, "" +
			"すもも\t名詞,一般,*,*,*,*,すもも,スモモ,スモモ\nも\t助詞,係助詞,*,*,*,*,も,モ,モ\n" +
			"もも\t名詞,一般,*,*,*,*,もも,モモ,モモ\nも\t助詞,係助詞,*,*,*,*,も,モ,モ\n" +
			"もも\t名詞,一般,*,*,*,*,もも,モモ,モモ\nの\t助詞,連体化,*,*,*,*,の,ノ,ノ\n" +
			"うち\t名詞,非自立,副詞可能,*,*,*,うち,ウチ,ウチ\n。\t記号,句点,*,*,*,*,。,。,。\n" +
			"「\t記号,括弧開,*,*,*,*,「,「,「\nはい\t感動詞,*,*,*,*,*,はい,ハイ,ハイ\n。\t記号,句点,*,*,*,*,。,。,。\n" +
			"そう\t副詞,助詞類接続,*,*,*,*,そう,ソウ,ソー\nです\t助動詞,*,*,*,特殊・デス,基本形,です,デス,デス\n" +
			"。\t記号,句点,*,*,*,*,。,。,。\n」\t記号,括弧閉,*,*,*,*,」,」,」\nと\t助詞,格助詞,引用,*,*,*,と,ト,ト\n" +
			"彼\t名詞,代名詞,一般,*,*,*,彼,カレ,カレ\nは\t助詞,係助詞,*,*,*,*,は,ハ,ワ\n" +
			"言っ\t動詞,自立,*,*,五段・ワ行促音便,連用タ接続,言う,イッ,イッ\nた\t助動詞,*,*,*,特殊・タ,基本形,た,タ,タ\n" +
			"。\t記号,句点,*,*,*,*,。,。,。\nEOS\nEOS\n" +
			"東京\t名詞,固有名詞,地域,一般,*,*,東京,トウキョウ,トーキョー\nは\t助詞,係助詞,*,*,*,*,は,ハ,ワ\n" +
			"晴れ\t名詞,一般,*,*,*,*,晴れ,ハレ,ハレ\n。\t記号,句点,*,*,*,*,。,。,。\nEOS\n"},
	}
	for _, tc := range cases {
		t.Run(string(tc.mode), func(t *testing.T) {
			ios, stdin, stdout, stderr := iostreams.Test()
			stdin.WriteString(in)
			if err := tokenizeRun(context.Background(), &Options{IO: ios, Mode: tc.mode, Workers: 2}); err != nil {
				t.Fatal(err)
			}
			if stdout.String() != tc.want {
				t.Errorf("output\n got %q\nwant %q", stdout.String(), tc.want)
			}
			if stderr.Len() != 0 {
				t.Errorf("stderr: %q", stderr.String())
			}
		})
	}
}

// The output is byte-identical whatever the worker count.
func TestTokenizeRunOrderManyWorkers(t *testing.T) {
	var in strings.Builder
	for i := range 3000 {
		fmt.Fprintf(&in, "%d番目の行です。東京は晴れ、大阪は雨。\n", i)
	}
	var first string
	for _, workers := range []int{1, 2, 16} {
		ios, stdin, stdout, _ := iostreams.Test()
		stdin.WriteString(in.String())
		if err := tokenizeRun(context.Background(), &Options{IO: ios, Mode: ModeWakati, Workers: workers}); err != nil {
			t.Fatal(err)
		}
		if workers == 1 {
			first = stdout.String()
			lines := strings.Split(strings.TrimSuffix(first, "\n"), "\n")
			if len(lines) != 3000 || !strings.HasPrefix(lines[2999], "2999 番目") {
				t.Fatalf("1 worker: %d lines, last %q", len(lines), lines[len(lines)-1])
			}
			continue
		}
		if stdout.String() != first {
			t.Fatalf("workers=%d: output differs from 1 worker", workers)
		}
	}
}

func TestTokenizeRunFiles(t *testing.T) {
	dir := t.TempDir()
	inPath := filepath.Join(dir, "in.txt")
	outPath := filepath.Join(dir, "out.txt")
	if err := os.WriteFile(inPath, []byte("一文目。二文目！\n\n壊れた\xffバイト。\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ios, _, stdout, stderr := iostreams.Test()
	opts := &Options{IO: ios, Mode: ModeSentences, File: inPath, Output: outPath, JSON: true, Command: []string{"calibkit", "tokenize"}}
	if err := tokenizeRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	if want := "一文目。\n二文目！\n\n壊れた\uFFFDバイト。\n"; string(got) != want {
		t.Errorf("output file %q, want %q", got, want)
	}
	if !strings.Contains(stderr.String(), "1 line of "+inPath+" held invalid UTF-8") {
		t.Errorf("stderr %q lacks the invalid UTF-8 warning", stderr.String())
	}
	var sum map[string]any
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
		t.Fatalf("--json with -o: stdout is not JSON: %v\n%s", err, stdout.String())
	}
	if sum["sentences"] != 3.0 || sum["lines"] != 3.0 || sum["invalid_utf8_lines"] != 1.0 {
		t.Errorf("summary %v", sum)
	}
	m, err := manifest.Read(manifest.Path(outPath))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Inputs) != 1 || m.Inputs[0].Path != inPath || m.Parameters["mode"] != "sentences" || m.Counts["sentences"] != 3.0 || m.Counts["invalid_utf8_lines"] != 1.0 {
		t.Errorf("manifest %+v", m)
	}
}

// TestTokenizeRunLang splits German with --lang de and records the
// segmenter in the manifest.
func TestTokenizeRunLang(t *testing.T) {
	dir := t.TempDir()
	inPath := filepath.Join(dir, "in.txt")
	outPath := filepath.Join(dir, "out.txt")
	if err := os.WriteFile(inPath, []byte("Am 3. Oktober kam Dr. Weber an. Er blieb.\n\nz. B. hier. Dort!\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ios, _, _, _ := iostreams.Test()
	opts := &Options{IO: ios, Mode: ModeSentences, Lang: "de", File: inPath, Output: outPath, Command: []string{"calibkit", "tokenize"}}
	if err := tokenizeRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(outPath)
	if want := "Am 3. Oktober kam Dr. Weber an.\nEr blieb.\n\nz. B. hier.\nDort!\n"; string(got) != want {
		t.Errorf("output %q, want %q", got, want)
	}
	m, err := manifest.Read(manifest.Path(outPath))
	if err != nil {
		t.Fatal(err)
	}
	if m.Parameters["lang"] != "de" || m.Parameters["segmenter"] != "uax29" || m.Counts["sentences"] != 4.0 {
		t.Errorf("manifest %+v", m)
	}
}

func TestTokenizeRunErrors(t *testing.T) {
	dir := t.TempDir()
	ios, _, _, _ := iostreams.Test()
	err := tokenizeRun(context.Background(), &Options{IO: ios, Mode: ModeWakati, File: filepath.Join(dir, "missing.txt")})
	if err == nil || !strings.Contains(err.Error(), "missing.txt") {
		t.Errorf("missing input: err = %v", err)
	}
	err = tokenizeRun(context.Background(), &Options{IO: ios, Mode: ModeWakati, UserDict: filepath.Join(dir, "nodict.csv")})
	if err == nil || !strings.Contains(err.Error(), "nodict.csv") {
		t.Errorf("missing user dictionary: err = %v", err)
	}

	// A cancelled run leaves no output file.
	inPath := filepath.Join(dir, "in.txt")
	if err := os.WriteFile(inPath, []byte(strings.Repeat("東京は晴れ。\n", 100000)), 0o644); err != nil {
		t.Fatal(err)
	}
	outPath := filepath.Join(dir, "out.txt")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = tokenizeRun(ctx, &Options{IO: ios, Mode: ModeSentences, File: inPath, Output: outPath})
	if err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Errorf("cancelled: err = %v", err)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() != "in.txt" {
			t.Errorf("cancelled run left %s behind", e.Name())
		}
	}
}

// On a terminal the run draws a progress bar on stderr; data stays on stdout.
func TestTokenizeRunProgress(t *testing.T) {
	ios, stdin, stdout, stderr := iostreams.Test()
	ios.StderrTTY = true
	stdin.WriteString("一。二。\n")
	if err := tokenizeRun(context.Background(), &Options{IO: ios, Mode: ModeSentences}); err != nil {
		t.Fatal(err)
	}
	if stdout.String() != "一。\n二。\n" {
		t.Errorf("stdout %q", stdout.String())
	}
	if !strings.Contains(stderr.String(), "tokenize --sentences") {
		t.Errorf("no progress on stderr: %q", stderr.String())
	}
}
