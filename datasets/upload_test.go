package datasets

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/calibkit/calibkit/datasets/hubtest"
)

const testToken = "hf_secret_token_123"

// uploadFixture is a folder with a card, a small text file, a binary
// (LFS by content) and a large file that goes multipart.
func uploadFixture(t *testing.T) (string, map[string][]byte) {
	t.Helper()
	dir := t.TempDir()
	files := map[string][]byte{
		"README.md":                         []byte("---\nlicense: mit\n---\n# test\n"),
		"data/train-00000-of-00001.parquet": data(300_000, 1), // LFS by name, multipart
		"imatrix.gguf":                      data(70_000, 2),  // LFS, one PUT
		"notes/empty.txt":                   {},
	}
	for p, b := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(full), 0o755)
		if err := os.WriteFile(full, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.MkdirAll(filepath.Join(dir, ".git"), 0o755)
	os.WriteFile(filepath.Join(dir, ".git", "HEAD"), []byte("ref"), 0o644)
	return dir, files
}

func uploadServer(t *testing.T) *hubtest.Server {
	t.Helper()
	srv := hubtest.New()
	t.Cleanup(srv.Close)
	srv.SetUploadConfig(hubtest.UploadConfig{WriteToken: testToken, ReadToken: "hf_read_only", MultipartThreshold: 200_000, ChunkSize: 64 << 10})
	return srv
}

func collect(t *testing.T, paths ...string) []UploadFile {
	t.Helper()
	f, err := CollectUploadFiles(paths)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestUploadCreatesCommitsAndSkipsWhatTheHubHas(t *testing.T) {
	srv := uploadServer(t)
	dir, files := uploadFixture(t)
	c, _ := newTestClient(t, srv, "")
	req := UploadRequest{Repo: "me/calib", RepoType: "dataset", Create: true, Message: "Add calibration set", Files: collect(t, dir)}
	res, err := c.Upload(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if v := srv.Violations(); len(v) > 0 {
		t.Fatalf("protocol violations: %v", v)
	}
	if !res.Created || !res.Committed || res.CommitOID == "" {
		t.Errorf("result %+v", res)
	}
	repo, ok := srv.Repo("dataset", "me/calib")
	if !ok || len(repo.Commits) != 1 || repo.Commits[0].Summary != "Add calibration set" {
		t.Fatalf("repo %+v", repo)
	}
	if len(repo.Files) != len(files) {
		t.Errorf("committed %v", repo.Commits[0].Files)
	}
	for p, want := range files {
		f, ok := repo.Files[p]
		if !ok || f.Size != int64(len(want)) {
			t.Errorf("%s: committed %+v", p, f)
			continue
		}
		if f.LFS {
			got, _ := srv.LFSContent(f.SHA256)
			if !bytes.Equal(got, want) {
				t.Errorf("%s: LFS content differs", p)
			}
		}
	}
	if !repo.Files["data/train-00000-of-00001.parquet"].LFS || !repo.Files["imatrix.gguf"].LFS || repo.Files["README.md"].LFS || repo.Files["notes/empty.txt"].LFS {
		t.Errorf("modes %+v", repo.Files)
	}
	if srv.Calls("part") != 5 || srv.Calls("complete") != 1 || srv.Calls("put") != 1 || srv.Calls("verify") != 2 {
		t.Errorf("calls: part %d complete %d put %d verify %d", srv.Calls("part"), srv.Calls("complete"), srv.Calls("put"), srv.Calls("verify"))
	}
	if srv.CDNAuthSeen.Load() != 0 {
		t.Error("the token went to the storage host")
	}
	// the committed dataset downloads through the fetch side
	fetched, err := c.Fetch(context.Background(), Request{Repo: "me/calib", Include: []string{"**"}, Jobs: 2})
	if err != nil || len(fetched) != len(files) {
		t.Fatalf("fetch after upload: %v, %d files", err, len(fetched))
	}
	for _, f := range fetched {
		if !bytes.Equal(mustRead(t, f.LocalPath), files[f.Path]) {
			t.Errorf("%s fetched back differs", f.Path)
		}
	}

	// again: everything unchanged, nothing sent, no second commit
	puts := srv.Calls("put") + srv.Calls("part")
	res, err = c.Upload(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Committed || res.Created || srv.Calls("put")+srv.Calls("part") != puts || srv.Calls("commit") != 1 {
		t.Errorf("second run %+v, %d commits", res, srv.Calls("commit"))
	}
	for _, f := range res.Files {
		if !f.Unchanged {
			t.Errorf("%s not seen as unchanged", f.Path)
		}
	}
}

// dropAfter reads n bytes of the request body, then drops the connection.
func dropAfter(w http.ResponseWriter, r *http.Request, n int64) {
	io.CopyN(io.Discard, r.Body, n)
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
		}
	}
}

func TestUploadRetriesADroppedPartAlone(t *testing.T) {
	srv := uploadServer(t)
	dir, _ := uploadFixture(t)
	var partTwo atomic.Int32
	srv.SetFault(func(kind string, w http.ResponseWriter, r *http.Request) bool {
		if kind == "part" && strings.HasPrefix(r.URL.Path, "/lfs-part/") && strings.HasSuffix(r.URL.Path, "/2") && partTwo.Add(1) <= 2 {
			dropAfter(w, r, 10_000)
			return true
		}
		if kind == "preupload" && srv.Calls("preupload") == 1 {
			http.Error(w, "busy", http.StatusBadGateway) // 5xx, then success
			return true
		}
		return false
	})
	c, sl := newTestClient(t, srv, "")
	res, err := c.Upload(context.Background(), UploadRequest{Repo: "me/calib", RepoType: "dataset", Create: true, Files: collect(t, dir)})
	if err != nil {
		t.Fatal(err)
	}
	if v := srv.Violations(); len(v) > 0 || !res.Committed {
		t.Fatalf("violations %v, result %+v", v, res)
	}
	// parts 1,3,4,5 once; part 2 three times
	if got := srv.Calls("part"); got != 7 {
		t.Errorf("%d part uploads, want 7 (part 2 resent alone twice)", got)
	}
	if srv.Calls("preupload") != 2 || len(sl.all()) < 3 {
		t.Errorf("preupload calls %d, backoff waits %v", srv.Calls("preupload"), sl.all())
	}
}

func TestUploadResumesWithoutResending(t *testing.T) {
	srv := uploadServer(t)
	srv.SetUploadConfig(hubtest.UploadConfig{WriteToken: testToken})
	dir := t.TempDir()
	a, b := data(50_000, 3), data(60_000, 4)
	os.WriteFile(filepath.Join(dir, "a.gguf"), a, 0o644)
	os.WriteFile(filepath.Join(dir, "b.gguf"), b, 0o644)
	// b's PUT always drops: the first run fails after a is on the Hub
	var fail atomic.Bool
	fail.Store(true)
	srv.SetFault(func(kind string, w http.ResponseWriter, r *http.Request) bool {
		if kind == "put" && fail.Load() && r.ContentLength == int64(len(b)) {
			dropAfter(w, r, 1000)
			return true
		}
		return false
	})
	c, _ := newTestClient(t, srv, "", WithRetry(RetryPolicy{MaxTries: 2, Sleep: func(context.Context, time.Duration) error { return nil }}))
	req := UploadRequest{Repo: "me/q", Create: true, Files: collect(t, dir), Jobs: 1}
	if _, err := c.Upload(context.Background(), req); err == nil {
		t.Fatal("the upload should fail while b cannot be sent")
	}
	if srv.Calls("commit") != 0 {
		t.Fatal("a failed upload committed")
	}
	putsA := srv.Calls("put")
	fail.Store(false)
	res, err := c.Upload(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Committed || res.Files[0].Sent || !res.Files[0].OnHub || !res.Files[1].Sent {
		t.Errorf("second run %+v", res.Files)
	}
	if srv.Calls("put") != putsA+1 {
		t.Errorf("a was sent again: %d PUTs after %d", srv.Calls("put"), putsA)
	}
	if repo, _ := srv.Repo("model", "me/q"); len(repo.Commits) != 1 {
		t.Errorf("%d commits", len(repo.Commits))
	}
}

func TestUploadLostCommitAnswerIsNotCommittedTwice(t *testing.T) {
	srv := uploadServer(t)
	dir, _ := uploadFixture(t)
	var once atomic.Bool
	srv.SetFault(func(kind string, w http.ResponseWriter, r *http.Request) bool {
		if kind == "commit" && once.CompareAndSwap(false, true) {
			// the Hub applies the commit, then the connection drops
			srv.SetFault(nil)
			rec := httptest.NewRecorder()
			srv.Hub.Config.Handler.ServeHTTP(rec, r)
			dropAfter(w, r, 0)
			return true
		}
		return false
	})
	c, _ := newTestClient(t, srv, "")
	res, err := c.Upload(context.Background(), UploadRequest{Repo: "me/calib", RepoType: "dataset", Create: true, Files: collect(t, dir)})
	if err != nil {
		t.Fatal(err)
	}
	repo, _ := srv.Repo("dataset", "me/calib")
	if !res.Committed || len(repo.Commits) != 1 {
		t.Errorf("committed %v, %d commits", res.Committed, len(repo.Commits))
	}
}

func TestUploadRefusals(t *testing.T) {
	dir, _ := uploadFixture(t)
	tests := []struct {
		name  string
		token Token
		req   UploadRequest
		setup func(*hubtest.Server)
		want  []string
	}{
		{name: "401", token: "", req: UploadRequest{Repo: "me/r", Create: true}, want: []string{"HTTP 401", "HF_TOKEN", "huggingface-cli login"}},
		{name: "401 bad token", token: "hf_wrong_secret", req: UploadRequest{Repo: "me/r"}, want: []string{"HTTP 401", "not valid"}},
		{name: "403", token: "hf_read_only", req: UploadRequest{Repo: "org/r", Create: true}, want: []string{"HTTP 403", "write access", `"org"`}},
		{name: "404", token: testToken, req: UploadRequest{Repo: "me/missing"}, want: []string{"HTTP 404", "--create", "model repository me/missing"}},
		{name: "404 revision", token: testToken, req: UploadRequest{Repo: "me/r", Revision: "dev"}, setup: func(s *hubtest.Server) { s.CreateRepo("model", "me/r", false) },
			want: []string{"HTTP 404", `branch "dev" does not exist`}},
		{name: "409 commit", token: testToken, req: UploadRequest{Repo: "me/r", Create: true}, setup: func(s *hubtest.Server) {
			s.SetFault(func(kind string, w http.ResponseWriter, r *http.Request) bool {
				if kind == "commit" {
					http.Error(w, `{"error":"A commit has happened since"}`, http.StatusConflict)
					return true
				}
				return false
			})
		}, want: []string{"HTTP 409", "run the upload again", "A commit has happened since"}},
		{name: "bad repo id", token: testToken, req: UploadRequest{Repo: "noowner"}, want: []string{"want OWNER/NAME"}},
		{name: "echoed token", token: testToken, req: UploadRequest{Repo: "me/r", Create: true}, setup: func(s *hubtest.Server) {
			s.SetFault(func(kind string, w http.ResponseWriter, r *http.Request) bool {
				if kind == "preupload" {
					http.Error(w, `{"error":"bad header: `+r.Header.Get("Authorization")+`"}`, http.StatusBadRequest)
					return true
				}
				return false
			})
		}, want: []string{"HTTP 400", "Bearer [redacted]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := uploadServer(t)
			if tt.setup != nil {
				tt.setup(srv)
			}
			c, err := NewClient(Config{Endpoint: srv.URL(), Token: tt.token, HubCache: t.TempDir()},
				WithRetry(RetryPolicy{MaxTries: 1, Sleep: func(context.Context, time.Duration) error { return nil }}))
			if err != nil {
				t.Fatal(err)
			}
			tt.req.Files = collect(t, dir)
			_, err = c.Upload(context.Background(), tt.req)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), testToken) {
				t.Errorf("the token leaked: %v", err)
			}
			if srv.Calls("commit") > 0 && tt.name != "409 commit" {
				t.Errorf("committed after a refusal")
			}
		})
	}
}

func TestCollectUploadFiles(t *testing.T) {
	dir, _ := uploadFixture(t)
	files := collect(t, dir)
	var paths []string
	for _, f := range files {
		paths = append(paths, f.PathInRepo)
	}
	if strings.Join(paths, ",") != "README.md,data/train-00000-of-00001.parquet,imatrix.gguf,notes/empty.txt" {
		t.Errorf("paths %v", paths)
	}
	outside := filepath.Join(t.TempDir(), "secret.txt")
	os.WriteFile(outside, []byte("x"), 0o644)
	os.Symlink(outside, filepath.Join(dir, "link.txt"))
	if _, err := CollectUploadFiles([]string{dir}); err == nil || !strings.Contains(err.Error(), "outside the folder being uploaded") {
		t.Errorf("link out: %v", err)
	}
	os.Remove(filepath.Join(dir, "link.txt"))
	os.Symlink("README.md", filepath.Join(dir, "inside.md"))
	if f, err := CollectUploadFiles([]string{dir}); err != nil || len(f) != 5 {
		t.Errorf("link inside: %v, %d files", err, len(f))
	}
	os.Symlink("..", filepath.Join(dir, "up"))
	if _, err := CollectUploadFiles([]string{dir}); err == nil {
		t.Error("a link to the parent folder was accepted")
	}
	os.Remove(filepath.Join(dir, "up"))
	if _, err := CollectUploadFiles([]string{dir, filepath.Join(dir, "README.md")}); err == nil || !strings.Contains(err.Error(), "would both become README.md") {
		t.Errorf("duplicate: %v", err)
	}
}

func TestUploadCancelledCommitsNothing(t *testing.T) {
	srv := uploadServer(t)
	dir, _ := uploadFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	srv.SetFault(func(kind string, w http.ResponseWriter, r *http.Request) bool {
		if kind == "part" {
			cancel() // the user presses ^C while a part is on its way
		}
		return false
	})
	c, _ := newTestClient(t, srv, "")
	_, err := c.Upload(ctx, UploadRequest{Repo: "me/calib", RepoType: "dataset", Create: true, Files: collect(t, dir)})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if srv.Calls("commit") != 0 {
		t.Error("a cancelled upload committed")
	}
}

func TestUploadLeavesOutWhatGitignoreIgnores(t *testing.T) {
	srv := uploadServer(t)
	srv.SetUploadConfig(hubtest.UploadConfig{WriteToken: testToken, Ignore: []string{"*.gguf"}})
	dir, _ := uploadFixture(t)
	c, _ := newTestClient(t, srv, "")
	res, err := c.Upload(context.Background(), UploadRequest{Repo: "me/calib", RepoType: "dataset", Create: true, Files: collect(t, dir)})
	if err != nil {
		t.Fatal(err)
	}
	repo, _ := srv.Repo("dataset", "me/calib")
	if _, ok := repo.Files["imatrix.gguf"]; ok || len(repo.Files) != 3 {
		t.Errorf("committed %v", repo.Commits[0].Files)
	}
	for _, f := range res.Files {
		if (f.Path == "imatrix.gguf") != f.Ignored || (f.Ignored && f.Sent) {
			t.Errorf("%+v", f)
		}
	}
}
