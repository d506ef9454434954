package results

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/calibkit/calibkit/study/stepcache"
)

// FileName is the records file in a study folder.
const FileName = "results.jsonl"

// Read returns the records of a results.jsonl in file order. A last line
// cut short (a run killed while writing) is left out, as is any line that
// does not decode; skipped counts them.
func Read(path string) (recs []*Record, skipped int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, fmt.Errorf("read results: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			var rec Record
			if line[len(line)-1] != '\n' || json.Unmarshal(line, &rec) != nil || rec.Cell == "" {
				skipped++
			} else {
				recs = append(recs, &rec)
			}
		}
		if errors.Is(err, io.EOF) {
			return recs, skipped, nil
		}
		if err != nil {
			return nil, 0, fmt.Errorf("read results %s: %w", path, err)
		}
	}
}

// Latest keeps the last record of each cell, in cell index order.
func Latest(recs []*Record) []*Record {
	last := map[string]*Record{}
	var order []string
	for _, r := range recs {
		if _, ok := last[r.Cell]; !ok {
			order = append(order, r.Cell)
		}
		last[r.Cell] = r
	}
	out := make([]*Record, 0, len(order))
	for _, c := range order {
		out = append(out, last[c])
	}
	sortByIndex(out)
	return out
}

// Append adds records to the results file under its lock, so processes
// running cells at once never interleave lines. A partial last line left
// by a killed writer is cut off first.
func Append(ctx context.Context, path string, recs ...*Record) error {
	sync, err := AppendUnsynced(ctx, path, recs...)
	if err != nil {
		return err
	}
	return sync()
}

// AppendUnsynced is Append, but leaves the fsync of the file to sync,
// which the caller runs when it likes (while it goes on with other work);
// the records are in the file, whole lines, when AppendUnsynced returns.
func AppendUnsynced(ctx context.Context, path string, recs ...*Record) (sync func() error, err error) {
	if len(recs) == 0 {
		return func() error { return nil }, nil
	}
	unlock, err := stepcache.Lock(ctx, path+".lock", nil)
	if err != nil {
		return nil, err
	}
	defer unlock()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	if err := appendTo(f, path, recs); err != nil {
		f.Close()
		return nil, err
	}
	return func() error {
		defer f.Close()
		if err := f.Sync(); err != nil {
			return fmt.Errorf("results %s: %w", path, err)
		}
		return nil
	}, nil
}

func appendTo(f *os.File, path string, recs []*Record) error {
	if err := cutPartial(f); err != nil {
		return fmt.Errorf("results %s: %w", path, err)
	}
	var buf bytes.Buffer
	for _, r := range recs {
		b, err := json.Marshal(r)
		if err != nil {
			return fmt.Errorf("results: %w", err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		return err
	}
	if _, err := f.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("results %s: %w", path, err)
	}
	return nil
}

// cutPartial truncates f after its last newline.
func cutPartial(f *os.File) error {
	fi, err := f.Stat()
	if err != nil || fi.Size() == 0 {
		return err
	}
	size := fi.Size()
	const block = 64 << 10
	buf := make([]byte, block)
	for end := size; end > 0; {
		start := max(end-block, 0)
		n, err := f.ReadAt(buf[:end-start], start)
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			if start+int64(i)+1 == size {
				return nil
			}
			return f.Truncate(start + int64(i) + 1)
		}
		end = start
	}
	return f.Truncate(0)
}
