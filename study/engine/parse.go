package engine

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
)

var (
	finalRe = regexp.MustCompile(`Final estimate: PPL = ([0-9.eE+-]+|nan|inf) \+/- ([0-9.eE+-]+|nan|inf)`)
	// a row of --ppl-output-type 1: position, running PPL, running mean
	// NLL, its uncertainty
	rowRe = regexp.MustCompile(`^\s*(\d+)\s+([0-9.eE+-]+|nan|inf)\s+([0-9.eE+-]+|nan|inf)\s+([0-9.eE+-]+|nan|inf)\s*$`)
	// a running value of --ppl-output-type 0: [3]7.6622
	runRe  = regexp.MustCompile(`\[(\d+)\]([0-9.eE+-]+|nan|inf)`)
	statRe = regexp.MustCompile(`^(.+?)\s*:\s*(-?[0-9.]+|-?nan|-?inf)\s*%?\s*(?:±\s*(-?[0-9.]+|-?nan|-?inf)\s*%?)?\s*$`)
)

// ParsePerplexity reads what llama-perplexity printed with
// --ppl-output-type 1: one row per chunk with the running mean negative
// log-likelihood, from which each chunk's own mean follows (every chunk
// scores the same number of tokens), and the "Final estimate" line. out
// and log are its stdout and stderr (either may hold either).
func ParsePerplexity(out, log string) (*PerplexityResult, error) {
	res := &PerplexityResult{PPL: math.NaN(), PPLError: math.NaN()}
	var running []float64
	sc := bufio.NewScanner(strings.NewReader(out + "\n" + log))
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := finalRe.FindStringSubmatch(line); m != nil {
			res.PPL, _ = strconv.ParseFloat(m[1], 64)
			res.PPLError, _ = strconv.ParseFloat(m[2], 64)
			continue
		}
		if m := rowRe.FindStringSubmatch(line); m != nil {
			v, err := strconv.ParseFloat(m[3], 64)
			if err != nil {
				return nil, fmt.Errorf("llama-perplexity row %q: %w", line, err)
			}
			running = append(running, v)
		}
	}
	if math.IsNaN(res.PPL) {
		return nil, fmt.Errorf("llama-perplexity printed no \"Final estimate: PPL = X +/- E\" line (its output was cut short; see the step log)")
	}
	if len(running) == 0 {
		return nil, fmt.Errorf("llama-perplexity printed no per-chunk rows (was it run with --ppl-output-type 1?)")
	}
	// running[k] is the mean over chunks 0..k: chunk k's own mean is
	// (k+1)·running[k] − k·running[k−1].
	res.ChunkNLL = make([]float64, len(running))
	for k, v := range running {
		if k == 0 {
			res.ChunkNLL[k] = v
			continue
		}
		res.ChunkNLL[k] = float64(k+1)*v - float64(k)*running[k-1]
	}
	return res, nil
}

// ParseRunning reads llama-perplexity's or llama-imatrix's running
// "[1]5.3541,[2]7.6622,..." values, in order.
func ParseRunning(s string) []float64 {
	var out []float64
	for _, m := range runRe.FindAllStringSubmatch(s, -1) {
		v, err := strconv.ParseFloat(m[2], 64)
		if err == nil {
			out = append(out, v)
		}
	}
	return out
}

// ParseKLD reads the statistics llama-perplexity --kl-divergence prints
// after its per-chunk table: "LABEL : VALUE [± ERR] [%]" lines, labels
// with runs of spaces made single ("Mean    KLD" is "Mean KLD").
func ParseKLD(r io.Reader) (*KLDResult, error) {
	res := &KLDResult{Stats: map[string]Stat{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	in := false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "======") {
			in = true
			continue
		}
		if !in || line == "" {
			continue
		}
		m := statRe.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		label := strings.Join(strings.Fields(m[1]), " ")
		var st Stat
		st.Value = parseNum(m[2])
		if m[3] != "" {
			st.Err = parseNum(m[3])
		}
		res.Stats[label] = st
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if _, ok := res.Stats["Mean KLD"]; !ok {
		return nil, fmt.Errorf("llama-perplexity printed no KL divergence statistics (no \"Mean KLD\" line)")
	}
	return res, nil
}

// parseNum reads a number as printf prints it, "-nan" and "inf" included.
func parseNum(s string) float64 {
	if strings.HasSuffix(s, "nan") {
		return math.NaN()
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return math.NaN()
	}
	return v
}
