// Package hubcard holds what the Hugging Face Hub's cards share: the YAML
// front matter between --- lines that the Hub reads as the repository's
// metadata, and command lines quoted for a POSIX shell, as the cards'
// "how to rebuild" sections print them. hfdataset's dataset card and
// modelcard's model card both write through it.
package hubcard

import (
	"bytes"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// WriteFrontMatter writes header as the card's YAML front matter: "---",
// the YAML (two-space indent), "---" and an empty line.
func WriteFrontMatter(b *bytes.Buffer, header any) error {
	var y bytes.Buffer
	enc := yaml.NewEncoder(&y)
	enc.SetIndent(2)
	if err := enc.Encode(header); err != nil {
		return fmt.Errorf("card header: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("card header: %w", err)
	}
	b.WriteString("---\n")
	b.Write(y.Bytes())
	b.WriteString("---\n\n")
	return nil
}

// ShellJoin quotes args for a POSIX shell: an argument of safe characters
// stands as it is, any other in single quotes.
func ShellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
		}) < 0 {
			q[i] = a
			continue
		}
		q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
	}
	return strings.Join(q, " ")
}
