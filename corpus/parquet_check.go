package corpus

import (
	"bytes"
	"fmt"
	"io"

	"github.com/parquet-go/parquet-go/encoding/thrift"
	"github.com/parquet-go/parquet-go/format"
)

// maxPageBytes bounds the uncompressed size a page header may claim. Real
// writers use pages of about 1 MB; a corrupt header claiming gigabytes
// would otherwise make parquet-go allocate them.
const maxPageBytes = 1 << 30

// checkColumnChunk walks the page headers of one column chunk and checks
// that every page lies inside the chunk and claims a sane size, before
// parquet-go allocates buffers of the sizes the headers claim.
func checkColumnChunk(ra io.ReaderAt, size int64, md *format.ColumnMetaData) error {
	start := md.DataPageOffset
	if md.DictionaryPageOffset > 0 && md.DictionaryPageOffset < start {
		start = md.DictionaryPageOffset
	}
	end := start + md.TotalCompressedSize
	if start < 4 || md.TotalCompressedSize < 0 || end > size-8 || end < start {
		return fmt.Errorf("column chunk at bytes %d..%d lies outside the file of %d bytes", start, end, size)
	}
	window := make([]byte, 16<<10)
	var compact thrift.CompactProtocol
	for pos := start; pos < end; {
		var h format.PageHeader
		var n int64
		var br *bytes.Reader
		for {
			n = min(int64(len(window)), end-pos)
			if _, err := ra.ReadAt(window[:n], pos); err != nil && err != io.EOF {
				return fmt.Errorf("page header at byte %d: %w", pos, err)
			}
			br = bytes.NewReader(window[:n])
			h = format.PageHeader{}
			err := thrift.NewDecoder(compact.NewReader(br)).Decode(&h)
			if err == nil {
				break
			}
			if n == end-pos {
				return fmt.Errorf("page header at byte %d: %w", pos, err)
			}
			// A header with long min/max statistics can outgrow the
			// window: read more, up to the end of the chunk.
			window = make([]byte, min(2*int64(len(window)), end-pos))
		}
		hdr := n - int64(br.Len())
		if h.CompressedPageSize < 0 || pos+hdr+int64(h.CompressedPageSize) > end {
			return fmt.Errorf("page at byte %d claims %d bytes, beyond its column chunk (ends at byte %d)", pos, h.CompressedPageSize, end)
		}
		if h.UncompressedPageSize < 0 || h.UncompressedPageSize > maxPageBytes {
			return fmt.Errorf("page at byte %d claims %d uncompressed bytes", pos, h.UncompressedPageSize)
		}
		pos += hdr + int64(h.CompressedPageSize)
	}
	return nil
}
