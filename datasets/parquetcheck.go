package datasets

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// maxFooterBytes and maxPageBytes bound what a parquet file may claim
// before parquet-go allocates it: a corrupt length would otherwise ask for
// gigabytes.
const (
	maxFooterBytes = 256 << 20
	maxPageBytes   = 512 << 20
)

// checkParquetFrame checks the magic bytes and the footer length.
func checkParquetFrame(r io.ReaderAt, size int64) error {
	if size < 12 {
		return fmt.Errorf("%d bytes is too small for a parquet file", size)
	}
	var head [4]byte
	var tail [8]byte
	if _, err := r.ReadAt(head[:], 0); err != nil {
		return err
	}
	if _, err := r.ReadAt(tail[:], size-8); err != nil {
		return err
	}
	if string(head[:]) != "PAR1" || string(tail[4:]) != "PAR1" {
		return fmt.Errorf("not a parquet file (no PAR1 magic at both ends)")
	}
	n := int64(binary.LittleEndian.Uint32(tail[:4]))
	if n > size-12 || n > maxFooterBytes {
		return fmt.Errorf("footer claims %d bytes in a file of %d", n, size)
	}
	return nil
}

// checkPages walks the page headers of one column chunk: each page must
// lie inside the chunk and claim a sane uncompressed size.
func checkPages(r io.ReaderAt, size int64, md *format.ColumnMetaData) error {
	start := md.DataPageOffset
	if md.DictionaryPageOffset > 0 && md.DictionaryPageOffset < start {
		start = md.DictionaryPageOffset
	}
	end := start + md.TotalCompressedSize
	if start < 4 || md.TotalCompressedSize < 0 || end < start || end > size-8 {
		return fmt.Errorf("column chunk %d..%d lies outside the file (%d bytes)", start, end, size)
	}
	var buf [8 << 10]byte
	var proto thrift.CompactProtocol
	for pos := start; pos < end; {
		n := min(int64(len(buf)), end-pos)
		if _, err := r.ReadAt(buf[:n], pos); err != nil && err != io.EOF {
			return fmt.Errorf("page header at byte %d: %w", pos, err)
		}
		rd := bytes.NewReader(buf[:n])
		var h format.PageHeader
		if err := thrift.NewDecoder(proto.NewReader(rd)).Decode(&h); err != nil {
			return fmt.Errorf("page header at byte %d: %w", pos, err)
		}
		hdrLen := n - int64(rd.Len())
		if h.CompressedPageSize < 0 || pos+hdrLen+int64(h.CompressedPageSize) > end {
			return fmt.Errorf("page at byte %d claims %d bytes past its column chunk", pos, h.CompressedPageSize)
		}
		if h.UncompressedPageSize < 0 || h.UncompressedPageSize > maxPageBytes {
			return fmt.Errorf("page at byte %d claims %d uncompressed bytes", pos, h.UncompressedPageSize)
		}
		pos += hdrLen + int64(h.CompressedPageSize)
	}
	return nil
}
