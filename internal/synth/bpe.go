package synth

import (
	"fmt"
	"sync"
	"unicode/utf8"
)

// byteRunes is GPT-2's bytes_to_unicode table: each byte maps to a
// printable rune (printable ASCII and Latin-1 map to themselves, the rest
// to U+0100 onwards), so byte-level tokens are valid UTF-8 strings.
var byteRunes = func() [256]rune {
	var t [256]rune
	direct := func(b int) bool {
		return (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF)
	}
	n := 0
	for b := 0; b < 256; b++ {
		if direct(b) {
			t[b] = rune(b)
		} else {
			t[b] = rune(256 + n)
			n++
		}
	}
	return t
}()

// byteSymbols returns the byte-level symbols of s, one per byte.
func byteSymbols(s string) []string {
	syms := make([]string, len(s))
	for i := 0; i < len(s); i++ {
		syms[i] = string(byteRunes[s[i]])
	}
	return syms
}

// maxMergeBytes caps the length, in bytes of the original text, of a
// learned BPE token.
const maxMergeBytes = 24

var bpeTrained = sync.OnceValue(func() []pair { return trainBPE(sampleLines()) })

// trainBPE learns byte-level BPE merges from lines.
func trainBPE(lines []string) []pair {
	var words []string
	for _, line := range lines {
		words = append(words, splitGPT2(line)...)
	}
	return trainMerges(countWords(words, byteSymbols), 2, maxMergeBytes)
}

// BPE special tokens, placed after the merged tokens as Llama 3 does.
const (
	bpeBOS = "<|begin_of_text|>"
	bpeEOS = "<|end_of_text|>"
)

// buildBPE makes a byte-level BPE vocabulary of size tokens: the 256 byte
// symbols, the tokens of the merges learned from the sample in merge order,
// then merges that complete further characters of the inventory one by one,
// and finally the BOS and EOS control tokens.
func buildBPE(size int, merges []pair) (*Vocab, error) {
	budget := size - 256 - 2
	v := &Vocab{Model: "gpt2", Pre: "gpt-2", AddBOS: true}
	have := map[string]bool{}
	for b := 0; b < 256; b++ {
		tok := string(byteRunes[b])
		have[tok] = true
		v.Tokens = append(v.Tokens, tok)
		v.Types = append(v.Types, TokenNormal)
	}
	ranks := map[pair]int{}
	added := 0
	merge := func(p pair) {
		ranks[p] = len(v.Merges)
		v.Merges = append(v.Merges, p.left+" "+p.right)
		if tok := p.left + p.right; !have[tok] {
			have[tok] = true
			v.Tokens = append(v.Tokens, tok)
			v.Types = append(v.Types, TokenNormal)
			added++
		}
	}
	for _, p := range merges {
		if added == budget {
			break
		}
		merge(p)
	}
	var buf [utf8.UTFMax]byte
	for _, r := range inventory() {
		if added == budget {
			break
		}
		n := utf8.EncodeRune(buf[:], r)
		pieces := applyMerges(byteSymbols(string(buf[:n])), ranks)
		for len(pieces) > 1 && added < budget {
			merge(pair{pieces[0], pieces[1]})
			pieces = applyMerges(pieces, ranks)
		}
	}
	if added != budget {
		return nil, fmt.Errorf("bpe vocabulary: only %d tokens available, %d asked", 256+2+added, size)
	}
	v.BOS = int32(len(v.Tokens))
	v.Tokens = append(v.Tokens, bpeBOS)
	v.Types = append(v.Types, TokenControl)
	v.EOS = int32(len(v.Tokens))
	v.Tokens = append(v.Tokens, bpeEOS)
	v.Types = append(v.Types, TokenControl)
	v.UNK = -1
	return v, nil
}
