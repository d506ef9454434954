package study

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	_ "image/png"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/calibkit/calibkit/modelcard"
	"github.com/calibkit/calibkit/study/results"
)

// chromium returns Debian's headless browser (.ci/run installs it), or
// skips.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no chromium on PATH (apt-get install chromium; .ci/run installs it): the study page is not checked in a browser")
	return ""
}

// pageCell is a table cell as the browser shows it.
type pageCell struct {
	Table, Cell, Value, Paired string
}

// TestPageInBrowser runs a small study with a KL-divergence base and
// opens its report.html in headless Chromium: the page logs no error and
// loads nothing, its full screenshot is not blank and is as tall as the
// page, it fits a phone's width, and the numbers its tables show are
// results.jsonl's, to the precision the study writes them.
func TestPageInBrowser(t *testing.T) {
	bin := chromium(t)
	dir, s := fixture(t, `notes:
  - "<script>alert('note')</script> stays text"
imatrix:
  - none
  - {name: en, text: en.raw}
variants:
  - M
  - {name: q8, type: Q8_0}
eval:
  - {name: en, file: en.raw}
settings:
  ctx: 64
  threads: 2
  kld_base: $MODEL
`)
	out := filepath.Join(dir, "out")
	res, err := Run(context.Background(), Options{Spec: s, Dir: out, PageCommands: modelcard.CellCommands})
	if err != nil {
		t.Fatalf("%v %+v", err, res.Failed)
	}
	pagePath := filepath.Join(out, results.PageFile)

	opts := []chromedp.ExecAllocatorOption{chromedp.ExecPath(bin), chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1000, 800)}
	for _, f := range []string{"headless", "no-sandbox", "disable-gpu", "disable-quic", "no-first-run", "disable-background-networking", "disable-component-update", "disable-sync"} {
		opts = append(opts, chromedp.Flag(f, true))
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()

	var mu sync.Mutex
	var problems, requests []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning {
				problems = append(problems, fmt.Sprintf("console.%s %v", ev.Type, ev.Args))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+ev.ExceptionDetails.Text)
		case *log.EventEntryAdded:
			if ev.Entry.Level == log.EntryLevelError || ev.Entry.Level == log.EntryLevelWarning {
				problems = append(problems, fmt.Sprintf("log %s: %s %s", ev.Entry.Level, ev.Entry.Text, ev.Entry.URL))
			}
		case *network.EventRequestWillBeSent:
			requests = append(requests, ev.Request.URL)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, log.Enable, struct{}{}); err != nil {
		t.Fatal(err)
	}
	url := "file://" + pagePath
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	cells, err := chromedp.Run(ctx, chromedp.Evaluate[[]pageCell](`Array.from(document.querySelectorAll('td[data-cell]')).map(td => ({
		Table: td.closest('table').id, Cell: td.dataset.cell,
		Value: td.querySelector('.v').textContent, Paired: (td.querySelector('.p') || {textContent: ''}).textContent}))`))
	if err != nil {
		t.Fatal(err)
	}
	height, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.documentElement.scrollHeight`))
	if err != nil {
		t.Fatal(err)
	}
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	phone, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`[document.documentElement.scrollWidth, document.documentElement.clientWidth]`))
	if err != nil {
		t.Fatal(err)
	}
	withCommands, err := chromedp.Run(ctx, chromedp.Evaluate[int](`Array.from(document.querySelectorAll('details[id^="cell-"] pre')).filter(p => p.textContent.includes('llama-perplexity')).length`))
	if err != nil {
		t.Fatal(err)
	}
	if withCommands != len(res.Records) {
		t.Errorf("%d cells show the command lines that rebuild them, want %d", withCommands, len(res.Records))
	}
	escaped, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`[document.querySelectorAll('script').length, document.body.textContent.includes("<script>alert('note')</script> stays text") ? 1 : 0]`))
	if err != nil {
		t.Fatal(err)
	}

	mu.Lock()
	for _, p := range problems {
		t.Errorf("the page logged %s", p)
	}
	if len(requests) == 0 {
		t.Errorf("no request seen, not even the page's own: the DevTools listener heard nothing")
	}
	for _, u := range requests {
		if u != url {
			t.Errorf("the page requested %s: it must load nothing", u)
		}
	}
	mu.Unlock()
	if escaped[0] != 0 || escaped[1] != 1 {
		t.Errorf("%d <script> elements, note shown as text: %v", escaped[0], escaped[1] == 1)
	}
	if phone[0] > phone[1] {
		t.Errorf("on a 390 px phone the page is %v px wide: it scrolls sideways", phone[0])
	}
	checkShot(t, shot, height)
	if t.Failed() {
		os.WriteFile(filepath.Join(t.TempDir(), "shot.png"), shot, 0o644)
	}

	recs, _, err := results.Read(filepath.Join(out, results.FileName))
	if err != nil {
		t.Fatal(err)
	}
	recs = results.Latest(recs)
	checkCells(t, cells, recs)
}

// checkShot checks a full-page screenshot: as tall as the page (the
// device pixel ratio is 1), and not blank.
func checkShot(t *testing.T, shot []byte, height float64) {
	t.Helper()
	img, _, err := image.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	b := img.Bounds()
	if math.Abs(float64(b.Dy())-height) > 2 || b.Dx() < 300 {
		t.Errorf("screenshot %dx%d, page %v px tall", b.Dx(), b.Dy(), height)
	}
	colors := map[color.RGBA]bool{}
	ink := 0
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bb, _ := img.At(x, y).RGBA()
			c := color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(bb >> 8), 0}
			colors[c] = true
			if r>>8 < 0xe0 || g>>8 < 0xe0 || bb>>8 < 0xe0 {
				ink++
			}
		}
	}
	if total := (b.Dx() / 3) * (b.Dy() / 3); len(colors) < 20 || ink < total/100 {
		t.Errorf("screenshot looks blank: %d colours, %d of %d sampled pixels not white", len(colors), ink, total)
	}
}

// checkCells compares the tables the browser shows with the records: the
// PPL text is FormatPPL's and the value within half its last digit of
// the record's, the mean KLD within half of its sixth decimal, the paired
// comparisons those results computes.
func checkCells(t *testing.T, cells []pageCell, recs []*results.Record) {
	t.Helper()
	by := map[string]*results.Record{}
	for _, r := range recs {
		by[r.Cell] = r
	}
	cmp, kcmp := results.Compare(recs), results.CompareKLD(recs)
	seen := map[string]int{}
	for _, c := range cells {
		r := by[c.Cell]
		if r == nil {
			t.Errorf("the page shows cell %q, which results.jsonl lacks", c.Cell)
			continue
		}
		seen[c.Table]++
		switch c.Table {
		case "ppl":
			if want := results.FormatPPL(r.PPL, r.PPLError); c.Value != want {
				t.Errorf("%s: PPL %q, want %q", c.Cell, c.Value, want)
			}
			num, e, _ := strings.Cut(c.Value, " ± ")
			v, err := strconv.ParseFloat(num, 64)
			if err != nil || math.Abs(v-r.PPL) > 0.5*lastDigit(e)+1e-12 {
				t.Errorf("%s: the page's PPL %q is not the record's %v", c.Cell, c.Value, r.PPL)
			}
			want := "(baseline)"
			if p, ok := cmp[r.Cell]; ok {
				want = results.PPLRatioText(p)
			}
			if c.Paired != want {
				t.Errorf("%s: paired %q, want %q", c.Cell, c.Paired, want)
			}
		case "kld":
			num, _, _ := strings.Cut(c.Value, " ± ")
			v, err := strconv.ParseFloat(num, 64)
			if err != nil || math.Abs(v-r.KLD["Mean KLD"].Value) > 5e-7 {
				t.Errorf("%s: the page's mean KLD %q is not the record's %v", c.Cell, c.Value, r.KLD["Mean KLD"].Value)
			}
			want := "(baseline)"
			if p, ok := kcmp[r.Cell]; ok {
				want = p.String()
			}
			if c.Paired != want {
				t.Errorf("%s: paired KLD %q, want %q", c.Cell, c.Paired, want)
			}
		}
	}
	if seen["ppl"] != len(recs) || seen["kld"] != len(recs) {
		t.Errorf("the page shows %v table cells for %d records", seen, len(recs))
	}
}

// lastDigit is the value of a written number's last significant digit:
// 0.01 for "0.047", 10 for "170".
func lastDigit(s string) float64 {
	if _, frac, ok := strings.Cut(s, "."); ok {
		return math.Pow10(-len(frac))
	}
	return math.Pow10(len(s) - len(strings.TrimRight(s, "0")))
}
