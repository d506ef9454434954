package modelcard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/calibkit/calibkit/datasets"
	"github.com/calibkit/calibkit/internal/atomicfile"
	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/internal/version"
	"github.com/calibkit/calibkit/study/results"
	"github.com/calibkit/calibkit/study/spec"
)

// Options configure Write.
type Options struct {
	// Dir is the study folder (the -o DIR of calibkit study run).
	Dir string
	// Output is the card's path (README.md); the charts are copied beside
	// it.
	Output string
	// License is the card's license id; empty: the base model's, when
	// its card is in the Hugging Face cache, else unknown.
	License string
	// HubCache is the Hugging Face cache for the base model's card (""
	// : from the environment, as calibkit fetch finds it).
	HubCache string
	// Command is the command line, for the card and manifest.
	Command []string
}

// Result describes the written card.
type Result struct {
	Card      string   `json:"card"`
	Manifest  string   `json:"manifest"`
	Charts    []string `json:"charts"`
	BaseModel string   `json:"base_model,omitempty"`
	License   string   `json:"license"`
	Languages []string `json:"languages"`
	Cells     int      `json:"cells"`
	Results   int      `json:"results"`
	// Missing lists the planned cells without a result and why.
	Missing []string `json:"missing,omitempty"`
	// Skipped counts lines of results.jsonl cut short or not records.
	Skipped  int        `json:"skipped_lines,omitempty"`
	Sources  []Source   `json:"sources"`
	Commands []Commands `json:"commands"`
	Caveats  []string   `json:"caveats"`
}

// Write reads the study folder and writes its model card, the charts
// beside it and the card's manifest. Everything is checked before the
// first file is written; the card is written last, atomically, so an
// error leaves no card under Output.
func Write(ctx context.Context, o Options) (*Result, error) {
	if o.Dir == "" || o.Output == "" {
		return nil, errors.New("modelcard: no study folder or output")
	}
	f, err := readFolder(o.Dir)
	if err != nil {
		return nil, err
	}
	outDir := filepath.Dir(o.Output)
	if fi, err := os.Stat(outDir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("output %s: its folder %s does not exist", o.Output, outDir)
	}
	if fi, err := os.Stat(o.Output); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("output %s is a folder: give the card's file name, e.g. %s", o.Output, filepath.Join(o.Output, "README.md"))
	}
	charts, err := f.charts()
	if err != nil {
		return nil, err
	}
	c := &card{f: f, version: version.String(), command: o.Command}
	c.title = f.recs[0].Study
	if c.title == "" {
		c.title = "study"
	}
	c.srcs = f.sources()
	c.missing = f.missingCells()
	c.caveats = caveats(f, c.srcs, c.missing)
	c.header = Header{Tags: Tags, License: o.License}
	model := f.recs[0].Model
	if m, err := spec.ParseHFModel(model); err == nil {
		c.header.BaseModel, c.header.BaseModelRelation = m.Repo, "quantized"
		if o.License == "" {
			if l := baseLicense(model, o.HubCache); l != "" {
				c.header.License, c.licensed = l, "base"
			}
		}
	}
	if o.License != "" {
		c.licensed = "flag"
	}
	if c.header.License == "" {
		c.header.License = "unknown"
	}
	c.header.Language = languages(c.srcs)
	res := &Result{Card: o.Output, Manifest: manifest.Path(o.Output), BaseModel: c.header.BaseModel, License: c.header.License,
		Languages: c.header.Language, Results: len(f.recs) + len(f.tasks), Skipped: f.skipped, Sources: c.srcs, Caveats: c.caveats,
		Commands: rebuild(f.recs, c.srcs, f.evalPaths())}
	res.Cells = len(f.recs) + len(f.tasks) + len(c.missing)
	for _, m := range c.missing {
		res.Missing = append(res.Missing, m.source+"/"+m.variant+"/"+m.eval+": "+orText(m.detail, m.why))
	}
	for _, ch := range charts {
		c.charts = append(c.charts, filepath.Base(ch))
	}
	body, err := c.render()
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// the charts, then the card and its manifest
	same := sameDir(outDir, o.Dir)
	for _, ch := range charts {
		dst := filepath.Join(outDir, filepath.Base(ch))
		if !same {
			if err := copyFile(ch, dst); err != nil {
				return nil, err
			}
		}
		res.Charts = append(res.Charts, dst)
	}
	m := manifest.New(o.Output, o.Command)
	for _, p := range append([]string{filepath.Join(o.Dir, results.FileName), filepath.Join(o.Dir, PlanFile)}, charts...) {
		if err := m.AddInput(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	m.Parameters["study"] = o.Dir
	m.Parameters["license"] = c.header.License
	m.Counts["cells"] = res.Cells
	m.Counts["results"] = res.Results
	m.Counts["missing"] = len(res.Missing)
	m.Counts["bytes"] = len(body)
	m.Extra = map[string]any{"header": c.header, "charts": c.charts}
	mb, err := m.Marshal()
	if err != nil {
		return nil, err
	}
	if _, err := atomicfile.WriteFile(o.Output, bytes.NewReader(body)); err != nil {
		return nil, err
	}
	if _, err := atomicfile.WriteFile(manifest.Path(o.Output), bytes.NewReader(mb)); err != nil {
		return nil, err
	}
	return res, nil
}

// charts returns the study's chart files: for every eval set,
// chart-EVAL.png when it has a non-sweep record and the forest charts of
// its paired comparisons (results.PairedCharts: the study draws them
// all), then the sweep charts present. A missing grouped-bar or forest
// chart is an error.
func (f *folder) charts() ([]string, error) {
	var out []string
	seen := map[string]bool{}
	bars := map[string]bool{}
	var evals []string
	for _, r := range f.recs {
		if !seen[r.Eval] {
			seen[r.Eval] = true
			evals = append(evals, r.Eval)
		}
		bars[r.Eval] = bars[r.Eval] || r.Share == nil
	}
	for _, e := range evals {
		var names []string
		if bars[e] {
			names = append(names, "chart-"+e+".png")
		}
		for _, name := range append(names, results.PairedCharts(f.recs, e)...) {
			p := filepath.Join(f.dir, name)
			if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
				return nil, &InputError{p, "the chart is missing: redraw the study's charts with calibkit study report " + f.dir}
			}
			out = append(out, p)
		}
	}
	sw, _ := filepath.Glob(filepath.Join(f.dir, "sweep-*.png"))
	sort.Strings(sw)
	out = append(out, sw...)
	if len(f.tasks) > 0 {
		tc, _ := filepath.Glob(filepath.Join(f.dir, "chart-task-*.png"))
		sort.Strings(tc)
		out = append(out, tc...)
	}
	return out, nil
}

// missingCells lists the planned cells without a record and why.
func (f *folder) missingCells() []missingCell {
	if f.plan == nil {
		return nil
	}
	have := map[string]bool{}
	for _, r := range append(slices.Clip(f.recs), f.tasks...) {
		have[r.Cell] = true
	}
	var out []missingCell
	for _, c := range f.plan.Cells {
		if !have[c.ID] {
			short, detail := f.cellStatus(c)
			out = append(out, missingCell{variant: c.Variant, source: c.Source, eval: c.Eval, task: c.Task, why: short, detail: detail})
		}
	}
	return out
}

// languages are the languages of the sources' text, largest share first.
func languages(srcs []Source) []string {
	share := map[string]float64{}
	for _, s := range srcs {
		for _, l := range s.Langs {
			if l.Lang != "" && l.Share > 0 {
				share[l.Lang] += l.Share
			}
		}
	}
	var out []string
	for l := range share {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool {
		if share[out[i]] != share[out[j]] {
			return share[out[i]] > share[out[j]]
		}
		return out[i] < out[j]
	})
	return out
}

// caveats are the spec's notes, then what the records show a reader must
// know: sources built from
// very different amounts of text, differences within the noise, settings
// that differ from the published study's, cells without a result.
func caveats(f *folder, srcs []Source, missing []missingCell) []string {
	var out []string
	if f.spec != nil {
		for _, n := range f.spec.Notes {
			if n = strings.TrimSpace(n); n != "" {
				out = append(out, "From the study's spec: "+strings.Join(strings.Fields(n), " "))
			}
		}
	}
	var lo, hi *Source
	for i := range srcs {
		s := &srcs[i]
		if s.Bytes <= 0 {
			continue
		}
		if lo == nil || s.Bytes < lo.Bytes {
			lo = s
		}
		if hi == nil || s.Bytes > hi.Bytes {
			hi = s
		}
	}
	if lo != nil && hi != nil && float64(hi.Bytes) >= 1.5*float64(lo.Bytes) {
		out = append(out, fmt.Sprintf("Imatrix source `%s` was computed from %.1f× the text of `%s` (%d bytes against %d): a difference between them may come from the amount of text, not only from what it holds.", hi.ID, float64(hi.Bytes)/float64(lo.Bytes), lo.ID, hi.Bytes, lo.Bytes))
	}
	cmp := results.Compare(f.recs)
	within := 0
	for _, p := range cmp {
		if !p.Significant() {
			within++
		}
	}
	if len(cmp) > 0 {
		out = append(out, fmt.Sprintf("%d of the %d comparisons with the baseline are within the noise (their 95%% interval holds 1): read those differences as no measured difference.", within, len(cmp)))
	}
	if kcmp := results.CompareKLD(f.recs); len(kcmp) > 0 {
		within = 0
		for _, p := range kcmp {
			if !p.Significant() {
				within++
			}
		}
		out = append(out, fmt.Sprintf("%d of the %d KL-divergence comparisons with the baseline are within the noise (their 95%% interval holds 1, or is unbounded).", within, len(kcmp)))
	}
	r0 := f.recs[0]
	if r0.Ctx != 512 {
		out = append(out, fmt.Sprintf("Perplexity was measured at -c %d, not the usual 512: the figures do not compare with published -c 512 ones.", r0.Ctx))
	}
	if r0.Chunks > 0 {
		out = append(out, fmt.Sprintf("Perplexity is over the first %d chunks of each eval set only.", r0.Chunks))
	}
	engines := map[string]bool{}
	for _, r := range f.recs {
		engines[r.Engine] = true
		if len(r.ChunkNLL) < 2 && r.Source != r.Baseline {
			out = append(out, fmt.Sprintf("Cell %s scored %d chunk(s): too few for a paired interval.", r.Cell, len(r.ChunkNLL)))
		}
	}
	if len(engines) > 1 {
		out = append(out, "The records come from more than one engine (linked llama.cpp and llama.cpp's tools); their PPL differs in the last digits.")
	}
	if len(missing) > 0 {
		out = append(out, fmt.Sprintf("%d of the study's %d cells have no result (shown in the table as failed or without a result).", len(missing), len(missing)+len(f.recs)+len(f.tasks)))
	}
	for _, r := range f.recs {
		if math.IsNaN(r.PPL) || math.IsInf(r.PPL, 0) {
			out = append(out, fmt.Sprintf("Cell %s has a perplexity of %v.", r.Cell, r.PPL))
		}
	}
	return out
}

// baseLicense reads the license of an hf:// model's own card when it is
// in the Hugging Face cache beside the model file; "" when not.
func baseLicense(model, hubCache string) string {
	m, err := spec.ParseHFModel(model)
	if err != nil {
		return ""
	}
	if hubCache == "" {
		cfg, err := datasets.ConfigFromEnv()
		if err != nil {
			return ""
		}
		hubCache = cfg.HubCache
	}
	path, err := m.Locate(hubCache)
	if err != nil {
		return ""
	}
	root := strings.TrimSuffix(path, filepath.FromSlash(m.File))
	b, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		return ""
	}
	return ParseCardLicense(b)
}

// licenseID is the form of the Hub's license ids (mit, apache-2.0,
// llama3.1, cc-by-sa-4.0, other).
var licenseID = regexp.MustCompile(`^[a-z0-9][a-z0-9.+-]*$`)

// IsLicenseID reports whether s has the form of a Hub license id.
func IsLicenseID(s string) bool { return len(s) <= 64 && licenseID.MatchString(s) }

// ParseCardLicense returns the license of a Hub card's YAML front matter,
// "" when it has none or none that parses.
func ParseCardLicense(card []byte) string {
	s := string(card)
	rest, ok := strings.CutPrefix(s, "---\n")
	if !ok {
		return ""
	}
	end := strings.Index(rest, "\n---")
	if end < 0 {
		return ""
	}
	var h struct {
		License any `yaml:"license"`
	}
	if yaml.Unmarshal([]byte(rest[:end+1]), &h) != nil {
		return ""
	}
	l, _ := h.License.(string)
	if !IsLicenseID(l) {
		return ""
	}
	return l
}

func sameDir(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("chart: %w", err)
	}
	defer in.Close()
	_, err = atomicfile.WriteFile(dst, in)
	return err
}
