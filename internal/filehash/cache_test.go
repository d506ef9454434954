package filehash

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func hexSum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

func TestCacheLookup(t *testing.T) {
	content := []byte(strings.Repeat("calibration text\n", 100))
	cases := []struct {
		name string
		// change runs after the record was stored
		change func(t *testing.T, c Cache, p string)
		hit    bool
	}{
		{"unchanged", func(*testing.T, Cache, string) {}, true},
		{"rewritten in place, same size, times put back", func(t *testing.T, _ Cache, p string) {
			fi, _ := os.Stat(p)
			b := []byte(strings.Repeat("calibration TEXT\n", 100))
			os.WriteFile(p, b, 0o644)
			os.Chtimes(p, fi.ModTime(), fi.ModTime())
		}, false},
		{"appended to", func(t *testing.T, _ Cache, p string) {
			f, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			f.WriteString("more\n")
			f.Close()
		}, false},
		{"replaced by another file of the same content", func(t *testing.T, _ Cache, p string) {
			os.WriteFile(p+".new", content, 0o644)
			os.Rename(p+".new", p)
		}, false},
		{"modification time changed", func(t *testing.T, _ Cache, p string) {
			later := time.Now().Add(time.Hour)
			os.Chtimes(p, later, later)
		}, false},
		{"renamed away and back", func(t *testing.T, _ Cache, p string) {
			os.Rename(p, p+".x")
			os.Rename(p+".x", p)
		}, false},
		{"record cut short", func(t *testing.T, c Cache, p string) {
			abs, _ := filepath.Abs(p)
			b, _ := os.ReadFile(c.file(abs))
			os.WriteFile(c.file(abs), b[:len(b)/2], 0o644)
		}, false},
		{"record not JSON", func(t *testing.T, c Cache, p string) {
			abs, _ := filepath.Abs(p)
			os.WriteFile(c.file(abs), []byte("\x00\xff garbage"), 0o644)
		}, false},
		{"record of another path", func(t *testing.T, c Cache, p string) {
			abs, _ := filepath.Abs(p)
			other := filepath.Join(filepath.Dir(abs), "other.txt")
			os.WriteFile(other, content, 0o644)
			c.Store(other, nil, hexSum(content), "")
			b, _ := os.ReadFile(c.file(other))
			os.WriteFile(c.file(abs), b, 0o644)
		}, false},
		{"record with a bad sum", func(t *testing.T, c Cache, p string) {
			abs, _ := filepath.Abs(p)
			b, _ := os.ReadFile(c.file(abs))
			os.WriteFile(c.file(abs), []byte(strings.Replace(string(b), hexSum(content), "XYZ", 1)), 0o644)
		}, false},
		{"forgotten", func(t *testing.T, c Cache, p string) { c.Forget(p) }, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "corpus.txt")
			os.WriteFile(p, content, 0o644)
			c := Cache{Dir: filepath.Join(dir, "cache")}
			c.Store(p, nil, hexSum(content), "")
			if r, ok := c.Lookup(p, nil); !ok || r.SHA256 != hexSum(content) || r.Size != int64(len(content)) {
				t.Fatalf("no record right after storing: %+v %v", r, ok)
			}
			tc.change(t, c, p)
			if _, ok := c.Lookup(p, nil); ok != tc.hit {
				t.Errorf("lookup hit %v, want %v", ok, tc.hit)
			}
		})
	}
}

func TestCacheStore(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f.bin")
	os.WriteFile(p, make([]byte, 100), 0o644)
	before, _ := os.Stat(p)
	cases := []struct {
		name   string
		c      Cache
		fi     os.FileInfo
		sha    string
		gitOID string
		stored bool
	}{
		{"disabled", Cache{}, nil, hexSum(make([]byte, 100)), "", false},
		{"under MinBytes", Cache{Dir: filepath.Join(dir, "a"), MinBytes: 101}, nil, hexSum(make([]byte, 100)), "", false},
		{"not a sum", Cache{Dir: filepath.Join(dir, "b")}, nil, "abc", "", false},
		{"not a git blob id", Cache{Dir: filepath.Join(dir, "c")}, nil, hexSum(make([]byte, 100)), "xyz", false},
		{"with git blob id", Cache{Dir: filepath.Join(dir, "d")}, nil, hexSum(make([]byte, 100)), strings.Repeat("0a", 20), true},
		{"stat of before hashing still holds", Cache{Dir: filepath.Join(dir, "e")}, before, hexSum(make([]byte, 100)), "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.c.Store(p, tc.fi, tc.sha, tc.gitOID)
			r, ok := Cache{Dir: tc.c.Dir}.Lookup(p, nil)
			if ok != tc.stored || (ok && (r.SHA256 != tc.sha || r.GitOID != tc.gitOID)) {
				t.Errorf("stored %v (%+v), want %v", ok, r, tc.stored)
			}
		})
	}
	// changed between the stat before hashing and the store: not stored
	os.WriteFile(p, make([]byte, 200), 0o644)
	c := Cache{Dir: filepath.Join(dir, "f")}
	c.Store(p, before, hexSum(make([]byte, 100)), "")
	if _, ok := c.Lookup(p, nil); ok {
		t.Error("a file that changed while it was hashed was recorded")
	}
}

// SHA256 and Remember go through the default cache: a file a writer
// recorded is not read, one modified in place afterwards is.
func TestSHA256UsesTheDefaultCache(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(CacheEnv, filepath.Join(dir, "cache"))
	p := filepath.Join(dir, "mix.txt")
	content := make([]byte, DefaultMinBytes)
	os.WriteFile(p, content, 0o644)
	// a deliberately different sum: taken without reading proves the record is used
	claimed := strings.Repeat("cd", 32)
	Remember(p, claimed)
	if s, err := SHA256(p); err != nil || s.SHA256 != claimed || !s.Cached {
		t.Fatalf("recorded file: %+v %v", s, err)
	}
	content[0] = 1
	os.WriteFile(p, content, 0o644)
	s, err := SHA256(p)
	if err != nil || s.SHA256 != hexSum(content) || s.Cached {
		t.Fatalf("modified in place: %+v %v", s, err)
	}
	if s, _ := SHA256(p); !s.Cached || s.SHA256 != hexSum(content) {
		t.Errorf("hashing did not record: %+v", s)
	}
	// small files are hashed every time
	small := filepath.Join(dir, "small.txt")
	os.WriteFile(small, []byte("x"), 0o644)
	Remember(small, claimed)
	if s, _ := SHA256(small); s.Cached || s.SHA256 != hexSum([]byte("x")) {
		t.Errorf("small file: %+v", s)
	}
	t.Setenv(CacheEnv, "off")
	if s, _ := SHA256(p); s.Cached {
		t.Error("cache used with CALIBKIT_HASH_CACHE=off")
	}
	if DefaultCache().Dir != "" {
		t.Error("off is not off")
	}
}

// TestDefaultCacheIsOffInTests: without $CALIBKIT_HASH_CACHE, a test binary
// keeps no records (none in the user's ~/.cache).
func TestDefaultCacheIsOffInTests(t *testing.T) {
	t.Setenv(CacheEnv, "")
	if c := DefaultCache(); c.Dir != "" {
		t.Errorf("default cache in a test: %q", c.Dir)
	}
	dir := t.TempDir()
	t.Setenv(CacheEnv, dir)
	if c := DefaultCache(); c.Dir != dir || c.MinBytes != DefaultMinBytes {
		t.Errorf("named cache: %+v", c)
	}
}
