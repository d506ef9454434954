package perplexity

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/synth"
	"github.com/calibkit/calibkit/internal/synth/synthtest"
)

// saveBase writes a base file of tiny on the eval text and returns its path
// and the run's result.
func saveBase(t *testing.T, m *llama.Model, nBatch int) (string, *Result) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "base.kld")
	res := run(t, m, synthtest.Text(60), Options{NCtx: 64, NBatch: nBatch, Chunks: 6, SaveBase: path})
	return path, res
}

func TestBaseFileLayout(t *testing.T) {
	m := tiny(t)
	path, res := saveBase(t, m, 128)
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	br, err := NewBaseReader(f, path, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	h := br.Header
	if h.NCtx != 64 || h.NVocab != m.NVocab() || h.NChunk != 6 || len(h.Tokens) != 6*64 || h.Size() != st.Size() {
		t.Fatalf("header %+v (size %d)", h, st.Size())
	}
	// the rows decode to log-probabilities whose exp sums to about 1, and
	// the target's gives back the run's NLL
	rows := make([]uint16, h.ChunkLen())
	var nll float64
	for c := range h.NChunk {
		if err := br.ReadChunk(rows); err != nil {
			t.Fatal(err)
		}
		for k := range h.Scored() {
			row := rows[k*h.RowLen():]
			scale := math.Float32frombits(uint32(row[0]) | uint32(row[1])<<16)
			minLP := math.Float32frombits(uint32(row[2]) | uint32(row[3])<<16)
			var sum float64
			for _, code := range row[4 : 4+h.NVocab] {
				sum += math.Exp(float64(scale*float32(code) + minLP))
			}
			if math.Abs(sum-1) > 0.02 {
				t.Fatalf("chunk %d row %d: probabilities sum to %v", c, k, sum)
			}
			tok := h.Tokens[c*64+32+k+1]
			nll -= float64(scale*float32(row[4+tok]) + minLP)
		}
	}
	if err := br.ReadChunk(rows); err == nil {
		t.Fatal("read past the last chunk")
	}
	got := math.Exp(nll / float64(res.Scored))
	if math.Abs(got-res.PPL) > 1e-3*res.PPL {
		t.Fatalf("PPL from the file %v, run %v", got, res.PPL)
	}
	if _, err := os.Stat(path + ".tmp"); err == nil {
		t.Fatal("temporary file left")
	}
}

func TestKLDSameModelIsZero(t *testing.T) {
	m := tiny(t)
	path, base := saveBase(t, m, 128)
	var out bytes.Buffer
	res := run(t, m, "", Options{KLDBase: path, NBatch: 128, Out: &out})
	k := res.KLD
	if res.Mode != "kld" || k == nil || k.Count != 6*31 || res.Chunks != 6 {
		t.Fatalf("result %+v", res)
	}
	if math.Abs(k.KLD) > 1e-4 || k.SameTop < 0.98 || math.Abs(k.Ratio-1) > 1e-3 || math.Abs(k.BasePPL-base.PPL) > 1e-3*base.PPL {
		t.Fatalf("same model: %+v (base PPL %v)", k, base.PPL)
	}
	for _, want := range []string{"chunk             PPL", "====== Perplexity statistics ======", "Mean    KLD:", "Same top p:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestKLDOtherModel(t *testing.T) {
	path, _ := saveBase(t, tiny(t), 2048)
	q := other(t)
	for _, b := range []int{2048, 32} { // side by side, and two decodes per chunk
		res := run(t, q, "", Options{KLDBase: path, NBatch: b})
		k := res.KLD
		if k.KLD <= 0.01 || k.KLDPct.Min > k.KLDPct.Median || k.KLDPct.Median > k.KLDPct.Max || k.RMSDeltaP <= 0 {
			t.Fatalf("-b %d: %+v", b, k)
		}
		// each chunk's mean KLD: as many as chunks, averaging to the
		// overall mean (every chunk scores as many tokens)
		if len(k.ChunkKLD) != res.Chunks {
			t.Fatalf("-b %d: %d chunk KLDs for %d chunks", b, len(k.ChunkKLD), res.Chunks)
		}
		var sum float64
		for _, v := range k.ChunkKLD {
			sum += v
		}
		if m := sum / float64(len(k.ChunkKLD)); math.Abs(m-k.KLD) > 1e-12*k.KLD {
			t.Fatalf("-b %d: chunk KLDs average %v, KLD %v", b, m, k.KLD)
		}
		if b == 32 {
			ref := run(t, q, "", Options{KLDBase: path})
			if math.Abs(ref.KLD.KLD-k.KLD) > 1e-4*k.KLD {
				t.Fatalf("KLD %v with -b 32, %v with -b 2048", k.KLD, ref.KLD.KLD)
			}
			for i, v := range k.ChunkKLD {
				if w := ref.KLD.ChunkKLD[i]; math.Abs(v-w) > 1e-4*w {
					t.Fatalf("chunk %d: KLD %v with -b 32, %v with -b 2048", i, v, w)
				}
			}
		}
	}
}

// TestChunkKLDMatchesTable: the running KLD column of the printed table
// is the mean of the chunk KLDs so far, chunk by chunk.
func TestChunkKLDMatchesTable(t *testing.T) {
	path, _ := saveBase(t, tiny(t), 2048)
	var out bytes.Buffer
	res := run(t, other(t), "", Options{KLDBase: path, NBatch: 128, Out: &out})
	var rows int
	var sum float64
	for _, line := range strings.Split(out.String(), "\n") {
		f := strings.Fields(line)
		if len(f) < 10 || f[2] != "±" {
			continue
		}
		k, err1 := strconv.Atoi(f[0])
		running, err2 := strconv.ParseFloat(f[7], 64)
		if err1 != nil || err2 != nil || k != rows+1 {
			t.Fatalf("row %q", line)
		}
		sum += res.KLD.ChunkKLD[rows]
		rows++
		if d := math.Abs(sum/float64(rows) - running); d > 0.5e-5+1e-12 {
			t.Errorf("chunk %d: the chunk KLDs average %.7f, the table prints %s", k, sum/float64(rows), f[7])
		}
	}
	if rows != res.Chunks || rows < 2 {
		t.Fatalf("%d table rows for %d chunks:\n%s", rows, res.Chunks, out.String())
	}
}

func TestKLDBadBase(t *testing.T) {
	path, _ := saveBase(t, tiny(t), 2048)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	o := synth.Default()
	o.VocabSize = 1024
	otherVocab := loadModel(t, synthtest.Model(t, "vocab1024", o))
	cases := []struct {
		name, path string
		m          *llama.Model
		opts       Options
		is         error
		want       string
	}{
		{"text", write("text.kld", []byte("hello, world\n")), tiny(t), Options{}, ErrNotBase, "does not start with"},
		{"empty", write("empty.kld", nil), tiny(t), Options{}, ErrNotBase, "does not start with"},
		{"truncated", write("trunc.kld", good[:len(good)-10]), tiny(t), Options{}, ErrNotBase, "truncated"},
		{"longer", write("long.kld", append(append([]byte{}, good...), 0, 0)), tiny(t), Options{}, ErrNotBase, "longer"},
		{"vocab", path, otherVocab, Options{}, ErrBaseMismatch, "vocabulary of 2048 tokens"},
		{"ctx", path, tiny(t), Options{NCtx: 128}, ErrBaseMismatch, "-c 64"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.opts.KLDBase, c.opts.Threads = c.path, 1
			_, err := Run(context.Background(), c.m, "", c.opts)
			if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.path) {
				t.Fatalf("error %v, want %v mentioning %q and the file", err, c.is, c.want)
			}
		})
	}
}

// TestSaveBaseInterrupted: a cancelled run leaves nothing under the name.
func TestSaveBaseInterrupted(t *testing.T) {
	path := filepath.Join(t.TempDir(), "base.kld")
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	_, err := Run(ctx, tiny(t), synthtest.Text(60), Options{NCtx: 64, NBatch: 64, Threads: 1, SaveBase: path,
		Progress: func(Progress) {
			if n++; n == 2 {
				cancel()
			}
		}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v", err)
	}
	if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 0 {
		t.Fatalf("left %v", ents)
	}
}

func FuzzBaseReader(f *testing.F) {
	hdr := func(nCtx, nVocab, nChunk uint32, extra int) []byte {
		b := []byte(BaseMagic)
		b = binary.LittleEndian.AppendUint32(b, nCtx)
		b = binary.LittleEndian.AppendUint32(b, nVocab)
		b = binary.LittleEndian.AppendUint32(b, nChunk)
		return append(b, make([]byte, extra)...)
	}
	// a complete file: n_ctx 4 (one scored row), n_vocab 3 (row of 8), 1 chunk
	f.Add(hdr(4, 3, 1, 4*4+2*8))
	f.Add(hdr(4, 3, 2, 10))
	f.Add(hdr(1<<30, 1<<30, 1<<30, 0))
	f.Add([]byte("_logits"))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, size := range []int64{int64(len(data)), -1} {
			br, err := NewBaseReader(bytes.NewReader(data), "fuzz.kld", size)
			if err != nil {
				if !errors.Is(err, ErrNotBase) {
					t.Fatalf("error %v is not ErrNotBase", err)
				}
				continue
			}
			if size >= 0 && br.Header.Size() != size {
				t.Fatalf("accepted %d bytes for a header of %d", size, br.Header.Size())
			}
			if br.Header.ChunkLen() > 1<<20 {
				continue
			}
			rows := make([]uint16, br.Header.ChunkLen())
			for range br.Header.NChunk {
				if err := br.ReadChunk(rows); err != nil {
					if size >= 0 {
						t.Fatalf("complete file: %v", err)
					}
					break
				}
			}
		}
	})
}
