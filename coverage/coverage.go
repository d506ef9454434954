package coverage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/calibkit/calibkit/internal/llama"
	"github.com/calibkit/calibkit/internal/manifest"
)

// Options choose what Run measures.
type Options struct {
	// Model is the GGUF file whose vocabulary tokenizes the texts; only
	// the vocabulary is loaded.
	Model string
	// Files are the texts, reported side by side in this order.
	Files []string
	// MinCount is K of "seen at least K times"; 0 means DefaultMinCount.
	MinCount int
	// Top is how many never-seen tokens to list per script; 0 means
	// DefaultTop, negative none.
	Top int
	// ParseSpecial tokenizes the text of special tokens (e.g.
	// "<|im_start|>") as those tokens, like llama-imatrix --parse-special.
	ParseSpecial bool
	// SpecialFromManifest, when ParseSpecial is off, parses special tokens
	// in each file whose manifest marks its text chat-formatted (as
	// `calibkit imatrix` does), so a chat corpus's <start_of_turn> counts
	// as the one token the model reads.
	SpecialFromManifest bool
	// PieceBytes is the largest text tokenized in one call; 0 means
	// DefaultPieceBytes. Larger files are cut at line boundaries.
	PieceBytes int
	// Threads tokenize pieces of one file at once; 0 or 1 means one. The
	// counts do not depend on it; memory grows with it (one piece's
	// tokenizer peak per thread).
	Threads int
	// Progress, when set, is called after each piece with the file and
	// the bytes of it tokenized so far.
	Progress func(file string, done, total int64)
}

// DefaultMinCount is K of "seen at least K times" when Options.MinCount
// is 0: a token met ten times in the calibration text contributes ten rows
// of activations, enough to be more than a one-off.
const DefaultMinCount = 10

// DefaultTop is the number of never-seen tokens listed per script.
const DefaultTop = 10

// Prior names how "most frequent" is judged for never-seen tokens.
const (
	// PriorScore ranks tokens by their tokenizer.ggml.scores value, highest
	// first: for SPM the log probability of the piece in the unigram model.
	PriorScore = "score"
	// PriorID ranks tokens by id, lowest first: for BPE the order merges
	// were learnt in, which follows the pair counts of the training text.
	PriorID = "id"
)

// Result is what Run measured.
type Result struct {
	Model     string `json:"model"`
	VocabType string `json:"vocab_type"`
	// NVocab is the vocabulary size; Counted leaves out the special
	// tokens (Special of them), which no share counts.
	NVocab  int `json:"n_vocab"`
	Counted int `json:"counted"`
	Special int `json:"special"`
	// Scripts lists the vocabulary's script classes with their token
	// counts, largest first (special left out).
	Scripts  []ScriptSize `json:"scripts"`
	MinCount int          `json:"min_count"`
	// Prior is PriorScore or PriorID: how never-seen tokens are ordered.
	Prior        string  `json:"prior"`
	ParseSpecial bool    `json:"parse_special"`
	Files        []*File `json:"files"`
}

// ScriptSize is the number of vocabulary tokens of one script class.
type ScriptSize struct {
	Script string `json:"script"`
	Tokens int    `json:"tokens"`
}

// File is the coverage of one text.
type File struct {
	Path  string `json:"path"`
	Bytes int64  `json:"bytes"`
	// Tokens is the number of tokens of the text (no BOS or EOS added).
	Tokens        int64   `json:"tokens"`
	TokensPerByte float64 `json:"tokens_per_byte"`
	// Pieces is the number of tokenizer calls (1: tokenized whole).
	Pieces int `json:"pieces"`
	// ParseSpecial says the file's special-token text was tokenized as
	// special tokens (Options.ParseSpecial, or its manifest's mark).
	ParseSpecial bool `json:"parse_special"`
	// SpecialTokens counts occurrences of special tokens (with
	// ParseSpecial, or an unknown token).
	SpecialTokens int64 `json:"special_tokens"`
	// Seen and SeenK count counted vocabulary tokens met at least once and
	// at least MinCount times; Share and ShareK divide them by Counted.
	Seen   int     `json:"seen"`
	SeenK  int     `json:"seen_k"`
	Share  float64 `json:"share"`
	ShareK float64 `json:"share_k"`
	// Scripts holds the same per script class, in Result.Scripts' order.
	Scripts []*ScriptCoverage `json:"scripts"`
	// Seconds is the time spent reading and tokenizing.
	Seconds float64 `json:"seconds"`
	// counts holds the occurrences of each token id.
	counts []int64
}

// ScriptCoverage is a text's coverage of one script class.
type ScriptCoverage struct {
	Script string `json:"script"`
	// Vocab is the number of vocabulary tokens of the script; Occurrences
	// the text's tokens of it.
	Vocab       int     `json:"vocab"`
	Occurrences int64   `json:"occurrences"`
	Seen        int     `json:"seen"`
	SeenK       int     `json:"seen_k"`
	Share       float64 `json:"share"`
	ShareK      float64 `json:"share_k"`
	// Unseen lists the script's most frequent tokens (by Result.Prior)
	// that the text never produced.
	Unseen []Token `json:"unseen"`
}

// Token is one vocabulary entry.
type Token struct {
	ID    int32   `json:"id"`
	Piece string  `json:"piece"`
	Score float32 `json:"score"`
}

// ErrEmptyText is returned for a text with no tokens.
var ErrEmptyText = errors.New("empty text: no tokens to measure")

// Counts returns how often each token id occurs in the text.
func (f *File) Counts() []int64 { return f.counts }

// Run tokenizes each of opts.Files with opts.Model's vocabulary and
// measures its coverage. Errors name the file and, for bad text, the byte
// offset.
func Run(ctx context.Context, opts Options) (*Result, error) {
	if len(opts.Files) == 0 {
		return nil, errors.New("coverage: no text files given")
	}
	m, err := llama.LoadModel(opts.Model, llama.ModelParams{VocabOnly: true})
	if err != nil {
		return nil, err
	}
	defer m.Close()
	v, err := newVocabulary(m)
	if err != nil {
		return nil, fmt.Errorf("model %s: %w", opts.Model, err)
	}
	res := v.result(opts)
	for _, path := range opts.Files {
		f, err := countFile(ctx, m, path, opts)
		if err != nil {
			return nil, err
		}
		v.measure(f, res.MinCount, top(opts.Top))
		res.Files = append(res.Files, f)
	}
	return res, nil
}

func top(n int) int {
	if n == 0 {
		return DefaultTop
	}
	return max(n, 0)
}

// countFile tokenizes the file at path piece by piece and counts its tokens.
func countFile(ctx context.Context, m *llama.Model, path string, opts Options) (*File, error) {
	start := time.Now()
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("coverage: %w", err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("coverage %s: %w", path, err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("coverage %s: is a folder, not a text file", path)
	}
	size := opts.PieceBytes
	if size <= 0 {
		size = DefaultPieceBytes
	}
	f := &File{Path: path, ParseSpecial: opts.ParseSpecial}
	if !f.ParseSpecial && opts.SpecialFromManifest {
		if f.ParseSpecial, err = manifest.SpecialTokensOf(path); err != nil {
			return nil, fmt.Errorf("coverage %s: %w", path, err)
		}
	}
	var err2 error
	f.counts, f.Tokens, f.Bytes, f.Pieces, err2 = countPieces(ctx, m, newPieceReader(fh, size), opts.Threads, f.ParseSpecial,
		func(done int64) {
			if opts.Progress != nil {
				opts.Progress(path, done, st.Size())
			}
		})
	if err2 != nil {
		if errors.Is(err2, context.Canceled) || errors.Is(err2, context.DeadlineExceeded) {
			return nil, err2
		}
		return nil, fmt.Errorf("coverage %s: %w", path, err2)
	}
	if f.Tokens == 0 {
		return nil, fmt.Errorf("coverage %s: %w (%d bytes)", path, ErrEmptyText, f.Bytes)
	}
	f.TokensPerByte = float64(f.Tokens) / float64(f.Bytes)
	f.Seconds = time.Since(start).Seconds()
	return f, nil
}

// invalidUTF8 returns the offset of b's first byte that is not valid
// UTF-8, or -1.
func invalidUTF8(b []byte) int {
	if utf8.Valid(b) {
		return -1
	}
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}

// sortScripts orders script sizes largest first, then by name.
func sortScripts(s []ScriptSize) {
	sort.Slice(s, func(i, j int) bool {
		if s[i].Tokens != s[j].Tokens {
			return s[i].Tokens > s[j].Tokens
		}
		return s[i].Script < s[j].Script
	})
}
