package synthtest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/calibkit/calibkit/internal/gguf"
	"github.com/calibkit/calibkit/internal/synth"
)

func TestMain(m *testing.M) { Main(m) }

func TestModelWrittenOnce(t *testing.T) {
	o := synth.Default()
	p := Model(t, "tiny", o)
	if filepath.Dir(p) != Dir(t) {
		t.Errorf("%s is not in %s", p, Dir(t))
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	r, err := gguf.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if q := Model(t, "tiny", o); q != p {
		t.Errorf("second call: %s, want %s", q, p)
	}
	if again, err := os.Stat(p); err != nil || !again.ModTime().Equal(fi.ModTime()) {
		t.Errorf("the model was written again: %v", err)
	}
	if q := Model(t, "other", o); q == p {
		t.Error("two names, one file")
	}
}
