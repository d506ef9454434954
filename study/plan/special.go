package plan

import (
	"fmt"

	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/mix"
	"github.com/calibkit/calibkit/study/spec"
)

// ParseSpecialOf reports whether perplexity and KL divergence tokenize an
// eval set with special tokens parsed: its text is chat-formatted and
// setting (the study's eval_parse_special) is not "off". A set given as
// a file is chat-formatted when the manifest beside it marks special
// tokens; a built set when the manifest beside its corpus marks the
// corpus chat-formatted, as the eval step then marks the set it builds
// (mix.MakeEval). Decided when the study is planned, it is part of the
// steps' keys.
func ParseSpecialOf(e *spec.EvalSet, setting string) (bool, error) {
	if setting == "off" {
		return false, nil
	}
	if e.Build == nil {
		return manifest.SpecialTokensOf(e.File)
	}
	mark, err := mix.ReadChatMark(e.Build.From)
	if err != nil {
		return false, fmt.Errorf("corpus %s: %w", e.Build.From, err)
	}
	return mark.Chat, nil
}
