package llama

/*
#cgo CXXFLAGS: -std=c++17
const char * llama_print_system_info(void);
*/
import "C"

import (
	_ "github.com/ollama/ollama/llama/llama.cpp/src"
	_ "github.com/ollama/ollama/ml/backend/ggml/ggml/src"
)

// SystemInfo returns llama.cpp's description of the CPU features compiled in.
func SystemInfo() string { return C.GoString(C.llama_print_system_info()) }
