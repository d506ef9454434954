// Package hubtest is a small stand-in for the Hugging Face Hub, for tests
// and benchmarks: it serves the tree listing (paged by the Link header),
// the parquet listing API and /resolve/ downloads, sending LFS content
// through a redirect to a second host as the Hub sends it to its CDN; and
// the upload API (create, preupload, LFS batch with basic and multipart
// transfers, NDJSON commit; see upload.go). Faults are injected through
// Server.SetFault.
package hubtest

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// File is one file of a repository revision.
type File struct {
	Path   string
	Size   int64
	SHA256 string // content sha256
	GitOID string // git blob id of the content
	LFS    bool
	// Open returns the content.
	Open func() (io.ReadSeekCloser, error)
}

// Bytes returns a File holding data.
func Bytes(path string, data []byte, lfs bool) File {
	s := sha256.Sum256(data)
	return File{
		Path: path, Size: int64(len(data)), SHA256: hex.EncodeToString(s[:]),
		GitOID: GitOID(data), LFS: lfs,
		Open: func() (io.ReadSeekCloser, error) { return nopCloser{bytes.NewReader(data)}, nil },
	}
}

// DiskFile returns an LFS File served from a file on disk, hashing it once.
func DiskFile(path, diskPath string) (File, error) {
	f, err := os.Open(diskPath)
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return File{}, err
	}
	return File{
		Path: path, Size: n, SHA256: hex.EncodeToString(h.Sum(nil)), LFS: true,
		Open: func() (io.ReadSeekCloser, error) { return os.Open(diskPath) },
	}, nil
}

type nopCloser struct{ io.ReadSeeker }

func (nopCloser) Close() error { return nil }

// GitOID is git's blob id of data: sha1("blob <len>\0" + data).
func GitOID(data []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(data))
	h.Write(data)
	return hex.EncodeToString(h.Sum(nil))
}

// Commit returns the fake commit hash of a revision.
func Commit(repo, revision string) string {
	s := sha1.Sum([]byte(repo + "@" + revision))
	return hex.EncodeToString(s[:])
}

// Server plays the Hub on one httptest server and its LFS CDN on another.
type Server struct {
	Hub *httptest.Server
	CDN *httptest.Server

	// PageSize is the number of tree entries per page (default 1000).
	PageSize int
	// Token, when set, is required (as Bearer) for Gated repositories.
	Token   string
	Gated   map[string]bool
	mu      sync.Mutex
	fault   FaultFunc
	files   map[string]map[string][]File // repo → revision → files
	parquet map[string][]string          // repo/config/split → paths in refs/convert/parquet
	counts  map[string]int

	// CDNAuthSeen counts CDN requests that carried an Authorization header.
	CDNAuthSeen atomic.Int64

	upOnce sync.Once
	upl    *uploadSide
	upCfg  UploadConfig
}

// FaultFunc sees a request first with its kind ("tree", "parquet",
// "parquet-file", "head", "get", "cdn") and may answer it itself by
// returning true.
type FaultFunc func(kind string, w http.ResponseWriter, r *http.Request) bool

// SetFault installs f (nil removes it).
func (s *Server) SetFault(f FaultFunc) {
	s.mu.Lock()
	s.fault = f
	s.mu.Unlock()
}

// faulted runs the fault hook, if any.
func (s *Server) faulted(kind string, w http.ResponseWriter, r *http.Request) bool {
	s.mu.Lock()
	f := s.fault
	s.mu.Unlock()
	return f != nil && f(kind, w, r)
}

// New starts a Hub and a CDN server. Close stops them.
func New() *Server {
	s := &Server{files: map[string]map[string][]File{}, parquet: map[string][]string{}, counts: map[string]int{}, Gated: map[string]bool{}}
	s.CDN = httptest.NewServer(http.HandlerFunc(s.serveCDN))
	s.Hub = httptest.NewServer(http.HandlerFunc(s.serveHub))
	return s
}

// URL is the Hub's address, the value for HF_ENDPOINT.
func (s *Server) URL() string { return s.Hub.URL }

// Close stops both servers.
func (s *Server) Close() {
	s.Hub.Close()
	s.CDN.Close()
}

// Add puts files into a repository revision.
func (s *Server) Add(repo, revision string, files ...File) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.files[repo] == nil {
		s.files[repo] = map[string][]File{}
	}
	s.files[repo][revision] = append(s.files[repo][revision], files...)
	sort.Slice(s.files[repo][revision], func(i, j int) bool {
		return s.files[repo][revision][i].Path < s.files[repo][revision][j].Path
	})
}

// modelKey is where a model repository's files are kept in Server.files,
// apart from a dataset of the same name.
func modelKey(repo string) string { return "model:" + repo }

// AddModel puts files into a model repository revision, served at
// /{repo}/resolve/{revision}/{path} (no "datasets/" prefix) as the Hub
// serves models.
func (s *Server) AddModel(repo, revision string, files ...File) {
	s.Add(modelKey(repo), revision, files...)
}

// AddParquetSplit lists paths of the refs/convert/parquet branch as the
// converted files of a config's split.
func (s *Server) AddParquetSplit(repo, config, split string, paths ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := repo + "/" + config + "/" + split
	s.parquet[k] = append(s.parquet[k], paths...)
}

// Count returns how many requests of a kind ("get", "cdn", ...) were made
// for a path ("" for all paths).
func (s *Server) Count(kind, path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[kind+" "+path]
}

func (s *Server) count(kind, path string) {
	s.mu.Lock()
	s.counts[kind+" "+path]++
	s.counts[kind+" "]++
	s.mu.Unlock()
}

func (s *Server) file(repo, rev, path string) (File, bool, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	revs, ok := s.files[repo]
	if !ok {
		return File{}, false, false
	}
	for _, f := range revs[rev] {
		if f.Path == path {
			return f, true, true
		}
	}
	return File{}, true, false
}

func notFound(w http.ResponseWriter, code, msg string) {
	w.Header().Set("X-Error-Code", code)
	w.Header().Set("X-Error-Message", msg)
	http.Error(w, `{"error":"`+msg+`"}`, http.StatusNotFound)
}

// splitRepo cuts "owner/name/rest" into repo and rest.
func splitRepo(p string) (string, string, bool) {
	parts := strings.SplitN(p, "/", 3)
	if len(parts) < 3 {
		return "", "", false
	}
	return parts[0] + "/" + parts[1], parts[2], true
}

func (s *Server) authorized(w http.ResponseWriter, r *http.Request, repo string) bool {
	if !s.Gated[repo] {
		return true
	}
	if r.Header.Get("Authorization") == "Bearer "+s.Token && s.Token != "" {
		return true
	}
	w.Header().Set("X-Error-Code", "GatedRepo")
	w.Header().Set("X-Error-Message", "Access to dataset "+repo+" is restricted.")
	http.Error(w, "gated", http.StatusUnauthorized)
	return false
}

func (s *Server) serveHub(w http.ResponseWriter, r *http.Request) {
	if s.serveUpload(w, r) {
		return
	}
	esc := r.URL.EscapedPath()
	switch {
	case strings.HasPrefix(esc, "/api/datasets/"):
		repo, rest, ok := splitRepo(strings.TrimPrefix(esc, "/api/datasets/"))
		if !ok {
			http.NotFound(w, r)
			return
		}
		if !s.authorized(w, r, repo) {
			return
		}
		switch {
		case strings.HasPrefix(rest, "tree/"):
			if s.faulted("tree", w, r) {
				return
			}
			s.serveTree(w, r, repo, strings.TrimPrefix(rest, "tree/"))
		case strings.HasPrefix(rest, "parquet/"):
			s.serveParquet(w, r, repo, strings.TrimPrefix(rest, "parquet/"))
		default:
			http.NotFound(w, r)
		}
	case strings.HasPrefix(esc, "/datasets/"):
		repo, rest, ok := splitRepo(strings.TrimPrefix(esc, "/datasets/"))
		if !ok || !strings.HasPrefix(rest, "resolve/") {
			http.NotFound(w, r)
			return
		}
		if !s.authorized(w, r, repo) {
			return
		}
		s.serveResolve(w, r, repo, repo, strings.TrimPrefix(rest, "resolve/"))
	default:
		repo, rest, ok := splitRepo(strings.TrimPrefix(esc, "/"))
		if !ok || !strings.HasPrefix(rest, "resolve/") {
			http.NotFound(w, r)
			return
		}
		if !s.authorized(w, r, repo) {
			return
		}
		s.serveResolve(w, r, modelKey(repo), repo, strings.TrimPrefix(rest, "resolve/"))
	}
}

func (s *Server) serveTree(w http.ResponseWriter, r *http.Request, repo, rest string) {
	revEsc, dirEsc, _ := strings.Cut(rest, "/")
	rev, _ := url.PathUnescape(revEsc)
	dir, _ := url.PathUnescape(dirEsc)
	s.mu.Lock()
	revs, ok := s.files[repo]
	files, revOK := revs[rev]
	s.mu.Unlock()
	if !ok {
		notFound(w, "RepoNotFound", "Repository not found")
		return
	}
	if !revOK {
		notFound(w, "RevisionNotFound", "Invalid rev id: "+rev)
		return
	}
	type lfs struct {
		OID         string `json:"oid"`
		Size        int64  `json:"size"`
		PointerSize int    `json:"pointerSize"`
	}
	type entry struct {
		Type string `json:"type"`
		OID  string `json:"oid"`
		Size int64  `json:"size"`
		Path string `json:"path"`
		LFS  *lfs   `json:"lfs,omitempty"`
	}
	var entries []entry
	seenDir := map[string]bool{}
	for _, f := range files {
		if dir != "" && !strings.HasPrefix(f.Path, dir+"/") {
			continue
		}
		// Folders appear in recursive listings too.
		if i := strings.LastIndexByte(f.Path, '/'); i > 0 && !seenDir[f.Path[:i]] && f.Path[:i] != dir {
			seenDir[f.Path[:i]] = true
			entries = append(entries, entry{Type: "directory", OID: GitOID([]byte(f.Path[:i])), Path: f.Path[:i]})
		}
		e := entry{Type: "file", OID: f.GitOID, Size: f.Size, Path: f.Path}
		if f.LFS {
			e.OID = GitOID([]byte("pointer " + f.SHA256))
			e.Size = 134
			e.LFS = &lfs{OID: f.SHA256, Size: f.Size, PointerSize: 134}
		}
		entries = append(entries, e)
	}
	if dir != "" && len(entries) == 0 {
		notFound(w, "EntryNotFound", fmt.Sprintf("%s does not exist on %q", dir, rev))
		return
	}
	size := s.PageSize
	if size <= 0 {
		size = 1000
	}
	start, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
	if start < 0 || start > len(entries) {
		http.Error(w, "bad cursor", http.StatusBadRequest)
		return
	}
	end := min(start+size, len(entries))
	if end < len(entries) {
		q := r.URL.Query()
		q.Set("cursor", strconv.Itoa(end))
		next := s.Hub.URL + r.URL.EscapedPath() + "?" + q.Encode()
		w.Header().Set("Link", `<`+next+`>; rel="next"`)
	}
	s.count("tree", dir)
	w.Header().Set("Content-Type", "application/json")
	page := entries[start:end]
	if page == nil {
		page = []entry{}
	}
	json.NewEncoder(w).Encode(page)
}

func (s *Server) serveParquet(w http.ResponseWriter, r *http.Request, repo, rest string) {
	parts := strings.Split(rest, "/")
	s.mu.Lock()
	_, repoOK := s.files[repo]
	s.mu.Unlock()
	if !repoOK {
		notFound(w, "RepoNotFound", "Repository not found")
		return
	}
	switch len(parts) {
	case 2:
		if s.faulted("parquet", w, r) {
			return
		}
		config, _ := url.PathUnescape(parts[0])
		split, _ := url.PathUnescape(parts[1])
		s.mu.Lock()
		paths, ok := s.parquet[repo+"/"+config+"/"+split]
		s.mu.Unlock()
		if !ok {
			notFound(w, "", "Not found: config "+config+" split "+split)
			return
		}
		urls := make([]string, len(paths))
		for i := range paths {
			urls[i] = fmt.Sprintf("%s/api/datasets/%s/parquet/%s/%s/%d.parquet", s.Hub.URL, repo, parts[0], parts[1], i)
		}
		s.count("parquet", config+"/"+split)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(urls)
	case 3:
		if s.faulted("parquet-file", w, r) {
			return
		}
		config, _ := url.PathUnescape(parts[0])
		split, _ := url.PathUnescape(parts[1])
		n, err := strconv.Atoi(strings.TrimSuffix(parts[2], ".parquet"))
		s.mu.Lock()
		paths := s.parquet[repo+"/"+config+"/"+split]
		s.mu.Unlock()
		if err != nil || n < 0 || n >= len(paths) {
			notFound(w, "EntryNotFound", "no such parquet file")
			return
		}
		loc := "/datasets/" + repo + "/resolve/" + url.PathEscape("refs/convert/parquet") + "/" + paths[n]
		http.Redirect(w, r, loc, http.StatusFound)
	default:
		http.NotFound(w, r)
	}
}

// serveResolve answers /resolve/ for the files kept under key (repo for a
// dataset, modelKey(repo) for a model).
func (s *Server) serveResolve(w http.ResponseWriter, r *http.Request, key, repo, rest string) {
	revEsc, pathEsc, _ := strings.Cut(rest, "/")
	rev, _ := url.PathUnescape(revEsc)
	p, _ := url.PathUnescape(pathEsc)
	kind := "get"
	if r.Method == http.MethodHead {
		kind = "head"
	}
	if s.faulted(kind, w, r) {
		return
	}
	f, repoOK, ok := s.file(key, rev, p)
	if !repoOK {
		notFound(w, "RepoNotFound", "Repository not found")
		return
	}
	w.Header().Set("X-Repo-Commit", Commit(repo, rev))
	if !ok {
		notFound(w, "EntryNotFound", "Entry not found")
		return
	}
	s.count(kind, p)
	if f.LFS {
		w.Header().Set("X-Linked-Etag", `"`+f.SHA256+`"`)
		w.Header().Set("X-Linked-Size", strconv.FormatInt(f.Size, 10))
		w.Header().Set("ETag", `"`+GitOID([]byte("pointer "+f.SHA256))+`"`)
		http.Redirect(w, r, s.CDN.URL+"/lfs/"+f.SHA256+"?X-Amz-Signature=secret-signature", http.StatusFound)
		return
	}
	w.Header().Set("ETag", `"`+f.GitOID+`"`)
	s.serveContent(w, r, f)
}

func (s *Server) serveContent(w http.ResponseWriter, r *http.Request, f File) {
	rc, err := f.Open()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer rc.Close()
	http.ServeContent(w, r, "", time.Time{}, rc)
}

func (s *Server) serveCDN(w http.ResponseWriter, r *http.Request) {
	if s.serveLFS(w, r) {
		return
	}
	if r.Header.Get("Authorization") != "" {
		s.CDNAuthSeen.Add(1)
	}
	sha := strings.TrimPrefix(r.URL.Path, "/lfs/")
	s.mu.Lock()
	var found File
	ok := false
	for _, revs := range s.files {
		for _, files := range revs {
			for _, f := range files {
				if f.LFS && f.SHA256 == sha {
					found, ok = f, true
				}
			}
		}
	}
	s.mu.Unlock()
	if s.faulted("cdn", w, r) {
		return
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	s.count("cdn", found.Path)
	s.serveContent(w, r, found)
}

// Content returns the bytes of a served file.
func (f File) Content() ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// CutAfter answers a GET with the full Content-Length (of the range asked
// for) but sends only n bytes, then drops the connection.
func CutAfter(w http.ResponseWriter, r *http.Request, data []byte, n int) {
	start := 0
	if rg := r.Header.Get("Range"); rg != "" {
		fmt.Sscanf(rg, "bytes=%d-", &start)
	}
	body := data[start:]
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if start > 0 {
		w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, len(data)-1, len(data)))
		w.WriteHeader(http.StatusPartialContent)
	} else {
		w.WriteHeader(http.StatusOK)
	}
	w.Write(body[:min(n, len(body))])
	if fl, ok := w.(http.Flusher); ok {
		fl.Flush()
	}
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
		}
	}
}
