package datasets

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/calibkit/calibkit/datasets/hubtest"
)

// TestHelperFetchProcess is not a test: TestTwoProcessesWriteOnce runs the
// test binary twice with it, as two separate fetching processes.
func TestHelperFetchProcess(t *testing.T) {
	endpoint := os.Getenv("CALIBKIT_HELPER_ENDPOINT")
	if endpoint == "" {
		t.Skip("helper process")
	}
	c, err := NewClient(Config{Endpoint: endpoint, HubCache: os.Getenv("CALIBKIT_HELPER_CACHE")}, WithLockPoll(5*time.Millisecond))
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	f, err := c.Download(context.Background(), faultRepo, RepoFile{Path: os.Getenv("CALIBKIT_HELPER_PATH"), Size: -1})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	fmt.Printf("OK %s %v\n", f.LocalPath, f.Downloaded)
	os.Exit(0)
}

func TestTwoProcessesWriteOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	srv := hubtest.New()
	defer srv.Close()
	f, d := oneFile(srv, 500_000)
	srv.SetFault(func(kind string, w http.ResponseWriter, r *http.Request) bool {
		if kind == "cdn" {
			time.Sleep(300 * time.Millisecond) // the other process arrives meanwhile
		}
		return false
	})
	cache := filepath.Join(t.TempDir(), "hub")
	var cmds []*exec.Cmd
	var outs []*strings.Builder
	for range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperFetchProcess$")
		cmd.Env = append(os.Environ(), "CALIBKIT_HELPER_ENDPOINT="+srv.URL(), "CALIBKIT_HELPER_CACHE="+cache, "CALIBKIT_HELPER_PATH="+f.Path)
		out := &strings.Builder{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, out)
	}
	downloaded := 0
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("process %d: %v\n%s", i, err, outs[i])
		}
		line := strings.Fields(outs[i].String())
		if len(line) < 3 || line[0] != "OK" {
			t.Fatalf("process %d: %s", i, outs[i])
		}
		if string(mustRead(t, line[1])) != string(d) {
			t.Errorf("process %d: content differs", i)
		}
		if line[2] == "true" {
			downloaded++
		}
	}
	if n := srv.Count("cdn", f.Path); n != 1 || downloaded != 1 {
		t.Errorf("downloads: %d from the server, %d processes say they downloaded; want 1 and 1", n, downloaded)
	}
}
