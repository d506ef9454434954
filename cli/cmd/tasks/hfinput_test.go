package taskscmd

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/calibkit/calibkit/cli/iostreams"
	"github.com/calibkit/calibkit/datasets/hubtest"
	"github.com/calibkit/calibkit/tasks"
)

// TestBuildRunHFInput reads --from hf://datasets/... through the cache from
// a stand-in Hub and builds a Winogrande CSV that reads back.
func TestBuildRunHFInput(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	srv.Add("allenai/winogrande", "main",
		hubtest.Bytes("winogrande_xs/validation.jsonl", []byte(
			`{"sentence": "Ian volunteered to eat Dennis's menudo after already having a bowl because _ despised eating intestine.", "option1": "Ian", "option2": "Dennis", "answer": "2"}`+"\n"+
				`{"sentence": "He never comes to my home, but I always go to his house because the _ is smaller.", "option1": "home", "option2": "house", "answer": "1"}`+"\n"), true))
	dir := t.TempDir()
	t.Setenv("HF_ENDPOINT", srv.URL())
	t.Setenv("HF_HOME", filepath.Join(dir, "hfhome"))
	t.Setenv("HF_HUB_CACHE", filepath.Join(dir, "hub"))
	t.Setenv("HF_TOKEN", "")
	t.Setenv("HF_HUB_OFFLINE", "")
	io, _, _, _ := iostreams.Test()
	out := filepath.Join(dir, "wg.csv")
	opts := &BuildOptions{IO: io, Name: "winogrande", From: []string{"hf://datasets/allenai/winogrande/winogrande_xs/*.jsonl"}, Output: out, Command: []string{"calibkit"}}
	if err := buildRun(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := tasks.ReadWinogrande(bytes.NewReader(data), out)
	if err != nil || len(ts) != 2 || ts[1].Choices[1] != "house" || ts[0].Answer != 2 {
		t.Fatalf("tasks %+v, %v", ts, err)
	}
}
