package study

import (
	"slices"
	"testing"

	"github.com/calibkit/calibkit/study/results"
)

func TestNewRecords(t *testing.T) {
	rec := func(cell, key string, chunkKLD ...float64) *results.Record {
		return &results.Record{Cell: cell, Key: key, ChunkKLD: chunkKLD}
	}
	tests := []struct {
		name      string
		old, recs []*results.Record
		want      []string // cells appended
	}{
		{"empty file", nil, []*results.Record{rec("a", "1"), rec("b", "1")}, []string{"a", "b"}},
		{"held", []*results.Record{rec("a", "1"), rec("b", "1")}, []*results.Record{rec("a", "1"), rec("b", "1")}, nil},
		{"new key", []*results.Record{rec("a", "1")}, []*results.Record{rec("a", "2")}, []string{"a"}},
		{"now with per-chunk KLD", []*results.Record{rec("a", "1"), rec("b", "1")}, []*results.Record{rec("a", "1", 0.1, 0.2), rec("b", "1")}, []string{"a"}},
		{"held with per-chunk KLD", []*results.Record{rec("a", "1"), rec("a", "1", 0.1, 0.2)}, []*results.Record{rec("a", "1", 0.1, 0.2)}, nil},
		{"held with, computed without", []*results.Record{rec("a", "1", 0.1, 0.2)}, []*results.Record{rec("a", "1")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, r := range newRecords(tt.old, tt.recs) {
				got = append(got, r.Cell)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("appended %v, want %v", got, tt.want)
			}
		})
	}
}
