package modelcard

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/calibkit/calibkit/internal/hubcard"
	"github.com/calibkit/calibkit/study/results"
)

// Header is the model card's YAML front matter, in the Hub's field names.
type Header struct {
	BaseModel         string   `yaml:"base_model,omitempty"`
	BaseModelRelation string   `yaml:"base_model_relation,omitempty"`
	License           string   `yaml:"license"`
	Language          []string `yaml:"language,omitempty"`
	Tags              []string `yaml:"tags"`
}

// Tags are the card's tags.
var Tags = []string{"gguf", "imatrix", "quantized", "calibkit"}

// card is what the card is written from.
type card struct {
	header   Header
	title    string
	version  string
	f        *folder
	srcs     []Source
	charts   []string // file names, beside the card
	licensed string   // where the license came from ("" : not known)
	command  []string
	missing  []missingCell
	caveats  []string
}

// missingCell is a planned cell without a record: a perplexity cell (eval
// set) or a task-set cell (task).
type missingCell struct {
	variant, source, eval, task, why, detail string
}

func (c *card) render() ([]byte, error) {
	var b bytes.Buffer
	if err := hubcard.WriteFrontMatter(&b, c.header); err != nil {
		return nil, fmt.Errorf("model %w", err)
	}
	recs := c.f.recs
	r0 := recs[0]
	fmt.Fprintf(&b, "# %s\n\n", c.title)
	fmt.Fprintf(&b, "GGUF quants of `%s` (sha256 `%s`), each quantized with and without importance matrices from several calibration texts and scored with perplexity, by calibkit %s's study runner (engine `%s`).\n\n", r0.Model, r0.ModelSHA256, c.version, r0.Engine)
	if c.header.BaseModel == "" {
		b.WriteString("Base model: unknown (the study's model is a local file, not a Hugging Face repository, so the card does not name one).\n\n")
	}
	switch c.licensed {
	case "":
		b.WriteString("License: unknown (not given with --license, and the base model's card was not found); the base model's license applies.\n\n")
	case "base":
		fmt.Fprintf(&b, "License: `%s`, from the base model's card.\n\n", c.header.License)
	}

	c.table(&b)
	if len(c.f.tasks) > 0 {
		b.WriteString("\n## Task accuracy\n")
		results.WriteTaskTable(&b, c.f.tasks)
		var none []string
		for _, m := range c.missing {
			if m.task != "" {
				none = append(none, fmt.Sprintf("%s × %s on %s: %s", m.variant, m.source, m.task, m.why))
			}
		}
		if len(none) > 0 {
			b.WriteString("\nTask cells without a result:\n\n")
			for _, n := range none {
				b.WriteString("- " + n + "\n")
			}
		}
	}
	if len(c.charts) > 0 {
		b.WriteString("\n## Charts\n\n")
		for _, ch := range c.charts {
			fmt.Fprintf(&b, "![%s](%s)\n\n", ch, ch)
		}
		b.WriteString("Grouped bars: PPL ± its error per eval set, a group per variant and a bar per imatrix source; sweep charts: PPL against the added corpus's share, a line per variant; task charts: accuracy with its 95% Wilson interval per task set.\n")
		for _, ch := range c.charts {
			if strings.HasPrefix(ch, "chart-paired-") {
				b.WriteString("\n" + results.PairedChartsNote + "\n")
				break
			}
		}
	}
	b.WriteString(`
## Reading the paired intervals

Two quants scored on the same eval set see the same chunks, and most of the spread of per-chunk NLL comes from the text, not the quant. Each cell is therefore compared with the baseline source's cell of the same variant and eval set chunk by chunk: d_i = NLL_cell(i) − NLL_baseline(i). The mean of d_i is the difference in log-PPL; its 95% interval is Student's t, mean ± t(0.975, n−1)·sd(d)/√n. The table shows it as a PPL ratio ×exp(mean) [exp(lo), exp(hi)], in **bold** when the interval leaves out 1: the difference is larger than the chunk-to-chunk noise. A ratio below 1 is a lower perplexity than the baseline's. The interval takes the chunks as independent (neighbouring chunks of one article are not quite), and it does not hold the noise of which sentences a calibration mix drew (a sweep with repeats measures that). The PPL ± error is llama-perplexity's own unpaired error, much wider than the paired interval on the same data.
`)
	if len(results.CompareKLD(c.f.recs)) > 0 {
		b.WriteString(kldReading)
	}
	c.sourceTable(&b)
	c.sizes(&b)
	c.commands(&b)
	if len(c.caveats) > 0 {
		b.WriteString("\n## Caveats\n\n")
		for _, cv := range c.caveats {
			b.WriteString("- " + cv + "\n")
		}
	}
	return b.Bytes(), nil
}

// table writes the study's table: a row per variant and source, a column
// per eval set, failed cells shown as failed.
func (c *card) table(b *bytes.Buffer) {
	recs := c.f.recs
	cmp := results.Compare(recs)
	variants, srcs, evals := c.axes()
	at := map[[3]string]*results.Record{}
	for _, r := range recs {
		at[[3]string{r.Variant, r.Source, r.Eval}] = r
	}
	miss := map[[3]string]string{}
	for _, m := range c.missing {
		miss[[3]string{m.variant, m.source, m.eval}] = m.why
	}
	fmt.Fprintf(b, "## Results\n\nPerplexity ± its error (`-c %d`); below it, the PPL ratio against the baseline imatrix source (`%s`) of the same variant, from the paired per-chunk difference, with its 95%% interval; **bold**: the interval leaves out 1.\n\n", recs[0].Ctx, recs[0].Baseline)
	fmt.Fprintf(b, "| variant | imatrix | %s |\n|---|---|%s\n", strings.Join(evals, " | "), strings.Repeat("---|", len(evals)))
	for _, v := range variants {
		for _, s := range srcs {
			var cells []string
			any := false
			for _, e := range evals {
				k := [3]string{v, s, e}
				r := at[k]
				if r == nil {
					if why, ok := miss[k]; ok {
						any = true
						cells = append(cells, strings.ReplaceAll(why, "|", `\|`))
					} else {
						cells = append(cells, "")
					}
					continue
				}
				any = true
				cell, paired := results.PPLCell(r, cmp)
				if !paired {
					cell += "<br>(no baseline cell to pair with)"
				}
				cells = append(cells, cell)
			}
			if any {
				fmt.Fprintf(b, "| %s | %s | %s |\n", v, s, strings.Join(cells, " | "))
			}
		}
	}
	c.kldTable(b, variants, srcs, evals, at)
	var details []string
	for _, m := range c.missing {
		if m.detail != "" && !slices.Contains(details, m.detail) {
			details = append(details, m.detail)
		}
	}
	if len(details) > 0 {
		b.WriteString("\nFailed steps (the cells that need them have no result):\n\n")
		for _, d := range details {
			b.WriteString("- `" + strings.ReplaceAll(d, "`", "'") + "`\n")
		}
	}
	if c.f.skipped > 0 {
		fmt.Fprintf(b, "\n%d line(s) of results.jsonl were cut short or were not records (a run killed while writing) and are left out; their cells show as without a result unless a later record holds them.\n", c.f.skipped)
	}
	if c.f.plan == nil {
		fmt.Fprintf(b, "\nWhich planned cells have no result is unknown: %s.\n", c.f.planErr)
	}
}

// axes are the variants, sources and eval sets in plan order (records'
// order without a plan).
func (c *card) axes() (variants, srcs, evals []string) {
	add := func(list *[]string, seen map[string]bool, v string) {
		if !seen[v] {
			seen[v] = true
			*list = append(*list, v)
		}
	}
	sv, ss, se := map[string]bool{}, map[string]bool{}, map[string]bool{}
	if c.f.plan != nil {
		for _, cl := range c.f.plan.Cells {
			if cl.Task != "" {
				continue
			}
			add(&variants, sv, cl.Variant)
			add(&srcs, ss, cl.Source)
			add(&evals, se, cl.Eval)
		}
	}
	for _, r := range c.f.recs {
		add(&variants, sv, r.Variant)
		add(&srcs, ss, r.Source)
		add(&evals, se, r.Eval)
	}
	return
}

func (c *card) sourceTable(b *bytes.Buffer) {
	b.WriteString("\n## Imatrix sources\n\n| source | kind | text | bytes | model tokens | imatrix chunks | languages (share of bytes) |\n|---|---|---|---:|---:|---:|---|\n")
	var notes []string
	for _, s := range c.srcs {
		text, by, tok, ch, langs := "–", "–", "–", "–", "–"
		if s.Kind != "none" {
			text = "unknown"
			if s.Text != "" {
				text = "`" + filepath.Base(s.Text) + "`"
			} else if s.File != "" {
				text = "imatrix `" + filepath.Base(s.File) + "`"
			}
			by, tok, ch, langs = "unknown", "unknown", "unknown", "unknown"
			if s.Bytes > 0 {
				by = fmt.Sprint(s.Bytes)
			}
			if s.Tokens > 0 {
				tok = fmt.Sprint(s.Tokens)
			}
			if s.Chunks > 0 {
				ch = fmt.Sprint(s.Chunks)
			}
			if len(s.Langs) > 0 {
				var parts []string
				for _, l := range s.Langs {
					parts = append(parts, fmt.Sprintf("%s %.1f%%", orText(l.Lang, "unknown"), 100*l.Share))
				}
				langs = strings.Join(parts, ", ")
			}
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s |\n", s.ID, s.Kind, text, by, tok, ch, langs)
		if s.Note != "" {
			notes = append(notes, fmt.Sprintf("- `%s`: %s.", s.ID, s.Note))
		}
	}
	b.WriteString("\nBytes, model tokens and chunks are of the text the imatrix was computed from, as the records hold them (llama-imatrix does not print the token count: unknown with llama.cpp's tools). Languages come from the text's calibkit manifest: a text in one language counts whole, a mix each part by its share of the bytes; what no manifest names is unknown.\n")
	if len(notes) > 0 {
		b.WriteString("\n" + strings.Join(notes, "\n") + "\n")
	}
}

func (c *card) sizes(b *bytes.Buffer) {
	variants, srcs, evals := c.axes()
	q := map[[2]string]int64{}
	ev := map[string]int64{}
	for _, r := range c.f.recs {
		q[[2]string{r.Variant, r.Source}] = r.QuantBytes
		ev[r.Eval] = r.EvalBytes
	}
	b.WriteString("\n## Sizes\n\nQuant files in bytes (variant × imatrix source):\n\n")
	fmt.Fprintf(b, "| variant | types | %s |\n|---|---|%s\n", strings.Join(srcs, " | "), strings.Repeat("---:|", len(srcs)))
	for _, v := range variants {
		types := "unknown"
		var row []string
		for _, s := range srcs {
			n, ok := q[[2]string{v, s}]
			if !ok || n == 0 {
				row = append(row, "unknown")
				continue
			}
			row = append(row, fmt.Sprint(n))
		}
		for _, r := range c.f.recs {
			if r.Variant == v {
				types = variantTypes(r.VariantParams)
				break
			}
		}
		fmt.Fprintf(b, "| %s | %s | %s |\n", v, types, strings.Join(row, " | "))
	}
	b.WriteString("\nEval sets:\n\n| eval set | bytes |\n|---|---:|\n")
	for _, e := range evals {
		n := "unknown"
		if ev[e] > 0 {
			n = fmt.Sprint(ev[e])
		}
		fmt.Fprintf(b, "| %s | %s |\n", e, n)
	}
}

// variantTypes prints a variant's type and overrides.
func variantTypes(p map[string]any) string {
	s, _ := p["type"].(string)
	for _, k := range []string{"output_tensor_type", "token_embedding_type"} {
		if v, _ := p[k].(string); v != "" {
			s += fmt.Sprintf(", %s %s", strings.TrimSuffix(k, "_type"), v)
		}
	}
	if tt, ok := p["tensor_types"].([]any); ok {
		for _, t := range tt {
			s += fmt.Sprintf(", %v", t)
		}
	}
	if v, _ := p["leave_output_tensor"].(bool); v {
		s += ", output tensor left as is"
	}
	if v, _ := p["pure"].(bool); v {
		s += ", pure"
	}
	return s
}

func (c *card) commands(b *bytes.Buffer) {
	f := c.f
	r0 := f.recs[0]
	b.WriteString("\n## How to rebuild\n\nThe whole study, with calibkit (finished steps are kept; `--cell ID` runs one cell and what it needs):\n\n```sh\n")
	specPath := "STUDY.yaml"
	if f.plan != nil && f.plan.SpecFile != "" {
		specPath = f.plan.SpecFile
	}
	b.WriteString(hubcard.ShellJoin([]string{"calibkit", "study", "run", specPath, "-o", f.dir}) + "\n")
	if len(c.command) > 0 {
		cmd := append([]string{"calibkit"}, c.command[1:]...)
		b.WriteString(hubcard.ShellJoin(cmd) + "\n")
	}
	b.WriteString("```\n")
	if specPath == "STUDY.yaml" {
		fmt.Fprintf(b, "\nThe spec is unknown: %s.\n", f.specErr)
	} else if f.spec == nil {
		fmt.Fprintf(b, "\nThe spec could not be read now: %s.\n", f.specErr)
	}
	b.WriteString("\nEach artifact on its own, with calibkit's commands and the same with llama.cpp's tools (the parameters the study ran with; output names chosen here):\n\n")
	b.WriteString("```sh\n" + modelLine(r0.Model) + "\n```\n")
	cmds := rebuild(f.recs, c.srcs, f.evalPaths())
	for _, group := range []struct{ title, prefix string }{
		{"Imatrices", "imatrix of "}, {"Quants", "quant "}, {"Perplexity", "perplexity of "},
	} {
		var ck, ll []string
		for _, cm := range cmds {
			if strings.HasPrefix(cm.What, group.prefix) {
				ck = append(ck, "# "+cm.What)
				ck = append(ck, cm.Calibkit...)
				ll = append(ll, "# "+cm.What)
				ll = append(ll, cm.LlamaCpp...)
			}
		}
		if len(ck) == 0 {
			continue
		}
		fmt.Fprintf(b, "\n%s, with calibkit:\n\n```sh\n%s\n```\n\nwith llama.cpp's tools:\n\n```sh\n%s\n```\n", group.title, strings.Join(ck, "\n"), strings.Join(ll, "\n"))
	}
	placeholders := false
	for _, cm := range cmds {
		for _, l := range append(cm.Calibkit, cm.LlamaCpp...) {
			if strings.Contains(l, " TEXT-") || strings.Contains(l, " EVAL-") || strings.Contains(l, " IMATRIX-") {
				placeholders = true
			}
		}
	}
	if placeholders {
		b.WriteString("\n`TEXT-*`, `EVAL-*` and `IMATRIX-*` stand for files whose paths the study folder does not record (they are in the spec, which could not be read).\n")
	}
	for _, s := range c.srcs {
		if (s.Kind == "mix" || s.Kind == "sweep") && s.Text != "" {
			fmt.Fprintf(b, "\nThe text of `%s` is `%s` in the study folder; `calibkit study run` builds it from the spec's %s recipe.\n", s.ID, relTo(f.dir, s.Text), s.Kind)
		}
	}
}

func relTo(dir, p string) string {
	if r, err := filepath.Rel(dir, p); err == nil {
		return r
	}
	return p
}

// kldTable writes the KL divergence against the unquantized model when
// the study measured it, with results.md's cells (results.KLDCell).
func (c *card) kldTable(b *bytes.Buffer, variants, srcs, evals []string, at map[[3]string]*results.Record) {
	has := false
	for _, r := range c.f.recs {
		has = has || r.KLD != nil
	}
	if !has {
		return
	}
	kcmp := results.CompareKLD(c.f.recs)
	fmt.Fprintf(b, "\n%s\n\n", results.KLDCaption(c.f.recs[0].Baseline, len(kcmp) > 0))
	fmt.Fprintf(b, "| variant | imatrix | %s |\n|---|---|%s\n", strings.Join(evals, " | "), strings.Repeat("---|", len(evals)))
	for _, v := range variants {
		for _, s := range srcs {
			var cells []string
			any := false
			for _, e := range evals {
				var cell string
				if r := at[[3]string{v, s, e}]; r != nil {
					cell, _ = results.KLDCell(r, kcmp)
				}
				any = any || cell != ""
				cells = append(cells, cell)
			}
			if any {
				fmt.Fprintf(b, "| %s | %s | %s |\n", v, s, strings.Join(cells, " | "))
			}
		}
	}
	if n := results.WithoutChunkKLD(c.f.recs); n > 0 {
		b.WriteString("\n" + results.NoChunkKLDNote(n) + "\n")
	}
}

// kldReading explains the paired KLD ratio.
const kldReading = `
The KL-divergence cells are paired the same way, chunk by chunk over the same base file: a_i and b_i are the mean KLD of chunk i under the cell's quant and the baseline's. The ratio is mean(a)/mean(b), the cell's Mean KLD over the baseline's; its 95% interval is Fieller's, the ratios ρ for which the paired t-test of a_i − ρ·b_i does not reject, so a bounded interval leaves out 1 exactly when the paired t-test of the differences a_i − b_i rejects. It is shown as ×ratio [lo, hi], **bold** when it leaves out 1; below 1 the cell's quant is closer to the unquantized model than the baseline's. "unbounded" means the baseline's own mean KLD is not told apart from 0 by its chunks, so no ratio is measured.
`
