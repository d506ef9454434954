package fetchcmd

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/datasets"
	"github.com/calibkit/calibkit/datasets/hubtest"
)

func TestNewCmdFetchFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    datasets.Request
		preset  string
		json    bool
		wantErr string
	}{
		{name: "preset", args: []string{"wikipedia-ja"}, preset: "wikipedia-ja",
			want: datasets.Request{Repo: "wikimedia/wikipedia", Config: "20231101.ja", Split: "train", Include: []string{"20231101.ja/train-*.parquet"}, Jobs: 4}},
		{name: "preset with another split", args: []string{"wikitext-2", "--split", "validation"}, preset: "wikitext-2",
			want: datasets.Request{Repo: "Salesforce/wikitext", Config: "wikitext-2-raw-v1", Split: "validation", Jobs: 4}},
		{name: "repo and flags", args: []string{"Salesforce/wikitext", "--config", "wikitext-103-raw-v1", "--split", "test", "--revision", "v1", "-j", "2", "--shards", "0,2-3", "--json"}, json: true,
			want: datasets.Request{Repo: "Salesforce/wikitext", Config: "wikitext-103-raw-v1", Split: "test", Revision: "v1", Jobs: 2, Shards: []int{0, 2, 3}}},
		{name: "include", args: []string{"o/n", "--include", "a/*.parquet", "--include", "b/**"},
			want: datasets.Request{Repo: "o/n", Include: []string{"a/*.parquet", "b/**"}, Jobs: 4}},
		{name: "preset de", args: []string{"wikipedia-de"}, preset: "wikipedia-de",
			want: datasets.Request{Repo: "wikimedia/wikipedia", Config: "20231101.de", Split: "train", Include: []string{"20231101.de/train-*.parquet"}, Jobs: 4}},
		{name: "unknown wikipedia", args: []string{"wikipedia-xx"}, wantErr: "supported are ar, arz"},
		{name: "no repo", args: []string{}, wantErr: "accepts 1 arg"},
		{name: "bad repo", args: []string{"a/b/c"}, wantErr: "want OWNER/NAME"},
		{name: "bad jobs", args: []string{"o/n", "--jobs", "0"}, wantErr: "--jobs 0"},
		{name: "bad shards", args: []string{"o/n", "--shards", "3-1"}, wantErr: "--shards"},
		{name: "bad glob", args: []string{"o/n", "--include", "a/["}, wantErr: "--include"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, _, _, _ := iostreams.Test()
			var got *Options
			cmd := NewCmdFetch(io, func(o *Options) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(&strings.Builder{})
			cmd.SetErr(&strings.Builder{})
			err := cmd.Execute()
			if tt.wantErr != "" {
				var fe *cmdutil.FlagError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.As(err, &fe) {
					t.Fatalf("error %v, want a usage error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			r := got.Request
			if r.Repo != tt.want.Repo || r.Config != tt.want.Config || r.Split != tt.want.Split || r.Revision != tt.want.Revision ||
				r.Jobs != tt.want.Jobs || !slices.Equal(r.Include, tt.want.Include) || !slices.Equal(r.Shards, tt.want.Shards) {
				t.Errorf("request %+v, want %+v", r, tt.want)
			}
			if got.Preset != tt.preset || got.JSON != tt.json {
				t.Errorf("preset %q json %v", got.Preset, got.JSON)
			}
		})
	}
}

func TestFetchRun(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	for _, p := range []string{"20231101.ja/train-00000-of-00002.parquet", "20231101.ja/train-00001-of-00002.parquet"} {
		srv.Add("wikimedia/wikipedia", "main", hubtest.Bytes(p, []byte("content of "+p), true))
	}
	cache := filepath.Join(t.TempDir(), "hub")
	cfg := func() (datasets.Config, error) {
		return datasets.Config{Endpoint: srv.URL(), HubCache: cache, Token: "hf_do_not_print"}, nil
	}
	run := func(args ...string) (string, error) {
		io, _, out, errOut := iostreams.Test()
		cmd := NewCmdFetch(io, func(o *Options) error {
			o.HubConfig = cfg
			return fetchRun(context.Background(), o)
		})
		cmd.SetArgs(args)
		err := cmd.Execute()
		if strings.Contains(out.String()+errOut.String(), "hf_do_not_print") {
			t.Errorf("the token was printed")
		}
		return out.String(), err
	}
	out, err := run("wikipedia-ja", "--jobs", "2")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("output %q", out)
	}
	for i, l := range lines {
		b, err := os.ReadFile(l)
		if err != nil || !strings.HasSuffix(string(b), "train-0000"+string(rune('0'+i))+"-of-00002.parquet") {
			t.Errorf("line %d: %s: %q %v", i, l, b, err)
		}
	}
	out, err = run("wikipedia-ja", "--shards", "1", "--json")
	if err != nil {
		t.Fatal(err)
	}
	var res Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if res.Repo != "wikimedia/wikipedia" || res.Preset != "wikipedia-ja" || len(res.Files) != 1 || res.Cached != 1 || res.Fetched != 0 ||
		res.Files[0].LocalPath != lines[1] || res.Files[0].SHA256 == "" {
		t.Errorf("json %+v", res)
	}
	if _, err := run("wikimedia/wikipedia", "--config", "20231101.xx", "--split", "train"); err == nil {
		t.Error("a config with no files succeeded")
	}
}
