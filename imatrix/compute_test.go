package imatrix

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/gguf"
	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/internal/synth/synthtest"
)

func TestMain(m *testing.M) { synthtest.Main(m) }

func loadModel(t testing.TB, path string) *llama.Model {
	t.Helper()
	m, err := llama.LoadModel(path, llama.ModelParams{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(m.Close)
	return m
}

func run(t *testing.T, m *llama.Model, c *Collector, text string, o ComputeOptions) *Result {
	t.Helper()
	if o.Threads == 0 {
		o.Threads = 1
	}
	res, err := Compute(context.Background(), m, c, text, o)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// TestCollectedValuesMatchIndependentComputation checks blk.0's attention
// inputs against Go: they are the token embeddings, RMS-normalized, times
// blk.0.attn_norm.weight, read from the GGUF file itself.
func TestCollectedValuesMatchIndependentComputation(t *testing.T) {
	path := synthtest.Model(t, "dense", synth.Default())
	m := loadModel(t, path)
	const nCtx, chunks = 64, 3
	text := synthtest.Text(40)
	c := NewCollector(CollectorOptions{ChunkSize: nCtx})
	res := run(t, m, c, text, ComputeOptions{NCtx: nCtx, NBatch: nCtx, Chunks: chunks, Threads: 2})
	if res.Chunks != chunks || res.Tokens != chunks*nCtx {
		t.Fatalf("result %+v", res)
	}
	d := c.Data("calib.txt")
	if d.ChunkCount != chunks || d.ChunkSize != nCtx || len(d.Datasets) != 1 || d.Datasets[0] != "calib.txt" {
		t.Errorf("data header: %d chunks of %d, datasets %v", d.ChunkCount, d.ChunkSize, d.Datasets)
	}

	// expected, from the file and the token ids
	r, err := gguf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	embd, err := r.Float32s("token_embd.weight")
	if err != nil {
		t.Fatal(err)
	}
	norm, err := r.Float32s("blk.0.attn_norm.weight")
	if err != nil {
		t.Fatal(err)
	}
	epsV, ok := r.Value("llama.attention.layer_norm_rms_epsilon")
	if !ok {
		t.Fatal("no rms epsilon in the model")
	}
	eps := float64(epsV.(float32))
	n := len(norm)
	toks, err := m.Tokenize(text, true, false)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]float64, n)
	for ch := range chunks {
		for k := range nCtx {
			tok := toks[ch*nCtx+k]
			if k == 0 && m.AddBOS() {
				tok = m.BOS()
			}
			x := embd[int(tok)*n : int(tok+1)*n]
			var ss float64
			for _, v := range x {
				ss += float64(v) * float64(v)
			}
			scale := 1 / math.Sqrt(ss/float64(n)+eps)
			for j, v := range x {
				y := float64(v) * scale * float64(norm[j])
				want[j] += y * y
			}
		}
	}
	byName := map[string]*Entry{}
	for _, e := range d.Entries {
		byName[e.Name] = e
	}
	for _, w := range []string{"blk.0.attn_q.weight", "blk.0.attn_k.weight", "blk.0.attn_v.weight"} {
		e := byName[w]
		if e == nil {
			t.Fatalf("no entry %s; have %d entries", w, len(d.Entries))
		}
		if e.Cols != n || len(e.Counts) != 1 || e.Counts[0] != chunks*nCtx {
			t.Fatalf("%s: %d cols, counts %v", w, e.Cols, e.Counts)
		}
		for j := range n {
			if rel := math.Abs(float64(e.Sums[j])-want[j]) / want[j]; rel > 1e-4 {
				t.Errorf("%s column %d: collected %g, computed %g (rel %.2g)", w, j, e.Sums[j], want[j], rel)
			}
		}
	}
	// every block weight, nothing else
	if len(d.Entries) != 2*7 {
		t.Errorf("%d entries, want 14 (7 weights × 2 layers)", len(d.Entries))
	}
	if byName["output.weight"] != nil {
		t.Error("output.weight collected without ProcessOutput")
	}
	if e := byName["blk.1.ffn_down.weight"]; e == nil || e.Cols != synth.Default().FF {
		t.Errorf("ffn_down entry %+v", e)
	}
	if !(res.PPL > 1) || math.IsInf(res.PPL, 0) || !(res.PPLError > 0) {
		t.Errorf("perplexity %v ± %v", res.PPL, res.PPLError)
	}
}

func TestProcessOutputAndParallelSequences(t *testing.T) {
	m := loadModel(t, synthtest.Model(t, "dense", synth.Default()))
	const nCtx = 32
	text := synthtest.Text(40)
	one := NewCollector(CollectorOptions{ChunkSize: nCtx, ProcessOutput: true})
	r1 := run(t, m, one, text, ComputeOptions{NCtx: nCtx, NBatch: nCtx, Chunks: 6})
	// a batch of three chunks decodes them side by side as 3 sequences
	many := NewCollector(CollectorOptions{ChunkSize: nCtx, ProcessOutput: true})
	r2 := run(t, m, many, text, ComputeOptions{NCtx: nCtx, NBatch: 3 * nCtx, Chunks: 6})
	// and a batch smaller than a chunk splits each chunk into two decodes
	half := NewCollector(CollectorOptions{ChunkSize: nCtx, ProcessOutput: true})
	r3 := run(t, m, half, text, ComputeOptions{NCtx: nCtx, NBatch: nCtx / 2, NUBatch: nCtx / 2, Chunks: 6})
	a := one.Data("")
	if a.Entries[len(a.Entries)-1].Name != "output.weight" {
		t.Errorf("last entry %s, want output.weight", a.Entries[len(a.Entries)-1].Name)
	}
	// a batch that is no multiple of the chunk is trimmed to the chunks it
	// holds, as llama-imatrix trims it (3.5 chunks: 3 side by side)
	odd := NewCollector(CollectorOptions{ChunkSize: nCtx, ProcessOutput: true})
	var log strings.Builder
	r4 := run(t, m, odd, text, ComputeOptions{NCtx: nCtx, NBatch: 3*nCtx + nCtx/2, Chunks: 6, Log: &log})
	if !strings.Contains(log.String(), fmt.Sprintf("batch_size=%d, n_seq=3", 3*nCtx)) {
		t.Errorf("odd batch: log %q, want batch_size=%d, n_seq=3", log.String(), 3*nCtx)
	}
	assertSameData(t, a, many.Data(""), 1e-4)
	assertSameData(t, a, half.Data(""), 1e-4)
	// several physical batches in one decode, the graph rebuilt for each:
	// two chunks side by side, split by llama.cpp into two micro-batches of
	// 16 tokens per sequence. (A split that leaves a micro-batch under 16
	// tokens, e.g. 3 sequences in micro-batches of 32, skips it, as
	// llama-imatrix does, so its counts differ.)
	split := NewCollector(CollectorOptions{ChunkSize: nCtx, ProcessOutput: true})
	r5 := run(t, m, split, text, ComputeOptions{NCtx: nCtx, NBatch: 2 * nCtx, NUBatch: nCtx, Chunks: 6})
	assertSameData(t, a, odd.Data(""), 1e-4)
	assertSameData(t, a, split.Data(""), 1e-4)
	for _, r := range []*Result{r2, r3, r4, r5} {
		if math.Abs(r.PPL-r1.PPL)/r1.PPL > 1e-4 {
			t.Errorf("perplexity %v, one chunk at a time gave %v", r.PPL, r1.PPL)
		}
	}
}

// TestResumeEqualsUninterrupted: a run stopped after k chunks, then resumed
// with its file added (--in-file) and the first k chunks skipped
// (--from-chunk), gives what one uninterrupted run gives.
func TestResumeEqualsUninterrupted(t *testing.T) {
	m := loadModel(t, synthtest.Model(t, "dense", synth.Default()))
	const nCtx = 32
	text := synthtest.Text(40)
	full := NewCollector(CollectorOptions{ChunkSize: nCtx})
	run(t, m, full, text, ComputeOptions{NCtx: nCtx, NBatch: 64, Chunks: 7})

	first := NewCollector(CollectorOptions{ChunkSize: nCtx})
	run(t, m, first, text, ComputeOptions{NCtx: nCtx, NBatch: 64, Chunks: 3})
	saved := filepath.Join(t.TempDir(), "part.gguf")
	if err := WriteFile(saved, first.Data("calib.txt"), FormatGGUF); err != nil {
		t.Fatal(err)
	}
	back, err := ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	second := NewCollector(CollectorOptions{ChunkSize: nCtx})
	if err := second.Add(back); err != nil {
		t.Fatal(err)
	}
	run(t, m, second, text, ComputeOptions{NCtx: nCtx, NBatch: 64, Chunks: 4, FromChunk: 3})
	got, want := second.Data("calib.txt"), full.Data("calib.txt")
	assertSameData(t, want, got, 1e-5)
	if got.ChunkCount != 7 {
		t.Errorf("chunk count %d, want 7", got.ChunkCount)
	}
	if len(got.Datasets) != 2 {
		t.Errorf("datasets %v, want the earlier file's and this run's", got.Datasets)
	}
}

func assertSameData(t *testing.T, want, got *Data, tol float64) {
	t.Helper()
	if len(want.Entries) != len(got.Entries) {
		t.Fatalf("%d entries, want %d", len(got.Entries), len(want.Entries))
	}
	if want.ChunkCount != got.ChunkCount {
		t.Errorf("chunk count %d, want %d", got.ChunkCount, want.ChunkCount)
	}
	for i, w := range want.Entries {
		g := got.Entries[i]
		if g.Name != w.Name || g.Cols != w.Cols || fmt.Sprint(g.Counts) != fmt.Sprint(w.Counts) {
			t.Fatalf("entry %d: %s %d cols counts %v, want %s %d cols counts %v", i, g.Name, g.Cols, g.Counts, w.Name, w.Cols, w.Counts)
		}
		for j := range w.Sums {
			if d := math.Abs(float64(g.Sums[j]-w.Sums[j])) / math.Max(float64(w.Sums[j]), 1e-30); d > tol {
				t.Errorf("%s value %d: %g, want %g", w.Name, j, g.Sums[j], w.Sums[j])
				break
			}
		}
	}
}

// TestMixtureOfExperts collects MUL_MAT_ID on a synthesized MoE model and
// checks the C accumulation against a Go one made from the same tensors.
func TestMixtureOfExperts(t *testing.T) {
	o := synth.Default()
	o.Experts, o.ExpertsUsed = 4, 2
	m := loadModel(t, synthtest.Model(t, "moe", o))
	const nCtx = 32
	c := NewCollector(CollectorOptions{ChunkSize: nCtx})
	ref := &refHook{c: c, sums: map[string][]float64{}, counts: map[string][]int64{}}
	old := wrapHook
	wrapHook = func(h llama.EvalHook) llama.EvalHook { return ref }
	defer func() { wrapHook = old }()
	// two threads: ggml's pool works while the hook observes
	run(t, m, c, synthtest.Text(30), ComputeOptions{NCtx: nCtx, NBatch: nCtx, Chunks: 3, Threads: 2})
	d := c.Data("")
	seen := 0
	for _, e := range d.Entries {
		if !strings.Contains(e.Name, "_exps") {
			continue
		}
		seen++
		if len(e.Counts) != 4 {
			t.Fatalf("%s: %d counts, want one per expert", e.Name, len(e.Counts))
		}
		var total int64
		for _, n := range e.Counts {
			total += n
		}
		if total != 3*nCtx*2 {
			t.Errorf("%s: counts %v sum to %d, want tokens × experts used = %d", e.Name, e.Counts, total, 3*nCtx*2)
		}
		rs, rc := ref.sums[e.Name], ref.counts[e.Name]
		if fmt.Sprint(rc) != fmt.Sprint(e.Counts) {
			t.Errorf("%s: counts %v, Go reference %v", e.Name, e.Counts, rc)
		}
		for j, v := range e.Sums {
			if math.Abs(float64(v)-rs[j]) > 1e-4*math.Max(rs[j], 1e-6) {
				t.Errorf("%s value %d: %g, Go reference %g", e.Name, j, v, rs[j])
				break
			}
		}
	}
	if seen != 2*3 {
		t.Errorf("%d expert weights, want 6 (gate, up, down × 2 layers)", seen)
	}
	// gate and up multiply the same input, which up observes early (at the
	// scheduler's question): had it read the input before it was
	// computed, their sums would differ
	byName := map[string]*Entry{}
	for _, e := range d.Entries {
		byName[e.Name] = e
	}
	for l := range 2 {
		g, u := byName[fmt.Sprintf("blk.%d.ffn_gate_exps.weight", l)], byName[fmt.Sprintf("blk.%d.ffn_up_exps.weight", l)]
		if g == nil || u == nil || fmt.Sprint(g.Sums) != fmt.Sprint(u.Sums) || fmt.Sprint(g.Counts) != fmt.Sprint(u.Counts) {
			t.Errorf("layer %d: gate and up experts saw different inputs", l)
		}
	}
}

// refHook passes everything to the collector and also sums MUL_MAT_ID
// activations in plain Go from the tensor's rows and expert ids.
type refHook struct {
	c      *Collector
	sums   map[string][]float64
	counts map[string][]int64
}

func (h *refHook) Want(t *llama.Tensor) bool { return h.c.Want(t) }

func (h *refHook) Observe(t *llama.Tensor) error {
	if t.Indirect() {
		w, s := t.WeightShape(), t.Shape()
		name := FilterName(t.Weight())
		if h.sums[name] == nil {
			h.sums[name] = make([]float64, w[2]*s[0])
			h.counts[name] = make([]int64, w[2])
		}
		for row, ids := range t.ExpertIDs() {
			for slot, ex := range ids {
				x := t.Row(slot%int(s[1]), row, 0)
				h.counts[name][ex]++
				for j, v := range x {
					h.sums[name][int(ex)*int(s[0])+j] += float64(v) * float64(v)
				}
			}
		}
	}
	return h.c.Observe(t)
}

func TestComputeErrors(t *testing.T) {
	m := loadModel(t, synthtest.Model(t, "dense", synth.Default()))
	c := NewCollector(CollectorOptions{ChunkSize: 64})
	_, err := Compute(context.Background(), m, c, "too short", ComputeOptions{NCtx: 64})
	if !errors.Is(err, ErrTooShort) || !strings.Contains(err.Error(), "128") {
		t.Errorf("short text: %v", err)
	}
	_, err = Compute(context.Background(), m, c, synthtest.Text(3), ComputeOptions{NCtx: 64, FromChunk: 100})
	if !errors.Is(err, ErrTooShort) {
		t.Errorf("skipping past the end: %v", err)
	}
	// micro-batches under 16 tokens are all skipped: an error, not an empty matrix
	res, err := Compute(context.Background(), m, c, synthtest.Text(30), ComputeOptions{NCtx: 64, NBatch: 8, NUBatch: 8, Chunks: 2, Threads: 1})
	if !errors.Is(err, ErrNothingCollected) || !strings.Contains(err.Error(), "had 8") || res.Chunks != 2 {
		t.Errorf("tiny micro-batches: %v (%d chunks)", err, res.Chunks)
	}
	if c.Len() != 0 {
		t.Errorf("failed runs left %d entries", c.Len())
	}
}

func TestComputeCancelledKeepsWholeChunks(t *testing.T) {
	m := loadModel(t, synthtest.Model(t, "dense", synth.Default()))
	c := NewCollector(CollectorOptions{ChunkSize: 32})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	res, err := Compute(ctx, m, c, synthtest.Text(40), ComputeOptions{NCtx: 32, NBatch: 32, Threads: 1,
		Progress: func(p Progress) {
			if p.Chunks == 2 {
				cancel()
			}
		}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if res.Chunks != 2 || c.ChunkCount() != 2 {
		t.Errorf("result %d chunks, collector %d; want 2", res.Chunks, c.ChunkCount())
	}
	for _, e := range c.Data("").Entries {
		if e.Counts[0] != 64 {
			t.Errorf("%s: count %d, want 64 (two whole chunks)", e.Name, e.Counts[0])
		}
	}
}

func TestPeriodicSaves(t *testing.T) {
	m := loadModel(t, synthtest.Model(t, "dense", synth.Default()))
	c := NewCollector(CollectorOptions{ChunkSize: 32})
	var saves []string
	run(t, m, c, synthtest.Text(40), ComputeOptions{NCtx: 32, NBatch: 64, Chunks: 7, OutputFrequency: 3, SaveFrequency: 4,
		Save: func(at int) error {
			saves = append(saves, fmt.Sprintf("%d@%d", at, c.ChunkCount()))
			return nil
		}})
	// groups of 2 chunks: counts 2, 4, 6, 7 → output at 4 (passed 3) and 6;
	// snapshot at 4
	if got := strings.Join(saves, " "); got != "0@4 4@4 0@6" {
		t.Errorf("saves %q", got)
	}
}

func TestBPEModelWithParseSpecial(t *testing.T) {
	o := synth.Default()
	o.Vocab = synth.VocabBPE
	m := loadModel(t, synthtest.Model(t, "bpe", o))
	c := NewCollector(CollectorOptions{ChunkSize: 32})
	text := strings.Repeat("<|end_of_text|>", 10) + synthtest.Text(20)
	res := run(t, m, c, text, ComputeOptions{NCtx: 32, NBatch: 64, Chunks: 2, ParseSpecial: true})
	if res.Chunks != 2 || c.ChunkCount() != 2 || c.Len() != 14 {
		t.Errorf("%+v, %d chunks, %d entries", res, c.ChunkCount(), c.Len())
	}
	// --parse-special makes each "<|end_of_text|>" one token (EOS) instead of
	// the pieces of its characters; the whole text is tokenized with BOS
	plain := run(t, m, nil, text, ComputeOptions{NCtx: 32, NBatch: 64, Chunks: 2})
	want, err := m.Tokenize(text, true, true)
	if err != nil {
		t.Fatal(err)
	}
	if res.TextTokens != len(want) || want[0] != m.BOS() || want[1] != m.EOS() || plain.TextTokens <= res.TextTokens+10 {
		t.Errorf("text tokens: %d with --parse-special (want %d, first %v), %d without", res.TextTokens, len(want), want[:2], plain.TextTokens)
	}
}

// TestNonFiniteActivation scales blk.0.attn_norm.weight of a model file so
// far that the squares of blk.0's attention inputs overflow: the run must
// stop with an error naming the weight and the chunk, keeping nothing of it.
func TestNonFiniteActivation(t *testing.T) {
	src := synthtest.Model(t, "dense", synth.Default())
	r, err := gguf.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	ti, ok := r.Tensor("blk.0.attn_norm.weight")
	dataOff := r.DataOffset
	r.Close()
	if !ok || ti.Type != gguf.TensorF32 {
		t.Fatalf("attn_norm tensor %+v", ti)
	}
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	at := dataOff + int64(ti.Offset)
	for i := range int(ti.Shape[0]) {
		binary.LittleEndian.PutUint32(b[at+int64(4*i):], math.Float32bits(1e25))
	}
	path := filepath.Join(t.TempDir(), "overflow.gguf")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	m := loadModel(t, path)
	c := NewCollector(CollectorOptions{ChunkSize: 32})
	res, err := Compute(context.Background(), m, c, synthtest.Text(20), ComputeOptions{NCtx: 32, NBatch: 32, Threads: 1, FromChunk: 1})
	if err == nil || !strings.Contains(err.Error(), "blk.0.attn_") || !strings.Contains(err.Error(), "chunk 2") ||
		!strings.Contains(err.Error(), "non-finite") {
		t.Fatalf("err = %v", err)
	}
	if res.Chunks != 0 || c.Len() != 0 {
		t.Errorf("%d chunks, %d entries kept from the failed chunk", res.Chunks, c.Len())
	}
}

// TestSameResultForAnyThreadCount: the sums do not depend on the number of
// threads (byte-identical files for the same inputs).
func TestSameResultForAnyThreadCount(t *testing.T) {
	m := loadModel(t, synthtest.Model(t, "dense", synth.Default()))
	var files [2][]byte
	for i, threads := range []int{1, 2} {
		c := NewCollector(CollectorOptions{ChunkSize: 32})
		run(t, m, c, synthtest.Text(20), ComputeOptions{NCtx: 32, NBatch: 64, Chunks: 4, Threads: threads})
		var buf bytes.Buffer
		if err := WriteGGUF(&buf, c.Data("calib.txt")); err != nil {
			t.Fatal(err)
		}
		files[i] = buf.Bytes()
	}
	if !bytes.Equal(files[0], files[1]) {
		t.Error("1 and 2 threads give different imatrix files")
	}
}
