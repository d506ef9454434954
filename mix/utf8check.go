package mix

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"unicode/utf8"
)

// invalidUTF8Offset returns the offset of the first invalid UTF-8 sequence
// in b, or -1.
func invalidUTF8Offset(b []byte) int {
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return -1
}

// readLines reads a UTF-8 text file as lines without their "\n" (a final
// line without "\n" counts as a line). It names the file and the byte offset
// of the first invalid UTF-8 sequence.
func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	return scanLines(path, f)
}

func scanLines(name string, r io.Reader) ([]string, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	var (
		lines []string
		off   int64
	)
	for {
		line, err := br.ReadString('\n')
		if len(line) > 0 {
			if bad := invalidUTF8Offset([]byte(line)); bad >= 0 {
				return nil, fmt.Errorf("%s is not UTF-8: invalid byte 0x%02x at byte offset %d: convert it to UTF-8 first", name, line[bad], off+int64(bad))
			}
			off += int64(len(line))
			if line[len(line)-1] == '\n' {
				line = line[:len(line)-1]
			}
			lines = append(lines, line)
		}
		if err == io.EOF {
			return lines, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
	}
}
