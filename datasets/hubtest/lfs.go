package hubtest

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"
)

const lfsMediaType = "application/vnd.git-lfs+json"

func (s *Server) serveBatch(w http.ResponseWriter, r *http.Request, rest string) {
	u := s.up()
	u.call("batch")
	if s.faulted("batch", w, r) || !s.writeAuth(w, r) {
		return
	}
	if r.Header.Get("Accept") != lfsMediaType || r.Header.Get("Content-Type") != lfsMediaType {
		u.violation(w, "batch: Accept %q, Content-Type %q: want %s", r.Header.Get("Accept"), r.Header.Get("Content-Type"), lfsMediaType)
		return
	}
	t, repo := "model", strings.TrimPrefix(rest, "/")
	if p, ok := strings.CutPrefix(repo, "datasets/"); ok {
		t, repo = "dataset", p
	}
	if _, ok := s.repoOf(w, t, repo); !ok {
		return
	}
	var req struct {
		Operation string   `json:"operation"`
		Transfers []string `json:"transfers"`
		HashAlgo  string   `json:"hash_algo"`
		Objects   []struct {
			OID  string `json:"oid"`
			Size *int64 `json:"size"`
		} `json:"objects"`
		Ref *struct {
			Name string `json:"name"`
		} `json:"ref"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Operation != "upload" || req.HashAlgo != "sha256" || len(req.Objects) == 0 {
		u.violation(w, "batch: body %v: want operation upload, hash_algo sha256, objects", err)
		return
	}
	c := s.uploadConfig()
	multipart := false
	for _, tr := range req.Transfers {
		multipart = multipart || tr == "multipart"
	}
	type action struct {
		Href   string            `json:"href"`
		Header map[string]string `json:"header,omitempty"`
	}
	type object struct {
		OID     string            `json:"oid"`
		Size    int64             `json:"size"`
		Actions map[string]action `json:"actions,omitempty"`
		Error   *map[string]any   `json:"error,omitempty"`
	}
	var out []object
	transfer := "basic"
	for _, o := range req.Objects {
		if len(o.OID) != 64 || o.Size == nil || *o.Size < 0 {
			u.violation(w, "batch: object %q size %v: want a sha256 hex oid and a size", o.OID, o.Size)
			return
		}
		ob := object{OID: o.OID, Size: *o.Size}
		u.mu.Lock()
		size, have := u.objects[o.OID]
		u.mu.Unlock()
		if have && size == *o.Size && !c.Forget {
			out = append(out, ob) // present: no actions
			continue
		}
		verify := action{Href: s.Hub.URL + "/" + repoURLPrefix(t) + repo + ".git/info/lfs/objects/verify"}
		if multipart && c.MultipartThreshold > 0 && *o.Size >= c.MultipartThreshold && c.ChunkSize > 0 {
			transfer = "multipart"
			u.mu.Lock()
			u.nextID++
			id := strconv.Itoa(u.nextID)
			u.uploads[id] = &upload{oid: o.OID, size: *o.Size, chunk: c.ChunkSize, parts: map[int][]byte{}}
			u.mu.Unlock()
			h := map[string]string{"chunk_size": strconv.FormatInt(c.ChunkSize, 10)}
			n := (*o.Size + c.ChunkSize - 1) / c.ChunkSize
			for i := int64(1); i <= n; i++ {
				h[strconv.FormatInt(i, 10)] = fmt.Sprintf("%s/lfs-part/%s/%d?X-Amz-Signature=part-signature", s.CDN.URL, id, i)
			}
			ob.Actions = map[string]action{"upload": {Href: s.CDN.URL + "/lfs-complete/" + id, Header: h}, "verify": verify}
		} else {
			ob.Actions = map[string]action{"upload": {Href: s.CDN.URL + "/lfs-upload/" + o.OID + "?X-Amz-Signature=put-signature"}, "verify": verify}
		}
		out = append(out, ob)
	}
	w.Header().Set("Content-Type", lfsMediaType)
	json.NewEncoder(w).Encode(map[string]any{"transfer": transfer, "objects": out, "hash_algo": "sha256"})
}

func (s *Server) serveVerify(w http.ResponseWriter, r *http.Request, rest string) {
	u := s.up()
	u.call("verify")
	if s.faulted("verify", w, r) || !s.writeAuth(w, r) {
		return
	}
	var req struct {
		OID  string `json:"oid"`
		Size int64  `json:"size"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		u.violation(w, "verify: %v", err)
		return
	}
	u.mu.Lock()
	size, ok := u.objects[req.OID]
	u.mu.Unlock()
	if !ok || size != req.Size {
		hubError(w, http.StatusNotFound, "", "object "+req.OID+" not found")
		return
	}
	w.WriteHeader(http.StatusOK)
}

// serveLFS answers the CDN's upload addresses; false: not one.
func (s *Server) serveLFS(w http.ResponseWriter, r *http.Request) bool {
	p := r.URL.Path
	switch {
	case r.Method == http.MethodPut && strings.HasPrefix(p, "/lfs-upload/"):
		s.servePut(w, r, strings.TrimPrefix(p, "/lfs-upload/"))
	case r.Method == http.MethodPut && strings.HasPrefix(p, "/lfs-part/"):
		s.servePart(w, r, strings.TrimPrefix(p, "/lfs-part/"))
	case r.Method == http.MethodPost && strings.HasPrefix(p, "/lfs-complete/"):
		s.serveComplete(w, r, strings.TrimPrefix(p, "/lfs-complete/"))
	default:
		return false
	}
	return true
}

func (s *Server) cdnNoAuth(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("Authorization") != "" {
		s.CDNAuthSeen.Add(1)
		s.up().violation(w, "%s %s carried an Authorization header to the CDN", r.Method, r.URL.Path)
		return false
	}
	return true
}

// servePut receives a whole object (basic transfer), checking its size
// and sha256 as it streams in.
func (s *Server) servePut(w http.ResponseWriter, r *http.Request, oid string) {
	u := s.up()
	u.call("put")
	if s.faulted("put", w, r) || !s.cdnNoAuth(w, r) {
		return
	}
	c := s.uploadConfig()
	h := sha256.New()
	var kept bytes.Buffer
	dst := io.Writer(h)
	if r.ContentLength >= 0 && r.ContentLength <= c.KeepLimit {
		dst = io.MultiWriter(h, &kept)
	}
	n, err := io.CopyBuffer(dst, r.Body, make([]byte, 1<<20))
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	if r.ContentLength >= 0 && n != r.ContentLength {
		u.violation(w, "PUT %s: %d bytes, Content-Length %d", oid, n, r.ContentLength)
		return
	}
	s.storeObject(w, oid, n, h, kept.Bytes(), n <= c.KeepLimit)
}

func (s *Server) storeObject(w http.ResponseWriter, oid string, n int64, h hash.Hash, data []byte, keep bool) {
	u := s.up()
	if got := hex.EncodeToString(h.Sum(nil)); got != oid {
		u.violation(w, "object %s: received %d bytes hashing to %s", oid, n, got)
		return
	}
	u.mu.Lock()
	u.objects[oid] = n
	if keep {
		u.keep[oid] = bytes.Clone(data)
	}
	u.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

func (s *Server) servePart(w http.ResponseWriter, r *http.Request, rest string) {
	u := s.up()
	u.call("part")
	if s.faulted("part", w, r) || !s.cdnNoAuth(w, r) {
		return
	}
	id, ns, _ := strings.Cut(rest, "/")
	n, err := strconv.Atoi(ns)
	u.mu.Lock()
	up, ok := u.uploads[id]
	u.mu.Unlock()
	if !ok || err != nil || n < 1 {
		http.Error(w, "no such upload part", http.StatusNotFound)
		return
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	want := up.chunk
	if last := (up.size + up.chunk - 1) / up.chunk; int64(n) == last {
		want = up.size - (last-1)*up.chunk
	}
	if int64(len(data)) != want {
		u.violation(w, "part %d of %s: %d bytes, want %d", n, up.oid, len(data), want)
		return
	}
	sum := md5.Sum(data)
	u.mu.Lock()
	up.parts[n] = data
	u.mu.Unlock()
	w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
	w.WriteHeader(http.StatusOK)
}

func (s *Server) serveComplete(w http.ResponseWriter, r *http.Request, id string) {
	u := s.up()
	u.call("complete")
	if s.faulted("complete", w, r) || !s.cdnNoAuth(w, r) {
		return
	}
	if r.Header.Get("Accept") != lfsMediaType || r.Header.Get("Content-Type") != lfsMediaType {
		u.violation(w, "complete: Accept %q, Content-Type %q: want %s", r.Header.Get("Accept"), r.Header.Get("Content-Type"), lfsMediaType)
		return
	}
	u.mu.Lock()
	up, ok := u.uploads[id]
	u.mu.Unlock()
	if !ok {
		http.Error(w, "no such upload", http.StatusNotFound)
		return
	}
	var req struct {
		OID   string `json:"oid"`
		Parts []struct {
			PartNumber int    `json:"partNumber"`
			ETag       string `json:"etag"`
		} `json:"parts"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.OID != up.oid {
		u.violation(w, "complete %s: body %v, oid %q", id, err, req.OID)
		return
	}
	h := sha256.New()
	var all bytes.Buffer
	var total int64
	for i, p := range req.Parts {
		u.mu.Lock()
		data, ok := up.parts[p.PartNumber]
		u.mu.Unlock()
		sum := md5.Sum(data)
		if p.PartNumber != i+1 || !ok || p.ETag != `"`+hex.EncodeToString(sum[:])+`"` {
			u.violation(w, "complete %s: part %d (#%d) etag %q does not match what was received", up.oid, p.PartNumber, i+1, p.ETag)
			return
		}
		h.Write(data)
		all.Write(data)
		total += int64(len(data))
	}
	if total != up.size {
		u.violation(w, "complete %s: parts hold %d bytes, want %d", up.oid, total, up.size)
		return
	}
	s.storeObject(w, up.oid, total, h, all.Bytes(), true)
}
