//go:build !linux

package slurmtest

import "os/exec"

// dieWithParent and asUser do nothing: the cluster only starts on Linux
// (Start skips elsewhere).
func dieWithParent(*exec.Cmd)    {}
func asUser(*exec.Cmd, int, int) {}
