// Package democmd implements `calibkit demo`: the main job run end to end on
// the sample data embedded in the binary, as a list of steps that later
// stages extend.
package democmd

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
)

// Options are the parsed flags of `calibkit demo`.
type Options struct {
	IO *iostreams.IOStreams
	// Dir receives everything the demo makes; empty: a new temporary
	// folder, kept so its files can be looked at.
	Dir     string
	Workers int
	// Threads for the model steps (0: the physical cores).
	Threads int
	// ModelCache keeps the trained model between runs; empty: none.
	ModelCache string
}

// State is what the steps share: the output folder and the files made so
// far, by key (e.g. "samples.ja", "corpus.ja").
type State struct {
	IO         *iostreams.IOStreams
	Dir        string
	Workers    int
	Threads    int
	ModelCache string
	// Files maps a key to the path of a file a step made.
	Files map[string]string
	// Inputs maps a key to paths of files a step made as a group.
	Inputs map[string][]string
}

// Step is one stage of the demo. Run does the work and prints what it made
// to s.IO.Out.
type Step struct {
	Name string
	Run  func(ctx context.Context, s *State) error
}

// Steps returns the demo's stages in order.
func Steps() []Step {
	return []Step{
		{Name: "sample data", Run: extractSamples},
		{Name: "clean corpus", Run: buildCorpus},
		{Name: "Japanese and Chinese eval sets size-matched to the English sample", Run: buildEvalSet},
		{Name: "three-point sweep", Run: buildSweep},
		{Name: "three-language mix", Run: buildLanguagesMix},
		{Name: "a bilingual model trained on Wikipedia text and chats (or taken from the model cache)", Run: trainedModel},
		{Name: "chat-formatted text: held-out conversations in the model's own chat template", Run: chatText},
		{Name: "imatrix per mix, with llama.cpp", Run: imatrixPerMix},
		{Name: "study: no, English and Japanese imatrix × Q2_K, IQ3_S × English and Japanese text, PPL and KLD", Run: studyGrid},
	}
}

// NewCmdDemo returns the demo command; runF replaces the real run in tests.
func NewCmdDemo(io *iostreams.IOStreams, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: io}
	cmd := &cobra.Command{
		Use:   "demo [-o DIR]",
		Short: "Run the pipeline on sample data built into the binary",
		Long: `Run calibkit's pipeline on the sample data embedded in the binary (small
Japanese and Chinese Wikipedia-schema parquet shards and an English
wikitext-style text), with no download, and print what each step made:

  1. sample data: write the embedded shards and text to DIR/samples;
  2. clean corpus: calibkit corpus build on the shards with --lang ja and
     --lang zh, giving DIR/corpus/{ja,zh}-wiki.txt (one sentence per line)
     and their manifests;
  3. eval sets: calibkit eval build --like the English sample, giving
     DIR/eval/{ja,zh}-wiki.test.raw of exactly its size in wiki.test.raw's
     layout;
  4. three-point sweep: calibkit sweep of the English sample with 0, 50 and
     100% Japanese at one total size (--nested, the eval set's articles
     excluded), giving DIR/sweep/share-{0,0.5,1}.txt;
  5. three-language mix: calibkit mix of the English sample with 30%
     Japanese and 20% Chinese (both eval sets' articles excluded), giving
     DIR/mix/en-ja-zh.txt;
  6. trained model: calibkit model train on real Japanese and English
     Wikipedia text bundled in the binary (JSQuAD's and WikiText-2's copies,
     CC BY-SA; DIR/wiki/README.md) and on 36 short bundled conversations
     rendered in the model's own chat template (ChatML; DIR/wiki/train-chat.txt),
     a 2-layer, 256-wide llama model with a tokenizer learned from the text
     and <|im_start|>, <|im_end|> as control tokens, DIR/model/ja-en.gguf.
     Articles for eval and calibration text are held out from training. The
     model is kept in the model cache (--model-cache) and taken from there
     when the texts and settings are unchanged;
  7. chat-formatted text: the 12 held-out conversations rendered with the
     model's chat template, as calibkit corpus build --chat-template-from
     the model does, giving DIR/chat/eval-chat.txt and a manifest that marks
     it chat-formatted; the turn markers counted as the model's single
     control tokens, and an imatrix from the text with them parsed as such
     (DIR/chat/eval-chat.imatrix.gguf);
  8. imatrix per mix: calibkit imatrix -m the model -f each mix -c 64 (llama.cpp
     linked in), giving DIR/imatrix/share-*.gguf, and a summary table of
     tokens, chunks, perplexity and each imatrix's similarity to the
     English-only one;
  9. study: calibkit study run on a grid of three imatrix sources (none,
     English and Japanese Wikipedia calibration text of the same number of
     tokens) × Q2_K and IQ3_S × English and Japanese eval text, each quant
     scored with perplexity and KL divergence against the unquantized model
     (-c 256) and compared chunk by chunk with the no-imatrix one, and on 20
     multiple-choice tasks made from the English eval text; the table is
     printed with what it shows in words, and the spec is written to
     DIR/study/study.yaml to edit and run again.

Without -o, DIR is a new temporary folder, which is kept.`,
		Example: `  calibkit demo
  calibkit demo -o demo-out`,
		Args: cmdutil.Args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.Workers < 1 {
				return cmdutil.FlagErrorf("--workers must be at least 1")
			}
			if runF != nil {
				return runF(opts)
			}
			return demoRun(cmd.Context(), opts, Steps())
		},
	}
	cmd.Flags().StringVarP(&opts.Dir, "output", "o", "", "folder for everything the demo makes (default: a new temporary folder)")
	cmd.Flags().IntVar(&opts.Workers, "workers", 2, "worker goroutines for the steps that run in parallel")
	cmd.Flags().IntVarP(&opts.Threads, "threads", "t", 0, "CPU threads for training and the model steps (default: the physical cores)")
	cmd.Flags().StringVar(&opts.ModelCache, "model-cache", DefaultModelCache(), "folder that keeps the trained model between runs (empty: train every time; $"+ModelCacheEnv+")")
	return cmd
}

func demoRun(ctx context.Context, opts *Options, steps []Step) error {
	dir := opts.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "calibkit-demo-")
		if err != nil {
			return fmt.Errorf("demo folder: %w", err)
		}
		dir = d
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("demo folder: %w", err)
	}
	s := &State{IO: opts.IO, Dir: dir, Workers: opts.Workers, Threads: opts.Threads, ModelCache: opts.ModelCache,
		Files: map[string]string{}, Inputs: map[string][]string{}}
	fmt.Fprintf(opts.IO.Out, "calibkit demo: writing to %s\n", dir)
	for i, st := range steps {
		start := time.Now()
		fmt.Fprintf(opts.IO.Out, "\n[%d/%d] %s\n", i+1, len(steps), st.Name)
		if err := st.Run(ctx, s); err != nil {
			return fmt.Errorf("demo step %q: %w", st.Name, err)
		}
		fmt.Fprintf(opts.IO.Out, "      done in %.2fs\n", time.Since(start).Seconds())
	}
	fmt.Fprintf(opts.IO.Out, "\nAll outputs are in %s\n", dir)
	return nil
}

// rel returns path relative to the demo folder, for printing.
func (s *State) rel(path string) string {
	if r, err := filepath.Rel(s.Dir, path); err == nil {
		return r
	}
	return path
}
