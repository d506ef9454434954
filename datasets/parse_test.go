package datasets

import (
	"encoding/json"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNextLink(t *testing.T) {
	tests := []struct {
		in   []string
		want string
		err  bool
	}{
		{nil, "", false},
		{[]string{`<https://hf.co/api/datasets/a/b/tree/main?cursor=xyz>; rel="next"`}, "https://hf.co/api/datasets/a/b/tree/main?cursor=xyz", false},
		{[]string{`<https://x/prev>; rel="prev", <https://x/next?a=1,2>; rel="next"`}, "https://x/next?a=1,2", false},
		{[]string{`<https://x/1>; rel="first"`, `<https://x/2>; rel=next`}, "https://x/2", false},
		{[]string{`<https://x/3>; title="a, b"; rel="last next"`}, "https://x/3", false},
		{[]string{`https://x/no-brackets; rel="next"`}, "", true},
	}
	for _, tt := range tests {
		got, err := nextLink(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("nextLink(%q) = %q, %v; want %q, err %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestParseTreePage(t *testing.T) {
	body := `[{"type":"directory","oid":"aa","size":0,"path":"cfg"},
	{"type":"file","oid":"1111111111111111111111111111111111111111","size":12,"path":"cfg/README.md"},
	{"type":"file","oid":"2222222222222222222222222222222222222222","size":134,"path":"cfg/train-0.parquet",
	 "lfs":{"oid":"` + strings.Repeat("ab", 32) + `","size":123456,"pointerSize":134}}]`
	files, err := parseTreePage([]byte(body), "main")
	if err != nil {
		t.Fatal(err)
	}
	want := []RepoFile{
		{Revision: "main", Path: "cfg/README.md", Size: 12, OID: "1111111111111111111111111111111111111111"},
		{Revision: "main", Path: "cfg/train-0.parquet", Size: 123456, OID: "2222222222222222222222222222222222222222", SHA256: strings.Repeat("ab", 32)},
	}
	if !slices.Equal(files, want) {
		t.Errorf("got %+v", files)
	}
	for _, bad := range []string{
		`[{"type":"file","path":"../x","size":1}]`,
		`[{"type":"file","path":"/etc/passwd","size":1}]`,
		`[{"type":"file","path":"a/./b","size":1}]`,
		`[{"type":"file","path":"a","size":1,"lfs":{"oid":"zz","size":1}}]`,
		`[{"type":"file","path":"a","size":-5}]`,
		`[{"type":"submodule","path":"a"}]`,
		`{"error":"nope"}`,
	} {
		if _, err := parseTreePage([]byte(bad), "main"); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

// FuzzParseTreeListing feeds arbitrary listing bodies and Link headers:
// the parsers must never panic, and every accepted path must stay inside
// a snapshot folder.
func FuzzParseTreeListing(f *testing.F) {
	f.Add([]byte(`[{"type":"file","oid":"ab","size":3,"path":"a/b.parquet","lfs":{"oid":"`+strings.Repeat("0", 64)+`","size":3}}]`), `<https://h/x?cursor=1>; rel="next"`)
	f.Add([]byte(`[{"type":"directory","path":"a"}]`), `<a>; rel=prev, <b>; rel="next"`)
	f.Add([]byte(`[]`), ``)
	f.Add([]byte(`[{"type":"file","path":"../../x"}]`), `<,>;rel="next",`)
	f.Fuzz(func(t *testing.T, body []byte, link string) {
		files, err := parseTreePage(body, "main")
		if err == nil {
			snap := filepath.Join("/cache", "datasets--o--n", "snapshots", "c")
			for _, fl := range files {
				ptr, err := (Cache{Dir: "/cache"}).PointerPath("o/n", "c", fl.Path)
				if err != nil {
					t.Fatalf("accepted path %q is refused later: %v", fl.Path, err)
				}
				rel, err := filepath.Rel(snap, ptr)
				if err != nil || !filepath.IsLocal(rel) {
					t.Fatalf("path %q escapes: %s", fl.Path, ptr)
				}
			}
			if _, err := json.Marshal(files); err != nil {
				t.Fatal(err)
			}
		}
		nextLink([]string{link})
	})
}

func TestMatchGlob(t *testing.T) {
	tests := []struct {
		pat, name string
		want      bool
	}{
		{"20231101.ja/train-*.parquet", "20231101.ja/train-00000-of-00015.parquet", true},
		{"20231101.ja/train-*.parquet", "20231101.jv/train-00000-of-00001.parquet", false},
		{"*.parquet", "a/b.parquet", false},
		{"**/*.parquet", "a/b/c.parquet", true},
		{"**/*.parquet", "c.parquet", true},
		{"data/**", "data/x/y.jsonl", true},
		{"a/?.txt", "a/b.txt", true},
	}
	for _, tt := range tests {
		if got, err := MatchGlob(tt.pat, tt.name); err != nil || got != tt.want {
			t.Errorf("MatchGlob(%q, %q) = %v, %v", tt.pat, tt.name, got, err)
		}
	}
	if err := ValidateGlob("a/["); err == nil {
		t.Error("bad glob accepted")
	}
	if got := listDir(Request{Include: []string{"20231101.ja/train-*.parquet", "20231101.ja/x/*.parquet"}}); got != "20231101.ja" {
		t.Errorf("listDir = %q", got)
	}
}

func TestParseShards(t *testing.T) {
	got, err := ParseShards("0, 2,5-7,2")
	if err != nil || !slices.Equal(got, []int{0, 2, 5, 6, 7, 2}) {
		t.Errorf("got %v %v", got, err)
	}
	for _, bad := range []string{"", "a", "-1", "3-1", ","} {
		if _, err := ParseShards(bad); err == nil {
			t.Errorf("ParseShards(%q) accepted", bad)
		}
	}
	if _, err := pickShards([]RepoFile{{Path: "a"}}, []int{3}); err == nil || !strings.Contains(err.Error(), "1 files match") {
		t.Errorf("out of range: %v", err)
	}
}

func TestConfigFromEnv(t *testing.T) {
	home := t.TempDir()
	tokenDir := filepath.Join(home, "hfhome")
	tests := []struct {
		name string
		env  map[string]string
		want Config
	}{
		{"defaults", map[string]string{}, Config{Endpoint: DefaultEndpoint, HubCache: filepath.Join(home, ".cache/huggingface/hub"), Home: filepath.Join(home, ".cache/huggingface")}},
		{"xdg", map[string]string{"XDG_CACHE_HOME": "/x"}, Config{Endpoint: DefaultEndpoint, HubCache: "/x/huggingface/hub", Home: "/x/huggingface"}},
		{"hf home and token file", map[string]string{"HF_HOME": tokenDir, "HF_HUB_OFFLINE": "1"},
			Config{Endpoint: DefaultEndpoint, HubCache: filepath.Join(tokenDir, "hub"), Home: tokenDir, Token: "file-token", Offline: true}},
		{"everything", map[string]string{"HF_HOME": tokenDir, "HF_HUB_CACHE": "~/c", "HF_TOKEN": " env-token\n", "HF_ENDPOINT": "https://hf-mirror.com/", "HF_HUB_OFFLINE": "false", "HF_HUB_DOWNLOAD_TIMEOUT": "2.5"},
			Config{Endpoint: "https://hf-mirror.com", HubCache: filepath.Join(home, "c"), Home: tokenDir, Token: "env-token", StallTimeout: 2500 * time.Millisecond}},
	}
	if err := writeFile(filepath.Join(tokenDir, "token"), "file-token\n"); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := configFromLookup(func(k string) string { return tt.env[k] }, home)
			if err != nil || got != tt.want {
				t.Errorf("got %+v %v, want %+v", got, err, tt.want)
			}
		})
	}
	for _, bad := range []map[string]string{{"HF_ENDPOINT": "ftp://x"}, {"HF_HUB_DOWNLOAD_TIMEOUT": "soon"}} {
		if _, err := configFromLookup(func(k string) string { return bad[k] }, home); err == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

func TestRetryAfterHeader(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h := http.Header{}
	h.Set("Retry-After", "12")
	if d := retryAfter(h, now); d != 12*time.Second {
		t.Errorf("seconds: %v", d)
	}
	h.Set("Retry-After", now.Add(90*time.Second).Format(http.TimeFormat))
	if d := retryAfter(h, now); d != 90*time.Second {
		t.Errorf("date: %v", d)
	}
	h.Set("Retry-After", "soon")
	if d := retryAfter(h, now); d != 0 {
		t.Errorf("junk: %v", d)
	}
}

func TestParseHFAddress(t *testing.T) {
	tests := []struct {
		in   string
		want HFAddress
		err  bool
	}{
		{"hf://datasets/wikimedia/wikipedia/20231101.ja/train-*.parquet", HFAddress{Repo: "wikimedia/wikipedia", Glob: "20231101.ja/train-*.parquet"}, false},
		{"hf://datasets/Salesforce/wikitext@refs%2Fconvert%2Fparquet/wikitext-2-raw-v1/test/*.parquet", HFAddress{Repo: "Salesforce/wikitext", Revision: "refs/convert/parquet", Glob: "wikitext-2-raw-v1/test/*.parquet"}, false},
		{"hf://datasets/o/n@v1.0/**", HFAddress{Repo: "o/n", Revision: "v1.0", Glob: "**"}, false},
		{"hf://datasets/o/n@~parquet/default/train/*.parquet", HFAddress{Repo: "o/n", Revision: "refs/convert/parquet", Glob: "default/train/*.parquet"}, false},
		{"hf://datasets/o/n", HFAddress{}, true},
		{"hf://datasets/o/n/../x", HFAddress{}, true},
		{"hf://models/o/n/x", HFAddress{}, true},
		{"hf://datasets/o/n@../../x/y", HFAddress{}, true},
	}
	for _, tt := range tests {
		got, err := ParseHFAddress(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseHFAddress(%q) = %+v, %v", tt.in, got, err)
		}
	}
}
