package datasets

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/datasets/hubtest"
)

func TestResolveInputs(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	repo := "wikimedia/wikipedia"
	for i := range 3 {
		srv.Add(repo, "main", hubtest.Bytes("20231101.ja/train-0000"+string(rune('0'+i))+"-of-00003.parquet", data(2000, byte(i)), true))
	}
	srv.Add(repo, "v1", hubtest.Bytes("20231101.ja/train-00000-of-00001.parquet", data(10, 1), true))
	c, _ := newTestClient(t, srv, "")
	got, err := ResolveInputs(context.Background(), c, []string{
		"local/*.jsonl",
		"hf://datasets/wikimedia/wikipedia/20231101.ja/train-*.parquet",
		"hf://datasets/wikimedia/wikipedia@v1/**/*.parquet",
		"/abs/snapshot/folder",
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 6 || got[0] != "local/*.jsonl" || got[5] != "/abs/snapshot/folder" {
		t.Fatalf("got %q", got)
	}
	snapMain := c.Cache().SnapshotDir(repo, hubtest.Commit(repo, "main"))
	for i := 1; i <= 3; i++ {
		if !strings.HasPrefix(got[i], snapMain+string(filepath.Separator)) {
			t.Errorf("input %d = %s, want a file of %s", i, got[i], snapMain)
		}
	}
	if !strings.Contains(got[4], hubtest.Commit(repo, "v1")) {
		t.Errorf("v1 input %s", got[4])
	}
	if _, err := ResolveInputs(context.Background(), c, []string{"hf://datasets/wikimedia/wikipedia/nothing-*.parquet"}); err == nil ||
		!strings.Contains(err.Error(), "hf://datasets/wikimedia/wikipedia/nothing-*.parquet") {
		t.Errorf("no match: %v", err)
	}
}
