package hfdataset

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/calibkit/calibkit/internal/filehash"
	"github.com/calibkit/calibkit/internal/manifest"
	"github.com/calibkit/calibkit/internal/version"
)

// Split names the files that make one split.
type Split struct {
	Name  string
	Files []string
}

// Options configure Export.
type Options struct {
	// Splits in order; each needs a name and at least one file.
	Splits []Split
	// Output is the dataset folder to create (or replace, when it holds an
	// earlier export).
	Output string
	// License is the card's license id (default "unknown").
	License string
	// Languages override the card's language list; empty: the languages
	// the manifests record.
	Languages []string
	// PrettyName is the card's title (default: the folder's name).
	PrettyName string
	// MaxShardBytes bounds the text of one shard (default 500 MiB).
	MaxShardBytes int64
	// Samples, when N > 0, cuts each split into windows instead of rows.
	Samples SampleSpec
	// Tokenizer, when set, counts the model tokens of every row (without
	// samples; each row on its own, no BOS) for the card.
	Tokenizer Tokenizer
	// Model names the tokenizer's model in the card and manifest.
	Model string
	// Command is the command line, for the card and manifest.
	Command []string
}

// SplitResult is one written split.
type SplitResult struct {
	Name   string   `json:"name"`
	Shards []string `json:"shards"`
	// ShardSHA256 is each shard's sha256, hashed as it was written.
	ShardSHA256 []string `json:"shard_sha256"`
	Rows        int64    `json:"rows"`
	Bytes       int64    `json:"bytes"`
	Chars       int64    `json:"chars"`
	// Tokens is the model's token count of the split's rows; -1 without a
	// model.
	Tokens int64 `json:"tokens"`
	// Units is the text's length in SeqLen units (samples only).
	Units int `json:"units,omitempty"`
}

// Result describes the written folder.
type Result struct {
	Output string        `json:"output"`
	Splits []SplitResult `json:"splits"`
	Inputs []Input       `json:"inputs"`
	Langs  []LangShare   `json:"languages"`
	Card   string        `json:"card"`
}

// ManifestName is the export's own manifest inside the folder.
const ManifestName = "calibkit.manifest.json"

var splitName = regexp.MustCompile(`^\w+(\.\w+)*$`)

// ValidSplitName reports whether name is a split name datasets accepts
// (\w+(\.\w+)*).
func ValidSplitName(name string) bool { return splitName.MatchString(name) }

// Export writes the dataset folder. On any error nothing appears under
// opts.Output (an earlier export there stays as it was).
func Export(ctx context.Context, opts Options) (*Result, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	out := filepath.Clean(opts.Output)
	if err := checkTarget(out); err != nil {
		return nil, err
	}
	parent := filepath.Dir(out)
	tmp, err := os.MkdirTemp(parent, "."+filepath.Base(out)+".tmp-")
	if err != nil {
		return nil, fmt.Errorf("create the dataset folder beside %s: %w", out, err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Mkdir(filepath.Join(tmp, "data"), 0o755); err != nil {
		return nil, err
	}
	res := &Result{Output: out}
	for i, sp := range opts.Splits {
		sr, ins, err := writeSplit(ctx, tmp, sp, opts, uint64(i))
		if err != nil {
			return nil, err
		}
		res.Splits = append(res.Splits, sr)
		res.Inputs = append(res.Inputs, ins...)
	}
	res.Langs = langShares(res.Inputs)
	card, err := opts.card(res)
	if err != nil {
		return nil, err
	}
	if err := writeSynced(filepath.Join(tmp, "README.md"), card); err != nil {
		return nil, err
	}
	res.Card = filepath.Join(out, "README.md")
	mb, err := opts.manifest(res)
	if err != nil {
		return nil, err
	}
	if err := writeSynced(filepath.Join(tmp, ManifestName), mb); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	syncDir(filepath.Join(tmp, "data"))
	syncDir(tmp)
	if err := replaceDir(tmp, out); err != nil {
		return nil, err
	}
	syncDir(parent)
	// the sums of what was written, for calibkit's hash cache (an upload
	// of the folder then reads none of it to hash it)
	for _, sr := range res.Splits {
		for i, rel := range sr.Shards {
			filehash.Remember(filepath.Join(out, filepath.FromSlash(rel)), sr.ShardSHA256[i])
		}
	}
	filehash.Remember(res.Card, sha256Hex(card))
	filehash.Remember(filepath.Join(out, ManifestName), sha256Hex(mb))
	return res, nil
}

func (o *Options) check() error {
	if o.Output == "" {
		return errors.New("no output folder")
	}
	if len(o.Splits) == 0 {
		return errors.New("no input files")
	}
	seen := map[string]bool{}
	for _, s := range o.Splits {
		if !ValidSplitName(s.Name) {
			return fmt.Errorf("split name %q: want letters, digits and _ (dots between), as datasets accepts", s.Name)
		}
		if seen[s.Name] {
			return fmt.Errorf("split %q given twice", s.Name)
		}
		seen[s.Name] = true
		if len(s.Files) == 0 {
			return fmt.Errorf("split %q has no files", s.Name)
		}
		for _, f := range s.Files {
			if _, err := kindOf(f); err != nil {
				return err
			}
		}
	}
	if o.Samples.N > 0 && o.Samples.SeqLen < 1 {
		return fmt.Errorf("--samples %d needs --seq-len of at least 1", o.Samples.N)
	}
	if o.Samples.N < 0 {
		return fmt.Errorf("--samples %d: want at least 1", o.Samples.N)
	}
	return nil
}

// checkTarget refuses an output that exists and is not an earlier export
// or an empty folder.
func checkTarget(out string) error {
	fi, err := os.Stat(out)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("output %s: %w", out, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("output %s exists and is not a folder; choose another -o", out)
	}
	ents, err := os.ReadDir(out)
	if err != nil {
		return fmt.Errorf("output %s: %w", out, err)
	}
	if len(ents) == 0 {
		return nil
	}
	if _, err := os.Stat(filepath.Join(out, ManifestName)); err != nil {
		return fmt.Errorf("output %s exists and is not an earlier export (no %s in it); choose another -o or remove it", out, ManifestName)
	}
	return nil
}

// replaceDir renames tmp to out; an earlier export at out is moved aside
// first and removed once the new one is in place.
func replaceDir(tmp, out string) error {
	err := os.Rename(tmp, out)
	if err == nil {
		return nil
	}
	if _, serr := os.Stat(out); serr != nil {
		return fmt.Errorf("put the dataset folder in place at %s: %w", out, err)
	}
	old := tmp + ".old"
	if err := os.Rename(out, old); err != nil {
		return fmt.Errorf("move the earlier export %s aside: %w", out, err)
	}
	if err := os.Rename(tmp, out); err != nil {
		os.Rename(old, out)
		return fmt.Errorf("put the dataset folder in place at %s: %w", out, err)
	}
	os.RemoveAll(old)
	return nil
}

// writeSplit writes the rows (or samples) of one split's files.
func writeSplit(ctx context.Context, dir string, sp Split, opts Options, stream uint64) (SplitResult, []Input, error) {
	sr := SplitResult{Name: sp.Name, Tokens: -1}
	sw := newShardWriter(dir, sp.Name, opts.MaxShardBytes)
	defer sw.abort()
	sampling := opts.Samples.N > 0
	var joined strings.Builder
	var inputs []Input
	var known []string // sources of the joined text, for sample rows
	for _, f := range sp.Files {
		fi, err := os.Stat(f)
		if err != nil {
			return sr, nil, fmt.Errorf("open input: %w", err)
		}
		// a manifest that records another size describes another version
		// of the file: neither the rows nor the card take anything from it
		prov, note := readProvenance(f, fi.Size())
		lang := ""
		if prov != nil {
			lang = prov.Lang
			if lang == "" && len(prov.Sources) == 0 {
				lang = fromLang(prov)
			}
		}
		source := filepath.Base(f)
		var pipe *rowPipe
		var write func(*Row) error
		if !sampling {
			w := sw.writeRows
			if opts.Tokenizer != nil {
				sr.Tokens = max(sr.Tokens, 0)
				w = func(rows []Row) error {
					for _, r := range rows {
						toks, err := opts.Tokenizer.Tokenize(r.Text)
						if err != nil {
							return fmt.Errorf("tokenize %s row %s: %w", f, r.ID, err)
						}
						sr.Tokens += int64(len(toks))
					}
					return sw.writeRows(rows)
				}
			}
			pipe = newRowPipe(ctx, w)
			write = pipe.add
		} else {
			write = func(r *Row) error {
				if joined.Len() > 0 {
					joined.WriteByte('\n')
				}
				joined.WriteString(r.Text)
				return nil
			}
			known = append(known, source)
		}
		st, err := readInput(ctx, f, source, lang, write)
		if pipe != nil {
			err = pipe.close(err)
		}
		if err != nil {
			return sr, nil, err
		}
		in := Input{Path: f, Split: sp.Name, Rows: st.Rows, Bytes: st.Bytes, Chars: st.Chars, Size: st.Size, SHA256: st.SHA256, Lang: lang}
		in.Kind, _ = kindOf(f)
		in.Manifest, in.Note = prov, note
		inputs = append(inputs, in)
		if !sampling {
			sr.Rows += st.Rows
			sr.Bytes += st.Bytes
			sr.Chars += st.Chars
		}
	}
	if sampling {
		texts, starts, units, err := sampleWindows(joined.String(), opts.Samples, stream)
		if err != nil {
			return sr, nil, fmt.Errorf("split %s: %w", sp.Name, err)
		}
		sr.Units = units
		lang := commonLang(inputs)
		src := strings.Join(known, "+")
		for i, t := range texts {
			r := Row{Text: t, Lang: lang, Source: src, ID: fmt.Sprintf("%s-sample-%05d@%d", sp.Name, i, starts[i])}
			if err := sw.write(&r); err != nil {
				return sr, nil, err
			}
			sr.Rows++
			sr.Bytes += int64(len(t))
			sr.Chars += int64(len([]rune(t)))
		}
		if opts.Samples.Tokenizer != nil {
			sr.Tokens = int64(len(texts) * opts.Samples.SeqLen)
		}
	}
	shards, sums, err := sw.finish()
	if err != nil {
		return sr, nil, err
	}
	sr.Shards, sr.ShardSHA256 = shards, sums
	return sr, inputs, nil
}

// commonLang is the language all inputs share, or "".
func commonLang(inputs []Input) string {
	if len(inputs) == 0 {
		return ""
	}
	l := inputs[0].Lang
	for _, in := range inputs[1:] {
		if in.Lang != l {
			return ""
		}
	}
	return l
}

func (o *Options) card(res *Result) ([]byte, error) {
	license := o.License
	if license == "" {
		license = "unknown"
	}
	title := o.PrettyName
	if title == "" {
		title = filepath.Base(res.Output)
	}
	var rows int64
	cfg := CardConfig{ConfigName: "default"}
	for _, s := range res.Splits {
		rows += s.Rows
		cfg.DataFiles = append(cfg.DataFiles, CardDataFile{Split: s.Name, Path: "data/" + s.Name + "-*"})
	}
	langs := slices.Clone(o.Languages)
	if len(langs) == 0 {
		for _, l := range res.Langs {
			if l.Lang != "" {
				langs = append(langs, l.Lang)
			}
		}
	}
	h := CardHeader{
		License: license, Language: langs, PrettyName: title,
		SizeCategories: []string{SizeCategory(rows)},
		TaskCategories: []string{"text-generation"},
		Tags:           []string{"calibration", "imatrix", "quantization", "calibkit"},
		Configs:        []CardConfig{cfg},
	}
	d := &cardData{header: h, title: title, version: version.String(), splits: res.Splits, inputs: res.Inputs,
		langs: res.Langs, model: o.Model, command: o.Command, licensed: o.License != "" && o.License != "unknown"}
	if o.Samples.N > 0 {
		s := o.Samples
		d.samples = &s
	}
	return d.render()
}

func (o *Options) manifest(res *Result) ([]byte, error) {
	m := manifest.New(res.Output, o.Command)
	for _, in := range res.Inputs {
		m.Inputs = append(m.Inputs, manifest.Input{Path: in.Path, Bytes: in.Size, SHA256: in.SHA256})
	}
	var splits []string
	for _, s := range o.Splits {
		splits = append(splits, s.Name)
	}
	m.Parameters["splits"] = splits
	m.Parameters["license"] = o.License
	m.Parameters["max_shard_bytes"] = o.MaxShardBytes
	m.Parameters["compression"] = "zstd"
	if o.Samples.N > 0 {
		m.Parameters["samples"] = o.Samples.N
		m.Parameters["seq_len"] = o.Samples.SeqLen
		m.Parameters["seq_unit"] = o.Samples.Unit()
		m.Parameters["seed"] = o.Samples.Seed
		m.Parameters["model"] = o.Model
	}
	var rows, b, c int64
	for _, s := range res.Splits {
		rows += s.Rows
		b += s.Bytes
		c += s.Chars
	}
	m.Counts["rows"] = rows
	m.Counts["bytes"] = b
	m.Counts["chars"] = c
	m.Extra = map[string]any{"splits": res.Splits, "languages": res.Langs}
	return m.Marshal()
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func writeSynced(path string, data []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
