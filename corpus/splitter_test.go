package corpus

import (
	"testing"

	"github.com/calibkit/calibkit/tokenize"
)

func mustSplitter(tb testing.TB) SentenceSplitter {
	s, err := tokenize.NewSplitter()
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
