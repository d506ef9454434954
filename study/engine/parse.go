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
	// a row of --kl-divergence's per-chunk table: chunk number, then the
	// running PPL(Q), ln(PPL(Q)/PPL(base)), KL divergence, RMS Δp and
	// same top p over the chunks so far, each ± its uncertainty
	kldRowRe = regexp.MustCompile(`^\s*(\d+)\s+(\S+)\s+±\s+\S+\s+(\S+)\s+±\s+\S+\s+(\S+)\s+±\s+\S+\s+\S+\s+±\s+\S+\s*%\s+\S+\s+±\s+\S+\s*%\s*$`)
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
	res.ChunkNLL = fromRunning(running)
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
// with runs of spaces made single ("Mean    KLD" is "Mean KLD"). From the
// table, whose KL-divergence column is the running mean over the chunks
// so far, it recovers each chunk's own mean (ChunkKLD): every chunk scores
// as many tokens, so chunk k's is k·m_k − (k−1)·m_{k−1}. The column has 5
// decimals, so chunk k's value is off by at most (2k−1)·5·10⁻⁶; the
// errors cancel in the mean over all chunks, which is n·m_n/n. A table
// with a gap, or whose last running mean is not the printed Mean KLD, is
// an error; a table of no rows leaves ChunkKLD nil.
func ParseKLD(r io.Reader) (*KLDResult, error) {
	res := &KLDResult{Stats: map[string]Stat{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	in := false
	var running []float64
	var last string
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "======") {
			in = true
			continue
		}
		if !in {
			if m := kldRowRe.FindStringSubmatch(line); m != nil {
				k, err := strconv.Atoi(m[1])
				v := parseNum(m[4])
				if err != nil || k != len(running)+1 {
					return nil, fmt.Errorf("llama-perplexity's KL-divergence table: chunk %s where chunk %d was due (a row lost or out of order; see the step log): %q", m[1], len(running)+1, line)
				}
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return nil, fmt.Errorf("llama-perplexity's KL-divergence table: row %q has no running KLD", line)
				}
				running, last = append(running, v), line
			}
			continue
		}
		if line == "" {
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
	mean, ok := res.Stats["Mean KLD"]
	if !ok {
		return nil, fmt.Errorf("llama-perplexity printed no KL divergence statistics (no \"Mean KLD\" line)")
	}
	if len(running) == 0 {
		return res, nil
	}
	// the table's last running mean (5 decimals) is the Mean KLD (6)
	if n := running[len(running)-1]; !(math.Abs(n-mean.Value) <= 0.5e-5+0.5e-6+1e-9*math.Abs(n)) {
		return nil, fmt.Errorf("llama-perplexity's KL-divergence table ends at a running KLD of %g (row %q), but it printed Mean KLD %g: not the same run (see the step log)", n, last, mean.Value)
	}
	res.ChunkKLD = fromRunning(running)
	return res, nil
}

// fromRunning returns each chunk's own mean from running means over
// chunks of equal size: running[k] is the mean over chunks 0..k, so chunk
// k's is (k+1)·running[k] − k·running[k−1].
func fromRunning(running []float64) []float64 {
	out := make([]float64, len(running))
	for k, v := range running {
		if k == 0 {
			out[k] = v
			continue
		}
		out[k] = float64(k+1)*v - float64(k)*running[k-1]
	}
	return out
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
