package datasets

import (
	"fmt"
	"path"
	"strings"
)

// MatchGlob reports whether a slash-separated repo path matches pattern.
// Each segment follows path.Match ('*', '?', '[...]' never cross a '/'),
// and a "**" segment matches any number of segments, zero included.
func MatchGlob(pattern, name string) (bool, error) {
	return matchSegs(strings.Split(pattern, "/"), strings.Split(name, "/"))
}

// ValidateGlob reports a malformed glob (an unclosed '[' and the like).
func ValidateGlob(pattern string) error {
	for _, seg := range strings.Split(pattern, "/") {
		if _, err := path.Match(seg, ""); err != nil {
			return fmt.Errorf("bad glob segment %q: %w", seg, err)
		}
	}
	return nil
}

func matchSegs(pat, name []string) (bool, error) {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				ok, err := matchSegs(pat[1:], name[i:])
				if ok || err != nil {
					return ok, err
				}
			}
			return false, nil
		}
		if len(name) == 0 {
			return false, nil
		}
		ok, err := path.Match(pat[0], name[0])
		if err != nil {
			return false, fmt.Errorf("bad glob segment %q: %w", pat[0], err)
		}
		if !ok {
			return false, nil
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0, nil
}

// globDir returns the folder part of a glob before its first wildcard
// segment, the folder worth listing.
func globDir(pattern string) string {
	segs := strings.Split(pattern, "/")
	var dir []string
	for _, s := range segs[:len(segs)-1] {
		if strings.ContainsAny(s, "*?[\\") {
			break
		}
		dir = append(dir, s)
	}
	return strings.Join(dir, "/")
}

// commonDir returns the longest common folder of dirs.
func commonDir(dirs []string) string {
	if len(dirs) == 0 {
		return ""
	}
	common := strings.Split(dirs[0], "/")
	for _, d := range dirs[1:] {
		segs := strings.Split(d, "/")
		n := 0
		for n < len(common) && n < len(segs) && common[n] == segs[n] {
			n++
		}
		common = common[:n]
	}
	return strings.Join(common, "/")
}
