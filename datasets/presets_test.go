package datasets

import "testing"

func TestLookupWikipediaPreset(t *testing.T) {
	for _, tc := range []struct {
		name, config, include string
		ok                    bool
	}{
		{"wikipedia-ja", "20231101.ja", "20231101.ja/train-*.parquet", true},
		{"wikipedia-de", "20231101.de", "20231101.de/train-*.parquet", true},
		{"wikipedia-zh", "20231101.zh", "20231101.zh/train-*.parquet", true},
		{"wikipedia-xx", "", "", false},
		{"wikipedia-CODE", "", "", false},
		{"wikipedia-", "", "", false},
	} {
		p, ok := LookupPreset(tc.name)
		if ok != tc.ok {
			t.Errorf("LookupPreset(%q) ok = %v", tc.name, ok)
			continue
		}
		if ok && (p.Name != tc.name || p.Request.Repo != "wikimedia/wikipedia" || p.Request.Config != tc.config ||
			p.Request.Split != "train" || len(p.Request.Include) != 1 || p.Request.Include[0] != tc.include) {
			t.Errorf("LookupPreset(%q) = %+v", tc.name, p)
		}
	}
}
