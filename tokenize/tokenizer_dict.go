package tokenize

import (
	"archive/zip"
	"bytes"
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sync"
	_ "unsafe" // go:linkname, for the IPA dictionary's embedded file

	"github.com/ikawaha/kagome-dict/dict"
	"github.com/ikawaha/kagome-dict/dict/trie"
	_ "github.com/ikawaha/kagome-dict/ipa" // defines ipaSrc
	"github.com/klauspost/compress/flate"
	"golang.org/x/sync/errgroup"
)

// ipaSrc is kagome-dict/ipa's embedded dictionary archive (ipa.dict, a zip
// of one file per dictionary part). The package only decodes it whole and
// serially, which takes about half a second, most of it in one-value-at-a-
// time binary.Read calls over the inflating reader; loadIPA decodes the
// same parts in parallel and the two big arrays in bulk, into the same
// dict.Dict (TestLoadIPAMatchesKagome holds it to that). Should the
// variable ever be renamed, linking fails rather than anything going wrong
// at run time.
//
//go:linkname ipaSrc github.com/ikawaha/kagome-dict/ipa.dictsrc
var ipaSrc embed.FS

// loadIPA returns the IPA dictionary as ipa.Dict (full) or ipa.DictShrink
// (without the content columns) give it. With lazyPOS its part-of-speech
// table (a tenth of a second to decode, and unused by wakati) is left out
// until the returned function is called; that function is safe for
// concurrent use, does nothing after its first call, and must have
// returned before anything reads d.POSTable.
func loadIPA(full, lazyPOS bool) (d *dict.Dict, loadPOS func(), err error) {
	// Read in place (embed's files are io.ReaderAt): copying the 12 MB
	// archive first would cost a serial 30 ms of page faults.
	f, err := ipaSrc.Open("ipa.dict")
	if err != nil {
		return nil, nil, fmt.Errorf("load IPA dictionary: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("load IPA dictionary: %w", err)
	}
	ra, ok := f.(io.ReaderAt)
	if !ok {
		return nil, nil, errors.New("load IPA dictionary: embedded file is not an io.ReaderAt")
	}
	zr, err := zip.NewReader(ra, st.Size())
	if err != nil {
		return nil, nil, fmt.Errorf("load IPA dictionary: %w", err)
	}
	// klauspost's inflater is a drop-in for compress/flate's, and faster.
	zr.RegisterDecompressor(zip.Deflate, flate.NewReader)

	// The biggest parts first, so that two cores finish together.
	files := slices.Clone(zr.File)
	slices.SortStableFunc(files, func(a, b *zip.File) int {
		switch {
		case a.CompressedSize64 > b.CompressedSize64:
			return -1
		case a.CompressedSize64 < b.CompressedSize64:
			return 1
		}
		return 0
	})
	d = new(dict.Dict)
	loadPOS = func() {}
	var g errgroup.Group
	for _, f := range files {
		if !full && f.Name == dict.ContentDictFileName {
			continue
		}
		if lazyPOS && f.Name == dict.POSDictFileName {
			loadPOS = sync.OnceFunc(func() {
				if err := loadIPAPart(d, f); err != nil {
					// The embedded data is fixed at build time and
					// TestLoadIPAMatchesKagome decodes it: this cannot
					// happen short of a corrupt binary.
					panic(fmt.Sprintf("load IPA dictionary: %s: %v", f.Name, err))
				}
			})
			continue
		}
		// Each part sets its own fields of d.
		g.Go(func() error {
			if err := loadIPAPart(d, f); err != nil {
				return fmt.Errorf("load IPA dictionary: %s: %w", f.Name, err)
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, nil, err
	}
	return d, loadPOS, nil
}

func loadIPAPart(d *dict.Dict, f *zip.File) error {
	if f.UncompressedSize64 > 1<<30 {
		return fmt.Errorf("%d bytes: too large for a dictionary part", f.UncompressedSize64)
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	data := make([]byte, f.UncompressedSize64)
	if _, err := io.ReadFull(rc, data); err != nil {
		return err
	}
	// Reading to EOF checks the CRC.
	if n, err := rc.Read(make([]byte, 1)); n != 0 || (err != nil && !errors.Is(err, io.EOF)) {
		if err == nil {
			err = errors.New("longer than its header says")
		}
		return err
	}
	r := bytes.NewReader(data)
	switch f.Name {
	case dict.MorphDictFileName:
		d.Morphs, err = decodeMorphs(data)
	case dict.POSDictFileName:
		d.POSTable, err = dict.ReadPOSTable(r)
	case dict.ContentMetaFileName:
		d.ContentsMeta, err = dict.ReadContentsMeta(r)
	case dict.ContentDictFileName:
		d.Contents, err = dict.ReadContents(r)
	case dict.IndexDictFileName:
		d.Index, err = decodeIndexTable(data)
	case dict.ConnectionDictFileName:
		d.Connection, err = decodeConnectionTable(data)
	case dict.CharDefDictFileName:
		var def *dict.CharDef
		if def, err = dict.ReadCharDef(r); err == nil {
			d.CharClass, d.CharCategory, d.InvokeList, d.GroupList = def.CharClass, def.CharCategory, def.InvokeList, def.GroupList
		}
	case dict.UnkDictFileName:
		d.UnkDict, err = dict.ReadUnkDic(r)
	case dict.DictInfoFileName:
		d.SetInfo(dict.ReadDictInfo(r))
	default:
		err = errors.New("unknown dictionary part")
	}
	return err
}

// leReader decodes little-endian integers from a byte slice.
type leReader struct {
	b   []byte
	err error
}

func (r *leReader) take(n int) []byte {
	if r.err != nil || len(r.b) < n {
		r.err = io.ErrUnexpectedEOF
		return nil
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p
}

func (r *leReader) int64() int64 {
	if p := r.take(8); p != nil {
		return int64(binary.LittleEndian.Uint64(p))
	}
	return 0
}

// count reads an int64 element count and checks that many elements of
// size bytes fit in what is left.
func (r *leReader) count(size int) int {
	n := r.int64()
	if r.err == nil && (n < 0 || n > int64(len(r.b)/size)) {
		r.err = fmt.Errorf("count %d exceeds the data", n)
	}
	if r.err != nil {
		return 0
	}
	return int(n)
}

// decodeIndexTable decodes what dict.ReadIndexTable reads: the double
// array (an int64 length, then Base and Check int32 pairs) and the
// duplicate counts (an int64 length, then key and value int32 pairs).
func decodeIndexTable(data []byte) (dict.IndexTable, error) {
	r := &leReader{b: data}
	n := r.count(8)
	da := make(trie.DoubleArray, n)
	if p := r.take(8 * n); p != nil {
		for i := range da {
			da[i].Base = int32(binary.LittleEndian.Uint32(p[8*i:]))
			da[i].Check = int32(binary.LittleEndian.Uint32(p[8*i+4:]))
		}
	}
	n = r.count(8)
	dup := make(map[int32]int32, n)
	if p := r.take(8 * n); p != nil {
		for i := range n {
			dup[int32(binary.LittleEndian.Uint32(p[8*i:]))] = int32(binary.LittleEndian.Uint32(p[8*i+4:]))
		}
	}
	if r.err != nil {
		return dict.IndexTable{}, fmt.Errorf("index: %w", r.err)
	}
	return dict.IndexTable{Da: da, Dup: dup}, nil
}

// decodeConnectionTable decodes what dict.ReadConnectionTable reads: int64
// Row and Col, then Row×Col int16 costs.
func decodeConnectionTable(data []byte) (dict.ConnectionTable, error) {
	r := &leReader{b: data}
	rows, cols := r.int64(), r.int64()
	if r.err == nil && (rows < 0 || cols < 0 || (rows > 0 && cols > math.MaxInt32/rows) || rows*cols > int64(len(r.b)/2)) {
		r.err = fmt.Errorf("%d×%d costs exceed the data", rows, cols)
	}
	if r.err != nil {
		return dict.ConnectionTable{}, fmt.Errorf("connection table: %w", r.err)
	}
	vec := make([]int16, rows*cols)
	p := r.take(2 * len(vec))
	for i := range vec {
		vec[i] = int16(binary.LittleEndian.Uint16(p[2*i:]))
	}
	return dict.ConnectionTable{Row: rows, Col: cols, Vec: vec}, nil
}

// decodeMorphs decodes what dict.ReadMorphs reads: an int64 count, then
// LeftID, RightID and Weight int16s per entry.
func decodeMorphs(data []byte) (dict.Morphs, error) {
	r := &leReader{b: data}
	n := r.count(6)
	m := make(dict.Morphs, n)
	if p := r.take(6 * n); p != nil {
		for i := range m {
			e := p[6*i : 6*i+6]
			m[i].LeftID = int16(binary.LittleEndian.Uint16(e))
			m[i].RightID = int16(binary.LittleEndian.Uint16(e[2:]))
			m[i].Weight = int16(binary.LittleEndian.Uint16(e[4:]))
		}
	}
	if r.err != nil {
		return nil, fmt.Errorf("morphs: %w", r.err)
	}
	return m, nil
}
