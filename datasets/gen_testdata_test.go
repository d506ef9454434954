package datasets

import (
	"os"
	"testing"
)

// TestGenerateSample rewrites testdata/wikitext-sample.parquet when run
// with CALIBKIT_REGEN=1 (ExampleWriteWikitextRaw reads it).
func TestGenerateSample(t *testing.T) {
	if os.Getenv("CALIBKIT_REGEN") == "" {
		t.Skip("set CALIBKIT_REGEN=1 to regenerate testdata")
	}
	rows := []wikiRow{{""}, {" = Valkyria Chronicles III = \n"}, {""}, {" Senjō no Valkyria 3 : Unrecorded Chronicles . \n"}}
	if err := os.WriteFile("testdata/wikitext-sample.parquet", writeParquet(t, rows), 0o644); err != nil {
		t.Fatal(err)
	}
}
