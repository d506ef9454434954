package results

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// publishedGrid returns records shaped like the published
// imatrix-jpn-test study: 3 imatrix sources × 3 variants × 2 eval sets,
// 18 cells of 570 chunks (wiki.test.raw at ctx 512).
func publishedGrid() []*Record {
	rng := rand.New(rand.NewPCG(3, 4))
	var out []*Record
	i := 0
	for _, src := range []string{"none", "calibration_datav3", "plus-jpn"} {
		for _, v := range []string{"M", "L", "fp16"} {
			for _, e := range []string{"wiki.test.raw", "ja-wiki.test.raw"} {
				nll := make([]float64, 570)
				for j := range nll {
					nll[j] = 1.9 + rng.Float64()/3
				}
				out = append(out, &Record{Study: "imatrix-jpn-test", Index: i, Cell: src + "/" + v + "/" + e, Source: src, Baseline: "calibration_datav3",
					Variant: v, Eval: e, PPL: 7.5 + rng.Float64()/10, PPLError: 0.047, ChunkNLL: nll, QuantBytes: 4 << 30,
					SourceBytes: 1 << 20, SourceTokens: 300000, ImatrixChunks: 580, Seconds: map[string]float64{"quantize": 60, "perplexity": 300}})
				i++
			}
		}
	}
	return out
}

// parsePage parses a page and fails the test when it is not HTML.
func parsePage(t *testing.T, b []byte) *html.Node {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// tdTexts returns each table cell's value and paired text by the
// data-cell attribute of its <td>.
func tdTexts(doc *html.Node, table string) map[string][2]string {
	out := map[string][2]string{}
	var inTable func(n *html.Node, in bool)
	inTable = func(n *html.Node, in bool) {
		if n.Type == html.ElementNode && n.Data == "table" {
			in = attr(n, "id") == table
		}
		if in && n.Type == html.ElementNode && n.Data == "td" && attr(n, "data-cell") != "" {
			var v [2]string
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				switch attr(c, "class") {
				case "v":
					v[0] = text(c)
				case "p":
					v[1] = text(c)
				}
			}
			out[attr(n, "data-cell")] = v
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			inTable(c, in)
		}
	}
	inTable(doc, false)
	return out
}

func attr(n *html.Node, k string) string {
	for _, a := range n.Attr {
		if a.Key == k {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// TestPageTables builds the demo-shaped study's page and reads its tables
// back: every cell shows the record's PPL and paired ratio as results.md
// does, the task table its accuracy and McNemar comparison, and every
// chart is inline SVG.
func TestPageTables(t *testing.T) {
	dir := t.TempDir()
	recs := demoGrid()
	if err := Append(context.Background(), filepath.Join(dir, FileName), recs...); err != nil {
		t.Fatal(err)
	}
	rep, err := Build(dir, "demo")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(rep.Page)
	if err != nil {
		t.Fatal(err)
	}
	doc := parsePage(t, b)
	ppl, tasks := tdTexts(doc, "ppl"), tdTexts(doc, "tasks")
	cmp, tcmp := Compare(recs), CompareTasks(recs)
	for _, r := range recs {
		if r.Task != "" {
			want := [2]string{FormatAccuracy(r.TaskScore), "(baseline)"}
			if p, ok := tcmp[r.Cell]; ok {
				want[1] = p.String()
			}
			if got := tasks[r.Cell]; got != want {
				t.Errorf("%s: task cell %q, want %q", r.Cell, got, want)
			}
			continue
		}
		want := [2]string{FormatPPL(r.PPL, r.PPLError), "(baseline)"}
		if p, ok := cmp[r.Cell]; ok {
			want[1] = PPLRatioText(p)
		}
		if got := ppl[r.Cell]; got != want {
			t.Errorf("%s: PPL cell %q, want %q", r.Cell, got, want)
		}
	}
	if n := strings.Count(string(b), "<svg"); n != len(rep.Charts) {
		t.Errorf("%d inline SVG charts, %d PNG charts", n, len(rep.Charts))
	}
	// nothing is loaded: the only addresses are the SVG namespaces
	page := strings.NewReplacer(`"http://www.w3.org/2000/svg"`, "", `"http://www.w3.org/1999/xlink"`, "").Replace(string(b))
	for _, bad := range []string{"<script", "http:", "https:", "<link", "<img", "<?xml", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("the page holds %q: it must load nothing", bad)
		}
	}
}

// TestPageBadInput builds pages from broken or odd studies: each says
// what is wrong, parses, and shows names and notes as text.
func TestPageBadInput(t *testing.T) {
	grid := demoGrid()[:4] // none/M: en, ja, zh, next-words
	share := 0.5
	sweep := &Record{Study: "demo", Index: 9, Cell: "mix@0.5/M/en", Source: "mix@0.5", Share: &share, Baseline: "none", Variant: "M", Eval: "en",
		PPL: 3600, PPLError: 170, ChunkNLL: grid[0].ChunkNLL}
	evil := *grid[0]
	evil.Cell, evil.Source, evil.Index = "<script>alert(1)</script>/M/en", "<script>alert(1)</script>", 7
	for _, tc := range []struct {
		name  string
		recs  []*Record
		tail  string // appended to results.jsonl
		info  *PageInfo
		wants []string
	}{
		{"failed cells", grid, "", &PageInfo{Failed: []FailedStep{{Step: "quant-en-M", Err: "exit status 1", Log: "/x/steps/quant-en-M.log", Tail: "out of <memory>"}}},
			[]string{"1 step(s) failed", "/x/steps/quant-en-M.log", "out of &lt;memory&gt;"}},
		{"truncated last line", grid, `{"study":"demo","cell":"cut`, nil, []string{"1 line(s) of results.jsonl could not be read"}},
		{"one cell", grid[:1], "", nil, []string{"one cell only"}},
		{"sweep and grid", append(append([]*Record{}, grid...), sweep), "", nil, []string{"1 sweep cell(s)", "sweep-mix-en.png"}},
		{"names and notes escaped", []*Record{grid[0], &evil}, "", &PageInfo{Notes: []string{"<script>alert(2)</script>"}, Spec: "name: <b>x</b>"},
			[]string{"&lt;script&gt;alert(1)&lt;/script&gt;", "&lt;script&gt;alert(2)&lt;/script&gt;", "name: &lt;b&gt;x&lt;/b&gt;"}},
		{"no records", nil, `{"cut`, nil, []string{"no records yet"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			if err := os.WriteFile(path, nil, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := Append(context.Background(), path, tc.recs...); err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(f, tc.tail)
			f.Close()
			rep, err := BuildWith(dir, "", tc.info)
			if err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(rep.Page)
			if err != nil {
				t.Fatal(err)
			}
			parsePage(t, b)
			for _, w := range tc.wants {
				if !strings.Contains(string(b), w) {
					t.Errorf("the page lacks %q", w)
				}
			}
			if strings.Contains(string(b), "<script") {
				t.Errorf("the page holds a <script> element")
			}
			if tc.info != nil {
				// study report, later, shows the same page parts
				rep2, err := Build(dir, "")
				if err != nil {
					t.Fatal(err)
				}
				b2, _ := os.ReadFile(rep2.Page)
				if !bytes.Equal(b, b2) {
					t.Errorf("Build without info wrote another page than BuildWith")
				}
			}
		})
	}
}

// BenchmarkPage builds the page of the published 18-cell grid (its
// charts drawn as SVG, the tables, the cells) in memory.
func BenchmarkPage(b *testing.B) {
	recs := publishedGrid()
	info := &PageInfo{Engine: "linked:b1234", Notes: []string{"a note"}}
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := WritePage(&buf, "imatrix-jpn-test", recs, 0, info); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len())/1024, "KiB")
}
