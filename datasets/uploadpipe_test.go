package datasets

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/datasets/hubtest"
)

// Files hashed apart (each its own group here) are asked about and sent
// while the next is hashed; a file that cannot be read stops the upload
// before anything is committed.
func TestUploadHashesWhileSending(t *testing.T) {
	old := groupBytes
	groupBytes = 1
	t.Cleanup(func() { groupBytes = old })
	cases := []struct {
		name    string
		missing string // removed after the files were collected
	}{
		{"every file", ""},
		{"the last file vanished", "c.gguf"},
		{"the first file vanished", "a.gguf"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := uploadServer(t)
			srv.SetUploadConfig(hubtest.UploadConfig{WriteToken: testToken})
			dir := t.TempDir()
			for i, n := range []string{"a.gguf", "b.gguf", "c.gguf"} {
				os.WriteFile(filepath.Join(dir, n), data(40_000+i, byte(i+1)), 0o644)
			}
			files := collect(t, dir)
			if tc.missing != "" {
				os.Remove(filepath.Join(dir, tc.missing))
			}
			c, _ := newTestClient(t, srv, "")
			res, err := c.Upload(context.Background(), UploadRequest{Repo: "me/p", Create: true, Files: files, Jobs: 2})
			if v := srv.Violations(); len(v) > 0 {
				t.Fatalf("violations %v", v)
			}
			if tc.missing != "" {
				if err == nil || !strings.Contains(err.Error(), tc.missing) {
					t.Fatalf("error %v: want one naming %s", err, tc.missing)
				}
				if srv.Calls("commit") != 0 {
					t.Fatal("committed without every file")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if srv.Calls("preupload") != 3 || srv.Calls("batch") != 3 {
				t.Errorf("preupload %d, batch %d calls: want one per file", srv.Calls("preupload"), srv.Calls("batch"))
			}
			for i, f := range res.Files {
				if f.Path != []string{"a.gguf", "b.gguf", "c.gguf"}[i] || !f.Sent || f.Mode != "lfs" {
					t.Errorf("file %d: %+v", i, f)
				}
			}
			if repo, _ := srv.Repo("model", "me/p"); len(repo.Commits) != 1 {
				t.Errorf("%d commits", len(repo.Commits))
			}
		})
	}
}
