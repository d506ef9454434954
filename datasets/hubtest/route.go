package hubtest

import (
	"net/http"
	"strings"
)

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
