package coverage

// Summary is the compact form of one file's coverage, for records that
// carry it (a study's imatrix sources).
type Summary struct {
	TokensPerByte float64 `json:"tokens_per_byte"`
	MinCount      int     `json:"min_count"`
	Share         float64 `json:"share"`
	ShareK        float64 `json:"share_k"`
	// Scripts maps each script class of the vocabulary to its shares.
	Scripts map[string]ScriptShare `json:"scripts"`
}

// ScriptShare is a script's share seen at least once and at least K times.
type ScriptShare struct {
	Share  float64 `json:"share"`
	ShareK float64 `json:"share_k"`
}

// Summary returns the compact coverage of r's i-th file.
func (r *Result) Summary(i int) Summary {
	f := r.Files[i]
	s := Summary{TokensPerByte: f.TokensPerByte, MinCount: r.MinCount, Share: f.Share, ShareK: f.ShareK,
		Scripts: make(map[string]ScriptShare, len(f.Scripts))}
	for _, sc := range f.Scripts {
		s.Scripts[sc.Script] = ScriptShare{Share: sc.Share, ShareK: sc.ShareK}
	}
	return s
}
