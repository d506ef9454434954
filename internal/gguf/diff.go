package gguf

import (
	"bytes"
	"fmt"
	"io"
	"reflect"
	"sort"
)

// Diff is how two GGUF files differ, tensor by tensor and key by key.
type Diff struct {
	// TypeDiffs names tensors whose types differ ("name: A vs B"), a
	// tensor present in one file only, and a differing tensor count.
	TypeDiffs []string
	// DataDiffs names tensors of the same type whose bytes differ
	// ("name (TYPE)").
	DataDiffs []string
	// Same counts tensors with the same type and bytes.
	Same int
	// KVDiffs names the metadata keys whose values differ or that exist in
	// one file only, sorted.
	KVDiffs []string
}

// Tensors lists every tensor difference: TypeDiffs, then DataDiffs.
func (d Diff) Tensors() []string {
	return append(append([]string(nil), d.TypeDiffs...), d.DataDiffs...)
}

func (d Diff) String() string {
	return fmt.Sprintf("%d tensors identical; types differ: %v; data differ: %v; metadata differ: %v", d.Same, d.TypeDiffs, d.DataDiffs, d.KVDiffs)
}

// Compare reads the GGUF files at a and b and says how they differ: the
// type and bytes of each tensor of a against b's tensor of that name, and
// every metadata key. Tensors are read one at a time.
func Compare(a, b string) (Diff, error) {
	ra, err := Open(a)
	if err != nil {
		return Diff{}, err
	}
	defer ra.Close()
	rb, err := Open(b)
	if err != nil {
		return Diff{}, err
	}
	defer rb.Close()
	var d Diff
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
		same, err := sameData(ra, ta, rb, tb)
		if err != nil {
			return Diff{}, err
		}
		if same {
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
	return d, nil
}

// sameData reports whether two tensors hold the same bytes.
func sameData(ra *Reader, ta TensorInfo, rb *Reader, tb TensorInfo) (bool, error) {
	read := func(r *Reader, t TensorInfo) ([]byte, error) {
		sr, err := r.TensorData(t)
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(sr)
		if err != nil {
			return nil, fmt.Errorf("%s: tensor %s: %w", r.Path, t.Name, err)
		}
		return b, nil
	}
	x, err := read(ra, ta)
	if err != nil {
		return false, err
	}
	y, err := read(rb, tb)
	if err != nil {
		return false, err
	}
	return bytes.Equal(x, y), nil
}
