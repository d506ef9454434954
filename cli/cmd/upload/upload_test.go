package uploadcmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/cmdutil/cmdtest"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/datasets"
	"github.com/calibkit/calibkit/datasets/hubtest"
)

func TestNewCmdUploadFlags(t *testing.T) {
	tests := []struct {
		args    string
		check   func(*Options) bool
		wantErr string
	}{
		{args: "me/r a.gguf dir", check: func(o *Options) bool {
			return o.Request.Repo == "me/r" && o.Request.RepoType == "model" && o.Request.Revision == "main" && len(o.Paths) == 2 && o.Request.Jobs == 4
		}},
		{args: "me/r ds --repo-type dataset --create --private -m msg --revision dev --rehash", check: func(o *Options) bool {
			return o.Request.RepoType == "dataset" && o.Request.Create && o.Request.Private && o.Request.Message == "msg" && o.Request.Revision == "dev" && o.Rehash
		}},
		{args: "noowner a.txt", wantErr: "want OWNER/NAME"},
		{args: "a/b/c a.txt", wantErr: "want OWNER/NAME"},
		{args: "me/bad..name! a.txt", wantErr: "letters, digits"},
		{args: "me/r", wantErr: "requires at least 2 arg(s)"},
		{args: "me/r a --repo-type space", wantErr: "want model or dataset"},
		{args: "me/r a --private", wantErr: "--private goes with --create"},
		{args: "me/r a -j 0", wantErr: "--jobs"},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			got := cmdtest.Parse(t, NewCmdUpload, tt.args, tt.wantErr)
			if tt.wantErr != "" {
				return
			}
			if !tt.check(got) {
				t.Errorf("options %+v", *got)
			}
		})
	}
}

func TestUploadRun(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	srv.SetUploadConfig(hubtest.UploadConfig{WriteToken: "hf_write_secret"})
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "README.md"), []byte("# card\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "model.gguf"), []byte("GGUF\x00\x01binary"), 0o644)
	cfg := func() (datasets.Config, error) {
		return datasets.Config{Endpoint: srv.URL(), Token: "hf_write_secret", HubCache: t.TempDir()}, nil
	}
	ios, _, stdout, _ := iostreams.Test()
	opts := &Options{IO: ios, HubConfig: cfg, JSON: true, Paths: []string{dir},
		Request: datasets.UploadRequest{Repo: "me/m", RepoType: "model", Revision: "main", Create: true, Jobs: 2, Message: "first"}}
	if err := uploadRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	var res datasets.UploadResult
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if !res.Committed || len(res.Files) != 2 || res.Files[1].Mode != "lfs" {
		t.Errorf("result %+v", res)
	}
	stdout.Reset()
	opts.JSON = false
	if err := uploadRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "nothing to commit") {
		t.Errorf("second run said %q", stdout.String())
	}
	// a link out of the folder is refused before anything is sent
	os.Symlink("/etc/hostname", filepath.Join(dir, "out"))
	calls := srv.Calls("preupload")
	if err := uploadRun(context.Background(), opts); err == nil || !strings.Contains(err.Error(), "outside the folder") || srv.Calls("preupload") != calls {
		t.Errorf("link out: %v", err)
	}
}
