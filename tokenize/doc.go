// Package tokenize segments text: sentences with a configured kagome
// sentence splitter for Japanese and Chinese, with Unicode sentence
// boundaries (UAX #29) and per-language abbreviations for the other
// languages of package langs (SplitterFor), morphemes with kagome and the
// IPA dictionary, and the unit counts (bytes, characters, sentences, lines)
// that manifests and size-matched mixes report.
//
// Everything here streams: the splitter offers a bufio.SplitFunc, and
// ProcessLines runs a per-line function over an io.Reader on several workers
// while keeping the output in input order.
package tokenize
