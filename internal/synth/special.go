package synth

import (
	"fmt"
	"slices"
	"strings"
)

// checkSpecial reports an empty, repeated or whitespace-holding special
// token, or one that is a fixed token of every vocabulary.
func checkSpecial(special []string) error {
	seen := map[string]bool{}
	for _, s := range special {
		switch {
		case s == "":
			return fmt.Errorf("a special token is empty")
		case strings.ContainsAny(s, " \t\r\n"):
			return fmt.Errorf("special token %q holds whitespace", s)
		case seen[s]:
			return fmt.Errorf("special token %q is given twice", s)
		case slices.Contains([]string{"<unk>", "<s>", "</s>", bpeBOS, bpeEOS}, s):
			return fmt.Errorf("special token %q is already in every vocabulary", s)
		}
		seen[s] = true
	}
	return nil
}

// withoutSpecial returns text with every special token's text replaced by
// a line break, so that no learned piece or merge spans or spells one.
func withoutSpecial(text string, special []string) string {
	for _, s := range special {
		text = strings.ReplaceAll(text, s, "\n")
	}
	return text
}

// addSpecial appends special as control tokens (score 0 for SPM, as
// SentencePiece gives its control pieces) and fails when one's text is
// already a token of v.
func (v *Vocab) addSpecial(special []string) error {
	have := make(map[string]bool, len(v.Tokens))
	for _, t := range v.Tokens {
		have[t] = true
	}
	for _, s := range special {
		if have[s] {
			return fmt.Errorf("special token %q is already a token of the vocabulary", s)
		}
		have[s] = true
		v.Tokens = append(v.Tokens, s)
		v.Types = append(v.Types, TokenControl)
		if v.Scores != nil {
			v.Scores = append(v.Scores, 0)
		}
	}
	return nil
}
