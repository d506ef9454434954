// Package traintest gives tests a small bilingual model that has learned
// something: the demo's model (calibkit demo), trained on the bundled
// Japanese and English Wikipedia text and chat conversations in its own
// chat template, with its held-out calibration and eval texts. It is
// trained once and kept in a folder under the system's temporary folder
// keyed by everything that decides its weights, so every test binary of a
// go test run (and later runs) shares one training.
package traintest

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/calibkit/calibkit/train"
)

// Env names a folder to keep the trained model in instead of the default.
const Env = "CALIBKIT_TEST_MODEL_CACHE"

// Fixture is the trained model and the texts around it.
type Fixture struct {
	// Model is the trained GGUF (F32).
	Model string
	// Texts maps "train-ja", "calib-ja", "eval-ja", the same for "en", and
	// the conversations' "train-chat", "train-chat.jsonl" and
	// "eval-chat.jsonl" to their files (train.DemoTexts).
	Texts map[string]string
}

var (
	mu    sync.Mutex
	fixes = map[string]*Fixture{}
)

// CacheDir is the folder the trained model is kept in: $CALIBKIT_TEST_MODEL_CACHE,
// else calibkit-test-models in the system's temporary folder. A test that
// runs the demo gives it as the demo's model cache, so that the demo finds
// the model already trained.
func CacheDir() string {
	if d := os.Getenv(Env); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "calibkit-test-models")
}

// Model returns the fixture, training the model on first use (a minute or
// two on two cores) unless an earlier run left it in the cache.
func Model(t testing.TB) *Fixture {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	cache := CacheDir()
	if f := fixes[cache]; f != nil {
		return f
	}
	texts, err := train.DemoTexts(context.Background(), filepath.Join(cache, "wiki"))
	if err != nil {
		t.Fatal(err)
	}
	o := train.Demo(train.DemoInputs(texts))
	// One thread: go test runs two test binaries at once on two cores, and
	// ggml's threads spin while they wait for each other, so two threads
	// beside another binary's run several times slower than one. The
	// thread count does not change the weights' key.
	o.Threads = 1
	path, _, _, err := train.Cached(context.Background(), cache, o)
	if err != nil {
		t.Fatal(err)
	}
	f := &Fixture{Model: path, Texts: texts}
	fixes[cache] = f
	return f
}
