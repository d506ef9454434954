package hfdataset

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"regexp"
	"sort"

	"github.com/calibkit/calibkit/internal/manifest"
)

// Input describes one exported file, as measured and as its manifest
// says.
type Input struct {
	Path   string    `json:"path"`
	Split  string    `json:"split"`
	Kind   InputKind `json:"kind"`
	Rows   int64     `json:"rows"`
	Bytes  int64     `json:"bytes"` // of row text
	Chars  int64     `json:"chars"`
	Size   int64     `json:"size"` // of the file
	SHA256 string    `json:"sha256"`
	// Lang is the language of every row, when a manifest says it.
	Lang string `json:"lang,omitempty"`
	// Manifest is the file's calibkit manifest; nil when there is none
	// (or it does not describe this file: Note says why).
	Manifest *Provenance `json:"manifest,omitempty"`
	Note     string      `json:"note,omitempty"`
}

// Provenance is what the card uses of a calibkit manifest.
type Provenance struct {
	Path    string           `json:"path"`
	Tool    string           `json:"tool"`
	Version string           `json:"version"`
	Command []string         `json:"command"`
	Inputs  []manifest.Input `json:"inputs"`
	// Lang is parameters.lang (calibkit corpus build --lang).
	Lang string `json:"lang,omitempty"`
	// Parameters are the recorded parameters, for the cleaning steps.
	Parameters map[string]any `json:"parameters,omitempty"`
	// Removed counts what each cleaning step removed (corpus build).
	Removed map[string]int64 `json:"removed,omitempty"`
	// Sources are the parts of a mix with their measured sizes.
	Sources []MixSource `json:"sources,omitempty"`
	// Bytes, Chars and Tokens are the recorded sizes; -1 when not recorded.
	Bytes, Chars, Tokens int64
	// TokenModel is the model whose tokens Tokens counts.
	TokenModel string `json:"token_model,omitempty"`
	// From is the corpus an eval set was drawn from (parameters.from).
	From string `json:"from,omitempty"`
}

// MixSource is one part of a mix, from the manifest's extra.sources.
type MixSource struct {
	Name   string  `json:"name"`
	Bytes  int64   `json:"bytes"`
	Chars  int64   `json:"chars"`
	Tokens int64   `json:"tokens"`
	Share  float64 `json:"share_bytes"`
	Lang   string  `json:"lang,omitempty"` // the name, when it is a language code
}

var langCode = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$`)

// IsLangCode reports whether s looks like a BCP-47 language tag of the
// form the Hub's language field takes (ja, en, zh-Hant...).
func IsLangCode(s string) bool { return langCode.MatchString(s) }

// ParseManifest reads the parts of a calibkit manifest the card uses.
// Unknown or mistyped fields are left out rather than trusted; only a
// file that is not a JSON object is an error.
func ParseManifest(b []byte, name string) (*Provenance, error) {
	var m struct {
		Tool       string          `json:"tool"`
		Version    string          `json:"version"`
		Command    json.RawMessage `json:"command"`
		Inputs     json.RawMessage `json:"inputs"`
		Parameters map[string]any  `json:"parameters"`
		Counts     map[string]any  `json:"counts"`
		Extra      map[string]any  `json:"extra"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("manifest %s: not a calibkit manifest: %w", name, err)
	}
	p := &Provenance{Path: name, Tool: m.Tool, Version: m.Version, Bytes: -1, Chars: -1, Tokens: -1}
	_ = json.Unmarshal(m.Command, &p.Command)
	var inputs []manifest.Input
	if json.Unmarshal(m.Inputs, &inputs) == nil {
		for _, in := range inputs {
			if in.Path != "" {
				p.Inputs = append(p.Inputs, in)
			}
		}
	}
	p.Parameters = m.Parameters
	if s, ok := m.Parameters["lang"].(string); ok && IsLangCode(s) {
		p.Lang = s
	}
	if s, ok := m.Parameters["from"].(string); ok {
		p.From = s
	}
	if s, ok := m.Parameters["model"].(string); ok {
		p.TokenModel = s
	}
	p.Bytes = count(m.Counts, "bytes")
	p.Chars = count(m.Counts, "chars", "characters")
	p.Tokens = count(m.Counts, "tokens_by_line", "model_tokens", "tokens")
	if p.Tokens < 0 {
		p.TokenModel = ""
	}
	if rm, ok := m.Extra["removed"].(map[string]any); ok {
		p.Removed = map[string]int64{}
		for k, v := range rm {
			if n := asCount(v); n >= 0 {
				p.Removed[k] = n
			}
		}
	}
	if srcs, ok := m.Extra["sources"].([]any); ok {
		for _, s := range srcs {
			o, ok := s.(map[string]any)
			if !ok {
				continue
			}
			name, _ := o["name"].(string)
			share, _ := o["share_bytes"].(float64)
			if math.IsNaN(share) || share < 0 || share > 1 {
				share = 0
			}
			ms := MixSource{Name: name, Bytes: asCount(o["bytes"]), Chars: asCount(o["chars"]), Tokens: asCount(o["tokens"]), Share: share}
			if IsLangCode(name) {
				ms.Lang = name
			}
			p.Sources = append(p.Sources, ms)
		}
	}
	return p, nil
}

// count returns the first of keys that holds a non-negative integer, or -1.
func count(m map[string]any, keys ...string) int64 {
	for _, k := range keys {
		if n := asCount(m[k]); n >= 0 {
			return n
		}
	}
	return -1
}

func asCount(v any) int64 {
	f, ok := v.(float64)
	if !ok || f < 0 || f > 1<<62 || f != math.Trunc(f) {
		return -1
	}
	return int64(f)
}

// readProvenance loads path's sidecar manifest. A missing one gives nil
// and a note; one that fails to parse, or whose recorded size is not the
// file's, is not used either, and the note says why.
func readProvenance(path string, size int64) (*Provenance, string) {
	mp := manifest.Path(path)
	b, err := os.ReadFile(mp)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "no manifest (" + mp + ")"
	}
	if err != nil {
		return nil, fmt.Sprintf("manifest %s unreadable: %v", mp, err)
	}
	p, err := ParseManifest(b, mp)
	if err != nil {
		return nil, err.Error() + "; not used"
	}
	if size >= 0 && p.Bytes >= 0 && p.Bytes != size {
		return nil, fmt.Sprintf("manifest %s records %d bytes but the file has %d: it describes another version of the file; not used", mp, p.Bytes, size)
	}
	return p, ""
}

// fromLang follows an eval set's parameters.from to the corpus manifest
// beside it for the language.
func fromLang(p *Provenance) string {
	if p == nil || p.From == "" {
		return ""
	}
	b, err := os.ReadFile(manifest.Path(p.From))
	if err != nil {
		return ""
	}
	fp, err := ParseManifest(b, p.From)
	if err != nil {
		return ""
	}
	return fp.Lang
}

// LangShare is the part of the exported text in one language.
type LangShare struct {
	Lang  string  `json:"lang"` // "" is unknown
	Bytes int64   `json:"bytes"`
	Share float64 `json:"share"`
}

// langShares adds up the bytes per language over the inputs: the whole
// file for one with a language, each part of a mix by its name when the
// name is a language code (its byte share of the mix times the file's
// bytes), unknown for the rest.
func langShares(inputs []Input) []LangShare {
	by := map[string]int64{}
	var total int64
	for _, in := range inputs {
		total += in.Bytes
		switch {
		case in.Lang != "":
			by[in.Lang] += in.Bytes
		case in.Manifest != nil && len(in.Manifest.Sources) > 0:
			var known int64
			for _, s := range in.Manifest.Sources {
				if s.Lang != "" && s.Share > 0 {
					n := int64(math.Round(s.Share * float64(in.Bytes)))
					by[s.Lang] += n
					known += n
				}
			}
			by[""] += max(in.Bytes-known, 0)
		default:
			by[""] += in.Bytes
		}
	}
	var out []LangShare
	for l, b := range by {
		if b == 0 && l == "" {
			continue
		}
		s := LangShare{Lang: l, Bytes: b}
		if total > 0 {
			s.Share = float64(b) / float64(total)
		}
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Bytes != out[j].Bytes {
			return out[i].Bytes > out[j].Bytes
		}
		return out[i].Lang < out[j].Lang
	})
	return out
}
