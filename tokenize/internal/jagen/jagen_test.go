package jagen

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestStringDeterministic(t *testing.T) {
	a, b, c := String(10000, 1), String(10000, 1), String(10000, 2)
	if a != b {
		t.Fatal("same seed gave different text")
	}
	if a == c {
		t.Fatal("different seeds gave the same text")
	}
	if len(a) < 10000 || len(a) > 12000 || !utf8.ValidString(a) || !strings.HasSuffix(a, "\n") {
		t.Fatalf("got %d bytes, valid %v", len(a), utf8.ValidString(a))
	}
	if !strings.Contains(a, "。") || !strings.Contains(a, "\n") {
		t.Fatal("no sentences or lines")
	}
}
