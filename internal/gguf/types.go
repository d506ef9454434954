// Package gguf reads and writes GGUF files, the container llama.cpp uses for
// models and importance matrices: a header of typed key/value metadata and
// tensor descriptions, followed by aligned tensor data.
package gguf

import "fmt"

// Magic is the first four bytes of every GGUF file.
const Magic = "GGUF"

// DefaultAlignment is the tensor data alignment when general.alignment is absent.
const DefaultAlignment = 32

// ValueType is the type tag of a metadata value.
type ValueType uint32

// Metadata value types, as numbered by the GGUF specification.
const (
	TypeUint8 ValueType = iota
	TypeInt8
	TypeUint16
	TypeInt16
	TypeUint32
	TypeInt32
	TypeFloat32
	TypeBool
	TypeString
	TypeArray
	TypeUint64
	TypeInt64
	TypeFloat64
)

var valueTypeNames = [...]string{"u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64"}

func (t ValueType) String() string {
	if int(t) < len(valueTypeNames) {
		return valueTypeNames[t]
	}
	return fmt.Sprintf("ValueType(%d)", uint32(t))
}

// size returns the encoded size of a fixed-size value type, or 0 for strings
// and arrays.
func (t ValueType) size() int {
	switch t {
	case TypeUint8, TypeInt8, TypeBool:
		return 1
	case TypeUint16, TypeInt16:
		return 2
	case TypeUint32, TypeInt32, TypeFloat32:
		return 4
	case TypeUint64, TypeInt64, TypeFloat64:
		return 8
	}
	return 0
}

// TensorType is ggml's element type of a tensor.
type TensorType uint32

// Tensor types used by calibkit; others are read and carried through.
const (
	TensorF32  TensorType = 0
	TensorF16  TensorType = 1
	TensorQ4_0 TensorType = 2
	TensorQ8_0 TensorType = 8
	TensorQ4_K TensorType = 12
	TensorQ6_K TensorType = 14
	TensorBF16 TensorType = 30
)

type typeTraits struct {
	name      string
	blockSize uint64 // elements per block
	typeSize  uint64 // bytes per block
}

// traits follows ggml's type_traits table for the pinned llama.cpp.
var traits = map[TensorType]typeTraits{
	0:  {"F32", 1, 4},
	1:  {"F16", 1, 2},
	2:  {"Q4_0", 32, 18},
	3:  {"Q4_1", 32, 20},
	6:  {"Q5_0", 32, 22},
	7:  {"Q5_1", 32, 24},
	8:  {"Q8_0", 32, 34},
	9:  {"Q8_1", 32, 36},
	10: {"Q2_K", 256, 84},
	11: {"Q3_K", 256, 110},
	12: {"Q4_K", 256, 144},
	13: {"Q5_K", 256, 176},
	14: {"Q6_K", 256, 210},
	15: {"Q8_K", 256, 292},
	16: {"IQ2_XXS", 256, 66},
	17: {"IQ2_XS", 256, 74},
	18: {"IQ3_XXS", 256, 98},
	19: {"IQ1_S", 256, 50},
	20: {"IQ4_NL", 32, 18},
	21: {"IQ3_S", 256, 110},
	22: {"IQ2_S", 256, 82},
	23: {"IQ4_XS", 256, 136},
	24: {"I8", 1, 1},
	25: {"I16", 1, 2},
	26: {"I32", 1, 4},
	27: {"I64", 1, 8},
	28: {"F64", 1, 8},
	29: {"IQ1_M", 256, 56},
	30: {"BF16", 1, 2},
	34: {"TQ1_0", 256, 54},
	35: {"TQ2_0", 256, 66},
	39: {"MXFP4", 32, 17},
}

func (t TensorType) String() string {
	if tr, ok := traits[t]; ok {
		return tr.name
	}
	return fmt.Sprintf("TensorType(%d)", uint32(t))
}

// KV is one metadata entry. Value holds a Go value of the matching type:
// uint8, int8, uint16, int16, uint32, int32, float32, bool, string, uint64,
// int64, float64, or a slice of one of these for arrays ([]any for arrays
// of arrays).
type KV struct {
	Key   string
	Value any
}

// TensorInfo describes one tensor of a GGUF file.
type TensorInfo struct {
	Name string
	// Shape lists the dimensions, ne0 (the contiguous one) first.
	Shape []uint64
	Type  TensorType
	// Offset is the position of the data relative to the data section.
	Offset uint64
	// TypeAt is where the info's type (a u32) lies in the file, followed by
	// Offset (a u64); 0 for a tensor not read from a file. A tool that
	// changes a tensor's type in a copy of the file patches the two there,
	// keeping the header's size.
	TypeAt int64
}

// NumElements returns the product of the tensor's dimensions.
func (t TensorInfo) NumElements() uint64 {
	n := uint64(1)
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// Size returns the tensor's data size in bytes.
func (t TensorInfo) Size() (uint64, error) {
	tr, ok := traits[t.Type]
	if !ok {
		return 0, fmt.Errorf("tensor %s: unknown tensor type %d", t.Name, uint32(t.Type))
	}
	if len(t.Shape) == 0 || t.Shape[0]%tr.blockSize != 0 {
		return 0, fmt.Errorf("tensor %s: shape %v does not fit %s blocks of %d", t.Name, t.Shape, tr.name, tr.blockSize)
	}
	n := t.Shape[0] / tr.blockSize * tr.typeSize
	for _, d := range t.Shape[1:] {
		if d != 0 && n > (1<<62)/d {
			return 0, fmt.Errorf("tensor %s: shape %v too large", t.Name, t.Shape)
		}
		n *= d
	}
	return n, nil
}
