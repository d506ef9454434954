// Package mixflags holds the flags that `calibkit mix`, `calibkit sweep`
// and `calibkit eval build` share, so that no command package imports
// another.
package mixflags

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/langs"
	"github.com/calibkit/calibkit/mix"
)

// AddCommon adds the flags mix and sweep share.
func AddCommon(cmd *cobra.Command, unit, model *string, chunk *int, seed *uint64, exclude *[]string) {
	f := cmd.Flags()
	f.StringVar(unit, "unit", "bytes", "unit of sizes and shares: bytes, chars, tokens (need -m) or conversations (chat-formatted sources only)")
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

// ParseSource parses NAME=CORPUS, NAME a language code of package langs,
// or any name when CORPUS is chat-formatted (its manifest says so, as
// `corpus build --chat-template` writes it): conversations need not be of
// one language.
func ParseSource(s string) (mix.Source, error) {
	name, corpus, ok := strings.Cut(s, "=")
	if !ok || name == "" || corpus == "" {
		return mix.Source{}, cmdutil.FlagErrorf("--add %q: want NAME=CORPUS, e.g. ja=ja.jsonl", s)
	}
	if _, err := langs.Lookup(name); err != nil {
		if strings.ContainsAny(name, ",=") {
			return mix.Source{}, cmdutil.FlagErrorf("--add %q: a source name holds no ',' or '='", s)
		}
		if mark, merr := mix.ReadChatMark(corpus); merr == nil && mark.Chat {
			return mix.Source{Name: name, Corpus: corpus}, nil
		}
		return mix.Source{}, &cmdutil.FlagError{Err: fmt.Errorf("--add %q: %w (any name is taken for a chat-formatted corpus, one whose manifest says chat_formatted)", s, err)}
	}
	return mix.Source{Name: name, Corpus: corpus}, nil
}

// ParseSources parses every --add and rejects a language given twice.
// It returns the sources in order and the set of their names.
func ParseSources(adds []string) ([]mix.Source, map[string]bool, error) {
	var out []mix.Source
	names := map[string]bool{}
	for _, a := range adds {
		s, err := ParseSource(a)
		if err != nil {
			return nil, nil, err
		}
		if names[s.Name] {
			return nil, nil, cmdutil.FlagErrorf("source name %q is used twice", s.Name)
		}
		names[s.Name] = true
		out = append(out, s)
	}
	return out, names, nil
}

// ParseNamedFloats parses the values of a repeatable --flag NAME=X, each
// value also a comma-separated list (ja=0.3,zh=0.2). Every NAME must be in
// names (given by --srcFlag NAME=CORPUS), none given twice, every X a
// number of at least 0.
func ParseNamedFloats(flag, srcFlag string, vals []string, names map[string]bool) (map[string]float64, error) {
	out := map[string]float64{}
	for _, val := range vals {
		for v := range strings.SplitSeq(val, ",") {
			name, num, ok := strings.Cut(v, "=")
			if !ok {
				return nil, cmdutil.FlagErrorf("--%s %q: want NAME=NUMBER, e.g. ja=0.5 or ja=0.3,zh=0.2", flag, v)
			}
			if !names[name] {
				return nil, cmdutil.FlagErrorf("--%s %q: no --%s %s=CORPUS names that source", flag, v, srcFlag, name)
			}
			if _, dup := out[name]; dup {
				return nil, cmdutil.FlagErrorf("--%s for %s is given twice", flag, name)
			}
			x, err := strconv.ParseFloat(num, 64)
			if err != nil || x < 0 || math.IsInf(x, 0) {
				return nil, cmdutil.FlagErrorf("--%s %q: %q is not a number of at least 0", flag, v, num)
			}
			out[name] = x
		}
	}
	return out, nil
}

// CheckShareSum rejects a share above 1 and shares summing above 1.
func CheckShareSum(shares map[string]float64) error {
	sum := 0.0
	for name, s := range shares {
		if s > 1 {
			return cmdutil.FlagErrorf("a share is at most 1, got %g for %s", s, name)
		}
		sum += s
	}
	if sum > 1+1e-9 {
		return cmdutil.FlagErrorf("shares sum to %g, above 1", sum)
	}
	return nil
}
