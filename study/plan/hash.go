package plan

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// ShortHash is how many hex digits of a plan's hash are printed, and the
// fewest a check accepts.
const ShortHash = 12

// hash is the sha256 of what a run of the plan computes and records: the
// study's name, the engine, the baseline, every step's ID and key and
// every cell's index, ID and final steps. Keys hold the inputs' contents
// and every parameter that changes an output, not paths or thread counts,
// so the same spec and inputs give the same hash on every host, and a
// changed spec or input (one that changes a step or a cell) another.
func (p *Plan) hash() string {
	var b strings.Builder
	fmt.Fprintf(&b, "name %q\nengine %q\nbaseline %q\n", p.Spec.Name, p.Engine, p.Baseline)
	for _, s := range p.Steps {
		fmt.Fprintf(&b, "step %q %s\n", s.ID, s.Key)
	}
	for _, c := range p.Cells {
		fmt.Fprintf(&b, "cell %d %q %q %q %q\n", c.Index, c.ID, c.PPL, c.KLD, c.TaskStep)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:])
}

// Short is the plan's hash as printed: its first ShortHash hex digits.
func (p *Plan) Short() string { return p.Hash[:ShortHash] }

// HashIs reports whether h names this plan: its hash, or a prefix of it of
// at least ShortHash hex digits (case ignored).
func (p *Plan) HashIs(h string) bool {
	h = strings.ToLower(h)
	return len(h) >= ShortHash && strings.HasPrefix(p.Hash, h)
}
