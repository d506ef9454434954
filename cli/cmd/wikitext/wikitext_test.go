package wikitextcmd

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/calibkit/calibkit/cli/cmdutil"
	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/datasets"
	"github.com/calibkit/calibkit/datasets/hubtest"
	"github.com/calibkit/calibkit/internal/manifest"
)

func TestNewCmdRawFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    RawOptions
		wantErr string
	}{
		{"defaults", []string{"raw"}, RawOptions{Config: "wikitext-2-raw-v1", Split: "test"}, ""},
		{"all", []string{"raw", "--config", "wikitext-103-raw-v1", "--split", "validation", "--revision", "abc", "-o", "x.raw"},
			RawOptions{Config: "wikitext-103-raw-v1", Split: "validation", Revision: "abc", Output: "x.raw"}, ""},
		{"from", []string{"raw", "--from", "a.parquet", "--from", "b.parquet", "-o", "-"},
			RawOptions{Config: "wikitext-2-raw-v1", Split: "test", From: []string{"a.parquet", "b.parquet"}, Output: "-"}, ""},
		{"from and config", []string{"raw", "--from", "a.parquet", "--config", "x"}, RawOptions{}, "do not apply"},
		{"empty split", []string{"raw", "--split", ""}, RawOptions{}, "must not be empty"},
		{"stray arg", []string{"raw", "file"}, RawOptions{}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, _, _, _ := iostreams.Test()
			var got *RawOptions
			cmd := NewCmdWikitext(io, func(o *RawOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SetOut(&bytes.Buffer{})
			cmd.SetErr(&bytes.Buffer{})
			err := cmd.Execute()
			if tt.wantErr != "" {
				var fe *cmdutil.FlagError
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || (!errors.As(err, &fe) && !strings.Contains(err.Error(), "unknown command")) {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Config != tt.want.Config || got.Split != tt.want.Split || got.Revision != tt.want.Revision ||
				got.Output != tt.want.Output || !slices.Equal(got.From, tt.want.From) {
				t.Errorf("options %+v, want %+v", got, tt.want)
			}
		})
	}
}

type row struct {
	Text string `parquet:"text"`
}

var rows = []row{
	{""}, {" = Robert Boulter = \n"}, {""},
	{" Robert Boulter is an English film , television and theatre actor . \n"},
	{""}, {" = = Career = = \n"}, {""},
}

const wantRaw = " \n = Robert Boulter = \n \n Robert Boulter is an English film , television and theatre actor . \n \n = = Career = = \n \n"

func parquetBytes(t *testing.T) []byte {
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[row](&buf, parquet.MaxRowsPerRowGroup(3))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRawRunFromFile(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "test-00000-of-00001.parquet")
	os.WriteFile(in, parquetBytes(t), 0o644)
	out := filepath.Join(dir, "wiki.test.raw")
	io, _, stdout, _ := iostreams.Test()
	err := rawRun(context.Background(), &RawOptions{IO: io, From: []string{in}, Output: out, Command: []string{"calibkit", "wikitext", "raw"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); string(got) != wantRaw {
		t.Errorf("output %q, want %q", got, wantRaw)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout %q", stdout)
	}
	m, err := manifest.Read(manifest.Path(out))
	if err != nil {
		t.Fatal(err)
	}
	if m.Counts["lines"] != float64(len(rows)) || m.Counts["bytes"] != float64(len(wantRaw)) || len(m.Inputs) != 1 || m.Inputs[0].Path != in {
		t.Errorf("manifest %+v", m)
	}
	// To stdout, no manifest.
	io, _, stdout, _ = iostreams.Test()
	if err := rawRun(context.Background(), &RawOptions{IO: io, From: []string{in}}); err != nil {
		t.Fatal(err)
	}
	if stdout.String() != wantRaw {
		t.Errorf("stdout %q", stdout)
	}
}

func TestRawRunFetches(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	srv.Add(datasets.WikitextRepo, "main", hubtest.Bytes("wikitext-2-raw-v1/test-00000-of-00001.parquet", parquetBytes(t), true))
	dir := t.TempDir()
	out := filepath.Join(dir, "wiki.test.raw")
	io, _, _, _ := iostreams.Test()
	opts := &RawOptions{IO: io, Config: "wikitext-2-raw-v1", Split: "test", Output: out, Command: []string{"calibkit"},
		HubConfig: func() (datasets.Config, error) {
			return datasets.Config{Endpoint: srv.URL(), HubCache: filepath.Join(dir, "hub")}, nil
		}}
	if err := rawRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(out); string(got) != wantRaw {
		t.Errorf("output %q", got)
	}
	m, err := manifest.Read(manifest.Path(out))
	if err != nil {
		t.Fatal(err)
	}
	if m.Parameters["config"] != "wikitext-2-raw-v1" || m.Extra["dataset_commit"] != hubtest.Commit(datasets.WikitextRepo, "main") {
		t.Errorf("manifest %+v", m)
	}
}

func TestRawRunBadInputLeavesNoOutput(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "bad.parquet")
	os.WriteFile(in, []byte("not parquet"), 0o644)
	out := filepath.Join(dir, "wiki.test.raw")
	io, _, _, _ := iostreams.Test()
	err := rawRun(context.Background(), &RawOptions{IO: io, From: []string{in}, Output: out})
	if err == nil || !strings.Contains(err.Error(), in) {
		t.Fatalf("error %v, want one naming %s", err, in)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left behind: %v", entries)
	}
}
