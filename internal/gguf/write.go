package gguf

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// Writer assembles a GGUF file: metadata and tensors are added, then WriteTo
// streams the header and each tensor's data in order.
type Writer struct {
	kvs       []KV
	tensors   []pendingTensor
	names     map[string]bool
	keys      map[string]bool
	alignment uint64
}

type pendingTensor struct {
	info TensorInfo
	size uint64
	data func(w io.Writer) error
}

// NewWriter returns an empty GGUF v3 writer with the default alignment.
func NewWriter() *Writer {
	return &Writer{names: map[string]bool{}, keys: map[string]bool{}, alignment: DefaultAlignment}
}

// AddKV adds a metadata entry. The value must be one of the Go types KV
// documents; general.alignment (u32, a power of two) also sets the alignment.
func (w *Writer) AddKV(key string, value any) error {
	if w.keys[key] {
		return fmt.Errorf("gguf writer: duplicate metadata key %q", key)
	}
	if _, err := valueTypeOf(value); err != nil {
		return fmt.Errorf("gguf writer: key %s: %w", key, err)
	}
	if key == "general.alignment" {
		a, ok := value.(uint32)
		if !ok || a == 0 || a&(a-1) != 0 {
			return fmt.Errorf("gguf writer: general.alignment must be a power-of-two uint32, got %v", value)
		}
		w.alignment = uint64(a)
	}
	w.keys[key] = true
	w.kvs = append(w.kvs, KV{Key: key, Value: value})
	return nil
}

// AddTensor adds a tensor whose data the callback writes when the file is
// written; it must write exactly the tensor's size in bytes.
func (w *Writer) AddTensor(name string, typ TensorType, shape []uint64, data func(w io.Writer) error) error {
	if w.names[name] {
		return fmt.Errorf("gguf writer: duplicate tensor %q", name)
	}
	if len(shape) == 0 || len(shape) > maxDims {
		return fmt.Errorf("gguf writer: tensor %q has %d dimensions", name, len(shape))
	}
	info := TensorInfo{Name: name, Shape: append([]uint64(nil), shape...), Type: typ}
	size, err := info.Size()
	if err != nil {
		return fmt.Errorf("gguf writer: %w", err)
	}
	w.names[name] = true
	w.tensors = append(w.tensors, pendingTensor{info: info, size: size, data: data})
	return nil
}

// AddF32 adds an F32 tensor holding values; the product of shape must equal len(values).
func (w *Writer) AddF32(name string, shape []uint64, values []float32) error {
	n := uint64(1)
	for _, d := range shape {
		n *= d
	}
	if n != uint64(len(values)) {
		return fmt.Errorf("gguf writer: tensor %q: shape %v holds %d values, got %d", name, shape, n, len(values))
	}
	return w.AddTensor(name, TensorF32, shape, func(out io.Writer) error {
		return WriteFloat32s(out, values)
	})
}

// WriteFloat32s writes values as little-endian F32.
func WriteFloat32s(w io.Writer, values []float32) error {
	buf := make([]byte, 0, 1<<15)
	for _, v := range values {
		buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		if len(buf) == cap(buf) {
			if _, err := w.Write(buf); err != nil {
				return err
			}
			buf = buf[:0]
		}
	}
	_, err := w.Write(buf)
	return err
}

// WriteTo writes the whole file to out.
func (w *Writer) WriteTo(out io.Writer) (int64, error) {
	cw := &countingWriter{w: bufio.NewWriterSize(out, 1<<20)}
	e := &encoder{w: cw}
	e.raw([]byte(Magic))
	e.u32(3)
	e.u64(uint64(len(w.tensors)))
	e.u64(uint64(len(w.kvs)))
	for _, kv := range w.kvs {
		e.str(kv.Key)
		t, _ := valueTypeOf(kv.Value)
		e.u32(uint32(t))
		e.value(kv.Value)
	}
	var off uint64
	for i := range w.tensors {
		t := &w.tensors[i]
		t.info.Offset = off
		e.str(t.info.Name)
		e.u32(uint32(len(t.info.Shape)))
		for _, d := range t.info.Shape {
			e.u64(d)
		}
		e.u32(uint32(t.info.Type))
		e.u64(off)
		off += pad(t.size, w.alignment)
	}
	e.zeros(pad(uint64(cw.n), w.alignment) - uint64(cw.n))
	for _, t := range w.tensors {
		if e.err != nil {
			break
		}
		start := cw.n
		if err := t.data(cw); err != nil {
			return cw.n, fmt.Errorf("gguf writer: tensor %q: %w", t.info.Name, err)
		}
		if got := uint64(cw.n - start); got != t.size {
			return cw.n, fmt.Errorf("gguf writer: tensor %q: wrote %d bytes, want %d", t.info.Name, got, t.size)
		}
		e.zeros(pad(t.size, w.alignment) - t.size)
	}
	if e.err != nil {
		return cw.n, e.err
	}
	if err := cw.w.(*bufio.Writer).Flush(); err != nil {
		return cw.n, err
	}
	return cw.n, nil
}

func pad(n, a uint64) uint64 { return (n + a - 1) / a * a }

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

type encoder struct {
	w   io.Writer
	buf [8]byte
	err error
}

func (e *encoder) raw(b []byte) {
	if e.err == nil {
		_, e.err = e.w.Write(b)
	}
}
func (e *encoder) zeros(n uint64) { e.raw(make([]byte, n)) }
func (e *encoder) u8(v uint8)     { e.buf[0] = v; e.raw(e.buf[:1]) }
func (e *encoder) u16(v uint16)   { binary.LittleEndian.PutUint16(e.buf[:], v); e.raw(e.buf[:2]) }
func (e *encoder) u32(v uint32)   { binary.LittleEndian.PutUint32(e.buf[:], v); e.raw(e.buf[:4]) }
func (e *encoder) u64(v uint64)   { binary.LittleEndian.PutUint64(e.buf[:], v); e.raw(e.buf[:8]) }
func (e *encoder) str(s string)   { e.u64(uint64(len(s))); e.raw([]byte(s)) }

func (e *encoder) value(v any) {
	switch x := v.(type) {
	case uint8:
		e.u8(x)
	case int8:
		e.u8(uint8(x))
	case uint16:
		e.u16(x)
	case int16:
		e.u16(uint16(x))
	case uint32:
		e.u32(x)
	case int32:
		e.u32(uint32(x))
	case float32:
		e.u32(math.Float32bits(x))
	case bool:
		if x {
			e.u8(1)
		} else {
			e.u8(0)
		}
	case string:
		e.str(x)
	case uint64:
		e.u64(x)
	case int64:
		e.u64(uint64(x))
	case float64:
		e.u64(math.Float64bits(x))
	default:
		arrayEach(v, func(et ValueType, n int, item func(i int) any) {
			e.u32(uint32(et))
			e.u64(uint64(n))
			for i := 0; i < n; i++ {
				e.value(item(i))
			}
		})
	}
}

// valueTypeOf returns the GGUF type tag for a Go value.
func valueTypeOf(v any) (ValueType, error) {
	switch v.(type) {
	case uint8:
		return TypeUint8, nil
	case int8:
		return TypeInt8, nil
	case uint16:
		return TypeUint16, nil
	case int16:
		return TypeInt16, nil
	case uint32:
		return TypeUint32, nil
	case int32:
		return TypeInt32, nil
	case float32:
		return TypeFloat32, nil
	case bool:
		return TypeBool, nil
	case string:
		return TypeString, nil
	case uint64:
		return TypeUint64, nil
	case int64:
		return TypeInt64, nil
	case float64:
		return TypeFloat64, nil
	}
	ok := arrayEach(v, nil)
	if !ok {
		return 0, fmt.Errorf("unsupported metadata value type %T", v)
	}
	return TypeArray, nil
}

// arrayEach reports whether v is a supported array and, with fn, hands over
// its element type, length and elements.
func arrayEach(v any, fn func(et ValueType, n int, item func(i int) any)) bool {
	call := func(et ValueType, n int, item func(i int) any) bool {
		if fn != nil {
			fn(et, n, item)
		}
		return true
	}
	switch x := v.(type) {
	case []uint8:
		return call(TypeUint8, len(x), func(i int) any { return x[i] })
	case []int8:
		return call(TypeInt8, len(x), func(i int) any { return x[i] })
	case []uint16:
		return call(TypeUint16, len(x), func(i int) any { return x[i] })
	case []int16:
		return call(TypeInt16, len(x), func(i int) any { return x[i] })
	case []uint32:
		return call(TypeUint32, len(x), func(i int) any { return x[i] })
	case []int32:
		return call(TypeInt32, len(x), func(i int) any { return x[i] })
	case []float32:
		return call(TypeFloat32, len(x), func(i int) any { return x[i] })
	case []bool:
		return call(TypeBool, len(x), func(i int) any { return x[i] })
	case []string:
		return call(TypeString, len(x), func(i int) any { return x[i] })
	case []uint64:
		return call(TypeUint64, len(x), func(i int) any { return x[i] })
	case []int64:
		return call(TypeInt64, len(x), func(i int) any { return x[i] })
	case []float64:
		return call(TypeFloat64, len(x), func(i int) any { return x[i] })
	case []any:
		for _, it := range x {
			if _, err := valueTypeOf(it); err != nil || !arrayEach(it, nil) {
				return false
			}
		}
		return call(TypeArray, len(x), func(i int) any { return x[i] })
	}
	return false
}
