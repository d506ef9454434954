package hubtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

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
