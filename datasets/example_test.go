package datasets_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/calibkit/calibkit/datasets"
	"github.com/calibkit/calibkit/datasets/hubtest"
)

func ExampleClient_Fetch() {
	hub := hubtest.New() // a stand-in for https://huggingface.co
	defer hub.Close()
	hub.Add("Salesforce/wikitext", "main",
		hubtest.Bytes("wikitext-2-raw-v1/test-00000-of-00001.parquet", []byte("parquet bytes"), true))

	cache, _ := os.MkdirTemp("", "hub")
	defer os.RemoveAll(cache)
	c, err := datasets.NewClient(datasets.Config{Endpoint: hub.URL(), HubCache: cache})
	if err != nil {
		panic(err)
	}
	files, err := c.Fetch(context.Background(), datasets.Request{
		Repo: "Salesforce/wikitext", Config: "wikitext-2-raw-v1", Split: "test",
	})
	if err != nil {
		panic(err)
	}
	for _, f := range files {
		rel, _ := filepath.Rel(cache, f.LocalPath)
		target, _ := os.Readlink(f.LocalPath)
		fmt.Println(filepath.ToSlash(rel))
		fmt.Println("  ->", target, f.Size, "bytes")
	}
	// Output:
	// datasets--Salesforce--wikitext/snapshots/dfca6c3b5aa3e2f27a8fb6cc69f2e3319de1af96/wikitext-2-raw-v1/test-00000-of-00001.parquet
	//   -> ../../../blobs/e67960879830f85c2ee10e69e9893e8d7b54cd435829e92a5c2f37ca131018de 13 bytes
}

func ExampleParseHFAddress() {
	a, err := datasets.ParseHFAddress("hf://datasets/wikimedia/wikipedia@main/20231101.ja/train-*.parquet")
	fmt.Println(a.Repo, a.Revision, a.Glob, err)
	// Output: wikimedia/wikipedia main 20231101.ja/train-*.parquet <nil>
}

func ExampleMatchGlob() {
	for _, name := range []string{"20231101.ja/train-00003-of-00015.parquet", "20231101.jv/train-00000-of-00001.parquet"} {
		ok, _ := datasets.MatchGlob("20231101.ja/train-*.parquet", name)
		fmt.Println(name, ok)
	}
	// Output:
	// 20231101.ja/train-00003-of-00015.parquet true
	// 20231101.jv/train-00000-of-00001.parquet false
}

func ExampleWriteWikitextRaw() {
	// wikitext's parquet holds one row per line; empty rows were " \n".
	pq, _ := os.ReadFile("testdata/wikitext-sample.parquet")
	var out bytes.Buffer
	st, err := datasets.WriteWikitextRaw(&out, bytes.NewReader(pq), int64(len(pq)), "wikitext-sample.parquet")
	fmt.Printf("%q\n%+v %v\n", out.String(), st, err)
	// Output:
	// " \n = Valkyria Chronicles III = \n \n Senjō no Valkyria 3 : Unrecorded Chronicles . \n"
	// {Rows:4 EmptyRows:2 Bytes:83} <nil>
}

func ExampleResolveInputs() {
	hub := hubtest.New()
	defer hub.Close()
	for _, p := range []string{"20231101.ja/train-00000-of-00002.parquet", "20231101.ja/train-00001-of-00002.parquet"} {
		hub.Add("wikimedia/wikipedia", "main", hubtest.Bytes(p, []byte(p), true))
	}
	cache, _ := os.MkdirTemp("", "hub")
	defer os.RemoveAll(cache)
	c, _ := datasets.NewClient(datasets.Config{Endpoint: hub.URL(), HubCache: cache})

	paths, err := datasets.ResolveInputs(context.Background(), c, []string{
		"hf://datasets/wikimedia/wikipedia/20231101.ja/train-*.parquet",
		"local/*.jsonl", // passed through
	})
	if err != nil {
		panic(err)
	}
	for _, p := range paths {
		fmt.Println(filepath.Base(p))
	}
	// Output:
	// train-00000-of-00002.parquet
	// train-00001-of-00002.parquet
	// *.jsonl
}
