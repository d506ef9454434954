# ggml is compiled by cgo; without -march=native it is built for the baseline
# x86-64 ISA (no AVX2/FMA/F16C) and runs several times slower.
export CGO_CFLAGS ?= -O3 -march=native
export CGO_CXXFLAGS ?= -O3 -march=native

BIN := bin/calibkit

.PHONY: build demo test check bench
build:
	go build -o $(BIN) ./cmd/calibkit

demo: build
	./$(BIN) demo

test:
	go test ./...

check: test
	go vet ./...
	go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
