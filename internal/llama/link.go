package llama

// The blank imports compile llama.cpp and ggml (CPU backend) from the pinned
// github.com/ollama/ollama module and link them into the binary; binding.h
// declares what this package calls (DESIGN.md §2).

/*
#cgo CXXFLAGS: -std=c++17
#cgo LDFLAGS: -lm
*/
import "C"

import (
	_ "github.com/ollama/ollama/llama/llama.cpp/src"
	_ "github.com/ollama/ollama/ml/backend/ggml/ggml/src"
)
