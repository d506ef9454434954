package stepcache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
)

// Key collects what a step's output depends on. Its Sum is the same on
// every host for the same kind, parameters and input contents, whatever
// the order they were added in.
type Key struct {
	Kind   string            `json:"kind"`
	Params map[string]any    `json:"params"`
	Inputs map[string]Digest `json:"inputs"`
}

// NewKey starts a key for a kind of step ("imatrix", "quantize"...).
func NewKey(kind string) *Key {
	return &Key{Kind: kind, Params: map[string]any{}, Inputs: map[string]Digest{}}
}

// Param records a parameter; v must marshal to JSON.
func (k *Key) Param(name string, v any) *Key { k.Params[name] = v; return k }

// Input records an input's contents under a role name ("model", "text").
func (k *Key) Input(role string, d Digest) *Key { k.Inputs[role] = d; return k }

// Sum returns the key's hex sha256. encoding/json sorts map keys, so the
// encoding is canonical.
func (k *Key) Sum() string {
	b, err := json.Marshal(k)
	if err != nil {
		panic(fmt.Sprintf("stepcache: a parameter of %s does not marshal: %v", k.Kind, err))
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Names returns the input roles in order, for messages.
func (k *Key) Names() []string {
	var out []string
	for n := range k.Inputs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
