package hfdataset

import (
	"fmt"
	"os"
)

func fmtSscan(s string, v *int) (int, error) { return fmt.Sscanf(s, "%d", v) }

func writeFile(p string, b []byte) error { return os.WriteFile(p, b, 0o644) }
