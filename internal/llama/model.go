package llama

/*
#include <stdlib.h>
#include "binding.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"sync"
	"unsafe"

	"github.com/calibkit/calibkit/internal/gguf"
)

// ModelParams chooses how a model is loaded. The zero value loads the whole
// model, memory-mapped.
type ModelParams struct {
	// VocabOnly loads only the vocabulary: enough to tokenize, cheap even
	// for large models.
	VocabOnly bool
	// NoMmap reads the weights into memory instead of mapping the file.
	NoMmap bool
}

// Model is a loaded GGUF model. It is safe for concurrent use by contexts
// and tokenizing goroutines; Close it when done.
type Model struct {
	path  string
	mu    sync.Mutex
	m     *C.struct_llama_model
	vocab *C.struct_llama_vocab
}

// ErrClosed is returned when a closed handle is used.
var ErrClosed = errors.New("llama: use of closed handle")

// availableMemory reports the memory the system can give a new process
// without swapping; tests replace it.
var availableMemory = memAvailable

// LoadModel loads the GGUF model at path. It first checks that the file
// exists, starts like a GGUF file and fits in the available memory, so that
// those failures get a clear error instead of one from llama.cpp.
func LoadModel(path string, p ModelParams) (*Model, error) {
	if err := checkModelFile(path, !p.VocabOnly); err != nil {
		return nil, err
	}
	initBackend()
	mp := C.llama_model_default_params()
	mp.vocab_only = C.bool(p.VocabOnly)
	mp.use_mmap = C.bool(!p.NoMmap)
	mp.n_gpu_layers = 0
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	takeErrors()
	m := C.llama_model_load_from_file(cpath, mp)
	if m == nil {
		return nil, fmt.Errorf("load model %s: %s", path, withLog("llama.cpp could not load it"))
	}
	return &Model{path: path, m: m, vocab: C.llama_model_get_vocab(m)}, nil
}

// checkModelFile refuses a missing file, a file too short or without the
// GGUF magic, and (when needMemory) a model larger than the memory left.
func checkModelFile(path string, needMemory bool) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("load model: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("load model %s: %w", path, err)
	}
	if st.IsDir() {
		return fmt.Errorf("load model %s: is a folder, not a GGUF file", path)
	}
	var head [24]byte // magic, version, tensor count, KV count
	n, err := io.ReadFull(f, head[:])
	if n >= 4 && string(head[:4]) != "GGUF" {
		return fmt.Errorf("load model %s: not a GGUF file (it starts with %q, a GGUF file with \"GGUF\"): give a GGUF model, e.g. one converted with llama.cpp's convert_hf_to_gguf.py", path, head[:4])
	}
	if err != nil {
		return fmt.Errorf("load model %s: truncated GGUF file: %d bytes, not even a header (an interrupted download or copy? fetch it again)", path, st.Size())
	}
	// Check the header and the tensor bounds in Go first: llama.cpp may
	// abort the process on some malformed headers instead of failing.
	g, err := gguf.Open(path)
	if err != nil {
		return fmt.Errorf("load model: %w", err)
	}
	g.Close()
	if err := checkVocab(g.File); err != nil {
		return fmt.Errorf("load model %s: %w", path, err)
	}
	if needMemory {
		if avail, ok := availableMemory(); ok && uint64(st.Size()) > avail {
			return fmt.Errorf("load model %s: the model needs %s of memory but only %s is available; use a smaller or more quantized model",
				path, humanBytes(uint64(st.Size())), humanBytes(avail))
		}
	}
	return nil
}

// Close frees the model. It is safe to call more than once; contexts made
// from the model must be closed first.
func (m *Model) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m != nil {
		C.llama_model_free(m.m)
		m.m = nil
		m.vocab = nil
	}
}

// Path returns the file the model was loaded from.
func (m *Model) Path() string { return m.path }

// NVocab returns the number of tokens in the vocabulary.
func (m *Model) NVocab() int { return int(C.llama_vocab_n_tokens(m.vocab)) }

// BOS returns the beginning-of-sequence token id, or -1 if there is none.
func (m *Model) BOS() int32 { return int32(C.llama_vocab_bos(m.vocab)) }

// EOS returns the end-of-sequence token id, or -1 if there is none.
func (m *Model) EOS() int32 { return int32(C.llama_vocab_eos(m.vocab)) }

// AddBOS reports whether the vocabulary puts BOS before tokenized text.
func (m *Model) AddBOS() bool { return bool(C.llama_vocab_get_add_bos(m.vocab)) }

// AddEOS reports whether the vocabulary puts EOS after tokenized text.
func (m *Model) AddEOS() bool { return bool(C.llama_vocab_get_add_eos(m.vocab)) }

// VocabType returns the tokenizer kind: "spm", "bpe", "wpm", "ugm", "rwkv",
// "plamo2" or "none".
func (m *Model) VocabType() string {
	switch C.llama_vocab_type(m.vocab) {
	case C.LLAMA_VOCAB_TYPE_SPM:
		return "spm"
	case C.LLAMA_VOCAB_TYPE_BPE:
		return "bpe"
	case C.LLAMA_VOCAB_TYPE_WPM:
		return "wpm"
	case C.LLAMA_VOCAB_TYPE_UGM:
		return "ugm"
	case C.LLAMA_VOCAB_TYPE_RWKV:
		return "rwkv"
	case C.LLAMA_VOCAB_TYPE_PLAMO2:
		return "plamo2"
	}
	return "none"
}

// NCtxTrain returns the context length the model was trained with.
func (m *Model) NCtxTrain() int { return int(C.llama_model_n_ctx_train(m.m)) }

// NEmbd returns the embedding width.
func (m *Model) NEmbd() int { return int(C.llama_model_n_embd(m.m)) }

// NLayer returns the number of layers.
func (m *Model) NLayer() int { return int(C.llama_model_n_layer(m.m)) }

// Size returns the total size of the model's tensors in bytes.
func (m *Model) Size() uint64 { return uint64(C.llama_model_size(m.m)) }

// NParams returns the number of parameters.
func (m *Model) NParams() uint64 { return uint64(C.llama_model_n_params(m.m)) }

// Desc returns llama.cpp's short description of the model, e.g.
// "llama ?B F16".
func (m *Model) Desc() string {
	var buf [256]C.char
	n := C.llama_model_desc(m.m, &buf[0], C.size_t(len(buf)))
	if n < 0 {
		return ""
	}
	return C.GoString(&buf[0])
}

// Meta returns a scalar metadata value of the model as a string, and
// whether the key exists.
func (m *Model) Meta(key string) (string, bool) {
	ckey := C.CString(key)
	defer C.free(unsafe.Pointer(ckey))
	buf := make([]byte, 1024)
	n := C.llama_model_meta_val_str(m.m, ckey, (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)))
	if n < 0 {
		return "", false
	}
	if int(n) >= len(buf) {
		buf = make([]byte, int(n)+1)
		C.llama_model_meta_val_str(m.m, ckey, (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)))
	}
	return string(buf[:n]), true
}

// Tokenize converts text to token ids with the model's tokenizer.
// addSpecial adds BOS/EOS as the vocabulary asks; parseSpecial turns the
// text of special tokens (e.g. "<|im_start|>") into those tokens instead of
// plain text.
func (m *Model) Tokenize(text string, addSpecial, parseSpecial bool) ([]int32, error) {
	if m.m == nil {
		return nil, ErrClosed
	}
	if len(text) > math.MaxInt32-2 {
		return nil, fmt.Errorf("tokenize: text of %d bytes is larger than llama.cpp's limit of 2 GiB", len(text))
	}
	// Most text gives far fewer tokens than bytes; when the guess is short,
	// llama.cpp returns minus the count needed and the call is repeated.
	n := len(text)/2 + 16
	for range 2 {
		toks := make([]int32, max(n, 1))
		var ptext *C.char
		if len(text) > 0 {
			ptext = (*C.char)(unsafe.Pointer(unsafe.StringData(text)))
		}
		got := C.llama_tokenize(m.vocab, ptext, C.int32_t(len(text)),
			(*C.llama_token)(unsafe.Pointer(&toks[0])), C.int32_t(len(toks)), C.bool(addSpecial), C.bool(parseSpecial))
		switch {
		case got == math.MinInt32:
			return nil, errors.New("tokenize: the result exceeds llama.cpp's limit of 2^31 tokens")
		case got >= 0:
			return toks[:got:got], nil
		}
		n = int(-got) // the buffer was too small: llama.cpp says how many are needed
	}
	return nil, fmt.Errorf("tokenize: %s", withLog("llama.cpp failed twice to size the token buffer"))
}

// Detokenize converts token ids back to text with the model's tokenizer,
// as llama.cpp's common_detokenize does with remove_special and
// unparse_special off: special tokens (BOS) give no text, and for a
// vocabulary with a space prefix (SPM) the first piece loses its leading
// space.
func (m *Model) Detokenize(tokens []int32) (string, error) {
	if m.m == nil {
		return "", ErrClosed
	}
	if len(tokens) == 0 {
		return "", nil
	}
	if len(tokens) > math.MaxInt32/16 {
		return "", fmt.Errorf("detokenize: %d tokens is more than llama.cpp's limit", len(tokens))
	}
	n := len(tokens)*4 + 16
	for range 2 {
		buf := make([]byte, n)
		got := C.llama_detokenize(m.vocab, (*C.llama_token)(unsafe.Pointer(&tokens[0])), C.int32_t(len(tokens)),
			(*C.char)(unsafe.Pointer(&buf[0])), C.int32_t(len(buf)), C.bool(false), C.bool(false))
		switch {
		case got == math.MinInt32:
			return "", errors.New("detokenize: the text exceeds llama.cpp's limit of 2 GiB")
		case got >= 0:
			return string(buf[:got]), nil
		}
		n = int(-got)
	}
	return "", fmt.Errorf("detokenize: %s", withLog("llama.cpp failed twice to size the text buffer"))
}

func humanBytes(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for v := n / unit; v >= unit; v /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// checkVocab refuses vocabularies that llama.cpp's loader asserts on
// (aborting the process) instead of reporting an error.
func checkVocab(f *gguf.File) error {
	v, ok := f.Value("tokenizer.ggml.tokens")
	if !ok {
		return nil // llama.cpp reports a missing vocabulary itself
	}
	toks, ok := v.([]string)
	if !ok {
		return fmt.Errorf("tokenizer.ggml.tokens is a %T, not an array of strings", v)
	}
	seen := make(map[string]int, len(toks))
	for i, t := range toks {
		// llama.cpp reads the tokens as C strings: a NUL ends them
		t, _, _ = strings.Cut(t, "\x00")
		if j, dup := seen[t]; dup {
			return fmt.Errorf("tokenizer.ggml.tokens has %q twice (ids %d and %d): the vocabulary is corrupt", t, j, i)
		}
		seen[t] = i
	}
	return nil
}
