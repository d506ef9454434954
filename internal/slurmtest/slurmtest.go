// Package slurmtest starts a one-node Slurm cluster for a test: Debian's
// slurm-wlm and munge (installed with apt-get when missing), munged,
// slurmctld and slurmd started directly (there is no systemd), each with
// its own configuration, ports, socket and state in a folder of the test,
// and stopped by pid when the test ends. Where it cannot (not Linux, not
// root, no Slurm and no apt-get, -short) the test is skipped with what it
// needs.
package slurmtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// Packages are the Debian packages the cluster needs; .ci/run installs them.
var Packages = []string{"slurm-wlm", "munge"}

// daemons and clients the cluster runs.
var programs = []string{"munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "scancel", "sinfo"}

// Cluster is a running one-node cluster.
type Cluster struct {
	// Dir holds its configuration, state, spool and logs.
	Dir string
	// Conf is its slurm.conf: SLURM_CONF for the client commands.
	Conf string
	// Node is the node's name; CPUs and MemoryMB what slurm.conf gives it.
	Node     string
	CPUs     int
	MemoryMB int
	// Started is how long installing (when needed), configuring and
	// starting took, until the node was idle.
	Started time.Duration

	t     testing.TB
	procs []*daemon
}

// Start starts a one-node cluster for t, or skips t saying what it needs.
// The cluster is stopped (its jobs cancelled, then its daemons by pid)
// when t ends.
func Start(t testing.TB) *Cluster {
	t.Helper()
	begin := time.Now()
	switch {
	case testing.Short():
		t.Skip("-short: the Slurm test starts a cluster")
	case runtime.GOOS != "linux":
		t.Skip("needs Linux with Debian's slurm-wlm and munge")
	case os.Geteuid() != 0:
		t.Skip("needs root (to install Debian's slurm-wlm and munge and start munged as the munge user, slurmctld and slurmd)")
	}
	if missing := missingPrograms(); len(missing) > 0 {
		if _, err := exec.LookPath("apt-get"); err != nil {
			t.Skipf("needs Debian's %s (%s missing) or apt-get to install them", strings.Join(Packages, " and "), strings.Join(missing, ", "))
		}
		if err := install(); err != nil {
			t.Skipf("needs Debian's %s: apt-get could not install them: %v", strings.Join(Packages, " and "), err)
		}
		if missing := missingPrograms(); len(missing) > 0 {
			t.Skipf("needs %s, still missing after installing %s", strings.Join(missing, ", "), strings.Join(Packages, " "))
		}
	}
	c := &Cluster{t: t}
	// t.TempDir's folders are root's alone; munged (the munge user) must
	// reach its socket's folder, so the cluster has a folder of its own.
	dir, err := os.MkdirTemp("", "calibkit-slurm-")
	if err != nil {
		t.Fatal(err)
	}
	c.Dir = dir
	t.Cleanup(func() { os.RemoveAll(dir) })
	t.Cleanup(c.stop) // runs first: jobs cancelled, daemons stopped
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := c.configure(); err != nil {
		t.Fatal(err)
	}
	if err := c.startDaemons(); err != nil {
		c.logs()
		t.Fatal(err)
	}
	c.Started = time.Since(begin)
	return c
}

func missingPrograms() []string {
	var missing []string
	for _, p := range programs {
		if _, err := exec.LookPath(p); err != nil {
			if _, err := os.Stat(filepath.Join("/usr/sbin", p)); err != nil {
				missing = append(missing, p)
			}
		}
	}
	return missing
}

// install installs Packages with apt-get, updating the package lists
// first only when the install alone fails (a fresh image has none).
func install() error {
	args := append([]string{"install", "-y", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=300"}, Packages...)
	run := func(args ...string) error {
		cmd := exec.Command("apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return &cmdError{"apt-get " + strings.Join(args, " "), err, out}
		}
		return nil
	}
	if err := run(args...); err == nil {
		return nil
	}
	if err := run("update", "-o", "DPkg::Lock::Timeout=300"); err != nil {
		return err
	}
	return run(args...)
}

// Command is a client command (sbatch, squeue...) or any program run
// against the cluster: SLURM_CONF names its slurm.conf.
func (c *Cluster) Command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "SLURM_CONF="+c.Conf)
	return cmd
}

// Output runs a client command and returns its output, failing the test
// on an error.
func (c *Cluster) Output(name string, args ...string) string {
	c.t.Helper()
	out, err := c.Command(name, args...).CombinedOutput()
	if err != nil {
		c.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// cmdError is a command that failed, with the end of its output.
type cmdError struct {
	cmd string
	err error
	out []byte
}

func (e *cmdError) Error() string {
	out := strings.TrimSpace(string(e.out))
	if len(out) > 2000 {
		out = "..." + out[len(out)-2000:]
	}
	return e.cmd + ": " + e.err.Error() + "\n" + out
}
