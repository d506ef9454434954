package hfdataset

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/calibkit/calibkit/internal/hubcard"
	"github.com/calibkit/calibkit/internal/manifest"
)

// CardHeader is the YAML front matter of a dataset card, in the Hub's
// field names.
type CardHeader struct {
	License        string       `yaml:"license"`
	Language       []string     `yaml:"language,omitempty"`
	PrettyName     string       `yaml:"pretty_name,omitempty"`
	SizeCategories []string     `yaml:"size_categories"`
	TaskCategories []string     `yaml:"task_categories"`
	Tags           []string     `yaml:"tags,omitempty"`
	Configs        []CardConfig `yaml:"configs"`
}

// CardConfig is one entry of the header's configs.
type CardConfig struct {
	ConfigName string         `yaml:"config_name"`
	DataFiles  []CardDataFile `yaml:"data_files"`
}

// CardDataFile maps a split to its shards.
type CardDataFile struct {
	Split string `yaml:"split"`
	Path  string `yaml:"path"`
}

// SizeCategory is the Hub's size_categories bucket for n rows.
func SizeCategory(n int64) string {
	bounds := []struct {
		lim  int64
		name string
	}{
		{1e3, "n<1K"}, {1e4, "1K<n<10K"}, {1e5, "10K<n<100K"}, {1e6, "100K<n<1M"},
		{1e7, "1M<n<10M"}, {1e8, "10M<n<100M"}, {1e9, "100M<n<1B"}, {1e10, "1B<n<10B"},
		{1e11, "10B<n<100B"}, {1e12, "100B<n<1T"},
	}
	for _, b := range bounds {
		if n < b.lim {
			return b.name
		}
	}
	return "n>1T"
}

// cardData is everything the card is written from.
type cardData struct {
	header   CardHeader
	title    string
	version  string
	splits   []SplitResult
	inputs   []Input
	langs    []LangShare
	samples  *SampleSpec
	model    string
	command  []string
	licensed bool
}

func (d *cardData) render() ([]byte, error) {
	var b bytes.Buffer
	if err := hubcard.WriteFrontMatter(&b, d.header); err != nil {
		return nil, fmt.Errorf("dataset %w", err)
	}
	fmt.Fprintf(&b, "# %s\n\n", d.title)
	what := "Text"
	if d.samples != nil {
		what = fmt.Sprintf("Calibration samples (%d per split of %d %s each)", d.samples.N, d.samples.SeqLen, d.samples.Unit())
	}
	fmt.Fprintf(&b, "%s exported by calibkit %s from %d file(s), for quantization calibration and evaluation. ", what, d.version, len(d.inputs))
	b.WriteString("Every row has the columns `text`, `lang` (null where no manifest says the language), `source` (the file it came from) and `id`.\n\n")
	if !d.licensed {
		b.WriteString("License: not given at export (`unknown`); the sources' own licenses apply.\n\n")
	}

	b.WriteString("## Splits\n\n| split | rows | shards | bytes | characters | model tokens |\n| --- | ---: | ---: | ---: | ---: | ---: |\n")
	for _, s := range d.splits {
		tok := "unknown"
		if s.Tokens >= 0 {
			tok = fmt.Sprint(s.Tokens)
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %s |\n", s.Name, s.Rows, len(s.Shards), s.Bytes, s.Chars, tok)
	}
	if d.model != "" {
		fmt.Fprintf(&b, "\nModel tokens are of `%s`'s tokenizer.\n", d.model)
	} else {
		b.WriteString("\nModel tokens: unknown at export (no model given); the sources' manifests below give them where they were measured.\n")
	}
	if d.samples != nil {
		fmt.Fprintf(&b, "\nSamples: the text of each split (its rows joined by newlines, in input order) was cut into back-to-back windows of %d %s, and %d windows were drawn without replacement with seed %d, kept in text order.", d.samples.SeqLen, d.samples.Unit(), d.samples.N, d.samples.Seed)
		if d.samples.Tokenizer != nil {
			b.WriteString(" A sample is the detokenized text of exactly that many tokens; tokenizing a sample on its own may give a few tokens more or less at its edges.")
		}
		b.WriteString("\n")
	}

	b.WriteString("\n## Languages\n\n| language | bytes | share |\n| --- | ---: | ---: |\n")
	for _, l := range d.langs {
		name := l.Lang
		if name == "" {
			name = "unknown (no manifest records it)"
		}
		fmt.Fprintf(&b, "| %s | %d | %.1f%% |\n", name, l.Bytes, 100*l.Share)
	}

	b.WriteString("\n## Sources\n")
	for _, in := range d.inputs {
		writeInput(&b, in)
	}

	b.WriteString("\n## How to rebuild\n\nThe commands recorded in the manifests, inputs first, then this export:\n\n```sh\n")
	for _, c := range rebuildCommands(d.inputs) {
		b.WriteString(shellJoin(c) + "\n")
	}
	if len(d.command) > 0 {
		cmd := slices.Clone(d.command)
		cmd[0] = filepath.Base(cmd[0])
		b.WriteString(shellJoin(cmd) + "\n")
	}
	b.WriteString("```\n")
	if unknown := unknownOrigins(d.inputs); len(unknown) > 0 {
		fmt.Fprintf(&b, "\nHow %s was made is unknown: no manifest records it.\n", strings.Join(unknown, ", "))
	}

	b.WriteString("\n## Loading\n\n```python\nfrom datasets import load_dataset\nds = load_dataset(\"path/to/this/folder\")  # or the Hub repository id\n")
	fmt.Fprintf(&b, "print(ds[%q][0][\"text\"])\n```\n", d.splits[0].Name)
	return b.Bytes(), nil
}

func writeInput(b *bytes.Buffer, in Input) {
	fmt.Fprintf(b, "\n### `%s` (split %s)\n\n", filepath.Base(in.Path), in.Split)
	fmt.Fprintf(b, "- file: `%s`, %d bytes, sha256 `%s`\n", in.Path, in.Size, in.SHA256)
	fmt.Fprintf(b, "- rows: %d (%s), %d bytes and %d characters of text\n", in.Rows, rowsOf(in.Kind), in.Bytes, in.Chars)
	if in.Lang != "" {
		fmt.Fprintf(b, "- language: %s\n", in.Lang)
	}
	p := in.Manifest
	if p == nil {
		fmt.Fprintf(b, "- provenance: %s, so its sources, cleaning, language and model token count are unknown\n", in.Note)
		return
	}
	fmt.Fprintf(b, "- made by: `%s` (%s %s)\n", shellJoin(p.Command), p.Tool, p.Version)
	if p.Tokens >= 0 {
		model := p.TokenModel
		if model == "" {
			model = "the model given then"
		}
		fmt.Fprintf(b, "- model tokens: %d (%s)\n", p.Tokens, model)
	} else {
		b.WriteString("- model tokens: not measured when it was made\n")
	}
	if len(p.Inputs) > 0 {
		b.WriteString("\n| input | bytes | sha256 |\n| --- | ---: | --- |\n")
		for _, i := range p.Inputs {
			fmt.Fprintf(b, "| `%s` | %d | `%s` |\n", i.Path, i.Bytes, i.SHA256)
		}
	}
	if len(p.Sources) > 0 {
		b.WriteString("\n| mix part | language | bytes | characters | share of bytes |\n| --- | --- | ---: | ---: | ---: |\n")
		for _, s := range p.Sources {
			lang := s.Lang
			if lang == "" {
				lang = "unknown"
			}
			fmt.Fprintf(b, "| `%s` | %s | %d | %d | %.1f%% |\n", s.Name, lang, s.Bytes, s.Chars, 100*s.Share)
		}
	}
	if len(p.Removed) > 0 {
		b.WriteString("\nCleaning (what each step removed):\n\n| step | removed |\n| --- | ---: |\n")
		for _, k := range sortedKeys(p.Removed) {
			fmt.Fprintf(b, "| %s | %d |\n", k, p.Removed[k])
		}
	}
	if len(p.Parameters) > 0 {
		b.WriteString("\nParameters: ")
		var parts []string
		for _, k := range sortedKeys(p.Parameters) {
			parts = append(parts, fmt.Sprintf("`%s=%s`", k, compact(p.Parameters[k])))
		}
		b.WriteString(strings.Join(parts, ", ") + "\n")
	}
}

func rowsOf(k InputKind) string {
	if k == KindJSONL {
		return "one per JSON record"
	}
	return "one per line"
}

// rebuildCommands lists the recorded commands that made the inputs, each
// after the commands that made its own inputs (followed through the
// manifests beside them, where those files are still on this machine),
// without repeats.
func rebuildCommands(inputs []Input) [][]string {
	seen := map[string]bool{}
	visiting := map[string]bool{}
	var out [][]string
	var visit func(p *Provenance, depth int)
	visit = func(p *Provenance, depth int) {
		if p == nil || len(p.Command) == 0 || depth > 16 {
			return
		}
		k := strings.Join(p.Command, "\x00")
		if seen[k] || visiting[k] {
			return
		}
		visiting[k] = true
		for _, in := range p.Inputs {
			if b, err := os.ReadFile(manifest.Path(in.Path)); err == nil {
				if q, err := ParseManifest(b, manifest.Path(in.Path)); err == nil {
					visit(q, depth+1)
				}
			}
		}
		seen[k] = true
		cmd := slices.Clone(p.Command)
		cmd[0] = filepath.Base(cmd[0])
		out = append(out, cmd)
	}
	for _, in := range inputs {
		visit(in.Manifest, 0)
	}
	return out
}

func unknownOrigins(inputs []Input) []string {
	var out []string
	for _, in := range inputs {
		if in.Manifest == nil {
			out = append(out, "`"+filepath.Base(in.Path)+"`")
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// compact prints a parameter value on one line, shortened.
func compact(v any) string {
	s := strings.ReplaceAll(fmt.Sprint(v), "\n", " ")
	s = strings.ReplaceAll(s, "`", "'")
	if r := []rune(s); len(r) > 120 {
		s = string(r[:117]) + "..."
	}
	return s
}

// shellJoin quotes args for a POSIX shell.
func shellJoin(args []string) string { return hubcard.ShellJoin(args) }
