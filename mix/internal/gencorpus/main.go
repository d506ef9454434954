// Command gencorpus writes a JSONL corpus shaped like `calibkit corpus build`
// output, for speed measurements of the mix commands: Japanese-like
// sentences from a small syllable set, paragraphs, and article sizes spread
// log-normally around 1.8 kB like Wikipedia's.
//
//	go run ./mix/internal/gencorpus OUT.jsonl BYTES
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gencorpus:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: gencorpus OUT.jsonl BYTES")
	}
	size, err := strconv.ParseInt(args[1], 10, 64)
	if err != nil || size <= 0 {
		return fmt.Errorf("BYTES must be a positive integer, got %q", args[1])
	}
	f, err := os.Create(args[0])
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	sy := []string{"あ", "か", "さ", "た", "な", "は", "ま", "や", "ら", "わ", "日本", "語", "東京", "大学", "研究", "ア", "カ", "サ", "の", "は", "が", "を", "に", "で", "、"}
	var written int64
	for i := 0; written < size; i++ {
		target := int(math.Exp(7.5 + 1.1*r.NormFloat64()))
		var paras []string
		for n := 0; n < target; {
			var ss []string
			for range 1 + r.IntN(6) {
				var b strings.Builder
				for range 8 + r.IntN(50) {
					b.WriteString(sy[r.IntN(len(sy))])
					if r.IntN(25) == 0 {
						fmt.Fprint(&b, r.IntN(2000))
					}
				}
				b.WriteString("。")
				ss = append(ss, b.String())
				n += b.Len()
			}
			paras = append(paras, strings.Join(ss, "\n"))
		}
		id := strconv.Itoa(i + 1)
		j, err := json.Marshal(map[string]string{"id": id, "title": "記事" + id, "url": "https://ja.wikipedia.org/wiki?curid=" + id, "text": strings.Join(paras, "\n\n")})
		if err != nil {
			return err
		}
		w.Write(j)
		w.WriteByte('\n')
		written += int64(len(j) + 1)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
