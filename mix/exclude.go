package mix

import (
	"encoding/json"
	"fmt"
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
