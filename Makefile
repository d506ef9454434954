# ggml is compiled by cgo; without -march=native it is built for the baseline
# x86-64 ISA (no AVX2/FMA/F16C) and runs several times slower.
# -ffp-contract=off: GCC would otherwise fuse a*b+c into FMA in ggml's scalar
# quantization code, which llama.cpp's own build compiles without FMA, and the
# k-quant/i-quant bytes would differ from llama-quantize's (docs/quantize.md).
export CGO_CFLAGS ?= -O3 -march=native -ffp-contract=off
export CGO_CXXFLAGS ?= -O3 -march=native -ffp-contract=off

BIN := bin/calibkit

.PHONY: build demo test check bench
build:
	go build -o $(BIN) ./cmd/calibkit

demo: build
	./$(BIN) demo

test:
	go test -timeout 30m ./...

check: test
	go vet ./...
	go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
