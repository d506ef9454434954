package synth_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/calibkit/calibkit/internal/gguf"
	"github.com/calibkit/calibkit/internal/synth"
)

func ExampleWriteFile() {
	dir, err := os.MkdirTemp("", "synth")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	path := filepath.Join(dir, "tiny.gguf")
	o := synth.Default()
	o.Vocab = synth.VocabBPE
	if err := synth.WriteFile(path, o); err != nil {
		log.Fatal(err)
	}

	r, err := gguf.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	arch, _ := r.String("general.architecture")
	tok, _ := r.String("tokenizer.ggml.model")
	fmt.Println(arch, tok, len(r.Tensors), "tensors,", o.ParamCount(), "parameters")
	// Output: llama gpt2 21 tensors, 336192 parameters
}

func ExampleBuildVocab() {
	v, err := synth.BuildVocab(synth.VocabSPM, 1024)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(v.Tokens), v.Tokens[0], v.Tokens[1], v.Tokens[2], v.Tokens[3], v.Tokens[258])
	// Output: 1024 <unk> <s> </s> <0x00> <0xFF>
}
