package hubtest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

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
