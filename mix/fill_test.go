package mix

import (
	"math/rand/v2"
	"testing"
)

// bruteFill finds the best total ≤ goal by trying every choice.
func bruteFill(groups []fillGroup, goal int64) int64 {
	best := int64(0)
	var rec func(g int, sum int64)
	rec = func(g int, sum int64) {
		if sum > goal {
			return
		}
		if g == len(groups) {
			best = max(best, sum)
			return
		}
		rec(g+1, sum)
		gr := groups[g]
		for mask := 1; mask < 1<<len(gr.costs); mask++ {
			s := sum + gr.overhead
			for i, c := range gr.costs {
				if mask&(1<<i) != 0 {
					s += c
				}
			}
			rec(g+1, s)
		}
	}
	rec(0, 0)
	return best
}

func TestFillerMatchesBruteForce(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := range 300 {
		var groups []fillGroup
		for range 1 + r.IntN(3) {
			g := fillGroup{overhead: int64(r.IntN(15))}
			for range 1 + r.IntN(5) {
				g.costs = append(g.costs, int64(1+r.IntN(70)))
			}
			groups = append(groups, g)
		}
		goal := int64(1 + r.IntN(200))
		f := newFiller(goal)
		for _, g := range groups {
			f.add(g)
		}
		best, chosen := f.solve()
		if want := bruteFill(groups, goal); best != want {
			t.Fatalf("trial %d: best %d, brute force %d", trial, best, want)
		}
		// The choice must add up to best, overheads included.
		var sum int64
		for gi, items := range chosen {
			if items == nil {
				continue
			}
			if len(items) == 0 {
				t.Fatalf("trial %d: group %d used with no items", trial, gi)
			}
			sum += groups[gi].overhead
			for k, i := range items {
				if k > 0 && items[k-1] >= i {
					t.Fatalf("trial %d: items %v not increasing", trial, items)
				}
				sum += groups[gi].costs[i]
			}
		}
		if sum != best {
			t.Fatalf("trial %d: chosen items add to %d, best is %d", trial, sum, best)
		}
	}
}

func TestBitsetHighest(t *testing.T) {
	b := newBitset(200)
	for _, i := range []int64{0, 63, 64, 130} {
		b.set(i)
	}
	for _, tt := range []struct{ max, want int64 }{{199, 130}, {130, 130}, {129, 64}, {64, 64}, {63, 63}, {62, 0}, {0, 0}} {
		if got := b.highest(tt.max); got != tt.want {
			t.Errorf("highest(%d) = %d, want %d", tt.max, got, tt.want)
		}
	}
}
