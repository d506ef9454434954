// Package manifest writes the sidecar <file>.manifest.json that records how
// an output was made: tool version, command line, inputs with sha256,
// parameters and measured counts (DESIGN.md §3).
package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/calibkit/calibkit/internal/atomicfile"
	"github.com/calibkit/calibkit/internal/filehash"
	"github.com/calibkit/calibkit/internal/version"
)

// Suffix is appended to an output's path to name its manifest.
const Suffix = ".manifest.json"

// Input is one file an output was made from.
type Input struct {
	Path   string `json:"path"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
	// SHA256From says where the sum came from when the file was not read:
	// "hf-cache-blob-name" for a Hugging Face cache blob (internal/filehash).
	SHA256From string `json:"sha256_from,omitempty"`
}

// Manifest describes one output file. Parameters and Counts hold
// command-specific values; encoding/json sorts map keys, so the same run
// gives the same bytes.
type Manifest struct {
	Tool       string         `json:"tool"`
	Version    string         `json:"version"`
	Command    []string       `json:"command"`
	Output     string         `json:"output"`
	Inputs     []Input        `json:"inputs"`
	Parameters map[string]any `json:"parameters"`
	Counts     map[string]any `json:"counts"`
	// Extra holds further command-specific sections (removed counts,
	// article ids, achieved shares...).
	Extra map[string]any `json:"extra,omitempty"`
}

// New returns a manifest for output with the tool name and version filled in.
func New(output string, command []string) *Manifest {
	return &Manifest{
		Tool:       "calibkit",
		Version:    version.String(),
		Command:    command,
		Output:     output,
		Inputs:     []Input{},
		Parameters: map[string]any{},
		Counts:     map[string]any{},
	}
}

// AddInput hashes the file at path and records it.
func (m *Manifest) AddInput(path string) error {
	in, err := HashFile(path)
	if err != nil {
		return err
	}
	m.Inputs = append(m.Inputs, in)
	return nil
}

// HashFile returns the size and sha256 of the file at path, taken from the
// name of a Hugging Face cache blob without reading it (internal/filehash).
func HashFile(path string) (Input, error) {
	sum, err := filehash.SHA256(path)
	if err != nil {
		return Input{}, err
	}
	in := Input{Path: path, Bytes: sum.Bytes, SHA256: sum.SHA256}
	if sum.FromName {
		in.SHA256From = "hf-cache-blob-name"
	}
	return in, nil
}

// Path returns the manifest path for an output path.
func Path(output string) string { return output + Suffix }

// Marshal returns the manifest as indented JSON ending in a newline.
func (m *Manifest) Marshal() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("encode manifest for %s: %w", m.Output, err)
	}
	return buf.Bytes(), nil
}

// Write stores the manifest atomically beside its output.
func (m *Manifest) Write() error {
	b, err := m.Marshal()
	if err != nil {
		return err
	}
	_, err = atomicfile.WriteFile(Path(m.Output), bytes.NewReader(b))
	return err
}

// Read loads a manifest file.
func Read(path string) (*Manifest, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", path, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", path, err)
	}
	return &m, nil
}
