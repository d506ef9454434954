package mix

import (
	"context"
	"io"
	"os"
	"testing"
)

// The several-language benchmarks open the generated corpus twice, as two
// languages (each pool indexes the whole file), and mix or cut from both.

func BenchmarkMixLanguages(b *testing.B) {
	path := benchCorpus(b)
	st, _ := os.Stat(path)
	base := genBase(1, 800)
	b.SetBytes(2 * st.Size())
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ja, err := OpenPool(context.Background(), path)
		if err != nil {
			b.Fatal(err)
		}
		zh, err := OpenPool(context.Background(), path)
		if err != nil {
			b.Fatal(err)
		}
		_, err = Mix(context.Background(), io.Discard, MixOptions{Base: base, Total: 1_500_000, Seed: uint64(i),
			Adds: []Add{{Name: "ja", Pool: ja, Share: 0.5}, {Name: "zh", Pool: zh, Share: 0.3, Stream: 1}}})
		ja.Close()
		zh.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkBuildEvalLanguages(b *testing.B) {
	path := benchCorpus(b)
	st, _ := os.Stat(path)
	b.SetBytes(2 * st.Size())
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ja, err := OpenPool(context.Background(), path)
		if err != nil {
			b.Fatal(err)
		}
		zh, err := OpenPool(context.Background(), path)
		if err != nil {
			b.Fatal(err)
		}
		res, err := BuildEvalLanguages(context.Background(), []EvalSource{{Name: "ja", Pool: ja, Share: 0.5}, {Name: "zh", Pool: zh, Share: 0.5}},
			io.Discard, EvalOptions{Target: 1_290_590, Seed: uint64(i)})
		ja.Close()
		zh.Close()
		if err != nil {
			b.Fatal(err)
		}
		if res.Deviation != 0 {
			b.Fatalf("deviation %d", res.Deviation)
		}
	}
}
