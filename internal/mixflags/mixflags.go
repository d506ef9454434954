// Package mixflags holds the flags that `calibkit mix` and `calibkit
// sweep` share, so that neither command package imports the other.
package mixflags

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/internal/cmdutil"
	"github.com/calibkit/calibkit/mix"
)

// AddCommon adds the flags mix and sweep share.
func AddCommon(cmd *cobra.Command, unit, model *string, chunk *int, seed *uint64, exclude *[]string) {
	f := cmd.Flags()
	f.StringVar(unit, "unit", "bytes", "unit of sizes and shares: bytes, chars or tokens (tokens need -m)")
	f.StringVarP(model, "model", "m", "", "GGUF model whose tokenizer counts tokens (vocabulary only is loaded)")
	f.IntVar(chunk, "chunk-tokens", 512, "imatrix chunk length the blocks are sized to, in tokens")
	f.Uint64Var(seed, "seed", 1, "seed of the sentence draw")
	f.StringArrayVar(exclude, "exclude", nil, "manifest of an eval set whose articles to leave out (repeatable)")
}

// ParseUnitModel checks --unit against -m.
func ParseUnitModel(unit, model string) (mix.Unit, error) {
	u, err := mix.ParseUnit(unit)
	if err != nil {
		return 0, &cmdutil.FlagError{Err: fmt.Errorf("--unit: %w", err)}
	}
	if u == mix.Tokens && model == "" {
		return 0, cmdutil.FlagErrorf("--unit tokens needs the model: add -m MODEL.gguf")
	}
	return u, nil
}

// ParseSource parses NAME=CORPUS.
func ParseSource(s string) (mix.Source, error) {
	name, corpus, ok := strings.Cut(s, "=")
	if !ok || name == "" || corpus == "" {
		return mix.Source{}, cmdutil.FlagErrorf("--add %q: want NAME=CORPUS, e.g. ja=ja.jsonl", s)
	}
	return mix.Source{Name: name, Corpus: corpus}, nil
}
