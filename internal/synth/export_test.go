package synth

import "testing"

// Test-only access for the external tests in llama_test.go.

// BPEEncode tokenizes text as llama.cpp's gpt-2 BPE does, without BOS.
func BPEEncode(t testing.TB, v *Vocab, text string) []int { return bpeEncode(t, v, text) }

// BPEDecode maps BPE token ids back to bytes.
func BPEDecode(v *Vocab, ids []int) string { return bpeDecode(v, ids) }

// SPMEncode tokenizes text as llama.cpp's SPM tokenizer does, without BOS.
func SPMEncode(v *Vocab, text string) []int { return spmEncode(v, text) }

// Sample is the embedded text the vocabularies learn from.
var Sample = sample
