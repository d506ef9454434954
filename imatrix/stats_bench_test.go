package imatrix

import (
	"context"
	"io"
	"path/filepath"
	"testing"
)

// write70B writes a 70B-class imatrix (80 layers × 7 weights, 8,192 to
// 28,672 columns each) in format f and returns its path.
func write70B(b *testing.B, seed uint64, f Format) string {
	b.Helper()
	path := filepath.Join(b.TempDir(), "imatrix-70b."+f.String())
	if err := WriteFile(path, synthData(seed, 80, llama70B, false), f); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkStats70B times `calibkit imatrix stats` end to end: read the
// file, compute the statistics, print the tables.
//
//	go test -run=^$ -bench=70B -benchtime=3x ./imatrix/
func BenchmarkStats70B(b *testing.B) {
	for _, f := range []Format{FormatGGUF, FormatDat} {
		b.Run(f.String(), func(b *testing.B) {
			path := write70B(b, 1, f)
			for b.Loop() {
				d, err := ReadFile(path)
				if err != nil {
					b.Fatal(err)
				}
				if err := WriteStatsText(io.Discard, ComputeStats(d, StatsOptions{TopK: 10})); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCompare70B times `calibkit imatrix compare` end to end on two
// 70B-class files: read both, compare, print the tables.
func BenchmarkCompare70B(b *testing.B) {
	pa, pb := write70B(b, 1, FormatGGUF), write70B(b, 2, FormatGGUF)
	for b.Loop() {
		da, err := ReadFile(pa)
		if err != nil {
			b.Fatal(err)
		}
		db, err := ReadFile(pb)
		if err != nil {
			b.Fatal(err)
		}
		c, err := Compare(context.Background(), da, db, pa, pb)
		if err != nil {
			b.Fatal(err)
		}
		if err := WriteComparisonText(io.Discard, c, pa, pb); err != nil {
			b.Fatal(err)
		}
	}
}
