package tasks

import (
	"slices"
	"testing"
)

// The expected sequences were printed by a C++ program built with g++ 12
// (libstdc++) doing what perplexity.cpp does: std::mt19937 rng(1), then
// either std::uniform_int_distribution<size_t>(0, left.size()-1) with erase
// (hellaswag) or int(scale*rng()*aux.size()) with swap-remove (winogrande,
// multiple choice), 20 draws (all 3 for the list of 3).
func TestSelectionMatchesLibstdcxx(t *testing.T) {
	m := newMT19937(5489)
	var v uint32
	for range 10000 {
		v = m.next()
	}
	if v != 4123659995 {
		t.Fatalf("mt19937 10000th output %d, want 4123659995", v)
	}
	for _, c := range []struct {
		name         string
		total, count int
		sel          func(int, int) []int
		want         []int
	}{
		{"hellaswag 50", 50, 20, selectHellaswag, []int{20, 49, 35, 45, 0, 6, 15, 48, 8, 12, 4, 22, 11, 23, 19, 34, 24, 44, 29, 41}},
		{"hellaswag 10042", 10042, 20, selectHellaswag, []int{4187, 10013, 7233, 9363, 1, 1286, 3036, 10032, 1474, 2371, 927, 3984, 1872, 3897, 3472, 6726, 3987, 9393, 5413, 8497}},
		{"hellaswag 3", 3, 3, selectHellaswag, []int{1, 2, 0}},
		{"scaled 50", 50, 20, selectScaled, []int{20, 48, 34, 43, 0, 5, 13, 42, 6, 9, 3, 15, 7, 14, 12, 23, 46, 30, 17, 26}},
		{"scaled 10042", 10042, 20, selectScaled, []int{4187, 10012, 7232, 9361, 1, 1285, 3034, 10025, 1472, 2368, 926, 3978, 1868, 3890, 3465, 6715, 3977, 9378, 5401, 8482}},
		{"scaled 1267", 1267, 20, selectScaled, []int{528, 1262, 911, 1178, 0, 161, 381, 1258, 184, 296, 116, 498, 233, 486, 432, 838, 496, 1169, 672, 1056}},
	} {
		if got := c.sel(c.total, c.count); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v\nwant %v", c.name, got, c.want)
		}
	}
}
