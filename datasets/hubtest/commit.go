package hubtest

import (
	"bufio"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
)

// serveCommit applies an NDJSON commit: a header line, then file lines
// (base64 content) and lfsFile lines (objects that must have been
// uploaded). Nothing is applied unless every line checks.
func (s *Server) serveCommit(w http.ResponseWriter, r *http.Request, t, repo, rev string) {
	u := s.up()
	u.call("commit")
	if s.faulted("commit", w, r) || !s.writeAuth(w, r) {
		return
	}
	rp, ok := s.repoOf(w, t, repo)
	if !ok {
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/x-ndjson" {
		u.violation(w, "commit: Content-Type %q, want application/x-ndjson", ct)
		return
	}
	type line struct {
		Key   string          `json:"key"`
		Value json.RawMessage `json:"value"`
	}
	sc := bufio.NewScanner(r.Body)
	sc.Buffer(make([]byte, 1<<20), 256<<20)
	var c CommitRecord
	c.Revision = rev
	staged := map[string]CommittedFile{}
	var keepRegular = map[string][]byte{}
	n := 0
	for sc.Scan() {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			u.violation(w, "commit line %d: not JSON: %v", n+1, err)
			return
		}
		n++
		switch {
		case n == 1 && l.Key == "header":
			var h struct {
				Summary     *string `json:"summary"`
				Description *string `json:"description"`
			}
			if json.Unmarshal(l.Value, &h) != nil || h.Summary == nil || *h.Summary == "" {
				u.violation(w, "commit header %s: want a summary", l.Value)
				return
			}
			c.Summary = *h.Summary
			if h.Description != nil {
				c.Description = *h.Description
			}
		case n == 1:
			u.violation(w, "commit: first line is %q, want the header", l.Key)
			return
		case l.Key == "file":
			var f struct{ Path, Content, Encoding string }
			if json.Unmarshal(l.Value, &f) != nil || f.Encoding != "base64" || f.Path == "" {
				u.violation(w, "commit file line %d: %s", n, l.Value)
				return
			}
			data, err := base64.StdEncoding.DecodeString(f.Content)
			if err != nil {
				u.violation(w, "commit file %s: content is not base64", f.Path)
				return
			}
			sum := sha256.Sum256(data)
			staged[f.Path] = CommittedFile{Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), GitOID: GitOID(data)}
			keepRegular[f.Path] = data
			c.Files = append(c.Files, f.Path)
		case l.Key == "lfsFile":
			var f struct {
				Path, Algo, OID string
				Size            *int64
			}
			if json.Unmarshal(l.Value, &f) != nil || f.Algo != "sha256" || f.Path == "" || f.Size == nil {
				u.violation(w, "commit lfsFile line %d: %s: want path, algo sha256, oid and size", n, l.Value)
				return
			}
			u.mu.Lock()
			size, have := u.objects[f.OID]
			u.mu.Unlock()
			if !have || size != *f.Size {
				hubError(w, http.StatusUnprocessableEntity, "", fmt.Sprintf("LFS object %s of %s (%d bytes) was never uploaded", f.OID, f.Path, *f.Size))
				u.mu.Lock()
				u.bad = append(u.bad, "commit of an LFS object not uploaded: "+f.Path)
				u.mu.Unlock()
				return
			}
			staged[f.Path] = CommittedFile{Size: size, SHA256: f.OID, LFS: true}
			c.Files = append(c.Files, f.Path)
		default:
			u.violation(w, "commit line %d: key %q", n, l.Key)
			return
		}
	}
	if err := sc.Err(); err != nil {
		u.violation(w, "commit body: %v", err)
		return
	}
	if n < 2 {
		u.violation(w, "commit with %d lines: want a header and at least one file", n)
		return
	}
	h := sha1.New()
	u.mu.Lock()
	fmt.Fprintf(h, "%s %d %s", repo, len(rp.Commits), c.Summary)
	c.OID = hex.EncodeToString(h.Sum(nil))
	for p, f := range staged {
		rp.Files[p] = f
	}
	rp.Commits = append(rp.Commits, c)
	var files []File
	for p, f := range staged {
		if f.LFS {
			if data, ok := u.keep[f.SHA256]; ok {
				files = append(files, Bytes(p, data, true))
			}
		} else {
			files = append(files, Bytes(p, keepRegular[p], false))
		}
	}
	u.mu.Unlock()
	if t == "dataset" {
		s.Add(repo, rev, files...) // downloadable through the fetch side
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"success": true, "commitOid": c.OID,
		"commitUrl": s.Hub.URL + "/" + repoURLPrefix(t) + repo + "/commit/" + c.OID})
}
