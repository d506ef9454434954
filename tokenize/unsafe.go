package tokenize

import "unsafe"

// stringBytes views s as a byte slice without copying. The caller must not
// write to the result.
func stringBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// bytesString views b as a string without copying. b must not change while
// the result is in use.
func bytesString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }
