// Package chattest gives the tests of other packages the real chat templates
// that chat's own tests check byte for byte, compiled as corpus build would.
package chattest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/calibkit/calibkit/chat"
)

// Date is the day strftime_now prints in templates from this package.
var Date = time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC)

// Gemma2 returns Gemma 2's template (chat/testdata/templates/
// google-gemma-2-2b-it.jinja) compiled with "<bos>" and "<eos>" and Date.
func Gemma2(t testing.TB) *chat.Template {
	t.Helper()
	_, here, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("chattest: cannot locate its own source file")
	}
	path := filepath.Join(filepath.Dir(here), "..", "testdata", "templates", "google-gemma-2-2b-it.jinja")
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := chat.Compile("gemma-2", string(src), chat.Options{BOS: "<bos>", EOS: "<eos>", Now: Date})
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}
