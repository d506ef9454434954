package modelcard

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/calibkit/calibkit/hfdataset"
	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/study/results"
)

// LangShare is one language's share of an imatrix source's text, by bytes.
type LangShare struct {
	Lang  string  `json:"lang"` // "" is unknown
	Share float64 `json:"share"`
}

// Source is one imatrix source as the card describes it.
type Source struct {
	ID   string `json:"id"`
	Kind string `json:"kind"` // none, file, text, mix, sweep
	// Text is the calibration text the imatrix was computed from ("" when
	// unknown or none); File the imatrix a file source names.
	Text string `json:"text,omitempty"`
	File string `json:"file,omitempty"`
	// Bytes, Tokens and Chunks are what the records hold (0: unknown).
	Bytes  int64 `json:"bytes,omitempty"`
	Tokens int   `json:"tokens,omitempty"`
	Chunks int   `json:"imatrix_chunks,omitempty"`
	// Langs are the language shares its text's manifest records; empty
	// when no manifest says.
	Langs []LangShare `json:"languages,omitempty"`
	// Made is the command its text's manifest records.
	Made []string `json:"made_by,omitempty"`
	// Note says what is unknown and why.
	Note string `json:"note,omitempty"`
}

// sources describes the sources of the records in their order.
func (f *folder) sources() []Source {
	var out []Source
	seen := map[string]bool{}
	for _, r := range f.recs {
		if seen[r.Source] {
			continue
		}
		seen[r.Source] = true
		s := Source{ID: r.Source, Kind: r.SourceKind}
		for _, q := range f.recs {
			if q.Source == r.Source && q.SourceBytes > 0 {
				s.Bytes, s.Tokens, s.Chunks = q.SourceBytes, q.SourceTokens, q.ImatrixChunks
				break
			}
		}
		f.locate(&s, r)
		if s.Text != "" {
			s.Langs, s.Made, s.Note = textLangs(s.Text, s.Bytes)
		}
		out = append(out, s)
	}
	// sources whose every cell failed are listed too, as the plan has them
	if f.plan != nil {
		for _, ps := range f.plan.Sources {
			if !seen[ps.ID] {
				seen[ps.ID] = true
				s := Source{ID: ps.ID, Kind: ps.Kind}
				f.locate(&s, &results.Record{Share: ps.Share})
				if s.Text != "" {
					s.Langs, s.Made, s.Note = textLangs(s.Text, 0)
				}
				s.Note = strings.TrimPrefix(s.Note+"; no cell of it has a result", "; ")
				out = append(out, s)
			}
		}
	}
	return out
}

// locate finds a source's text (or imatrix file): in the spec for text and
// file sources, in the study's cache for mixes and sweep points.
func (f *folder) locate(s *Source, r *results.Record) {
	switch s.Kind {
	case "none":
		return
	case "text", "file":
		if f.spec == nil {
			s.Note = "its path is in the spec, which could not be read (" + f.specErr + ")"
			return
		}
		for _, sp := range f.spec.Imatrix {
			if sp.Name == s.ID {
				s.Text, s.File = sp.Text, sp.File
			}
		}
		if s.Kind == "file" {
			s.Note = "an existing imatrix: the text it was computed from is not recorded"
		}
	case "mix", "sweep":
		ps := f.source(s.ID)
		if ps == nil {
			s.Note = "its text is in the study's cache, which " + orText(f.planErr, "plan.json does not name") + " leaves unknown"
			return
		}
		dir := f.entry(ps.Text)
		if dir == "" {
			s.Note = "its text's cache entry (step " + ps.Text + ") is not in the study folder"
			return
		}
		if s.Kind == "mix" {
			s.Text = filepath.Join(dir, "mix.txt")
			return
		}
		// a sweep entry holds one text per share; its manifest names the share
		ms, _ := filepath.Glob(filepath.Join(dir, "*.txt"+manifest.Suffix))
		for _, m := range ms {
			b, err := os.ReadFile(m)
			if err != nil {
				continue
			}
			p, err := hfdataset.ParseManifest(b, m)
			if err != nil {
				continue
			}
			if sh, ok := p.Parameters["share"].(map[string]any); ok && r.Share != nil {
				for _, v := range sh {
					if x, ok := v.(float64); ok && math.Abs(x-*r.Share) < 1e-9 {
						s.Text = m[:len(m)-len(manifest.Suffix)]
					}
				}
			}
		}
		if s.Text == "" {
			s.Note = "no text of share " + fmt.Sprint(deref(r.Share)) + " in the sweep's cache entry " + dir
		}
	}
}

// textLangs reads the language shares and the making command of a text
// from its manifest: a text in one language counts whole; a mix counts
// each part whose name is a language code (or whose own manifest gives
// its language) by its share of the bytes; the rest is unknown.
func textLangs(text string, bytes int64) ([]LangShare, []string, string) {
	mp := manifest.Path(text)
	b, err := os.ReadFile(mp)
	if err != nil {
		return nil, nil, "no manifest (" + filepath.Base(mp) + "), so its languages are unknown"
	}
	p, err := hfdataset.ParseManifest(b, mp)
	if err != nil {
		return nil, nil, err.Error() + "; its languages are unknown"
	}
	if bytes > 0 && p.Bytes >= 0 && p.Bytes != bytes {
		return nil, nil, fmt.Sprintf("its manifest %s records %d bytes but the imatrix read %d: it describes another version; languages unknown", filepath.Base(mp), p.Bytes, bytes)
	}
	if p.Lang != "" {
		return []LangShare{{Lang: p.Lang, Share: 1}}, p.Command, ""
	}
	by := map[string]float64{}
	var known float64
	for _, s := range p.Sources {
		lang := s.Lang
		if lang == "" {
			if mb, err := os.ReadFile(manifest.Path(s.Name)); err == nil {
				if q, err := hfdataset.ParseManifest(mb, s.Name); err == nil {
					lang = q.Lang
				}
			}
		}
		if lang != "" && s.Share > 0 {
			by[lang] += s.Share
			known += s.Share
		}
	}
	if len(p.Sources) == 0 {
		return nil, p.Command, "its manifest records no language"
	}
	var out []LangShare
	for l, sh := range by {
		out = append(out, LangShare{Lang: l, Share: sh})
	}
	if rest := 1 - known; rest > 1e-9 {
		out = append(out, LangShare{Share: rest})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Share != out[j].Share {
			return out[i].Share > out[j].Share
		}
		return out[i].Lang < out[j].Lang
	})
	return out, p.Command, ""
}

func deref(p *float64) float64 {
	if p == nil {
		return math.NaN()
	}
	return *p
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
