package mix

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
)

// IDSet is a set of article ids. The zero value is an empty set.
type IDSet map[string]struct{}

// Has reports whether id is in the set.
func (s IDSet) Has(id string) bool {
	_, ok := s[id]
	return ok
}

// Add puts ids in the set.
func (s IDSet) Add(ids ...string) {
	for _, id := range ids {
		s[id] = struct{}{}
	}
}

// ManifestArticles is the part of an eval set's manifest that lists the
// articles it used (the "extra" section BuildEval's command writes).
type ManifestArticles struct {
	Articles []string         `json:"article_ids"`
	Partial  []PartialArticle `json:"partial_articles"`
}

// ReadExclude reads the article ids used by the eval sets whose manifests
// are given: every id under extra.article_ids and extra.partial_articles.
// A manifest without those lists is an error, since it cannot guard
// against leakage.
func ReadExclude(paths ...string) (IDSet, error) {
	set := IDSet{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read exclude manifest %s: %w", p, err)
		}
		if err := parseExclude(set, p, b); err != nil {
			return nil, err
		}
	}
	return set, nil
}

// parseExclude adds the article ids of one eval manifest's bytes to set.
func parseExclude(set IDSet, name string, b []byte) error {
	var m struct {
		Extra *ManifestArticles `json:"extra"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("read exclude manifest %s: not a JSON manifest: %w", name, err)
	}
	if m.Extra == nil || (m.Extra.Articles == nil && m.Extra.Partial == nil) {
		return fmt.Errorf("exclude manifest %s lists no article ids (extra.article_ids): give the manifest of an eval set built by `calibkit eval build`", name)
	}
	set.Add(m.Extra.Articles...)
	for _, pa := range m.Extra.Partial {
		set.Add(pa.ID)
	}
	return nil
}

// ExcludeList is the articles one eval set's manifest lists, with the
// corpus they were drawn from.
type ExcludeList struct {
	Manifest string
	// CorpusSHA256 is the sha256 of the corpus the eval set was drawn from
	// (the input its manifest's parameters.from names), "" when the
	// manifest does not say.
	CorpusSHA256 string
	IDs          IDSet
}

// ReadExcludeLists reads each eval set manifest's article ids (as
// ReadExclude does) and the corpus they came from.
func ReadExcludeLists(paths ...string) ([]ExcludeList, error) {
	var out []ExcludeList
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read exclude manifest %s: %w", p, err)
		}
		ls, err := parseExcludeLists(p, b)
		if err != nil {
			return nil, err
		}
		out = append(out, ls...)
	}
	return out, nil
}

// parseExcludeLists reads one eval manifest's bytes: one list, or one per
// language of an eval set drawn from several corpora.
func parseExcludeLists(p string, b []byte) ([]ExcludeList, error) {
	var out []ExcludeList
	l := ExcludeList{Manifest: p, IDs: IDSet{}}
	if err := parseExclude(l.IDs, p, b); err != nil {
		return nil, err
	}
	// An eval set of several languages lists each one's articles
	// with its corpus.
	var ml struct {
		Extra struct {
			Languages []struct {
				ManifestArticles
				CorpusSHA256 string `json:"corpus_sha256"`
			} `json:"languages"`
		} `json:"extra"`
	}
	if json.Unmarshal(b, &ml) == nil && len(ml.Extra.Languages) > 0 {
		for _, lang := range ml.Extra.Languages {
			ll := ExcludeList{Manifest: p, CorpusSHA256: lang.CorpusSHA256, IDs: IDSet{}}
			ll.IDs.Add(lang.Articles...)
			for _, pa := range lang.Partial {
				ll.IDs.Add(pa.ID)
			}
			out = append(out, ll)
		}
		return out, nil
	}
	var m struct {
		Parameters struct {
			From string `json:"from"`
		} `json:"parameters"`
		Inputs []struct {
			Path   string `json:"path"`
			SHA256 string `json:"sha256"`
		} `json:"inputs"`
	}
	if json.Unmarshal(b, &m) == nil && m.Parameters.From != "" {
		for _, in := range m.Inputs {
			if in.Path == m.Parameters.From {
				l.CorpusSHA256 = in.SHA256
				break
			}
		}
	}
	return append(out, l), nil
}

// ExcludeFor gives each of several sources, whose corpora have the sha256
// sums corpora, the ids it must leave out. Article ids are per corpus (two
// Wikipedias both have an article 1234), so a list drawn from one of these
// corpora applies to the sources of that corpus only; a list whose corpus
// is none of them, or unknown, applies to every source, since its ids
// alone cannot tell which corpus they name.
func ExcludeFor(lists []ExcludeList, corpora []string) []IDSet {
	out := make([]IDSet, len(corpora))
	for i := range out {
		out[i] = IDSet{}
	}
	for _, l := range lists {
		matched := false
		for i, c := range corpora {
			if l.CorpusSHA256 != "" && c == l.CorpusSHA256 {
				matched = true
				maps.Copy(out[i], l.IDs)
			}
		}
		if !matched {
			for i := range out {
				maps.Copy(out[i], l.IDs)
			}
		}
	}
	return out
}
