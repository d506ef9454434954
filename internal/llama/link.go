package llama

// The blank imports compile llama.cpp and ggml (CPU backend) from the pinned
// github.com/ollama/ollama module and link them into the binary; binding.h
// declares what this package calls (DESIGN.md §2). The --wrap options route
// four of llama.cpp's internal calls through train.c, which mends them
// while calibkit trains a model and passes them through otherwise.

/*
#cgo CXXFLAGS: -std=c++17
#cgo LDFLAGS: -lm
#cgo LDFLAGS: -Wl,--wrap=ggml_opt_prepare_alloc -Wl,--wrap=ggml_build_backward_expand -Wl,--wrap=ggml_opt_eval -Wl,--wrap=ggml_backend_sched_new
*/
import "C"

import (
	_ "github.com/ollama/ollama/llama/llama.cpp/src"
	_ "github.com/ollama/ollama/ml/backend/ggml/ggml/src"
)
