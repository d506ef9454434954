// Package coverage measures what a calibration text exercises in a model's
// vocabulary: tokens per byte, the share of the vocabulary the text's
// tokens reach at least once and at least K times, the same per script of
// the tokens' text (Latin, kana, Han, Hangul, Cyrillic…, byte tokens), and
// the most frequent tokens of each script the text never produces.
//
// The text is tokenized by the linked llama.cpp with the model loaded
// vocabulary-only, the whole file at once as llama-imatrix does (large files
// in pieces cut at line boundaries; see Options.PieceBytes). Run is the one
// entry point; WriteJSON and WritePNG store its Result.
package coverage
