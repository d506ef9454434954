package coverage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/calibkit/calibkit/internal/atomicfile"
	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/manifest"
)

// WriteText prints r as a table with one column per file: sizes, tokens
// per byte, the shares seen at least once and at least K times overall and
// per script, then each file's most frequent never-seen tokens per script.
func WriteText(w io.Writer, r *Result) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "model %s: %s vocabulary of %d tokens, %d counted (%d special left out); never-seen tokens ranked by %s\n\n",
		r.Model, r.VocabType, r.NVocab, r.Counted, r.Special, priorWords(r.Prior))
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	row := func(label string, cell func(f *File) string) {
		fmt.Fprintf(tw, "%s\t", label)
		for _, f := range r.Files {
			fmt.Fprintf(tw, "%s\t", cell(f))
		}
		fmt.Fprintln(tw)
	}
	row("", func(f *File) string { return baseName(f.Path) })
	row("bytes", func(f *File) string { return strconv.FormatInt(f.Bytes, 10) })
	row("tokens", func(f *File) string { return strconv.FormatInt(f.Tokens, 10) })
	row("tokens/byte", func(f *File) string { return fmt.Sprintf("%.4f", f.TokensPerByte) })
	if slices.ContainsFunc(r.Files, func(f *File) bool { return f.ParseSpecial }) {
		row("special-token text", func(f *File) string {
			if f.ParseSpecial {
				return "parsed"
			}
			return "as text"
		})
	}
	row(fmt.Sprintf("vocab seen ≥1 / ≥%d (of %d)", r.MinCount, r.Counted), func(f *File) string {
		return shares(f.Share, f.ShareK)
	})
	for i, s := range r.Scripts {
		row(fmt.Sprintf("%s (%d)", s.Script, s.Tokens), func(f *File) string {
			sc := f.Scripts[i]
			return shares(sc.Share, sc.ShareK)
		})
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, f := range r.Files {
		var lines []string
		for _, sc := range f.Scripts {
			if len(sc.Unseen) == 0 {
				continue
			}
			q := make([]string, len(sc.Unseen))
			for i, t := range sc.Unseen {
				q[i] = strconv.Quote(t.Piece)
			}
			lines = append(lines, fmt.Sprintf("  %-10s %s", sc.Script, strings.Join(q, " ")))
		}
		if len(lines) > 0 {
			fmt.Fprintf(&b, "\n%s: most frequent tokens never seen\n%s\n", baseName(f.Path), strings.Join(lines, "\n"))
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

func shares(a, k float64) string { return fmt.Sprintf("%5.1f%% / %5.1f%%", 100*a, 100*k) }

func priorWords(p string) string {
	if p == PriorScore {
		return "tokenizer score (highest first)"
	}
	return "token id (lowest first: BPE merge order)"
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// encodeJSON returns r as indented JSON ending in a newline.
func encodeJSON(r *Result) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return nil, fmt.Errorf("encode coverage: %w", err)
	}
	return b.Bytes(), nil
}

// WriteJSON prints r as indented JSON.
func WriteJSON(w io.Writer, r *Result) error {
	b, err := encodeJSON(r)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// SaveJSON stores r as JSON at path atomically, with its manifest
// (inputs: the model and the texts; counts: tokens per file) beside it;
// command is the command line to record.
func SaveJSON(path string, r *Result, command []string) error {
	b, err := encodeJSON(r)
	if err != nil {
		return err
	}
	m, err := newManifest(path, r, command)
	if err != nil {
		return err
	}
	if _, err := atomicfile.WriteFile(path, bytes.NewReader(b)); err != nil {
		return err
	}
	return m.Write()
}

// newManifest describes an output of r: the model and texts as inputs,
// the options as parameters, tokens and seen counts per file.
func newManifest(path string, r *Result, command []string) (*manifest.Manifest, error) {
	m := manifest.New(path, command)
	for _, in := range append([]string{r.Model}, filePaths(r)...) {
		if err := m.AddInput(in); err != nil {
			return nil, err
		}
	}
	m.Parameters["min_count"] = r.MinCount
	m.Parameters["parse_special"] = r.ParseSpecial
	m.Parameters["prior"] = r.Prior
	m.Parameters["llama_cpp_commit"] = llama.Commit
	for _, f := range r.Files {
		m.Counts[f.Path] = map[string]any{"bytes": f.Bytes, "tokens": f.Tokens, "seen": f.Seen, "seen_k": f.SeenK, "parse_special": f.ParseSpecial}
	}
	return m, nil
}

func filePaths(r *Result) []string {
	out := make([]string, len(r.Files))
	for i, f := range r.Files {
		out[i] = f.Path
	}
	return out
}
