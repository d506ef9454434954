package mix

import (
	"fmt"
	"testing"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{"1290590", 1290590, false},
		{"1_290_590", 1290590, false},
		{"4k", 4000, false},
		{"4K", 4000, false},
		{"4KB", 4000, false},
		{"4KiB", 4096, false},
		{"1.5MB", 1_500_000, false},
		{"1.5M", 1_500_000, false},
		{"1.5MiB", 1_572_864, false},
		{"2G", 2_000_000_000, false},
		{"1GiB", 1 << 30, false},
		{"100B", 100, false},
		{" 12 ", 12, false},
		{"0", 0, true},
		{"-5", 0, true},
		{"", 0, true},
		{"MB", 0, true},
		{"1.5XB", 0, true},
		{"1e6", 0, true},
		{"0.0001k", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseUnitFormat(t *testing.T) {
	for _, s := range []string{"bytes", "chars", "tokens"} {
		u, err := ParseUnit(s)
		if err != nil || u.String() != s {
			t.Errorf("ParseUnit(%q) = %v, %v", s, u, err)
		}
	}
	if _, err := ParseUnit("words"); err == nil {
		t.Error("ParseUnit(words) succeeded")
	}
	for _, s := range []string{"wikitext", "plain"} {
		f, err := ParseFormat(s)
		if err != nil || f.String() != s {
			t.Errorf("ParseFormat(%q) = %v, %v", s, f, err)
		}
	}
	if _, err := ParseFormat("html"); err == nil {
		t.Error("ParseFormat(html) succeeded")
	}
}

func ExampleParseSize() {
	for _, s := range []string{"1290590", "1.5MB", "1.5MiB", "4k"} {
		n, _ := ParseSize(s)
		fmt.Println(s, n)
	}
	// Output:
	// 1290590 1290590
	// 1.5MB 1500000
	// 1.5MiB 1572864
	// 4k 4000
}

func FuzzParseSize(f *testing.F) {
	for _, s := range []string{"1290590", "1.5MB", "4KiB", "", "9999999999999999999G", "1..5k"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseSize(s)
		if err == nil && n <= 0 {
			t.Fatalf("ParseSize(%q) = %d without error", s, n)
		}
	})
}
