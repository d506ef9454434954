package mix

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The benchmarks index a generated corpus of benchCorpusMB (article sizes
// log-normal around 1.8 kB, like Wikipedia's) and cut a wiki.test.raw-sized
// eval set or a 1.5 MB mix from it, index pass included. The real-size run
// (1 GB) is documented in docs/mix.md.
const benchCorpusMB = 128

var (
	benchOnce sync.Once
	benchPath string
	benchErr  error
)

func benchCorpus(b *testing.B) string {
	benchOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mix-bench-")
		if err != nil {
			benchErr = err
			return
		}
		benchPath = filepath.Join(dir, "ja.jsonl")
		benchErr = writeBenchCorpus(benchPath, benchCorpusMB<<20)
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchPath
}

func writeBenchCorpus(path string, size int64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := rand.New(rand.NewPCG(1, 2))
	var buf bytes.Buffer
	var written int64
	for i := 0; written < size; i++ {
		target := int(math.Exp(7.5 + 1.1*r.NormFloat64()))
		var paras []string
		for n := 0; n < target; {
			var ss []string
			for range 1 + r.IntN(6) {
				s := genSentence(r)
				ss = append(ss, s)
				n += len(s)
			}
			paras = append(paras, strings.Join(ss, "\n"))
		}
		j, err := json.Marshal(map[string]string{"id": fmt.Sprint(i + 1), "title": fmt.Sprint("記事", i+1), "text": strings.Join(paras, "\n\n")})
		if err != nil {
			return err
		}
		buf.Write(j)
		buf.WriteByte('\n')
		written += int64(len(j) + 1)
		if buf.Len() > 1<<20 {
			if _, err := buf.WriteTo(f); err != nil {
				return err
			}
		}
	}
	_, err = buf.WriteTo(f)
	return err
}

func BenchmarkBuildEval(b *testing.B) {
	path := benchCorpus(b)
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		pool, err := OpenPool(context.Background(), path)
		if err != nil {
			b.Fatal(err)
		}
		res, err := BuildEval(context.Background(), pool, io.Discard, EvalOptions{Target: 1_290_590, Seed: uint64(i)})
		pool.Close()
		if err != nil {
			b.Fatal(err)
		}
		if res.Deviation != 0 {
			b.Fatalf("deviation %d", res.Deviation)
		}
	}
}

func BenchmarkMix(b *testing.B) {
	path := benchCorpus(b)
	st, _ := os.Stat(path)
	base := genBase(1, 800) // about 300 kB
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		pool, err := OpenPool(context.Background(), path)
		if err != nil {
			b.Fatal(err)
		}
		_, err = Mix(context.Background(), io.Discard, MixOptions{Base: base, Adds: []Add{{Name: "ja", Pool: pool, Share: 0.8}}, Total: 1_500_000, Seed: uint64(i)})
		pool.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOverlap(b *testing.B) {
	seg := segmenter(b)
	r := rand.New(rand.NewPCG(3, 4))
	var sb strings.Builder
	for sb.Len() < 1<<20 {
		sb.WriteString(genSentence(r))
		sb.WriteByte('\n')
	}
	text := sb.String()
	b.SetBytes(int64(2 * len(text)))
	for b.Loop() {
		if _, err := Overlap(context.Background(), strings.NewReader(text), strings.NewReader(text), NGramOptions{Segmenter: seg}); err != nil {
			b.Fatal(err)
		}
	}
}
