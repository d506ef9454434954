package hfdataset

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/calibkit/calibkit/corpus"
)

// Row is one row of the dataset. Lang is empty (null in parquet) when no
// manifest says which language the row is in.
type Row struct {
	Text   string `parquet:"text"`
	Lang   string `parquet:"lang,optional,dict"`
	Source string `parquet:"source,dict"`
	ID     string `parquet:"id"`
}

// InputKind says how an input file is cut into rows.
type InputKind string

// The input kinds, chosen by file extension.
const (
	// KindJSONL: one row per JSON object (calibkit corpus build --format
	// jsonl, or any JSONL with a "text" key; .gz and .zst too).
	KindJSONL InputKind = "jsonl"
	// KindText: one row per line, as datasets' own "text" loader cuts
	// plain text (sample_by="line"), empty lines included, so joining the
	// rows with "\n" gives the file back.
	KindText InputKind = "text"
)

// kindOf tells how path is read; parquet is refused (use the parquet
// file itself, or corpus build first).
func kindOf(path string) (InputKind, error) {
	switch corpus.FormatOf(path) {
	case corpus.FormatJSONL:
		return KindJSONL, nil
	case corpus.FormatParquet:
		return "", fmt.Errorf("input %s: parquet input is not exported (it is already parquet); run `calibkit corpus build` on it for clean JSONL or text", path)
	}
	return KindText, nil
}

// inputStats are measured while an input is read.
type inputStats struct {
	Rows   int64
	Bytes  int64 // bytes of row text (UTF-8)
	Chars  int64
	SHA256 string // of the file as stored
	Size   int64  // of the file as stored
}

// readInput calls fn for each row of the file at path. source and lang go
// into every row. The file is hashed as it is read (JSONL: in a separate
// pass).
func readInput(ctx context.Context, path, source, lang string, fn func(*Row) error) (inputStats, error) {
	kind, err := kindOf(path)
	if err != nil {
		return inputStats{}, err
	}
	if kind == KindJSONL {
		return readJSONL(ctx, path, source, lang, fn)
	}
	return readText(ctx, path, source, lang, fn)
}

func readText(ctx context.Context, path, source, lang string, fn func(*Row) error) (inputStats, error) {
	var st inputStats
	f, err := os.Open(path)
	if err != nil {
		return st, fmt.Errorf("open input %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	tee := &hashCounter{r: f, w: h}
	var r io.Reader = tee
	lower := strings.ToLower(path)
	switch {
	case strings.HasSuffix(lower, ".gz"):
		zr, err := gzip.NewReader(bufio.NewReaderSize(tee, 1<<16))
		if err != nil {
			return st, fmt.Errorf("open input %s: gzip: %w", path, err)
		}
		r = zr
	case strings.HasSuffix(lower, ".zst"):
		zr, err := zstd.NewReader(tee, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return st, fmt.Errorf("open input %s: zstd: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	br := bufio.NewReaderSize(r, 1<<20)
	var row Row
	row.Source, row.Lang = source, lang
	idPrefix := filepath.Base(path) + ":"
	var idBuf []byte
	var acc []byte
	for line := int64(1); ; line++ {
		chunk, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			acc = append(acc[:0], chunk...)
			for err == bufio.ErrBufferFull {
				chunk, err = br.ReadSlice('\n')
				acc = append(acc, chunk...)
			}
			chunk = acc
		}
		if err != nil && err != io.EOF {
			return st, fmt.Errorf("read input %s line %d: %w", path, line, err)
		}
		if len(chunk) == 0 && err == io.EOF {
			break
		}
		text := chunk
		if n := len(text); n > 0 && text[n-1] == '\n' {
			text = text[:n-1]
		}
		if !utf8.Valid(text) {
			return st, fmt.Errorf("input %s line %d: not valid UTF-8 (byte %d of the line); convert the file to UTF-8 first", path, line, invalidAt(text))
		}
		row.Text = string(text)
		idBuf = strconv.AppendInt(append(idBuf[:0], idPrefix...), line, 10)
		row.ID = string(idBuf)
		st.Rows++
		st.Bytes += int64(len(text))
		st.Chars += int64(countRunes(text))
		if err := fn(&row); err != nil {
			return st, err
		}
		if st.Rows%4096 == 0 && ctx.Err() != nil {
			return st, ctx.Err()
		}
		if err == io.EOF {
			break
		}
	}
	// the rest of a compressed file's bytes count in its hash
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return st, fmt.Errorf("read input %s: %w", path, err)
	}
	st.SHA256, st.Size = hex.EncodeToString(h.Sum(nil)), tee.n
	return st, nil
}

func readJSONL(ctx context.Context, path, source, lang string, fn func(*Row) error) (inputStats, error) {
	var st inputStats
	in, err := hashFile(path)
	if err != nil {
		return st, err
	}
	st.SHA256, st.Size = in.sha, in.size
	r, err := corpus.Open(path, corpus.DefaultReaderOptions())
	if err != nil {
		return st, err
	}
	defer r.Close()
	row := Row{Source: source, Lang: lang}
	for {
		doc, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return st, err
		}
		row.Text, row.ID = doc.Text, doc.ID
		st.Rows++
		st.Bytes += int64(len(doc.Text))
		st.Chars += int64(utf8.RuneCountInString(doc.Text))
		if err := fn(&row); err != nil {
			return st, err
		}
		if st.Rows%1024 == 0 && ctx.Err() != nil {
			return st, ctx.Err()
		}
	}
	return st, nil
}

type fileHash struct {
	sha  string
	size int64
}

func hashFile(path string) (fileHash, error) {
	f, err := os.Open(path)
	if err != nil {
		return fileHash{}, fmt.Errorf("open input %s: %w", path, err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fileHash{}, fmt.Errorf("read input %s: %w", path, err)
	}
	return fileHash{sha: hex.EncodeToString(h.Sum(nil)), size: n}, nil
}

// hashCounter hashes and counts what is read through it.
type hashCounter struct {
	r io.Reader
	w io.Writer
	n int64
}

func (h *hashCounter) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	h.w.Write(p[:n])
	h.n += int64(n)
	return n, err
}

// invalidAt returns the offset of the first invalid UTF-8 byte of b.
func invalidAt(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return len(b)
}
