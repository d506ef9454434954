package hfdataset

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// DefaultMaxShardBytes is the text a shard holds at most, as
// datasets.push_to_hub cuts shards (max_shard_size "500MB").
const DefaultMaxShardBytes = 500 << 20

// rowGroupBytes bounds a row group's text: the writer buffers a row
// group's compressed pages until it ends, so memory stays near this.
const rowGroupBytes = 64 << 20

// batchRows rows are handed to the parquet writer at once.
const batchRows = 1024

// shardWriter writes one split's rows to zstd parquet shards in dir/data,
// under temporary names until finish gives them the Hub's names.
type shardWriter struct {
	dir, split string
	maxBytes   int64
	level      zstd.Level

	paths     []string // temporary names, in order
	sums      []string // sha256 of each closed shard, hashed as written
	f         *os.File
	h         hash.Hash
	w         *parquet.GenericWriter[Row]
	batch     []Row
	shardText int64
	groupText int64
	rows      int64
}

func newShardWriter(dir, split string, maxBytes int64) *shardWriter {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxShardBytes
	}
	return &shardWriter{dir: dir, split: split, maxBytes: maxBytes, level: zstd.SpeedFastest, batch: make([]Row, 0, batchRows)}
}

// write adds a row (copied).
func (s *shardWriter) write(r *Row) error {
	if s.w == nil {
		if err := s.open(); err != nil {
			return err
		}
	}
	s.batch = append(s.batch, *r)
	n := int64(len(r.Text))
	s.shardText += n
	s.groupText += n
	s.rows++
	if len(s.batch) == cap(s.batch) || s.groupText >= rowGroupBytes || s.shardText >= s.maxBytes {
		if err := s.flushBatch(); err != nil {
			return err
		}
	}
	if s.shardText >= s.maxBytes {
		return s.closeShard()
	}
	if s.groupText >= rowGroupBytes {
		s.groupText = 0
		if err := s.w.Flush(); err != nil {
			return s.fail(err)
		}
	}
	return nil
}

// writeRows adds rows without copying them into the writer's own batch
// (the parquet writer copies what it keeps), cutting at row group and
// shard boundaries as write does.
func (s *shardWriter) writeRows(rows []Row) error {
	if err := s.flushBatch(); err != nil {
		return err
	}
	for len(rows) > 0 {
		if s.w == nil {
			if err := s.open(); err != nil {
				return err
			}
		}
		k := 0
		var n int64
		for k < len(rows) {
			n += int64(len(rows[k].Text))
			k++
			if s.groupText+n >= rowGroupBytes || s.shardText+n >= s.maxBytes {
				break
			}
		}
		if _, err := s.w.Write(rows[:k]); err != nil {
			return s.fail(err)
		}
		s.rows += int64(k)
		s.shardText += n
		s.groupText += n
		rows = rows[k:]
		if s.shardText >= s.maxBytes {
			if err := s.closeShard(); err != nil {
				return err
			}
		} else if s.groupText >= rowGroupBytes {
			s.groupText = 0
			if err := s.w.Flush(); err != nil {
				return s.fail(err)
			}
		}
	}
	return nil
}

func (s *shardWriter) open() error {
	p := filepath.Join(s.dir, "data", fmt.Sprintf(".%s-%05d.parquet.tmp", s.split, len(s.paths)))
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fmt.Errorf("create shard: %w", err)
	}
	s.f = f
	s.h = sha256.New()
	s.paths = append(s.paths, p)
	// the shard is hashed as it is written, so that uploading the folder
	// takes its sha256 from the hash cache instead of reading it again
	s.w = parquet.NewGenericWriter[Row](io.MultiWriter(f, s.h),
		parquet.Compression(&zstd.Codec{Level: s.level}),
		parquet.CreatedBy("calibkit", "", ""),
		parquet.PageBufferSize(1<<20),
	)
	s.shardText, s.groupText = 0, 0
	return nil
}

func (s *shardWriter) flushBatch() error {
	if len(s.batch) == 0 {
		return nil
	}
	if _, err := s.w.Write(s.batch); err != nil {
		return s.fail(err)
	}
	clear(s.batch)
	s.batch = s.batch[:0]
	return nil
}

func (s *shardWriter) fail(err error) error {
	return fmt.Errorf("write shard %s: %w", s.paths[len(s.paths)-1], err)
}

func (s *shardWriter) closeShard() error {
	if s.w == nil {
		return nil
	}
	if err := s.flushBatch(); err != nil {
		return err
	}
	if err := s.w.Close(); err != nil {
		return s.fail(err)
	}
	if err := s.f.Sync(); err != nil {
		return s.fail(err)
	}
	if err := s.f.Close(); err != nil {
		return s.fail(err)
	}
	s.sums = append(s.sums, hex.EncodeToString(s.h.Sum(nil)))
	s.w, s.f, s.h = nil, nil, nil
	return nil
}

// finish closes the last shard and renames the shards to the Hub's names
// (a split with no row gets one empty shard, so that it still loads).
// It returns the final paths relative to dir and the shards' sha256.
func (s *shardWriter) finish() ([]string, []string, error) {
	if len(s.paths) == 0 {
		if err := s.open(); err != nil {
			return nil, nil, err
		}
	}
	if err := s.closeShard(); err != nil {
		return nil, nil, err
	}
	var out []string
	for i, p := range s.paths {
		rel := ShardName(s.split, i, len(s.paths))
		if err := os.Rename(p, filepath.Join(s.dir, rel)); err != nil {
			return nil, nil, fmt.Errorf("name shard: %w", err)
		}
		out = append(out, rel)
	}
	return out, s.sums, nil
}

// abort closes an open shard without finishing it (the folder is removed
// by the caller).
func (s *shardWriter) abort() {
	if s.f != nil {
		s.f.Close()
		s.f, s.w = nil, nil
	}
}

// ShardName is the Hub's name for shard i of n of a split, relative to the
// dataset folder: data/{split}-{i:05d}-of-{n:05d}.parquet.
func ShardName(split string, i, n int) string {
	return fmt.Sprintf("data/%s-%05d-of-%05d.parquet", split, i, n)
}
