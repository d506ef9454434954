package datasets

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/datasets/hubtest"
	"github.com/calibkit/calibkit/internal/filehash"
)

func TestHashUploadFileCache(t *testing.T) {
	sum := func(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
	big := data(gitOIDLimit, 1) // no git blob id needed
	cases := []struct {
		name string
		size int
		// prepare records what it likes and changes the file; it returns
		// the content the file holds then
		prepare    func(t *testing.T, c filehash.Cache, p string) []byte
		wantCached bool
	}{
		{"an upload's own record", 1000, func(t *testing.T, c filehash.Cache, p string) []byte {
			hashUploadFile(context.Background(), UploadFile{Local: p}, c)
			return mustRead(t, p)
		}, true},
		{"a writer's record of a large file", len(big), func(t *testing.T, c filehash.Cache, p string) []byte {
			c.Store(p, nil, sum(big), "")
			return big
		}, true},
		{"a writer's record of a small file has no git blob id", 1000, func(t *testing.T, c filehash.Cache, p string) []byte {
			b := mustRead(t, p)
			c.Store(p, nil, sum(b), "")
			return b
		}, false},
		{"modified in place after the record, times put back", 1000, func(t *testing.T, c filehash.Cache, p string) []byte {
			hashUploadFile(context.Background(), UploadFile{Local: p}, c)
			fi, _ := os.Stat(p)
			b := data(1000, 9)
			os.WriteFile(p, b, 0o644)
			os.Chtimes(p, fi.ModTime(), fi.ModTime())
			return b
		}, false},
		{"a corrupt record", 1000, func(t *testing.T, c filehash.Cache, p string) []byte {
			hashUploadFile(context.Background(), UploadFile{Local: p}, c)
			ents, _ := os.ReadDir(c.Dir)
			for _, e := range ents {
				os.WriteFile(filepath.Join(c.Dir, e.Name()), []byte(`{"path":`), 0o644)
			}
			return mustRead(t, p)
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "model.gguf")
			if tc.size == len(big) {
				os.WriteFile(p, big, 0o644)
			} else {
				os.WriteFile(p, data(tc.size, 1), 0o644)
			}
			c := filehash.Cache{Dir: filepath.Join(dir, "cache")}
			want := tc.prepare(t, c, p)
			info, err := hashUploadFile(context.Background(), UploadFile{Local: p}, c)
			if err != nil {
				t.Fatal(err)
			}
			if info.sha256 != sum(want) || info.cached != tc.wantCached || info.size != int64(len(want)) || string(info.sample) != string(want[:min(512, len(want))]) {
				t.Errorf("sha256 %s cached %v size %d; want %s cached %v size %d", info.sha256, info.cached, info.size, sum(want), tc.wantCached, len(want))
			}
			if info.size < gitOIDLimit && info.gitOID == "" {
				t.Error("a small file without its git blob id")
			}
			// after hashing, the record holds
			if again, _ := hashUploadFile(context.Background(), UploadFile{Local: p}, c); !again.cached || again.sha256 != sum(want) {
				t.Errorf("second look: cached %v sha256 %s", again.cached, again.sha256)
			}
		})
	}
}

// A record whose sum is wrong (a stat that matched by accident, a record
// written wrongly) must not put the file on the Hub under that oid: the
// storage's check refuses the PUT, nothing is committed, the record is
// dropped, and the next run hashes the file and uploads it right.
func TestUploadWrongRecordedSumIsCaught(t *testing.T) {
	srv := uploadServer(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "model.gguf")
	content := data(gitOIDLimit+100, 3)
	os.WriteFile(p, content, 0o644)
	cacheDir := filepath.Join(dir, "hashes")
	c, _ := newTestClient(t, srv, "", WithHashCacheDir(cacheDir))
	wrong := strings.Repeat("ab", 32)
	filehash.Cache{Dir: cacheDir}.Store(p, nil, wrong, "")
	req := UploadRequest{Repo: "me/m", Create: true, Files: collect(t, p)}
	_, err := c.Upload(context.Background(), req)
	if err == nil || !strings.Contains(err.Error(), "hash cache") {
		t.Fatalf("upload under a wrong recorded sum: %v", err)
	}
	if v := srv.Violations(); len(v) == 0 || !strings.Contains(strings.Join(v, "\n"), "hashing to") {
		t.Errorf("the server did not see the mismatch: %v", v)
	}
	if repo, ok := srv.Repo("model", "me/m"); ok && len(repo.Commits) > 0 {
		t.Fatalf("committed under a wrong oid: %+v", repo.Commits)
	}
	if _, ok := (filehash.Cache{Dir: cacheDir}).Lookup(p, nil); ok {
		t.Error("the wrong record was kept")
	}
	srv.SetUploadConfig(hubtest.UploadConfig{WriteToken: testToken, ReadToken: "hf_read_only", MultipartThreshold: 200_000, ChunkSize: 1 << 20})
	res, err := c.Upload(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(content)
	if got := res.Files[0].SHA256; got != hex.EncodeToString(s[:]) || !res.Committed {
		t.Errorf("second run: sha256 %s committed %v", got, res.Committed)
	}
}
