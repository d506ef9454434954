package corpus

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// ExpandInputs turns the INPUT arguments of a command into a list of files:
// a glob pattern expands to the files it matches (sorted), a directory is
// walked for data files (parquet, JSONL, text; hidden entries skipped) and
// any other argument must be an existing file. Symbolic links are followed, so
// a huggingface_hub snapshot folder (relative symlinks into blobs/) works as
// input. A path given twice is read once. It is an error when nothing is left.
func ExpandInputs(patterns []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, pat := range patterns {
		if pat == "" {
			return nil, errors.New("empty input path")
		}
		if strings.ContainsAny(pat, "*?[") {
			if _, err := os.Stat(pat); err == nil {
				// A real file whose name contains glob characters.
				add(pat)
				continue
			}
			matches, err := filepath.Glob(pat)
			if err != nil {
				return nil, fmt.Errorf("input pattern %q: %w", pat, err)
			}
			if len(matches) == 0 {
				return nil, fmt.Errorf("input pattern %q matches no files", pat)
			}
			sort.Strings(matches)
			n := 0
			for _, m := range matches {
				fi, err := os.Stat(m)
				if err != nil {
					return nil, fmt.Errorf("input %s: %w", m, err)
				}
				if fi.IsDir() {
					files, err := walkInputs(m)
					if err != nil {
						return nil, err
					}
					for _, f := range files {
						add(f)
						n++
					}
					continue
				}
				add(m)
				n++
			}
			if n == 0 {
				return nil, fmt.Errorf("input pattern %q matches no data files", pat)
			}
			continue
		}
		fi, err := os.Stat(pat)
		if err != nil {
			return nil, fmt.Errorf("input %s: %w", pat, err)
		}
		if !fi.IsDir() {
			add(pat)
			continue
		}
		files, err := walkInputs(pat)
		if err != nil {
			return nil, err
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("input folder %s holds no data files (.parquet, .jsonl, .ndjson, .txt, .raw)", pat)
		}
		for _, f := range files {
			add(f)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no input files")
	}
	return out, nil
}

// walkInputs lists the data files under dir in lexical order, following
// symbolic links to files and folders (each real folder once).
func walkInputs(dir string) ([]string, error) {
	var out []string
	visited := map[string]bool{}
	var walk func(root string) error
	walk = func(root string) error {
		real, err := filepath.EvalSymlinks(root)
		if err != nil {
			return fmt.Errorf("input folder %s: %w", root, err)
		}
		if visited[real] {
			return nil
		}
		visited[real] = true
		// Walk the real folder (WalkDir does not enter a symlinked root)
		// but report paths under the name the user gave.
		return filepath.WalkDir(real, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return fmt.Errorf("walk input folder %s: %w", root, err)
			}
			if rel, rerr := filepath.Rel(real, p); rerr == nil {
				p = filepath.Join(root, rel)
			}
			if p != filepath.Clean(root) && strings.HasPrefix(d.Name(), ".") {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			if d.Type()&fs.ModeSymlink != 0 {
				fi, err := os.Stat(p)
				if err != nil {
					return fmt.Errorf("input %s: broken symbolic link: %w", p, err)
				}
				if fi.IsDir() {
					return walk(p)
				}
			} else if !d.Type().IsRegular() {
				return nil
			}
			if FormatOf(p) != FormatUnknown {
				out = append(out, p)
			}
			return nil
		})
	}
	if err := walk(dir); err != nil {
		return nil, err
	}
	return out, nil
}
