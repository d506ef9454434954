package chat

import (
	"regexp"
	"sort"
	"strings"

	"github.com/ardanlabs/jinja"
)

var (
	tagRE    = regexp.MustCompile(`(?s)\{\{.*?\}\}|\{%.*?%\}`)
	stringRE = regexp.MustCompile(`"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'`)
	filterRE = regexp.MustCompile(`\|\s*([A-Za-z_]\w*)`)
	testRE   = regexp.MustCompile(`\bis\s+(?:not\s+)?([A-Za-z_]\w*)`)
)

// checkConstructs finds every filter and test the template names, in any
// branch, and asks the renderer whether it knows each one, so a template
// that needs a missing one fails before it renders anything.
func checkConstructs(name, src string) error {
	type use struct {
		kind, name string
		line       int
	}
	var uses []use
	seen := map[string]bool{}
	for _, loc := range tagRE.FindAllStringIndex(src, -1) {
		tag := src[loc[0]:loc[1]]
		// Blank out string literals, keeping offsets.
		tag = stringRE.ReplaceAllStringFunc(tag, func(s string) string {
			return strings.Repeat(" ", len(s))
		})
		add := func(kind string, re *regexp.Regexp) {
			for _, m := range re.FindAllStringSubmatchIndex(tag, -1) {
				n := tag[m[2]:m[3]]
				if seen[kind+n] {
					continue
				}
				seen[kind+n] = true
				line := strings.Count(src[:loc[0]+m[0]], "\n") + 1
				uses = append(uses, use{kind, n, line})
			}
		}
		add("filter", filterRE)
		add("test", testRE)
	}
	sort.SliceStable(uses, func(i, j int) bool { return uses[i].line < uses[j].line })
	for _, u := range uses {
		if !known(u.kind, u.name) {
			return &UnsupportedError{Template: name, Construct: u.kind + " " + u.name, Line: u.line}
		}
	}
	return nil
}

// known probes the renderer with a one-line template using the filter or
// test.
func known(kind, name string) bool {
	var src, marker string
	switch kind {
	case "filter":
		src, marker = "{{ x | "+name+" }}", "unknown filter"
	default:
		src, marker = "{{ x is "+name+" }}", "unknown test"
	}
	t, err := jinja.Compile(src)
	if err != nil {
		return false
	}
	_, err = t.Render(map[string]any{"x": "a"})
	return err == nil || !strings.Contains(err.Error(), marker)
}
