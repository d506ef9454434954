package quantize

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"sort"
	"testing"

	"github.com/calibkit/calibkit/internal/gguf"
)

// ggufDiff is how two GGUF models differ.
type ggufDiff struct {
	// TypeDiffs names tensors whose types differ ("name: a vs b").
	TypeDiffs []string
	// DataDiffs names tensors of the same type whose bytes differ.
	DataDiffs []string
	// Same counts tensors with the same type and bytes.
	Same int
	// KVDiffs names metadata keys that differ or exist in one file only.
	KVDiffs []string
}

func (d ggufDiff) String() string {
	return fmt.Sprintf("%d tensors identical; types differ: %v; data differ: %v; metadata differ: %v", d.Same, d.TypeDiffs, d.DataDiffs, d.KVDiffs)
}

// diffGGUF compares two GGUF files tensor by tensor and key by key.
func diffGGUF(t testing.TB, a, b string) ggufDiff {
	t.Helper()
	ra, err := gguf.Open(a)
	if err != nil {
		t.Fatal(err)
	}
	defer ra.Close()
	rb, err := gguf.Open(b)
	if err != nil {
		t.Fatal(err)
	}
	defer rb.Close()
	var d ggufDiff
	for _, ta := range ra.Tensors {
		tb, ok := rb.Tensor(ta.Name)
		switch {
		case !ok:
			d.TypeDiffs = append(d.TypeDiffs, ta.Name+": only in "+a)
			continue
		case ta.Type != tb.Type:
			d.TypeDiffs = append(d.TypeDiffs, fmt.Sprintf("%s: %v vs %v", ta.Name, ta.Type, tb.Type))
			continue
		}
		if bytes.Equal(tensorBytes(t, ra, ta), tensorBytes(t, rb, tb)) {
			d.Same++
		} else {
			d.DataDiffs = append(d.DataDiffs, fmt.Sprintf("%s (%v)", ta.Name, ta.Type))
		}
	}
	if len(rb.Tensors) != len(ra.Tensors) {
		d.TypeDiffs = append(d.TypeDiffs, fmt.Sprintf("%d vs %d tensors", len(ra.Tensors), len(rb.Tensors)))
	}
	keys := map[string]bool{}
	for _, k := range append(ra.Keys(), rb.Keys()...) {
		keys[k] = true
	}
	for k := range keys {
		va, oka := ra.Value(k)
		vb, okb := rb.Value(k)
		if oka != okb || !reflect.DeepEqual(va, vb) {
			d.KVDiffs = append(d.KVDiffs, k)
		}
	}
	sort.Strings(d.KVDiffs)
	return d
}

func tensorBytes(t testing.TB, r *gguf.Reader, ti gguf.TensorInfo) []byte {
	t.Helper()
	sr, err := r.TensorData(ti)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(sr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
