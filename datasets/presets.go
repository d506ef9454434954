package datasets

import (
	"sort"
	"strings"

	"github.com/calibkit/calibkit/langs"
)

// Preset names a common dataset request.
type Preset struct {
	Name        string
	Description string
	Request     Request
}

// WikitextRepo is the Hub's home of wikitext.
const WikitextRepo = "Salesforce/wikitext"

var presets = map[string]Preset{
	"wikipedia-ja": {
		Name:        "wikipedia-ja",
		Description: "Japanese Wikipedia 2023-11-01 (wikimedia/wikipedia 20231101.ja, train, 15 shards)",
		Request: Request{Repo: "wikimedia/wikipedia", Config: "20231101.ja", Split: "train",
			Include: []string{"20231101.ja/train-*.parquet"}},
	},
	"wikitext-2": {
		Name:        "wikitext-2",
		Description: "wikitext-2 raw, test split (Salesforce/wikitext wikitext-2-raw-v1)",
		Request: Request{Repo: WikitextRepo, Config: "wikitext-2-raw-v1", Split: "test",
			Include: []string{"wikitext-2-raw-v1/test-*.parquet"}},
	},
	"wikitext-103": {
		Name:        "wikitext-103",
		Description: "wikitext-103 raw, test split (Salesforce/wikitext wikitext-103-raw-v1)",
		Request: Request{Repo: WikitextRepo, Config: "wikitext-103-raw-v1", Split: "test",
			Include: []string{"wikitext-103-raw-v1/test-*.parquet"}},
	},
}

// WikipediaPrefix begins the name of the Wikipedia presets: wikipedia-CODE
// is the wikimedia/wikipedia config 20231101.CODE for any language code of
// package langs.
const WikipediaPrefix = "wikipedia-"

// LookupPreset returns the preset of that name: one of Presets, or
// wikipedia-CODE for a supported language code.
func LookupPreset(name string) (Preset, bool) {
	p, ok := presets[name]
	if ok {
		p.Request.Include = append([]string(nil), p.Request.Include...)
		return p, true
	}
	code, isWiki := strings.CutPrefix(name, WikipediaPrefix)
	if !isWiki {
		return Preset{}, false
	}
	l, err := langs.Lookup(code)
	if err != nil {
		return Preset{}, false
	}
	return wikipediaPreset(l), true
}

// wikipediaPreset is the wikimedia/wikipedia 20231101 train split of a
// language.
func wikipediaPreset(l *langs.Language) Preset {
	cfg := "20231101." + l.Code
	return Preset{
		Name:        WikipediaPrefix + l.Code,
		Description: l.Name + " Wikipedia 2023-11-01 (wikimedia/wikipedia " + cfg + ", train)",
		Request: Request{Repo: "wikimedia/wikipedia", Config: cfg, Split: "train",
			Include: []string{cfg + "/train-*.parquet"}},
	}
}

// Presets lists the presets by name.
func Presets() []Preset {
	out := make([]Preset, 0, len(presets))
	for _, p := range presets {
		out = append(out, p)
	}
	out = append(out, Preset{
		Name:        WikipediaPrefix + "CODE",
		Description: "Wikipedia 2023-11-01 in language CODE (wikimedia/wikipedia 20231101.CODE, train; CODE one of " + strings.Join(langs.Codes(), " ") + ")",
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
