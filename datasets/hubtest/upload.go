package hubtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"
)

// The upload side of the stand-in Hub implements the calls huggingface_hub
// makes to publish files (hf_api.create_repo, _commit_api and lfs.py):
//
//	POST /api/repos/create                                   create a repository
//	POST /api/{type}s/{repo}/preupload/{rev}                  regular or LFS per file
//	POST /{prefix}{repo}.git/info/lfs/objects/batch           LFS batch (basic, multipart)
//	PUT  {cdn}/lfs-upload/{oid}, {cdn}/lfs-part/{id}/{n}      the content (no token)
//	POST {cdn}/lfs-complete/{id}                              multipart completion
//	POST /{prefix}{repo}.git/info/lfs/objects/verify          verify (token)
//	POST /api/{type}s/{repo}/commit/{rev}                     the NDJSON commit
//
// and checks what it receives: the token on every Hub call and none on the
// CDN, the LFS media type, sizes and sha256 of every object, the ETag of
// every part, the NDJSON shape. A check that fails answers 400 and is
// recorded in Violations.

// UploadRepo is a repository on the upload side.
type UploadRepo struct {
	Type    string // model or dataset
	Private bool
	// Files maps a path to its committed content description.
	Files   map[string]CommittedFile
	Commits []CommitRecord
}

// CommittedFile is one file of the head revision.
type CommittedFile struct {
	Size   int64
	SHA256 string
	GitOID string // regular files only
	LFS    bool
}

// CommitRecord is one commit the server accepted.
type CommitRecord struct {
	Revision    string
	Summary     string
	Description string
	Files       []string // paths, in the order sent
	OID         string
}

type upload struct {
	oid   string
	size  int64
	chunk int64
	parts map[int][]byte
}

type uploadSide struct {
	mu      sync.Mutex
	repos   map[string]*UploadRepo // type/owner/name
	objects map[string]int64       // LFS oid → size
	keep    map[string][]byte      // LFS content, for objects up to KeepLimit
	uploads map[string]*upload
	nextID  int
	bad     []string
	calls   map[string]int
}

func (s *Server) up() *uploadSide {
	s.upOnce.Do(func() {
		s.upl = &uploadSide{repos: map[string]*UploadRepo{}, objects: map[string]int64{}, keep: map[string][]byte{},
			uploads: map[string]*upload{}, calls: map[string]int{}}
	})
	return s.upl
}

// UploadConfig tunes the upload side; the zero value is the Hub's
// behaviour as far as calibkit relies on it.
type UploadConfig struct {
	// WriteToken is the token that may write; ReadToken is valid but
	// read-only (403). Without a WriteToken every call is refused (401).
	WriteToken, ReadToken string
	// LFSThreshold: files of this size or more go through LFS (default
	// 10 MB, the Hub's limit for regular files); binary samples and
	// *.parquet, *.gguf, *.safetensors, *.bin always do.
	LFSThreshold int64
	// MultipartThreshold: LFS objects of this size or more get a multipart
	// action with ChunkSize parts (default: never).
	MultipartThreshold, ChunkSize int64
	// KeepLimit: LFS objects up to this size are kept for Content (default
	// 64 MiB); larger ones are verified and counted only.
	KeepLimit int64
	// Ignore lists path.Match patterns the repository's .gitignore leaves
	// out: preupload answers shouldIgnore for them.
	Ignore []string
	// Forget makes the preupload call report no file as present and the
	// batch call ask for every object again, so that a benchmark uploads
	// and commits the same file round after round.
	Forget bool
}

// SetUploadConfig sets the upload side's configuration.
func (s *Server) SetUploadConfig(c UploadConfig) {
	s.mu.Lock()
	s.upCfg = c
	s.mu.Unlock()
}

func (s *Server) uploadConfig() UploadConfig {
	s.mu.Lock()
	c := s.upCfg
	s.mu.Unlock()
	if c.LFSThreshold <= 0 {
		c.LFSThreshold = 10_000_000
	}
	if c.KeepLimit <= 0 {
		c.KeepLimit = 64 << 20
	}
	return c
}

// CreateRepo makes a repository on the upload side (as if created before).
func (s *Server) CreateRepo(repoType, repo string, private bool) {
	u := s.up()
	u.mu.Lock()
	u.repos[repoType+"/"+repo] = &UploadRepo{Type: repoType, Private: private, Files: map[string]CommittedFile{}}
	u.mu.Unlock()
}

// Repo returns a copy of a repository of the upload side.
func (s *Server) Repo(repoType, repo string) (UploadRepo, bool) {
	u := s.up()
	u.mu.Lock()
	defer u.mu.Unlock()
	r, ok := u.repos[repoType+"/"+repo]
	if !ok {
		return UploadRepo{}, false
	}
	cp := *r
	cp.Files = map[string]CommittedFile{}
	for k, v := range r.Files {
		cp.Files[k] = v
	}
	cp.Commits = slices.Clone(r.Commits)
	return cp, true
}

// LFSContent returns a stored LFS object's bytes (objects up to KeepLimit).
func (s *Server) LFSContent(oid string) ([]byte, bool) {
	u := s.up()
	u.mu.Lock()
	defer u.mu.Unlock()
	b, ok := u.keep[oid]
	return b, ok
}

// Violations lists the protocol checks that failed, in order.
func (s *Server) Violations() []string {
	u := s.up()
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Clone(u.bad)
}

// Calls returns how many requests of a kind the upload side answered
// ("create", "preupload", "batch", "put", "part", "complete", "verify",
// "commit").
func (s *Server) Calls(kind string) int {
	u := s.up()
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.calls[kind]
}

func (u *uploadSide) call(kind string) {
	u.mu.Lock()
	u.calls[kind]++
	u.mu.Unlock()
}

// violation answers 400 and records why.
func (u *uploadSide) violation(w http.ResponseWriter, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	u.mu.Lock()
	u.bad = append(u.bad, msg)
	u.mu.Unlock()
	hubError(w, http.StatusBadRequest, "BadRequest", msg)
}

func hubError(w http.ResponseWriter, status int, code, msg string) {
	if code != "" {
		w.Header().Set("X-Error-Code", code)
	}
	w.Header().Set("X-Error-Message", msg)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]string{"error": msg})
}

// writeAuth checks the token of a Hub call that writes: 401 without a
// valid one, 403 for the read-only one. The CDN never sees it.
func (s *Server) writeAuth(w http.ResponseWriter, r *http.Request) bool {
	c := s.uploadConfig()
	got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	switch {
	case c.WriteToken != "" && got == c.WriteToken:
		return true
	case c.ReadToken != "" && got == c.ReadToken:
		hubError(w, http.StatusForbidden, "", "You don't have the rights to write to this repository: the token is read-only")
	default:
		hubError(w, http.StatusUnauthorized, "", "Invalid credentials in Authorization header")
	}
	return false
}

// serveUpload answers the upload calls on the Hub's host; false: not one.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) bool {
	esc := r.URL.EscapedPath()
	if r.Method != http.MethodPost {
		return false
	}
	if esc == "/api/repos/create" {
		s.serveCreate(w, r)
		return true
	}
	if rest, ok := strings.CutSuffix(esc, ".git/info/lfs/objects/batch"); ok {
		s.serveBatch(w, r, rest)
		return true
	}
	if rest, ok := strings.CutSuffix(esc, ".git/info/lfs/objects/verify"); ok {
		s.serveVerify(w, r, rest)
		return true
	}
	for _, t := range []string{"model", "dataset"} {
		p := "/api/" + t + "s/"
		if !strings.HasPrefix(esc, p) {
			continue
		}
		repo, rest, ok := splitRepo(strings.TrimPrefix(esc, p))
		if !ok {
			return false
		}
		op, revEsc, _ := strings.Cut(rest, "/")
		rev, err := url.PathUnescape(revEsc)
		if err != nil || rev == "" {
			return false
		}
		switch op {
		case "preupload":
			s.servePreupload(w, r, t, repo, rev)
			return true
		case "commit":
			s.serveCommit(w, r, t, repo, rev)
			return true
		}
	}
	return false
}

func (s *Server) serveCreate(w http.ResponseWriter, r *http.Request) {
	u := s.up()
	u.call("create")
	if s.faulted("create", w, r) || !s.writeAuth(w, r) {
		return
	}
	var req struct {
		Name         string  `json:"name"`
		Organization *string `json:"organization"`
		Private      *bool   `json:"private"`
		Type         string  `json:"type"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Name == "" || req.Organization == nil {
		u.violation(w, "create: body %v: want {name, organization, private?, type?}", err)
		return
	}
	t := req.Type
	if t == "" {
		t = "model"
	}
	if t != "model" && t != "dataset" {
		u.violation(w, "create: type %q", req.Type)
		return
	}
	repo := *req.Organization + "/" + req.Name
	u.mu.Lock()
	_, exists := u.repos[t+"/"+repo]
	if !exists {
		u.repos[t+"/"+repo] = &UploadRepo{Type: t, Private: req.Private != nil && *req.Private, Files: map[string]CommittedFile{}}
	}
	u.mu.Unlock()
	if exists {
		hubError(w, http.StatusConflict, "", "You already created this "+t+" repo")
		return
	}
	json.NewEncoder(w).Encode(map[string]string{"url": s.Hub.URL + "/" + repoURLPrefix(t) + repo})
}

// repoURLPrefix is huggingface_hub's REPO_TYPES_URL_PREFIXES.
func repoURLPrefix(t string) string {
	if t == "dataset" {
		return "datasets/"
	}
	return ""
}

// repoOf finds the repository of a request, answering 404 when missing.
func (s *Server) repoOf(w http.ResponseWriter, t, repo string) (*UploadRepo, bool) {
	u := s.up()
	u.mu.Lock()
	rp, ok := u.repos[t+"/"+repo]
	u.mu.Unlock()
	if !ok {
		hubError(w, http.StatusNotFound, "RepoNotFound", "Repository Not Found for url: "+t+"s/"+repo)
	}
	return rp, ok
}

func (s *Server) servePreupload(w http.ResponseWriter, r *http.Request, t, repo, rev string) {
	u := s.up()
	u.call("preupload")
	if s.faulted("preupload", w, r) || !s.writeAuth(w, r) {
		return
	}
	rp, ok := s.repoOf(w, t, repo)
	if !ok {
		return
	}
	if rev != "main" {
		hubError(w, http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+rev)
		return
	}
	var req struct {
		Files []struct {
			Path   string `json:"path"`
			Sample string `json:"sample"`
			Size   *int64 `json:"size"`
			SHA    string `json:"sha"`
		} `json:"files"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Files) == 0 {
		u.violation(w, "preupload: body %v", err)
		return
	}
	c := s.uploadConfig()
	type answer struct {
		Path         string  `json:"path"`
		UploadMode   string  `json:"uploadMode"`
		ShouldIgnore bool    `json:"shouldIgnore"`
		OID          *string `json:"oid"`
	}
	var out []answer
	for _, f := range req.Files {
		sample, err := base64.StdEncoding.DecodeString(f.Sample)
		if err != nil || f.Size == nil || len(sample) > 512 || (int64(len(sample)) != min(*f.Size, 512)) {
			u.violation(w, "preupload %s: sample of %d bytes (%v) for size %v: want the first 512 bytes, base64", f.Path, len(sample), err, f.Size)
			return
		}
		mode := "regular"
		if *f.Size >= c.LFSThreshold || bytes.IndexByte(sample, 0) >= 0 || lfsByName(f.Path) {
			mode = "lfs"
		}
		a := answer{Path: f.Path, UploadMode: mode}
		for _, pat := range c.Ignore {
			if ok, _ := path.Match(pat, f.Path); ok {
				a.ShouldIgnore = true
			}
		}
		u.mu.Lock()
		if cf, ok := rp.Files[f.Path]; ok && !c.Forget {
			oid := cf.GitOID
			if cf.LFS {
				oid = cf.SHA256
			}
			a.OID = &oid
		}
		u.mu.Unlock()
		out = append(out, a)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"files": out, "commitOid": Commit(repo, rev)})
}

// lfsByName follows the Hub's default .gitattributes for a few types.
func lfsByName(p string) bool {
	switch path.Ext(p) {
	case ".parquet", ".gguf", ".safetensors", ".bin", ".png", ".zst", ".gz":
		return true
	}
	return false
}
