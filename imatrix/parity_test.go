package imatrix

import (
	"bytes"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/llamacpptest"
	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/internal/synth/synthtest"
)

var runningPPLRe = regexp.MustCompile(`\[(\d+)\](\d+\.\d+),`)

// TestParityLlamaImatrix runs llama-imatrix ($CALIBKIT_LLAMA_CPP) and
// Compute on the same model and text and compares the files and the
// running perplexity: the same weights and counts, each weight's Σx² within
// 0.1% (relative L2 distance over its columns; the largest single-column
// difference is logged), and every running value within 1e-5 relative,
// with both tools on the non-flash attention path and on the flash path
// (looser there: the pinned flash kernel accumulates in f16, the newer
// tool's tiled kernel in f32).
func TestParityLlamaImatrix(t *testing.T) {
	bin := llamacpptest.Tool(t, "llama-imatrix")
	o := synth.Default()
	o.Layers, o.Embd, o.FF, o.Heads, o.KVHeads = 4, 256, 512, 4, 2
	model := synthtest.Model(t, "parity", o)
	text := synthtest.Text(120)
	tdir := t.TempDir()
	textPath := filepath.Join(tdir, "calib.txt")
	if err := os.WriteFile(textPath, []byte(text+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := loadModel(t, model)
	for _, c := range []struct {
		fa             llama.FlashAttn
		pplTol, valTol float64
	}{{llama.FlashAttnOff, 1e-5, 1e-3}, {llama.FlashAttnOn, 1e-4, 1e-3}} {
		t.Run("fa-"+c.fa.String(), func(t *testing.T) {
			ref := filepath.Join(tdir, "ref-"+c.fa.String()+".gguf")
			// llama.cpp's asynchronous logger now and then loses the end of
			// the output at exit: run again (up to eight times) until the
			// final estimate came through
			var out, errOut bytes.Buffer
			for try := 0; try < 8 && !bytes.Contains(out.Bytes(), []byte("Final estimate")); try++ {
				out.Reset()
				errOut.Reset()
				cmd := exec.Command(bin, "-m", model, "-f", textPath, "-c", "128", "--chunks", "8", "-b", "256", "-t", "2",
					"-fa", c.fa.String(), "-o", ref)
				cmd.Stdout, cmd.Stderr = &out, &errOut
				if err := cmd.Run(); err != nil {
					t.Fatalf("llama-imatrix: %v\n%s", err, errOut.String())
				}
			}
			want, err := ReadFile(ref)
			if err != nil {
				t.Fatal(err)
			}
			var ppl bytes.Buffer
			coll := NewCollector(CollectorOptions{ChunkSize: 128})
			run(t, m, coll, text, ComputeOptions{NCtx: 128, NBatch: 256, Chunks: 8, Threads: 2, FlashAttn: c.fa, PPLOut: &ppl})
			got := coll.Data("calib.txt")
			if len(got.Entries) != len(want.Entries) || got.ChunkCount != want.ChunkCount {
				t.Fatalf("%d entries / %d chunks, llama-imatrix %d / %d", len(got.Entries), got.ChunkCount, len(want.Entries), want.ChunkCount)
			}
			worstL2, worstCol := 0.0, 0.0
			for k, g := range got.Entries {
				w := want.Entries[k]
				if g.Name != w.Name || g.Cols != w.Cols || g.Counts[0] != w.Counts[0] {
					t.Fatalf("entry %d: %s %d cols %v, llama-imatrix %s %d cols %v", k, g.Name, g.Cols, g.Counts, w.Name, w.Cols, w.Counts)
				}
				var num, den float64
				for j, v := range g.Sums {
					d := float64(v - w.Sums[j])
					num += d * d
					den += float64(w.Sums[j]) * float64(w.Sums[j])
					worstCol = max(worstCol, math.Abs(d)/math.Abs(float64(w.Sums[j])))
				}
				worstL2 = max(worstL2, math.Sqrt(num/den))
			}
			gv, wv := parsePPL(ppl.String()), parsePPL(out.String()+errOut.String())
			if len(gv) != 8 || len(wv) < 7 {
				t.Fatalf("running values: ours %v, llama-imatrix %v", gv, wv)
			}
			dPPL, same := 0.0, 0
			for i := range wv {
				dPPL = max(dPPL, math.Abs(gv[i]-wv[i])/wv[i])
				if strconv.FormatFloat(gv[i], 'f', 4, 64) == strconv.FormatFloat(wv[i], 'f', 4, 64) {
					same++
				}
			}
			t.Logf("-fa %s: %d weights, largest relative L2 distance %.2g (largest single column %.2g); running PPL %d/%d equal as printed, largest relative difference %.2g",
				c.fa, len(got.Entries), worstL2, worstCol, same, len(wv), dPPL)
			if worstL2 > c.valTol || dPPL > c.pplTol {
				t.Errorf("-fa %s: beyond the bounds (values %g, PPL %g)", c.fa, c.valTol, c.pplTol)
			}
		})
	}
}

// parsePPL returns the printed running values by chunk number. llama.cpp's
// asynchronous logger now and then drops the last entries at exit, so the
// comparison takes the chunks both printed.
func parsePPL(s string) map[int]float64 {
	v := map[int]float64{}
	for _, m := range runningPPLRe.FindAllStringSubmatch(s, -1) {
		i, _ := strconv.Atoi(m[1])
		f, _ := strconv.ParseFloat(m[2], 64)
		v[i] = f
	}
	return v
}
