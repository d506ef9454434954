package datasets

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/calibkit/calibkit/datasets/hubtest"
)

func TestProgressBarsDrawFilesAndTotal(t *testing.T) {
	srv := hubtest.New()
	defer srv.Close()
	srv.Add("o/bars", "main",
		hubtest.Bytes("c/train-0.parquet", data(3<<20, 1), true),
		hubtest.Bytes("c/train-1.parquet", data(2<<20, 2), true))
	var buf bytes.Buffer
	bars := NewProgressBars(&buf)
	c, _ := newTestClient(t, srv, "", WithProgress(bars))
	if _, err := c.Fetch(context.Background(), Request{Repo: "o/bars", Config: "c", Jobs: 2}); err != nil {
		t.Fatal(err)
	}
	bars.Wait()
	out := buf.String()
	for _, want := range []string{"total", "5.0 MiB / 5.0 MiB"} {
		if !strings.Contains(out, want) {
			t.Errorf("progress output lacks %q:\n%s", want, out)
		}
	}
}
