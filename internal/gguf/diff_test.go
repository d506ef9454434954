package gguf

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestCompare(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, kv map[string]any, tensors map[string][]float32) string {
		t.Helper()
		w := NewWriter()
		for _, k := range []string{"general.architecture", "x"} {
			if v, ok := kv[k]; ok {
				if err := w.AddKV(k, v); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, n := range []string{"a.weight", "b.weight", "c.weight"} {
			if v, ok := tensors[n]; ok {
				if err := w.AddF32(n, []uint64{uint64(len(v))}, v); err != nil {
					t.Fatal(err)
				}
			}
		}
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if _, err := w.WriteTo(f); err != nil {
			t.Fatal(err)
		}
		return f.Name()
	}
	kv := map[string]any{"general.architecture": "llama", "x": uint32(1)}
	base := write("base.gguf", kv, map[string][]float32{"a.weight": {1, 2}, "b.weight": {3, 4}})
	for _, tc := range []struct {
		name    string
		kv      map[string]any
		tensors map[string][]float32
		want    Diff
	}{
		{"same", kv, map[string][]float32{"a.weight": {1, 2}, "b.weight": {3, 4}}, Diff{Same: 2}},
		{"one value", kv, map[string][]float32{"a.weight": {1, 2}, "b.weight": {3, 5}}, Diff{Same: 1, DataDiffs: []string{"b.weight (F32)"}}},
		{"key", map[string]any{"general.architecture": "llama", "x": uint32(2)}, map[string][]float32{"a.weight": {1, 2}, "b.weight": {3, 4}},
			Diff{Same: 2, KVDiffs: []string{"x"}}},
		{"missing key and tensor", map[string]any{"general.architecture": "llama"}, map[string][]float32{"a.weight": {1, 2}},
			Diff{Same: 1, TypeDiffs: []string{"b.weight: only in " + base, "2 vs 1 tensors"}, KVDiffs: []string{"x"}}},
		{"extra tensor", kv, map[string][]float32{"a.weight": {1, 2}, "b.weight": {3, 4}, "c.weight": {0}},
			Diff{Same: 2, TypeDiffs: []string{"2 vs 3 tensors"}}},
	} {
		other := write(tc.name+".gguf", tc.kv, tc.tensors)
		got, err := Compare(base, other)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
	if _, err := Compare(base, filepath.Join(dir, "nope.gguf")); err == nil {
		t.Error("missing file: no error")
	}
}
