package hubtest

import (
	"fmt"
	"net/http"
	"strconv"
)

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
