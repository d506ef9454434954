package results

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/calibkit/calibkit/internal/atomicfile"

	"fmt"
	"html/template"
	"sort"
	"strings"
)

// PageFile is the study's page in its folder.
const PageFile = "report.html"

// PageInfo is what the page shows beside the records: the study's spec
// as run, its engine and llama.cpp version, the spec's notes, the
// command lines that rebuild each cell's files and the steps that failed.
// Every field is optional.
type PageInfo struct {
	Spec     string              `json:"spec,omitempty"`
	Engine   string              `json:"engine,omitempty"`
	LlamaCpp string              `json:"llama_cpp,omitempty"`
	Notes    []string            `json:"notes,omitempty"`
	Commands map[string][]string `json:"commands,omitempty"`
	Failed   []FailedStep        `json:"failed,omitempty"`
}

// FailedStep is a step that failed: its error, its log's path and the
// log's last lines.
type FailedStep struct {
	Step string `json:"step"`
	Err  string `json:"error"`
	Log  string `json:"log,omitempty"`
	Tail string `json:"tail,omitempty"`
	// Cells are the cells that needed the step, which have no record.
	Cells []string `json:"cells,omitempty"`
}

// page is what the template renders.
type page struct {
	Title    string
	Info     PageInfo
	Warnings []string
	Baseline string
	Evals    []string
	PPL      []pageRow
	KLD      []pageRow
	KLDNote  string
	KLDCap   string
	Tasks    []string
	TaskRows []pageRow
	Charts   []pageChart
	Cells    []pageCell
}

// pageRow is a table row: a variant and imatrix source and a cell per
// column (nil: no record).
type pageRow struct {
	Variant, Source string
	Cells           []*pageTD
}

// pageTD is a table cell: the measurement and, below it, the paired
// comparison with the baseline ("(baseline)" for the baseline itself);
// Sig marks a comparison whose interval leaves out no change.
type pageTD struct {
	Cell, Value, Paired string
	Sig                 bool
}

// pageCell is one record's details.
type pageCell struct {
	Cell, Source, SourceKind, Variant, Set string
	Params                                 []string
	SourceFigures                          []string
	Quant                                  string
	Seconds                                []string
	Commands                               []string
}

// newPage builds the page's model from the latest records; charts are
// the SVG charts in the order drawn; skipped counts unreadable lines.
func newPage(title string, recs []*Record, skipped int, info *PageInfo, charts []pageChart) *page {
	pg := &page{Title: title, Charts: charts}
	if info != nil {
		pg.Info = *info
	}
	pg.Warnings = pageWarnings(recs, skipped, pg.Info.Failed)
	prs := pplRecords(recs)
	if len(prs) > 0 {
		pg.Baseline = prs[0].Baseline
	} else if len(recs) > 0 {
		pg.Baseline = recs[0].Baseline
	}
	pg.Evals = order(prs, func(r *Record) string { return r.Eval })
	cmp := Compare(prs)
	pg.PPL = grid(prs, pg.Evals, func(r *Record) string { return r.Eval }, func(r *Record) *pageTD {
		td := &pageTD{Cell: r.Cell, Value: FormatPPL(r.PPL, r.PPLError)}
		if p, ok := cmp[r.Cell]; ok {
			td.Paired, td.Sig = PPLRatioText(p), p.Significant()
		} else if r.Source == r.Baseline {
			td.Paired = "(baseline)"
		}
		return td
	})
	if hasKLD(prs) {
		kcmp := CompareKLD(prs)
		pg.KLDCap = strings.TrimSuffix(KLDCaption(pg.Baseline, len(kcmp) > 0), ":")
		pg.KLDCap = strings.ReplaceAll(pg.KLDCap, "**bold**", "marked")
		pg.KLD = grid(prs, pg.Evals, func(r *Record) string { return r.Eval }, func(r *Record) *pageTD {
			if r.KLD == nil {
				return nil
			}
			td := &pageTD{Cell: r.Cell, Value: KLDValue(r)}
			if p, ok := kcmp[r.Cell]; ok {
				td.Paired, td.Sig = p.String(), p.Significant()
			} else if r.Source == r.Baseline && len(r.ChunkKLD) > 0 {
				td.Paired = "(baseline)"
			}
			return td
		})
		if n := WithoutChunkKLD(prs); n > 0 {
			pg.KLDNote = NoChunkKLDNote(n)
		}
	}
	trs := taskRecords(recs)
	if len(trs) > 0 {
		tcmp := CompareTasks(trs)
		for _, n := range order(trs, func(r *Record) string { return r.Task }) {
			for _, r := range trs {
				if r.Task == n {
					pg.Tasks = append(pg.Tasks, fmt.Sprintf("%s (%s, %d tasks)", n, r.TaskScore.Mode, r.TaskScore.Scored))
					break
				}
			}
		}
		names := order(trs, func(r *Record) string { return r.Task })
		pg.TaskRows = grid(trs, names, func(r *Record) string { return r.Task }, func(r *Record) *pageTD {
			td := &pageTD{Cell: r.Cell, Value: FormatAccuracy(r.TaskScore)}
			if p, ok := tcmp[r.Cell]; ok {
				td.Paired, td.Sig = p.String(), p.Significant()
			} else if r.Source == r.Baseline {
				td.Paired = "(baseline)"
			}
			return td
		})
	}
	for _, r := range recs {
		pg.Cells = append(pg.Cells, newPageCell(r, pg.Info.Commands[r.Cell]))
	}
	return pg
}

// grid lays recs out as the tables do: a row per variant and source
// (rows without a record left out), a column per name of col.
func grid(recs []*Record, cols []string, col func(*Record) string, td func(*Record) *pageTD) []pageRow {
	at := map[[3]string]*Record{}
	for _, r := range recs {
		at[[3]string{r.Variant, r.Source, col(r)}] = r
	}
	var rows []pageRow
	for _, v := range order(recs, func(r *Record) string { return r.Variant }) {
		for _, s := range order(recs, func(r *Record) string { return r.Source }) {
			row := pageRow{Variant: v, Source: s}
			any := false
			for _, c := range cols {
				var d *pageTD
				if r := at[[3]string{v, s, c}]; r != nil {
					d = td(r)
				}
				any = any || d != nil
				row.Cells = append(row.Cells, d)
			}
			if any {
				rows = append(rows, row)
			}
		}
	}
	return rows
}

// pageWarnings says what about the records a reader must know: lines
// left out, failed steps, a single cell, sweeps and grids together.
func pageWarnings(recs []*Record, skipped int, failed []FailedStep) []string {
	var w []string
	if skipped > 0 {
		w = append(w, fmt.Sprintf("%d line(s) of %s could not be read (cut short by a kill?) and were left out; rerun the study to redo those cells.", skipped, FileName))
	}
	if len(failed) > 0 {
		w = append(w, fmt.Sprintf("%d step(s) failed, so their cells have no record; see Failed steps below for their logs.", len(failed)))
	}
	switch len(recs) {
	case 0:
		w = append(w, "The study has no records yet: run it (calibkit study run).")
	case 1:
		w = append(w, "The study has one cell only: there is nothing to compare it with.")
	}
	sweep, grid := 0, 0
	for _, r := range recs {
		if r.Share != nil {
			sweep++
		} else {
			grid++
		}
	}
	if sweep > 0 && grid > 0 {
		w = append(w, fmt.Sprintf("The study holds %d sweep cell(s) (a share of an added corpus) and %d grid cell(s): the sweep's cells are in the tables and in the charts against the share, not in the bar charts.", sweep, grid))
	}
	return w
}

func newPageCell(r *Record, cmds []string) pageCell {
	c := pageCell{Cell: r.Cell, Source: r.Source, SourceKind: r.SourceKind, Variant: r.Variant, Set: setName(r), Commands: cmds}
	add := func(k string, v any) { c.Params = append(c.Params, fmt.Sprintf("%s: %v", k, v)) }
	if r.Share != nil {
		add("share", *r.Share)
	}
	if r.Repeat != 0 {
		add("repeat", r.Repeat)
	}
	keys := make([]string, 0, len(r.VariantParams))
	for k := range r.VariantParams {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		add(k, r.VariantParams[k])
	}
	if r.Engine != "" {
		add("engine", r.Engine)
	}
	if r.Model != "" {
		add("model", r.Model)
	}
	if r.Ctx != 0 {
		add("ctx", r.Ctx)
		add("batch", r.Batch)
		add("chunks", r.Chunks)
	}
	if r.SourceBytes > 0 || r.SourceTokens > 0 {
		c.SourceFigures = append(c.SourceFigures, fmt.Sprintf("%d bytes", r.SourceBytes), fmt.Sprintf("%d tokens", r.SourceTokens), fmt.Sprintf("%d imatrix chunks", r.ImatrixChunks))
	}
	if cv := r.SourceCoverage; cv != nil {
		c.SourceFigures = append(c.SourceFigures, fmt.Sprintf("%.3f tokens/byte", cv.TokensPerByte), fmt.Sprintf("%.1f%% of the vocabulary seen (%.1f%% at least %d times)", 100*cv.Share, 100*cv.ShareK, cv.MinCount))
	}
	if r.QuantBytes > 0 {
		c.Quant = fmt.Sprintf("%d bytes (%.1f MiB)", r.QuantBytes, float64(r.QuantBytes)/(1<<20))
	}
	kinds := make([]string, 0, len(r.Seconds))
	for k := range r.Seconds {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		c.Seconds = append(c.Seconds, fmt.Sprintf("%s %.1f s", k, r.Seconds[k]))
	}
	return c
}

// pageTemplate renders a page; html/template escapes every name and note.
var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"svg": func(b []byte) template.HTML { return template.HTML(b) }, // drawn by vgsvg from our plots
}).Parse(pageHTML))

// InfoFile keeps, in a study folder, the PageInfo of the last run, so
// that `calibkit study report` shows the same spec, notes and failures.
const InfoFile = "report-info.json"

// ReadInfo reads dir's InfoFile; nil when there is none.
func ReadInfo(dir string) (*PageInfo, error) {
	path := filepath.Join(dir, InfoFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("page info: %w", err)
	}
	var info PageInfo
	if err := json.Unmarshal(b, &info); err != nil {
		return nil, fmt.Errorf("page info %s: %w (remove it: the next study run writes it again)", path, err)
	}
	return &info, nil
}

func writeInfo(dir string, info *PageInfo) error {
	b, err := json.MarshalIndent(info, "", "  ")
	if err != nil {
		return err
	}
	_, err = atomicfile.WriteFile(filepath.Join(dir, InfoFile), bytes.NewReader(append(b, '\n')))
	return err
}

// WritePage writes the page of the latest records recs (skipped: lines
// of results.jsonl left out) to w, its charts drawn as SVG alone.
func WritePage(w io.Writer, title string, recs []*Record, skipped int, info *PageInfo) error {
	cw := newChartWriter()
	cw.svg, cw.noPNG = true, true
	_, err := writeCharts(cw, "", recs)
	if werr := cw.wait(); err == nil {
		err = werr
	}
	if err != nil {
		return err
	}
	return pageTemplate.Execute(w, newPage(title, recs, skipped, info, cw.svgs))
}
