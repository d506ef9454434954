package results

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/calibkit/calibkit/internal/atomicfile"
)

// Report lists what Build wrote.
type Report struct {
	Records  int      `json:"records"`
	Skipped  int      `json:"skipped_lines,omitempty"`
	CSV      string   `json:"csv"`
	Markdown string   `json:"markdown"`
	Page     string   `json:"page"`
	Charts   []string `json:"charts"`
}

// Build rebuilds results.csv, results.md, the charts and report.html of
// the study folder dir from its results.jsonl (the last record of each
// cell), with the page's other parts as the last run left them
// (InfoFile; none when absent).
func Build(dir, title string) (*Report, error) {
	info, err := ReadInfo(dir)
	if err != nil {
		return nil, err
	}
	return BuildWith(dir, title, info)
}

// BuildWith is Build with the page's other parts given: info (nil:
// none) is also kept in dir's InfoFile for a later Build.
func BuildWith(dir, title string, info *PageInfo) (*Report, error) {
	if info != nil {
		if err := writeInfo(dir, info); err != nil {
			return nil, err
		}
	}
	recs, skipped, err := Read(filepath.Join(dir, FileName))
	if errors.Is(err, fs.ErrNotExist) {
		return &Report{}, nil
	}
	if err != nil {
		return nil, err
	}
	recs = Latest(recs)
	if title == "" && len(recs) > 0 {
		title = recs[0].Study
	}
	if title == "" {
		title = "study"
	}
	rep := &Report{Records: len(recs), Skipped: skipped, CSV: filepath.Join(dir, "results.csv"), Markdown: filepath.Join(dir, "results.md"), Page: filepath.Join(dir, PageFile)}
	// The CSV is written while the charts are drawn.
	csvDone := make(chan error, 1)
	go func() {
		var buf bytes.Buffer
		if err := WriteCSV(&buf, recs); err != nil {
			csvDone <- err
			return
		}
		_, err := atomicfile.WriteFile(rep.CSV, &buf)
		csvDone <- err
	}()
	var buf bytes.Buffer
	cw := newChartWriter()
	cw.svg = true
	rep.Charts, err = writeCharts(cw, dir, recs)
	if werr := cw.wait(); err == nil {
		err = werr
	}
	if cerr := <-csvDone; err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if err := WriteMarkdown(&buf, title, recs); err != nil {
		return nil, err
	}
	if len(rep.Charts) > 0 {
		fmt.Fprintf(&buf, "\nCharts:\n\n")
		paired := false
		for _, c := range rep.Charts {
			fmt.Fprintf(&buf, "![%s](%s)\n", filepath.Base(c), filepath.Base(c))
			paired = paired || strings.HasPrefix(filepath.Base(c), "chart-paired-")
		}
		if paired {
			fmt.Fprintf(&buf, "\n%s\n", PairedChartsNote)
		}
	}
	if _, err := atomicfile.WriteFile(rep.Markdown, &buf); err != nil {
		return nil, err
	}
	buf.Reset()
	if err := pageTemplate.Execute(&buf, newPage(title, recs, skipped, info, cw.svgs)); err != nil {
		return nil, fmt.Errorf("%s: %w", rep.Page, err)
	}
	if _, err := atomicfile.WriteFile(rep.Page, &buf); err != nil {
		return nil, err
	}
	return rep, nil
}

// PairedChartsNote says what the forest charts show.
const PairedChartsNote = "chart-paired-ppl-EVAL.png and chart-paired-kld-EVAL.png are the table's paired comparisons as forest plots: a row per cell, its ratio to the baseline source of the same variant (PPL; mean KLD) with the 95% interval, blue when the interval leaves out 1, grey when it holds 1; the dashed line is 1, no change. The bars beside them show each cell's PPL with its own unpaired error, which hides differences that the paired comparison measures."

// BuildIfStale is Build, unless results.md is at least as new as
// results.jsonl: then the report on disk is returned as it is (a rerun
// that added no record does not redraw the charts).
func BuildIfStale(dir, title string) (*Report, error) {
	if _, err := os.Stat(filepath.Join(dir, PageFile)); err != nil {
		return Build(dir, title) // from before the page
	}
	md, err1 := os.Stat(filepath.Join(dir, "results.md"))
	js, err2 := os.Stat(filepath.Join(dir, FileName))
	if err1 != nil || err2 != nil || md.ModTime().Before(js.ModTime()) {
		return Build(dir, title)
	}
	rep := &Report{CSV: filepath.Join(dir, "results.csv"), Markdown: filepath.Join(dir, "results.md"), Page: filepath.Join(dir, PageFile)}
	for _, pat := range []string{"chart-*.png", "sweep-*.png"} {
		m, _ := filepath.Glob(filepath.Join(dir, pat))
		rep.Charts = append(rep.Charts, m...)
	}
	recs, skipped, err := Read(filepath.Join(dir, FileName))
	if err != nil {
		return nil, err
	}
	rep.Records, rep.Skipped = len(Latest(recs)), skipped
	return rep, nil
}
