package stepcache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// MetaName is the file that makes an entry whole: written last, inside
// the temporary folder, before the folder is renamed into place.
const MetaName = "step.json"

// Store is a folder of step entries: DIR/<kind>/<key>/ holding the step's
// files and MetaName; DIR/.tmp holds entries being written and DIR/.locks
// the lock files.
type Store struct {
	Dir string
}

// Meta describes a finished step.
type Meta struct {
	Kind    string          `json:"kind"`
	Key     string          `json:"key"`
	Depends *Key            `json:"depends"`
	Engine  string          `json:"engine,omitempty"`
	Seconds float64         `json:"seconds"`
	Created time.Time       `json:"created"`
	Result  json.RawMessage `json:"result,omitempty"`
	// Dir is where the entry's files are (not stored).
	Dir string `json:"-"`
}

// EntryDir returns the folder of a finished entry.
func (s Store) EntryDir(kind, key string) string { return filepath.Join(s.Dir, kind, key) }

// Get returns a finished entry, or false when there is none (a folder
// without a readable MetaName is not an entry).
func (s Store) Get(kind, key string) (*Meta, bool) {
	dir := s.EntryDir(kind, key)
	b, err := os.ReadFile(filepath.Join(dir, MetaName))
	if err != nil {
		return nil, false
	}
	var m Meta
	if json.Unmarshal(b, &m) != nil || m.Key != key {
		return nil, false
	}
	m.Dir = dir
	return &m, true
}

// Outcome says how Do got its entry.
type Outcome int

// Outcomes of Do.
const (
	Computed Outcome = iota // this call ran the step
	Cached                  // the entry was there
	Waited                  // another process computed it while this one waited
)

// Do returns the entry for key, computing it with compute when there is
// none. compute writes the step's files into dir and returns the result
// to record; it runs under the key's lock, so two processes never compute
// the same key at once: the second waits and then takes the first's
// entry. waiting, when set, is called if the lock is held elsewhere. Do
// returns once the entry is whole: it is Begin followed by its finish.
func (s Store) Do(ctx context.Context, k *Key, engine string, compute func(ctx context.Context, dir string) (any, error), waiting func()) (*Meta, Outcome, error) {
	m, out, finish, err := s.Begin(ctx, k, engine, compute, waiting)
	if err != nil {
		return nil, out, err
	}
	if finish != nil {
		if err := finish(); err != nil {
			return nil, out, err
		}
	}
	return m, out, nil
}

// Begin is Do, except that a computed entry is left for finish to make
// whole, so that the caller can go on (with the next step) while it is
// written to disk. When Begin returns, the step's files are in m.Dir, the
// entry's final folder, and this process may use them; but m.Dir holds no
// MetaName yet, so to every Get, in this process or another, there is no
// entry, and the key's lock is still held: another process wanting the
// step waits. finish syncs the step's files and the folders holding them,
// then writes MetaName (the entry is whole from then on) and releases the
// lock; it must be called exactly once, also after a cancellation. finish
// is nil when there was nothing to write (Cached, Waited).
//
// The order is what makes a kill, a crash or a power loss harmless at any
// point: the files are on the disk before the MetaName that declares them
// whole exists, and a folder without a readable MetaName (missing, cut
// short, or not naming the key) is not an entry: the step is computed
// again and the folder replaced. So neither MetaName nor the folders
// above the entry are synced: what a power loss can take from them is
// only that the last steps finished are computed again.
func (s Store) Begin(ctx context.Context, k *Key, engine string, compute func(ctx context.Context, dir string) (any, error), waiting func()) (m *Meta, out Outcome, finish func() error, err error) {
	key := k.Sum()
	if m, ok := s.Get(k.Kind, key); ok {
		return m, Cached, nil, nil
	}
	held := false
	unlock, err := Lock(ctx, s.lockPath(k.Kind, key), func() {
		held = true
		if waiting != nil {
			waiting()
		}
	})
	if err != nil {
		return nil, Computed, nil, err
	}
	locked := true
	defer func() {
		if locked {
			unlock()
		}
	}()
	if m, ok := s.Get(k.Kind, key); ok {
		if held {
			return m, Waited, nil, nil
		}
		return m, Cached, nil, nil
	}
	tmpRoot := filepath.Join(s.Dir, ".tmp")
	tmp, err := os.MkdirTemp(tmpRoot, k.Kind+"-"+key+"-")
	if errors.Is(err, os.ErrNotExist) {
		if err = os.MkdirAll(tmpRoot, 0o755); err == nil {
			tmp, err = os.MkdirTemp(tmpRoot, k.Kind+"-"+key+"-")
		}
	}
	if err != nil {
		return nil, Computed, nil, fmt.Errorf("step cache: %w", err)
	}
	renamed := false
	defer func() {
		if !renamed {
			os.RemoveAll(tmp) // a failed step leaves nothing
		}
	}()
	start := time.Now()
	res, err := compute(ctx, tmp)
	if err != nil {
		return nil, Computed, nil, err
	}
	m = &Meta{Kind: k.Kind, Key: key, Depends: k, Engine: engine, Seconds: time.Since(start).Seconds(), Created: time.Now().UTC()}
	if res != nil {
		if m.Result, err = json.Marshal(res); err != nil {
			return nil, Computed, nil, fmt.Errorf("step %s: record result: %w", k.Kind, err)
		}
	}
	meta, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, Computed, nil, err
	}
	final := s.EntryDir(k.Kind, key)
	if err := renameDir(tmp, final); err != nil {
		return nil, Computed, nil, fmt.Errorf("step cache: %w", err)
	}
	renamed = true
	m.Dir = final
	locked = false // finish releases it
	finish = func() error {
		defer unlock()
		// The step's files reach the disk before the entry is declared
		// whole: a tool (llama-quantize) may not sync what it wrote.
		if err := syncTree(final); err != nil {
			return fmt.Errorf("step %s: sync its files: %w", k.Kind, err)
		}
		if err := os.WriteFile(filepath.Join(final, MetaName), append(meta, '\n'), 0o644); err != nil {
			return fmt.Errorf("step %s: %w", k.Kind, err)
		}
		return nil
	}
	return m, Computed, finish, nil
}

// renameDir moves a computed step's folder to its final name, replacing
// a folder left there without a MetaName (a crash before it was written,
// or a cache copied in by hand); the caller holds the key's lock.
func renameDir(tmp, final string) error {
	err := os.Rename(tmp, final)
	if errors.Is(err, os.ErrNotExist) {
		if err = os.MkdirAll(filepath.Dir(final), 0o755); err == nil {
			err = os.Rename(tmp, final)
		}
	}
	if err == nil || !(errors.Is(err, os.ErrExist) || errors.Is(err, syscall.ENOTEMPTY)) {
		return err
	}
	if err := os.RemoveAll(final); err != nil {
		return err
	}
	return os.Rename(tmp, final)
}

// syncTree fsyncs every file under dir and every folder holding one
// (dir itself included); a tree without files (a step that only records
// a result) needs nothing.
func syncTree(dir string) error {
	var files, dirs []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir():
			dirs = append(dirs, p)
		case d.Type().IsRegular():
			files = append(files, p)
		}
		return nil
	})
	if err != nil || len(files) == 0 {
		return err
	}
	for _, p := range append(files, dirs...) {
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		err = f.Sync()
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func (s Store) lockPath(kind, key string) string {
	return filepath.Join(s.Dir, ".locks", kind+"-"+key+".lock")
}

// Clean removes what killed processes left in .tmp: a folder whose step
// lock nobody holds belongs to no running step. It returns how many it
// removed.
func (s Store) Clean() (int, error) {
	entries, err := os.ReadDir(filepath.Join(s.Dir, ".tmp"))
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("step cache: %w", err)
	}
	n := 0
	for _, e := range entries {
		parts := strings.SplitN(e.Name(), "-", 3)
		if len(parts) != 3 || len(parts[1]) != 64 {
			continue
		}
		unlock, ok, err := TryLock(s.lockPath(parts[0], parts[1]))
		if err != nil || !ok {
			continue
		}
		if os.RemoveAll(filepath.Join(s.Dir, ".tmp", e.Name())) == nil {
			n++
		}
		unlock()
	}
	return n, nil
}
