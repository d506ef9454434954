// Package hubtest is a small stand-in for the Hugging Face Hub, for tests
// and benchmarks: it serves the tree listing (paged by the Link header),
// the parquet listing API and /resolve/ downloads, sending LFS content
// through a redirect to a second host as the Hub sends it to its CDN; and
// the upload API (create, preupload, LFS batch with basic and multipart
// transfers, NDJSON commit; see upload.go). Faults are injected through
// Server.SetFault.
package hubtest

import (
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"sync/atomic"
)

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
