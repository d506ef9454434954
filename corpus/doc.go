// Package corpus turns raw documents (Wikipedia parquet shards, JSONL or plain
// text) into a clean, normalized, de-duplicated and sentence-segmented text
// corpus, in Japanese or any language of package langs (its splitter,
// trailing-section headings and line filter). Everything streams: readers yield one Document at a time, a pool of
// workers cleans them, and a single writer de-duplicates in input order, so
// the output is the same for any number of workers and memory stays flat on
// gigabytes of input.
package corpus

// Document is one article or text record read from an input.
type Document struct {
	// ID identifies the document within its source: the id column of a
	// parquet or JSONL record, or the first line number for plain text.
	ID    string
	Title string
	URL   string
	Text  string
	// Source is the path of the file the document was read from.
	Source string
}
