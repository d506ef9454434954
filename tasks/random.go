package tasks

// mt19937 is the 32-bit Mersenne Twister as std::mt19937 defines it
// (C++11 [rand.predef]: its 10000th output from the default seed is
// 4123659995).
type mt19937 struct {
	mt  [624]uint32
	idx int
}

func newMT19937(seed uint32) *mt19937 {
	m := &mt19937{idx: 624}
	m.mt[0] = seed
	for i := 1; i < 624; i++ {
		m.mt[i] = 1812433253*(m.mt[i-1]^(m.mt[i-1]>>30)) + uint32(i)
	}
	return m
}

func (m *mt19937) next() uint32 {
	if m.idx >= 624 {
		for i := range 624 {
			y := m.mt[i]&0x80000000 | m.mt[(i+1)%624]&0x7fffffff
			v := m.mt[(i+397)%624] ^ y>>1
			if y&1 != 0 {
				v ^= 0x9908b0df
			}
			m.mt[i] = v
		}
		m.idx = 0
	}
	y := m.mt[m.idx]
	m.idx++
	y ^= y >> 11
	y ^= y << 7 & 0x9d2c5680
	y ^= y << 15 & 0xefc60000
	y ^= y >> 18
	return y
}

// uniformIndex returns std::uniform_int_distribution<size_t>(0, n-1)(rng) as
// libstdc++ (GCC 12, which built the reference llama-perplexity) computes it
// for a 32-bit generator: Lemire's nearly divisionless method with a 64-bit
// product (its _S_nd). n must be in 1..2^32.
func (m *mt19937) uniformIndex(n uint64) uint64 {
	r := uint32(n) // n == 2^32 cannot occur below: task counts are far smaller
	product := uint64(m.next()) * uint64(r)
	low := uint32(product)
	if low < r {
		threshold := -r % r
		for low < threshold {
			product = uint64(m.next()) * uint64(r)
			low = uint32(product)
		}
	}
	return product >> 32
}

// scaledIndex returns int(scale*rng()*n) computed in float as upstream's
// winogrande and multiple-choice selections do, with
// scale = 1/(1 + float(2^32-1)).
func (m *mt19937) scaledIndex(n int) int {
	scale := float32(1) / (float32(1) + float32(uint32(0xffffffff)))
	v := float32(scale * float32(m.next()))
	v = float32(v * float32(n))
	return int(v)
}

// selectHellaswag returns the order in which upstream's hellaswag_score
// takes tasks: count draws from mt19937(1), each a uniform index into the
// tasks not yet taken (in file order), which is then removed. It always
// draws, so even all tasks come in a shuffled order.
func selectHellaswag(total, count int) []int {
	rng := newMT19937(1)
	left := make([]int, total)
	for i := range left {
		left[i] = i
	}
	out := make([]int, 0, count)
	for range count {
		j := int(rng.uniformIndex(uint64(len(left))))
		out = append(out, left[j])
		left = append(left[:j], left[j+1:]...)
	}
	return out
}

// selectScaled returns the tasks upstream's winogrande and multiple-choice
// scores pick when asked for count < total: from mt19937(1), index
// int(scale*rng()*len) into a list that starts as 0..total-1, the picked
// entry replaced by the last one. An index that float rounding puts at len
// (possible only for very large lists) is where upstream reads past its
// list; it is clamped here to the last entry.
func selectScaled(total, count int) []int {
	rng := newMT19937(1)
	aux := make([]int, total)
	for i := range aux {
		aux[i] = i
	}
	out := make([]int, 0, count)
	for range count {
		j := min(rng.scaledIndex(len(aux)), len(aux)-1)
		out = append(out, aux[j])
		aux[j] = aux[len(aux)-1]
		aux = aux[:len(aux)-1]
	}
	return out
}
