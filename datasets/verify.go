package datasets

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
)

// VerifyError says a downloaded file does not match its size or hash. The
// partial file is removed: a fresh fetch starts over.
type VerifyError struct {
	What string
	Msg  string
}

func (e *VerifyError) Error() string {
	return e.What + ": " + e.Msg + "; the partial download was removed, fetch again"
}

// verifier hashes the bytes as they are written.
type verifier struct {
	sha    hash.Hash
	git    hash.Hash
	meta   fileMeta
	hashed int64
}

func newVerifier(m fileMeta) *verifier {
	v := &verifier{meta: m}
	v.reset()
	return v
}

func (v *verifier) reset() {
	v.hashed = 0
	v.sha, v.git = nil, nil
	if v.meta.sha256 != "" {
		v.sha = sha256.New()
	}
	if v.meta.gitOID != "" {
		v.git = sha1.New()
		fmt.Fprintf(v.git, "blob %d\x00", v.meta.size)
	}
}

func (v *verifier) Write(p []byte) (int, error) {
	if v.sha != nil {
		v.sha.Write(p)
	}
	if v.git != nil {
		v.git.Write(p)
	}
	v.hashed += int64(len(p))
	return len(p), nil
}

func (v *verifier) check(have int64) string {
	if have != v.meta.size {
		return fmt.Sprintf("size %d, want %d", have, v.meta.size)
	}
	if v.sha != nil {
		if got := hex.EncodeToString(v.sha.Sum(nil)); got != v.meta.sha256 {
			return fmt.Sprintf("sha256 %s, want %s", got, v.meta.sha256)
		}
	}
	if v.git != nil {
		if got := hex.EncodeToString(v.git.Sum(nil)); got != v.meta.gitOID {
			return fmt.Sprintf("git blob id %s, want %s", got, v.meta.gitOID)
		}
	}
	return ""
}
