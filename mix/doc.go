// Package mix builds the text files a quantization study compares: evaluation
// sets cut from a corpus to an exact size (bytes, characters or model
// tokens), calibration mixes that interleave a base file with corpus text at
// a controlled share, sweeps of such mixes at a fixed total size, and the
// n-gram overlap check that guards against evaluation text leaking into
// calibration text.
//
// Corpora are the JSONL or text files written by `calibkit corpus build`.
// They are never loaded whole: one streaming pass records where each article
// starts, and only the articles a seeded draw picks are read and parsed, so
// memory stays flat on a gigabyte corpus. The same inputs and seed always
// give byte-identical output.
package mix
