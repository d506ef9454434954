package corpus

import "math/bits"

// countRunes counts the characters of valid UTF-8 text: the bytes that are
// not continuation bytes (10xxxxxx), eight at a time.
func countRunes(s string) int {
	cont := 0
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := le64(s[i:])
		// Bit 7 of each byte set where bit 7 is 1 and bit 6 is 0.
		m := x &^ (x << 1) & 0x8080808080808080
		cont += popcount(m)
	}
	for ; i < len(s); i++ {
		if s[i]&0xC0 == 0x80 {
			cont++
		}
	}
	return len(s) - cont
}

func popcount(x uint64) int { return bits.OnesCount64(x) }
