package datasets

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/datasets/hubtest"
)

func TestFetchPagedTreeLFSRedirect(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	srv.PageSize = 2 // five files and their folder span several pages
	repo := "wikimedia/wikipedia"
	var want [][]byte
	for i := range 5 {
		d := data(3000+i*17, byte(i))
		want = append(want, d)
		srv.Add(repo, "main", hubtest.Bytes(fmt.Sprintf("20231101.ja/train-%05d-of-00005.parquet", i), d, true))
	}
	srv.Add(repo, "main",
		hubtest.Bytes("20231101.en/train-00000-of-00001.parquet", data(100, 9), true),
		hubtest.Bytes("README.md", []byte("# wiki\n"), false))

	c, _ := newTestClient(t, srv, "")
	files, err := c.Fetch(context.Background(), Request{Repo: repo, Config: "20231101.ja", Split: "train", Jobs: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 5 {
		t.Fatalf("got %d files, want 5: %+v", len(files), files)
	}
	commit := hubtest.Commit(repo, "main")
	for i, f := range files {
		if got := mustRead(t, f.LocalPath); string(got) != string(want[i]) {
			t.Errorf("file %d: content differs", i)
		}
		if !f.Downloaded || f.Commit != commit || f.SHA256 == "" || f.Etag != f.SHA256 {
			t.Errorf("file %d: %+v", i, f)
		}
		wantPtr := filepath.Join(c.Cache().RepoDir(repo), "snapshots", commit, "20231101.ja", fmt.Sprintf("train-%05d-of-00005.parquet", i))
		if f.LocalPath != wantPtr {
			t.Errorf("local path %s, want %s", f.LocalPath, wantPtr)
		}
		target, err := os.Readlink(f.LocalPath)
		if err != nil || target != "../../../blobs/"+f.SHA256 {
			t.Errorf("symlink target %q (%v), want ../../../blobs/%s", target, err, f.SHA256)
		}
	}
	if ref := mustRead(t, filepath.Join(c.Cache().RepoDir(repo), "refs", "main")); string(ref) != commit {
		t.Errorf("refs/main = %q, want %q", ref, commit)
	}
	if n := srv.CDNAuthSeen.Load(); n != 0 {
		t.Errorf("the token was sent to the CDN host %d times", n)
	}
	if srv.Count("tree", "20231101.ja") < 3 {
		t.Errorf("tree listing made %d page requests, want >= 3", srv.Count("tree", "20231101.ja"))
	}
	// A second fetch finds everything in the cache.
	before := srv.Count("cdn", "")
	again, err := c.Fetch(context.Background(), Request{Repo: repo, Config: "20231101.ja", Split: "train", Shards: []int{1, 3}})
	if err != nil {
		t.Fatal(err)
	}
	if srv.Count("cdn", "") != before {
		t.Errorf("second fetch downloaded again")
	}
	if len(again) != 2 || again[0].Path != files[1].Path || again[1].Path != files[3].Path || again[0].Downloaded {
		t.Errorf("shards 1,3: %+v", again)
	}
}

func TestFetchSmallFileBlobIsGitOID(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	content := []byte("a small parquet stand-in\n")
	srv.Add("o/small", "main", hubtest.Bytes("data/test-00000-of-00001.parquet", content, false))
	c, _ := newTestClient(t, srv, "")
	files, err := c.Fetch(context.Background(), Request{Repo: "o/small", Split: "test"})
	if err != nil {
		t.Fatal(err)
	}
	oid := hubtest.GitOID(content)
	if files[0].Etag != oid || files[0].SHA256 != "" {
		t.Errorf("etag %q sha256 %q, want the git oid %s", files[0].Etag, files[0].SHA256, oid)
	}
	if b := mustRead(t, filepath.Join(c.Cache().RepoDir("o/small"), "blobs", oid)); string(b) != string(content) {
		t.Errorf("blob content %q", b)
	}
}

func TestFetchParquetEndpointFallback(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	repo := "Salesforce/wikitext"
	srv.Add(repo, "main", hubtest.Bytes("README.md", []byte("readme"), false))
	a, b := data(5000, 1), data(7000, 2)
	srv.Add(repo, ParquetBranch,
		hubtest.Bytes("wikitext-2-raw-v1/test/0000.parquet", a, true),
		hubtest.Bytes("wikitext-2-raw-v1/test/0001.parquet", b, true))
	srv.AddParquetSplit(repo, "wikitext-2-raw-v1", "test", "wikitext-2-raw-v1/test/0000.parquet", "wikitext-2-raw-v1/test/0001.parquet")

	c, _ := newTestClient(t, srv, "")
	plan, err := c.Resolve(context.Background(), Request{Repo: repo, Config: "wikitext-2-raw-v1", Split: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Converted || len(plan.Files) != 2 || plan.Files[0].Revision != ParquetBranch {
		t.Fatalf("plan %+v", plan)
	}
	files, err := c.DownloadAll(context.Background(), repo, plan.Files, 2)
	if err != nil {
		t.Fatal(err)
	}
	commit := hubtest.Commit(repo, ParquetBranch)
	if files[0].Commit != commit || string(mustRead(t, files[1].LocalPath)) != string(b) {
		t.Errorf("files %+v", files)
	}
	// huggingface_hub stores the ref of refs/convert/parquet under refs/refs/convert/parquet.
	if ref := mustRead(t, filepath.Join(c.Cache().RepoDir(repo), "refs", "refs", "convert", "parquet")); string(ref) != commit {
		t.Errorf("ref = %q", ref)
	}
}

func TestFetchErrorsNameWhatFailed(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	srv.Add("o/gated", "main", hubtest.Bytes("x/train-0.parquet", []byte("x"), true))
	srv.Gated["o/gated"] = true
	srv.Token = "another-token"
	srv.Add("o/open", "main", hubtest.Bytes("x/train-0.parquet", []byte("x"), true))

	c, sl := newTestClient(t, srv, "")
	ctx := context.Background()
	tests := []struct {
		name string
		run  func() error
		want []string
	}{
		{"gated", func() error { _, err := c.Fetch(ctx, Request{Repo: "o/gated", Config: "x"}); return err },
			[]string{"HTTP 401", "gated", "HF_TOKEN", "o/gated"}},
		{"no repo", func() error { _, err := c.Fetch(ctx, Request{Repo: "o/none", Config: "x"}); return err },
			[]string{"HTTP 404", "o/none", "no such dataset"}},
		{"no revision", func() error {
			_, err := c.Fetch(ctx, Request{Repo: "o/open", Revision: "v9", Config: "x"})
			return err
		}, []string{"HTTP 404", "revision v9", "no such revision"}},
		{"no file", func() error {
			_, err := c.Download(ctx, "o/open", RepoFile{Path: "x/missing.parquet", Size: -1})
			return err
		}, []string{"HTTP 404", "o/open", "revision main", "x/missing.parquet", "no such file"}},
		{"nothing matches", func() error { _, err := c.Fetch(ctx, Request{Repo: "o/open", Config: "x", Split: "test"}); return err },
			[]string{"o/open", "no parquet file matches", "split test"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "hf_secret_token_123") {
				t.Errorf("error leaks the token: %q", err)
			}
		})
	}
	if len(sl.all()) != 0 {
		t.Errorf("4xx answers were retried: %v", sl.all())
	}
	if s := fmt.Sprintf("%v %+v %#v", c.Config(), c.Config(), c.Config()); strings.Contains(s, "hf_secret_token_123") {
		t.Errorf("formatting the config leaks the token: %s", s)
	}
}

func TestFetchRefusesEscapingPaths(t *testing.T) {
	for _, bad := range []string{"../evil.parquet", "/abs/evil.parquet", "a/../../evil.parquet", "a//b.parquet"} {
		t.Run(bad, func(t *testing.T) {
			srv := hubtest.New()
			defer srv.Close()
			srv.Add("o/evil", "main", hubtest.Bytes(bad, []byte("pwned"), true))
			root := t.TempDir()
			c, _ := newTestClient(t, srv, filepath.Join(root, "hub"))
			_, err := c.Fetch(context.Background(), Request{Repo: "o/evil", Include: []string{"**"}})
			if err == nil || !strings.Contains(err.Error(), "refusing") {
				t.Fatalf("error %v, want a refusal", err)
			}
			if got := tree(t, root); hasAny(got, "evil") || len(got) > 1 {
				t.Errorf("files written: %v", got)
			}
			if _, err := c.Download(context.Background(), "o/evil", RepoFile{Path: bad, Size: -1}); err == nil {
				t.Errorf("Download accepted %q", bad)
			}
		})
	}
}

func TestFetchOffline(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	repo := "Salesforce/wikitext"
	d := data(4000, 3)
	srv.Add(repo, "main", hubtest.Bytes("wikitext-2-raw-v1/test-00000-of-00001.parquet", d, true))
	cache := filepath.Join(t.TempDir(), "hub")
	req := Request{Repo: repo, Config: "wikitext-2-raw-v1", Split: "test", Include: []string{"wikitext-2-raw-v1/test-*.parquet"}}

	off, _ := newTestClient(t, srv, cache)
	off.cfg.Offline = true
	_, err := off.Fetch(context.Background(), req)
	var oe *OfflineError
	if !errors.As(err, &oe) || !strings.Contains(err.Error(), "HF_HUB_OFFLINE") || !strings.Contains(err.Error(), filepath.Join(cache, "datasets--Salesforce--wikitext")) {
		t.Fatalf("offline error %v", err)
	}

	on, _ := newTestClient(t, srv, cache)
	if _, err := on.Fetch(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	requests := srv.Count("tree", "") + srv.Count("head", "") + srv.Count("cdn", "")
	files, err := off.Fetch(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || string(mustRead(t, files[0].LocalPath)) != string(d) {
		t.Fatalf("offline fetch %+v", files)
	}
	if n := srv.Count("tree", "") + srv.Count("head", "") + srv.Count("cdn", ""); n != requests {
		t.Errorf("offline fetch made %d requests", n-requests)
	}
}

func TestReadsHuggingFaceHubCache(t *testing.T) {
	// Lay the cache out as huggingface_hub's hf_hub_download does, by hand.
	srv := hubtest.New()
	defer srv.Close()
	repo := "wikimedia/wikipedia"
	d := data(6000, 4)
	f := hubtest.Bytes("20231101.ja/train-00000-of-00015.parquet", d, true)
	srv.Add(repo, "main", f)
	commit := hubtest.Commit(repo, "main")
	cache := filepath.Join(t.TempDir(), "hub")
	repoDir := filepath.Join(cache, "datasets--wikimedia--wikipedia")
	for _, dir := range []string{"blobs", "refs", "snapshots/" + commit + "/20231101.ja"} {
		if err := os.MkdirAll(filepath.Join(repoDir, dir), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(repoDir, "blobs", f.SHA256), d, 0o644)
	os.WriteFile(filepath.Join(repoDir, "refs", "main"), []byte(commit), 0o644)
	os.Symlink("../../../blobs/"+f.SHA256, filepath.Join(repoDir, "snapshots", commit, f.Path))

	c, _ := newTestClient(t, srv, cache)
	files, err := c.Fetch(context.Background(), Request{Repo: repo, Config: "20231101.ja", Split: "train"})
	if err != nil {
		t.Fatal(err)
	}
	if files[0].Downloaded || srv.Count("cdn", "") != 0 {
		t.Errorf("the cached file was fetched again: %+v", files[0])
	}
	if files[0].LocalPath != filepath.Join(repoDir, "snapshots", commit, f.Path) {
		t.Errorf("local path %s", files[0].LocalPath)
	}
	// A blob without its snapshot link (another commit's) is linked, not fetched.
	srv.Add(repo, "v2", f)
	files, err = c.Fetch(context.Background(), Request{Repo: repo, Revision: "v2", Config: "20231101.ja", Split: "train"})
	if err != nil || files[0].Downloaded || srv.Count("cdn", "") != 0 {
		t.Fatalf("v2: %+v %v", files, err)
	}
	if got := tree(t, repoDir); !slices.Contains(got, "snapshots/"+hubtest.Commit(repo, "v2")+"/20231101.ja/train-00000-of-00015.parquet -> ../../../blobs/"+f.SHA256) {
		t.Errorf("cache tree %v", got)
	}
}

func TestHTTPErrorStatusHints(t *testing.T) {
	e := &HTTPError{Status: http.StatusForbidden, What: "dataset o/n revision main file a"}
	if !strings.Contains(e.Error(), "HF_TOKEN") {
		t.Errorf("%v", e)
	}
	if !IsNotFound(&HTTPError{Status: 404}) || IsNotFound(e) {
		t.Error("IsNotFound")
	}
}

func TestFetchFallsBackToCacheWhenHubIsDown(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	repo := "Salesforce/wikitext"
	d := data(3000, 8)
	srv.Add(repo, "main", hubtest.Bytes("wikitext-2-raw-v1/test-00000-of-00001.parquet", d, true))
	cache := filepath.Join(t.TempDir(), "hub")
	c, _ := newTestClient(t, srv, cache)
	req := Request{Repo: repo, Config: "wikitext-2-raw-v1", Split: "test"}
	if _, err := c.Fetch(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	srv.SetFault(func(kind string, w http.ResponseWriter, r *http.Request) bool {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return true
	})
	files, err := c.Fetch(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].Downloaded || string(mustRead(t, files[0].LocalPath)) != string(d) {
		t.Errorf("files %+v", files)
	}
	// Without a cached copy the Hub's failure is reported.
	c2, _ := newTestClient(t, srv, "")
	if _, err := c2.Fetch(context.Background(), req); err == nil || !strings.Contains(err.Error(), "HTTP 503") {
		t.Errorf("error %v", err)
	}
}

func TestGatedDatasetWithToken(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	srv.Add("o/gated", "main", hubtest.Bytes("x/train-0.parquet", []byte("gated bytes"), true))
	srv.Gated["o/gated"] = true
	srv.Token = "hf_secret_token_123" // the token newTestClient sends
	c, _ := newTestClient(t, srv, "")
	files, err := c.Fetch(context.Background(), Request{Repo: "o/gated", Config: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if string(mustRead(t, files[0].LocalPath)) != "gated bytes" {
		t.Error("content differs")
	}
	if n := srv.CDNAuthSeen.Load(); n != 0 {
		t.Errorf("the token went to the CDN %d times", n)
	}
}

func TestRenamedRepoRelativeRedirect(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	d := data(5000, 6)
	srv.Add("o/new", "main", hubtest.Bytes("c/train-0.parquet", d, true))
	srv.Add("o/old", "main") // known, but renamed: every file redirects
	srv.SetFault(func(kind string, w http.ResponseWriter, r *http.Request) bool {
		if (kind == "head" || kind == "get") && strings.HasPrefix(r.URL.Path, "/datasets/o/old/") {
			w.Header().Set("Location", strings.Replace(r.URL.Path, "/o/old/", "/o/new/", 1))
			w.WriteHeader(http.StatusTemporaryRedirect)
			return true
		}
		return false
	})
	c, _ := newTestClient(t, srv, "")
	f, err := c.Download(context.Background(), "o/old", RepoFile{Path: "c/train-0.parquet", Size: -1})
	if err != nil {
		t.Fatal(err)
	}
	if string(mustRead(t, f.LocalPath)) != string(d) || !strings.Contains(f.LocalPath, "datasets--o--old") {
		t.Errorf("file %+v", f)
	}
}
