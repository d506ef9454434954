package hfdataset

import (
	"context"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/internal/filehash"
)

// The shards are hashed as they are written and recorded in the hash
// cache under their final names: uploading the folder reads none of them
// to hash them.
func TestExportRecordsShardSums(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(filehash.CacheEnv, filepath.Join(dir, "hashes"))
	// random hex lines: zstd leaves shards of more than the cache's 1 MiB
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	line := make([]byte, 40)
	for b.Len() < 6<<20 {
		for i := range line {
			line[i] = byte(r.Uint32())
		}
		b.WriteString(hex.EncodeToString(line) + "\n")
	}
	in := filepath.Join(dir, "text.txt")
	write(t, in, b.String())
	out := filepath.Join(dir, "ds")
	res, err := Export(context.Background(), Options{Splits: []Split{{Name: "train", Files: []string{in}}}, Output: out, MaxShardBytes: 3 << 20})
	if err != nil {
		t.Fatal(err)
	}
	sp := res.Splits[0]
	if len(sp.Shards) < 2 || len(sp.ShardSHA256) != len(sp.Shards) {
		t.Fatalf("shards %v, sums %v", sp.Shards, sp.ShardSHA256)
	}
	recorded := 0
	for i, rel := range sp.Shards {
		p := filepath.Join(out, filepath.FromSlash(rel))
		want, err := filehash.HashFile(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		if sp.ShardSHA256[i] != want.SHA256 {
			t.Errorf("%s: sum %s, the file's %s", rel, sp.ShardSHA256[i], want.SHA256)
		}
		fi, _ := os.Stat(p)
		rec, ok := filehash.DefaultCache().Lookup(p, nil)
		if fi.Size() >= filehash.DefaultMinBytes && (!ok || rec.SHA256 != want.SHA256) {
			t.Errorf("%s (%d bytes): not recorded (%v %+v)", rel, fi.Size(), ok, rec)
		}
		if ok {
			recorded++
		}
	}
	if recorded == 0 {
		t.Error("no shard large enough to be recorded: the test checks nothing")
	}
}
