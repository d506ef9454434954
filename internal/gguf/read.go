package gguf

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
)

// Limits that keep a damaged or hostile header from allocating without bound
// when the file size is not known.
const (
	maxStringLen = 1 << 30
	maxDims      = 4
	maxUnsized   = 1 << 28 // elements or entries when the size is unknown
)

// File is a decoded GGUF header.
type File struct {
	Version   uint32
	KVs       []KV
	Tensors   []TensorInfo
	Alignment uint64
	// DataOffset is where the tensor data section starts in the file.
	DataOffset int64

	byKey    map[string]int
	byTensor map[string]int
}

// FormatError reports a malformed file with the byte offset where decoding failed.
type FormatError struct {
	Offset int64
	Msg    string
}

func (e *FormatError) Error() string { return fmt.Sprintf("offset %d: %s", e.Offset, e.Msg) }

// decoder reads little-endian values and tracks the offset and the bytes left.
type decoder struct {
	r    *bufio.Reader
	off  int64
	size int64 // total size, or -1 when unknown
	buf  [8]byte
	err  error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = &FormatError{Offset: d.off, Msg: fmt.Sprintf(format, args...)}
	}
}

func (d *decoder) read(n int) []byte {
	if d.err != nil {
		clear(d.buf[:n])
		return d.buf[:n]
	}
	if _, err := io.ReadFull(d.r, d.buf[:n]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			d.fail("file is truncated")
		} else {
			d.err = fmt.Errorf("offset %d: %w", d.off, err)
		}
		clear(d.buf[:n])
		return d.buf[:n]
	}
	d.off += int64(n)
	return d.buf[:n]
}

func (d *decoder) u8() uint8   { return d.read(1)[0] }
func (d *decoder) u16() uint16 { return binary.LittleEndian.Uint16(d.read(2)) }
func (d *decoder) u32() uint32 { return binary.LittleEndian.Uint32(d.read(4)) }
func (d *decoder) u64() uint64 { return binary.LittleEndian.Uint64(d.read(8)) }

// fits checks that count items of at least minSize bytes can still be in the file.
func (d *decoder) fits(count uint64, minSize uint64, what string) bool {
	if d.err != nil {
		return false
	}
	limit := uint64(maxUnsized)
	if d.size >= 0 {
		left := uint64(max(d.size-d.off, 0))
		if minSize == 0 {
			minSize = 1
		}
		limit = left / minSize
	}
	if count > limit {
		d.fail("%s count %d exceeds what the file can hold: the file is truncated or corrupt", what, count)
		return false
	}
	return true
}

func (d *decoder) str() string {
	n := d.u64()
	if n > maxStringLen || !d.fits(n, 1, "string length") {
		d.fail("string length %d exceeds what the file can hold", n)
		return ""
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(d.r, b); err != nil {
		d.fail("file is truncated inside a string")
		return ""
	}
	d.off += int64(n)
	return string(b)
}

func (d *decoder) value(t ValueType, depth int) any {
	switch t {
	case TypeUint8:
		return d.u8()
	case TypeInt8:
		return int8(d.u8())
	case TypeUint16:
		return d.u16()
	case TypeInt16:
		return int16(d.u16())
	case TypeUint32:
		return d.u32()
	case TypeInt32:
		return int32(d.u32())
	case TypeFloat32:
		return math.Float32frombits(d.u32())
	case TypeBool:
		b := d.u8()
		if b > 1 {
			d.fail("bool value %d is neither 0 nor 1", b)
		}
		return b == 1
	case TypeString:
		return d.str()
	case TypeUint64:
		return d.u64()
	case TypeInt64:
		return int64(d.u64())
	case TypeFloat64:
		return math.Float64frombits(d.u64())
	case TypeArray:
		if depth > 2 {
			d.fail("arrays nested too deeply")
			return nil
		}
		return d.array(depth)
	}
	d.fail("unknown value type %d", uint32(t))
	return nil
}

func (d *decoder) array(depth int) any {
	et := ValueType(d.u32())
	n := d.u64()
	minSize := uint64(et.size())
	if et == TypeString {
		minSize = 8
	} else if et == TypeArray {
		minSize = 12
	}
	if minSize == 0 {
		d.fail("array of unknown element type %d", uint32(et))
		return nil
	}
	if !d.fits(n, minSize, "array element") {
		return nil
	}
	switch et {
	case TypeUint8:
		return readSlice(d, n, func() uint8 { return d.u8() })
	case TypeInt8:
		return readSlice(d, n, func() int8 { return int8(d.u8()) })
	case TypeUint16:
		return readSlice(d, n, d.u16)
	case TypeInt16:
		return readSlice(d, n, func() int16 { return int16(d.u16()) })
	case TypeUint32:
		return readSlice(d, n, d.u32)
	case TypeInt32:
		return readSlice(d, n, func() int32 { return int32(d.u32()) })
	case TypeFloat32:
		return readSlice(d, n, func() float32 { return math.Float32frombits(d.u32()) })
	case TypeBool:
		return readSlice(d, n, func() bool { return d.u8() != 0 })
	case TypeString:
		return readSlice(d, n, d.str)
	case TypeUint64:
		return readSlice(d, n, d.u64)
	case TypeInt64:
		return readSlice(d, n, func() int64 { return int64(d.u64()) })
	case TypeFloat64:
		return readSlice(d, n, func() float64 { return math.Float64frombits(d.u64()) })
	default: // TypeArray
		return readSlice(d, n, func() any { return d.value(TypeArray, depth+1) })
	}
}

func readSlice[T any](d *decoder, n uint64, next func() T) []T {
	s := make([]T, 0, min(n, 1<<16))
	for i := uint64(0); i < n && d.err == nil; i++ {
		s = append(s, next())
	}
	return s
}

// Decode reads a GGUF header from r. size is the file's total size, used to
// reject counts and offsets that cannot fit; pass -1 when it is unknown.
func Decode(r io.Reader, size int64) (*File, error) {
	d := &decoder{r: bufio.NewReaderSize(r, 1<<16), size: size}
	if m := d.read(4); d.err == nil && string(m) != Magic {
		return nil, &FormatError{Offset: 0, Msg: fmt.Sprintf("not a GGUF file (magic %q, want %q)", m, Magic)}
	}
	f := &File{Alignment: DefaultAlignment, byKey: map[string]int{}, byTensor: map[string]int{}}
	f.Version = d.u32()
	if d.err == nil && (f.Version < 2 || f.Version > 3) {
		d.fail("unsupported GGUF version %d (want 2 or 3)", f.Version)
	}
	nTensors := d.u64()
	nKV := d.u64()
	d.fits(nKV, 13, "metadata entry")
	d.fits(nTensors, 24, "tensor")
	for i := uint64(0); i < nKV && d.err == nil; i++ {
		key := d.str()
		t := ValueType(d.u32())
		v := d.value(t, 0)
		if d.err != nil {
			break
		}
		if _, dup := f.byKey[key]; dup {
			d.fail("duplicate metadata key %q", key)
			break
		}
		f.byKey[key] = len(f.KVs)
		f.KVs = append(f.KVs, KV{Key: key, Value: v})
	}
	if d.err == nil {
		if v, ok := f.byKey["general.alignment"]; ok {
			a, isU32 := f.KVs[v].Value.(uint32)
			if !isU32 || a == 0 || a&(a-1) != 0 {
				d.fail("general.alignment %v is not a power of two u32", f.KVs[v].Value)
			} else {
				f.Alignment = uint64(a)
			}
		}
	}
	for i := uint64(0); i < nTensors && d.err == nil; i++ {
		var t TensorInfo
		t.Name = d.str()
		nd := d.u32()
		if d.err != nil {
			break
		}
		if nd == 0 || nd > maxDims {
			d.fail("tensor %q has %d dimensions", t.Name, nd)
			break
		}
		for j := uint32(0); j < nd; j++ {
			t.Shape = append(t.Shape, d.u64())
		}
		t.TypeAt = d.off
		t.Type = TensorType(d.u32())
		t.Offset = d.u64()
		if d.err != nil {
			break
		}
		if _, dup := f.byTensor[t.Name]; dup {
			d.fail("duplicate tensor %q", t.Name)
			break
		}
		if t.Offset%f.Alignment != 0 {
			d.fail("tensor %q offset %d is not aligned to %d", t.Name, t.Offset, f.Alignment)
			break
		}
		if _, err := t.Size(); err != nil {
			d.fail("%v", err)
			break
		}
		f.byTensor[t.Name] = len(f.Tensors)
		f.Tensors = append(f.Tensors, t)
	}
	if d.err != nil {
		return nil, d.err
	}
	f.DataOffset = (d.off + int64(f.Alignment) - 1) / int64(f.Alignment) * int64(f.Alignment)
	if size >= 0 {
		for _, t := range f.Tensors {
			n, _ := t.Size()
			if t.Offset > uint64(size) || n > uint64(size) || uint64(f.DataOffset)+t.Offset+n > uint64(size) {
				return nil, &FormatError{Offset: f.DataOffset + int64(t.Offset),
					Msg: fmt.Sprintf("tensor %q data (%d bytes at data offset %d) runs past the end of the file (%d bytes): the file is truncated", t.Name, n, t.Offset, size)}
			}
		}
	}
	return f, nil
}

// Value returns the metadata value stored under key.
func (f *File) Value(key string) (any, bool) {
	i, ok := f.byKey[key]
	if !ok {
		return nil, false
	}
	return f.KVs[i].Value, true
}

// String returns the string stored under key.
func (f *File) String(key string) (string, error) {
	v, ok := f.Value(key)
	if !ok {
		return "", fmt.Errorf("metadata key %s is missing", key)
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("metadata key %s holds %T, want string", key, v)
	}
	return s, nil
}

// Uint returns the non-negative integer stored under key, whatever its width.
func (f *File) Uint(key string) (uint64, error) {
	v, ok := f.Value(key)
	if !ok {
		return 0, fmt.Errorf("metadata key %s is missing", key)
	}
	switch x := v.(type) {
	case uint8:
		return uint64(x), nil
	case uint16:
		return uint64(x), nil
	case uint32:
		return uint64(x), nil
	case uint64:
		return x, nil
	case int8, int16, int32, int64:
		i := toInt64(x)
		if i < 0 {
			return 0, fmt.Errorf("metadata key %s holds negative %d", key, i)
		}
		return uint64(i), nil
	}
	return 0, fmt.Errorf("metadata key %s holds %T, want an integer", key, v)
}

func toInt64(v any) int64 {
	switch x := v.(type) {
	case int8:
		return int64(x)
	case int16:
		return int64(x)
	case int32:
		return int64(x)
	case int64:
		return x
	}
	return 0
}

// Strings returns the string array stored under key.
func (f *File) Strings(key string) ([]string, error) {
	v, ok := f.Value(key)
	if !ok {
		return nil, fmt.Errorf("metadata key %s is missing", key)
	}
	s, ok := v.([]string)
	if !ok {
		return nil, fmt.Errorf("metadata key %s holds %T, want a string array", key, v)
	}
	return s, nil
}

// Tensor returns the description of the named tensor.
func (f *File) Tensor(name string) (TensorInfo, bool) {
	i, ok := f.byTensor[name]
	if !ok {
		return TensorInfo{}, false
	}
	return f.Tensors[i], true
}

// Keys returns the metadata keys in sorted order.
func (f *File) Keys() []string {
	keys := make([]string, 0, len(f.KVs))
	for _, kv := range f.KVs {
		keys = append(keys, kv.Key)
	}
	sort.Strings(keys)
	return keys
}

// Reader is an open GGUF file: its header and random access to tensor data.
type Reader struct {
	*File
	Path string
	f    *os.File
	size int64
}

// Open reads the header of the GGUF file at path.
func Open(path string) (*Reader, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open gguf %s: %w", path, err)
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("open gguf %s: %w", path, err)
	}
	f, err := Decode(fh, st.Size())
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("read gguf %s: %w", path, err)
	}
	return &Reader{File: f, Path: path, f: fh, size: st.Size()}, nil
}

// Close closes the file. It is safe to call more than once.
func (r *Reader) Close() error {
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}

// TensorData returns a reader over the raw bytes of tensor t.
func (r *Reader) TensorData(t TensorInfo) (*io.SectionReader, error) {
	if r.f == nil {
		return nil, fmt.Errorf("read gguf %s: file is closed", r.Path)
	}
	n, err := t.Size()
	if err != nil {
		return nil, fmt.Errorf("read gguf %s: %w", r.Path, err)
	}
	return io.NewSectionReader(r.f, r.DataOffset+int64(t.Offset), int64(n)), nil
}

// Float32s decodes the named F32, F16 or BF16 tensor into float32 values.
func (r *Reader) Float32s(name string) ([]float32, error) {
	t, ok := r.Tensor(name)
	if !ok {
		return nil, fmt.Errorf("read gguf %s: no tensor %q", r.Path, name)
	}
	sr, err := r.TensorData(t)
	if err != nil {
		return nil, err
	}
	raw := make([]byte, sr.Size())
	if _, err := io.ReadFull(sr, raw); err != nil {
		return nil, fmt.Errorf("read gguf %s: tensor %q: %w", r.Path, name, err)
	}
	out, err := DecodeFloat32s(t.Type, raw)
	if err != nil {
		return nil, fmt.Errorf("read gguf %s: tensor %q: %w", r.Path, name, err)
	}
	return out, nil
}

// DecodeFloat32s converts raw little-endian F32, F16 or BF16 data to float32.
func DecodeFloat32s(t TensorType, raw []byte) ([]float32, error) {
	switch t {
	case TensorF32:
		out := make([]float32, len(raw)/4)
		for i := range out {
			out[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		return out, nil
	case TensorF16:
		out := make([]float32, len(raw)/2)
		for i := range out {
			out[i] = HalfToFloat32(binary.LittleEndian.Uint16(raw[2*i:]))
		}
		return out, nil
	case TensorBF16:
		out := make([]float32, len(raw)/2)
		for i := range out {
			out[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(raw[2*i:])) << 16)
		}
		return out, nil
	}
	return nil, fmt.Errorf("tensor type %s cannot be decoded to float32", t)
}
