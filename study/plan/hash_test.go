package plan

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestHashNamesWhatARunComputes: the plan's hash is the same for the same
// spec and inputs in another folder (another host's mount) and with
// another thread count, and changes with an input's contents, a variant,
// the engine or the study's name.
func TestHashNamesWhatARunComputes(t *testing.T) {
	plan := func(t *testing.T, body string, files map[string]string, engine string) *Plan {
		t.Helper()
		dir := t.TempDir()
		for _, f := range []string{"m.gguf", "en.txt", "ja.jsonl", "w.raw"} {
			c, ok := files[f]
			if !ok {
				c = f
			}
			os.WriteFile(filepath.Join(dir, f), []byte(c), 0o644)
		}
		s := load(t, dir, body)
		p, err := New(s, Options{Engine: engine, Model: s.Model})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	base := plan(t, body, nil, "e1")
	if len(base.Hash) != 64 || base.Short() != base.Hash[:ShortHash] {
		t.Fatalf("hash %q, short %q", base.Hash, base.Short())
	}
	tests := []struct {
		name   string
		p      *Plan
		differ bool
	}{
		{"another folder", plan(t, body, nil, "e1"), false},
		{"threads set", plan(t, strings.Replace(body, "{ctx: 128}", "{ctx: 128, threads: 3}", 1), nil, "e1"), false},
		{"corpus changed", plan(t, body, map[string]string{"ja.jsonl": "changed"}, "e1"), true},
		{"variant", plan(t, strings.Replace(body, "[M, L]", "[M, fp16]", 1), nil, "e1"), true},
		{"ctx", plan(t, strings.Replace(body, "{ctx: 128}", "{ctx: 256}", 1), nil, "e1"), true},
		{"engine", plan(t, body, nil, "e2"), true},
		{"name", plan(t, "name: other\n"+body, nil, "e1"), true},
		{"baseline", plan(t, strings.Replace(body, "{ctx: 128}", "{ctx: 128, baseline: en}", 1), nil, "e1"), true},
	}
	for _, tt := range tests {
		if differ := tt.p.Hash != base.Hash; differ != tt.differ {
			t.Errorf("%s: hash differs %v, want %v", tt.name, differ, tt.differ)
		}
	}
	for _, tt := range []struct {
		h    string
		want bool
	}{
		{base.Hash, true},
		{base.Short(), true},
		{strings.ToUpper(base.Short()), true},
		{base.Hash[:ShortHash-1], false},
		{"", false},
		{tests[3].p.Short(), false},
	} {
		if got := base.HashIs(tt.h); got != tt.want {
			t.Errorf("HashIs(%q) = %v, want %v", tt.h, got, tt.want)
		}
	}
}

func TestCellPastEnd(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"m.gguf", "en.txt", "ja.jsonl", "w.raw"} {
		os.WriteFile(filepath.Join(dir, f), []byte(f), 0o644)
	}
	s := load(t, dir, body)
	p, err := New(s, Options{Engine: "e1", Model: s.Model})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		arg     string
		pastEnd bool
	}{{"12", true}, {"400", true}, {"-1", false}, {"nope/M/w", false}} {
		_, err := p.Cell(tt.arg)
		var ce *CellError
		if !errors.As(err, &ce) || ce.PastEnd != tt.pastEnd {
			t.Errorf("Cell(%s): %v, want PastEnd %v", tt.arg, err, tt.pastEnd)
		}
	}
}
