package modelcard

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParsePlan feeds plan.json's parser arbitrary bytes: it returns a
// plan or an error, never panics, and a plan it returns has what the card
// relies on.
func FuzzParsePlan(f *testing.F) {
	f.Add([]byte(`{"cells":[{"index":0,"id":"none/M/en","source":"none","variant":"M","eval":"en","ppl_step":"ppl:none/M/en"}],"steps":[{"id":"ppl:none/M/en","kind":"ppl","key":"ab12"}]}`))
	f.Add([]byte(`{"cells":[null]}`))
	f.Add([]byte(`{"cells":[{"id":"a"}],"steps":[{"id":"x","kind":"k","key":"../../etc"}]}`))
	if b, err := os.ReadFile(filepath.Join("testdata", "plan.json")); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parsePlan(b)
		if err != nil {
			return
		}
		for _, c := range p.Cells {
			if c == nil || c.ID == "" {
				t.Fatal("a cell without an id")
			}
		}
		for _, s := range p.Steps {
			if s == nil || !validKey(s.Key) || strings.ContainsAny(s.Kind, "./\\") {
				t.Fatalf("step %+v", s)
			}
		}
		fo := &folder{dir: t.TempDir(), plan: p}
		for _, c := range p.Cells {
			fo.cellStatus(c)
		}
	})
}

// FuzzCardLicense feeds a base model's card to the license reader.
func FuzzCardLicense(f *testing.F) {
	f.Add([]byte("---\nlicense: apache-2.0\n---\n"))
	f.Add([]byte("---\nlicense: {a: 1}\n---\n"))
	f.Add([]byte("---\n---\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if l := ParseCardLicense(b); l != "" && !licenseID.MatchString(l) {
			t.Fatalf("license %q", l)
		}
	})
}
