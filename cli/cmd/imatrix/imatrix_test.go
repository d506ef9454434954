package imatrixcmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/cmdutil/cmdtest"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/imatrix"
	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/internal/synth/synthtest"
)

func TestFlagsParse(t *testing.T) {
	tests := []struct {
		args    string
		wantErr string
		check   func(*Options) string
	}{
		{args: "-m m.gguf -f t.txt", check: func(o *Options) string {
			if o.Output != "imatrix.gguf" || o.CtxSize != 512 || o.BatchSize != 2048 || o.UBatchSize != 512 ||
				o.Chunks != -1 || o.OutFreq != 10 || o.Format != imatrix.FormatGGUF || o.FormatSet {
				return fmt.Sprintf("defaults %+v", o)
			}
			return ""
		}},
		{args: "-m m.gguf -f t.txt -o x.dat --output-format dat -c 256 -b 512 --ubatch-size 128 -t 3 --chunks 9 --from-chunk 2 --process-output --parse-special --no-ppl --output-frequency 5 --save-frequency 4 --in-file a.gguf --in-file b.dat --json",
			check: func(o *Options) string {
				if o.Output != "x.dat" || o.Format != imatrix.FormatDat || !o.FormatSet || o.CtxSize != 256 || o.BatchSize != 512 ||
					o.UBatchSize != 128 || o.Threads != 3 || o.Chunks != 9 || o.FromChunk != 2 || !o.ProcessOut || !o.ParseSpecial ||
					!o.NoPPL || o.OutFreq != 5 || o.SaveFreq != 4 || strings.Join(o.InFiles, ",") != "a.gguf,b.dat" || !o.JSON {
					return fmt.Sprintf("parsed %+v", o)
				}
				return ""
			}},
		{args: "--in-file a.gguf -o merged.dat --output-format dat"},
		{args: "-m m.gguf -f t.txt", check: func(o *Options) string {
			if o.FlashAttn != llama.FlashAttnOff {
				return fmt.Sprintf("-fa default %v, want off", o.FlashAttn)
			}
			return ""
		}},
		{args: "-m m.gguf -f t.txt -fa on", check: func(o *Options) string {
			if o.FlashAttn != llama.FlashAttnOn {
				return fmt.Sprintf("-fa on gave %v", o.FlashAttn)
			}
			return ""
		}},
		{args: "-m m.gguf -f t.txt -fa=auto", check: func(o *Options) string {
			if o.FlashAttn != llama.FlashAttnAuto {
				return fmt.Sprintf("-fa=auto gave %v", o.FlashAttn)
			}
			return ""
		}},
		{args: "-m m.gguf -f t.txt -fa maybe", wantErr: "want on, off or auto"},
		// llama-imatrix trims a batch that is no multiple of -c rather than refusing it
		{args: "-m m.gguf -f t.txt -c 512 -b 1000"},
		{args: "-m m.gguf -f t.txt --chunk 3 --output-file x.gguf", check: func(o *Options) string {
			if o.FromChunk != 3 || o.Output != "x.gguf" {
				return fmt.Sprintf("llama-imatrix spellings: from-chunk %d, output %q", o.FromChunk, o.Output)
			}
			return ""
		}},
		{args: "", wantErr: "give a calibration text"},
		{args: "-f t.txt", wantErr: "-m/--model is required"},
		{args: "-m m.gguf -f t.txt --output-format xml", wantErr: "unknown imatrix format"},
		{args: "-m m.gguf -f t.txt -c 0", wantErr: "--ctx-size must be positive"},
		{args: "-m m.gguf -f t.txt --chunks 0", wantErr: "--chunks"},
		{args: "-m m.gguf -f t.txt --from-chunk -1", wantErr: "--from-chunk"},
		{args: "-m m.gguf -f t.txt --output-frequency 0", wantErr: "--output-frequency"},
		{args: "-m m.gguf -f t.txt extra", wantErr: "unknown command"},
		{args: "-m m.gguf -f t.txt --bogus", wantErr: "unknown flag"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			got := cmdtest.Parse(t, NewCmdImatrix, tt.args, tt.wantErr)
			if tt.wantErr != "" {
				return
			}
			if tt.check != nil {
				if msg := tt.check(got); msg != "" {
					t.Error(msg)
				}
			}
		})
	}
}

func tinyModel(t *testing.T) string {
	t.Helper()
	return synthtest.Model(t, "tiny", synth.Default())
}

func TestMain(m *testing.M) { synthtest.Main(m) }

func writeText(t *testing.T, dir string, paragraphs int) string {
	t.Helper()
	var b strings.Builder
	for i := range paragraphs {
		fmt.Fprintf(&b, "第%d段落：朝の駅はいつも混雑している。The morning train %d carries people past rice fields.\n", i, i*7)
	}
	p := filepath.Join(dir, "calib.txt")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func baseOpts(t *testing.T, dir string) (*Options, *strings.Builder, *strings.Builder) {
	io, _, _, _ := iostreams.Test()
	o := &Options{
		IO: io, Model: tinyModel(t), File: writeText(t, dir, 60), Output: filepath.Join(dir, "imatrix.gguf"),
		Format: imatrix.FormatGGUF, CtxSize: 32, BatchSize: 64, UBatchSize: 64, Threads: 1, Chunks: -1, OutFreq: 10,
		Command: []string{"calibkit", "imatrix"},
	}
	sb1, sb2 := &strings.Builder{}, &strings.Builder{}
	io.Out, io.ErrOut = sb1, sb2
	return o, sb1, sb2
}

func TestComputeRunWritesFileManifestAndJSON(t *testing.T) {
	dir := t.TempDir()
	o, out, errOut := baseOpts(t, dir)
	o.JSON = true
	o.Chunks = 4
	if err := computeRun(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	d, err := imatrix.ReadFile(o.Output)
	if err != nil {
		t.Fatal(err)
	}
	if d.ChunkCount != 4 || d.ChunkSize != 32 || len(d.Entries) != 14 || d.Datasets[0] != o.File {
		t.Errorf("file: %d chunks of %d, %d entries, datasets %v", d.ChunkCount, d.ChunkSize, len(d.Entries), d.Datasets)
	}
	var sum summary
	if err := json.Unmarshal([]byte(out.String()), &sum); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	if sum.Chunks != 4 || sum.Tokens != 128 || sum.PPL == nil || sum.TokensPerS <= 0 {
		t.Errorf("summary %+v", sum)
	}
	if !strings.Contains(errOut.String(), "[4]") || !strings.Contains(errOut.String(), "Final estimate: PPL = ") {
		t.Errorf("stderr lacks the running perplexity:\n%s", errOut)
	}
	m, err := manifest.Read(manifest.Path(o.Output))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Inputs) != 2 || m.Counts["chunk_count"] != float64(4) || m.Parameters["ctx_size"] != float64(32) {
		t.Errorf("manifest %+v", m)
	}
}

func TestResumeAndMergeThroughTheCommand(t *testing.T) {
	dir := t.TempDir()
	// the whole run, legacy format
	full, _, _ := baseOpts(t, dir)
	full.Chunks, full.Output, full.Format = 6, filepath.Join(dir, "full.dat"), imatrix.FormatDat
	if err := computeRun(context.Background(), full); err != nil {
		t.Fatal(err)
	}
	// the first 2 chunks, then the rest resumed from them
	part, _, _ := baseOpts(t, dir)
	part.Chunks, part.Output = 2, filepath.Join(dir, "part.gguf")
	if err := computeRun(context.Background(), part); err != nil {
		t.Fatal(err)
	}
	rest, _, _ := baseOpts(t, dir)
	rest.Chunks, rest.FromChunk, rest.InFiles = 4, 2, []string{part.Output}
	rest.Output, rest.Format = filepath.Join(dir, "resumed.dat"), imatrix.FormatDat
	if err := computeRun(context.Background(), rest); err != nil {
		t.Fatal(err)
	}
	a, err := os.ReadFile(full.Output)
	if err != nil {
		t.Fatal(err)
	}
	fa, _ := readInFile(full.Output, 32)
	fb, err := readInFile(rest.Output, 32)
	if err != nil {
		t.Fatal(err)
	}
	if len(a) == 0 || fa.ChunkCount != 6 || fb.ChunkCount != 6 || len(fa.Entries) != len(fb.Entries) {
		t.Fatalf("full %d chunks, resumed %d chunks", fa.ChunkCount, fb.ChunkCount)
	}
	for i, e := range fa.Entries {
		for j, v := range e.Sums {
			if w := fb.Entries[i].Sums[j]; abs(v-w) > 1e-5*abs(v)+1e-30 {
				t.Fatalf("%s[%d]: resumed %g, full %g", e.Name, j, w, v)
			}
		}
	}
	// merge only: no -f, one --in-file converts to the other format
	conv, _, _ := baseOpts(t, dir)
	conv.File, conv.Model, conv.InFiles = "", "", []string{rest.Output}
	conv.Output = filepath.Join(dir, "converted.gguf")
	if err := computeRun(context.Background(), conv); err != nil {
		t.Fatal(err)
	}
	if d, err := imatrix.ReadFile(conv.Output); err != nil || d.ChunkCount != 6 {
		t.Fatalf("converted: %v, %+v", err, d)
	}
}

func abs(v float32) float32 {
	if v < 0 {
		return -v
	}
	return v
}

func TestInterruptedRunSavesWholeChunks(t *testing.T) {
	dir := t.TempDir()
	o, _, _ := baseOpts(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// cancel as the third group of chunks is saved periodically
	o.OutFreq = 1
	o.BatchSize = 32
	o.FromChunk = 1 // this run itself resumes: the hint must count the skipped chunk
	calls := 0
	savedBefore := saveHook
	saveHook = func() {
		calls++
		if calls == 3 {
			cancel()
		}
	}
	defer func() { saveHook = savedBefore }()
	err := computeRun(ctx, o)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "stopped after 3 chunks") ||
		!strings.Contains(err.Error(), "--in-file "+o.Output+" --from-chunk 4 ") {
		t.Fatalf("err = %v", err)
	}
	d, rerr := imatrix.ReadFile(o.Output)
	if rerr != nil {
		t.Fatal(rerr)
	}
	if d.ChunkCount != 3 {
		t.Errorf("saved %d chunks, want 3", d.ChunkCount)
	}
	m, merr := manifest.Read(manifest.Path(o.Output))
	if merr != nil || m.Extra["interrupted"] != true {
		t.Errorf("manifest %v %+v", merr, m)
	}
}

func TestBadInputs(t *testing.T) {
	dir := t.TempDir()
	notModel := filepath.Join(dir, "not.gguf")
	os.WriteFile(notModel, []byte("plain text, not a model"), 0o644)
	short := filepath.Join(dir, "short.txt")
	os.WriteFile(short, []byte("短い。"), 0o644)
	badIn := filepath.Join(dir, "bad.dat")
	os.WriteFile(badIn, []byte{1, 0, 0, 0, 200, 0, 0, 0}, 0o644)
	tests := []struct {
		name string
		edit func(o *Options)
		want string
	}{
		{"missing model", func(o *Options) { o.Model = filepath.Join(dir, "none.gguf") }, "no such file"},
		{"not a model", func(o *Options) { o.Model = notModel }, "not a GGUF file"},
		{"missing text", func(o *Options) { o.File = filepath.Join(dir, "none.txt") }, "read calibration text"},
		{"short text", func(o *Options) { o.File = short }, "text too short"},
		{"unwritable output", func(o *Options) { o.Output = filepath.Join(dir, "no", "such", "dir", "x.gguf") }, "create output"},
		{"bad in-file", func(o *Options) { o.InFiles = []string{badIn} }, "bad.dat"},
		{"micro-batches too small to collect", func(o *Options) { o.BatchSize, o.UBatchSize = 8, 8 }, "under 16 tokens"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, _, _ := baseOpts(t, dir)
			o.Output = filepath.Join(t.TempDir(), "out.gguf")
			tt.edit(o)
			err := computeRun(context.Background(), o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if _, serr := os.Stat(o.Output); serr == nil {
				t.Error("an output file was left behind")
			}
		})
	}
}

// TestFlagsRefuseOverwritingInputs: -o naming the model or the text, or an
// --in-file naming the text, is a usage error before anything runs.
func TestFlagsRefuseOverwritingInputs(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, name := range []string{"m.gguf", "t.txt"} {
		if err := os.WriteFile(name, []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct{ args, want string }{
		{"-m m.gguf -f t.txt -o m.gguf", "would overwrite"},
		{"-m m.gguf -f t.txt -o ./t.txt", "would overwrite"},
		{"-m m.gguf -f t.txt --in-file t.txt", "is the calibration text"},
	} {
		io, _, _, _ := iostreams.Test()
		ran := false
		cmd := NewCmdImatrix(io, func(*Options) error { ran = true; return nil })
		cmd.SetArgs(strings.Fields(tt.args))
		cmd.SetOut(&strings.Builder{})
		cmd.SetErr(&strings.Builder{})
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		err := cmd.Execute()
		if err == nil || !strings.Contains(err.Error(), tt.want) || cmdutil.ExitCode(err) != cmdutil.ExitUsage || ran {
			t.Errorf("%s: err = %v (ran %v), want usage error %q", tt.args, err, ran, tt.want)
		}
	}
}

// A text whose manifest says it is chat-formatted is tokenized with its
// special tokens as special tokens unless --parse-special says otherwise.
func TestParseSpecialFollowsTheManifest(t *testing.T) {
	dir := t.TempDir()
	tokens := func(mark, set, want bool) int {
		t.Helper()
		o, out, errOut := baseOpts(t, dir)
		text := strings.Repeat("</s>The morning train carries people past rice fields.\n", 40) // </s>: the SPM vocabulary's EOS
		if err := os.WriteFile(o.File, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Remove(manifest.Path(o.File))
		if mark {
			m := manifest.New(o.File, nil)
			m.MarkChatFormatted()
			if err := m.Write(); err != nil {
				t.Fatal(err)
			}
		}
		o.ParseSpecialSet, o.ParseSpecial = set, false
		o.JSON, o.Chunks = true, 1
		if err := computeRun(context.Background(), o); err != nil {
			t.Fatal(err)
		}
		var sum summary
		if err := json.Unmarshal([]byte(out.String()), &sum); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(errOut.String(), "is chat-formatted"); got != want {
			t.Errorf("mark %v set %v: note shown %v, want %v", mark, set, got, want)
		}
		m, err := manifest.Read(manifest.Path(o.Output))
		if err != nil {
			t.Fatal(err)
		}
		if m.Parameters["parse_special"] != want {
			t.Errorf("mark %v set %v: manifest parse_special %v, want %v", mark, set, m.Parameters["parse_special"], want)
		}
		return sum.TextTokens
	}
	plain := tokens(false, false, false)
	chat := tokens(true, false, true)
	forcedOff := tokens(true, true, false)
	if chat >= plain || forcedOff != plain {
		t.Errorf("text tokens: plain %d, chat-formatted %d, chat-formatted with --parse-special=false %d", plain, chat, forcedOff)
	}
}
