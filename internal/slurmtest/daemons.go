package slurmtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// daemon is a process the cluster started, in the foreground, so that
// its pid is the daemon's.
type daemon struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// startDaemons starts munged (as the munge user, with the key Debian's
// package made), slurmctld and slurmd, and waits until the node is idle.
func (c *Cluster) startDaemons() error {
	u, err := user.Lookup("munge")
	if err != nil {
		return fmt.Errorf("munged runs as the munge user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	// munged wants its socket's folder its own and reachable by all.
	if err := os.Mkdir(c.mungeDir(), 0o755); err != nil {
		return err
	}
	if err := os.Chown(c.mungeDir(), uid, gid); err != nil {
		return err
	}
	m := filepath.Join(c.mungeDir(), "munged")
	munged := exec.Command(sbin("munged"), "--foreground", "--socket="+c.mungeSocket(), "--pid-file="+m+".pid",
		"--log-file="+m+".log", "--seed-file="+m+".seed")
	asUser(munged, uid, gid)
	if err := c.start("munged", munged); err != nil {
		return err
	}
	if err := c.poll("munged's socket", 10*time.Second, func() bool {
		_, err := os.Stat(c.mungeSocket())
		return err == nil
	}); err != nil {
		return err
	}
	if err := c.start("slurmctld", exec.Command(sbin("slurmctld"), "-D", "-f", c.Conf)); err != nil {
		return err
	}
	if err := c.start("slurmd", exec.Command(sbin("slurmd"), "-D", "-f", c.Conf, "-N", c.Node)); err != nil {
		return err
	}
	return c.poll("the node to be idle", 30*time.Second, func() bool {
		out, err := c.Command("sinfo", "-h", "-n", c.Node, "-o", "%T").Output()
		return err == nil && strings.TrimSpace(string(out)) == "idle"
	})
}

// start starts a daemon, its output in log/NAME.out.
func (c *Cluster) start(name string, cmd *exec.Cmd) error {
	out, err := os.Create(filepath.Join(c.Dir, "log", name+".out"))
	if err != nil {
		return err
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Env = append(os.Environ(), "SLURM_CONF="+c.Conf)
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", name, err)
	}
	d := &daemon{name: name, cmd: cmd, done: make(chan struct{})}
	go func() { d.err = cmd.Wait(); close(d.done) }()
	c.procs = append(c.procs, d)
	return nil
}

// poll calls ready every 100 ms until it holds, a daemon exits, or the
// time is up.
func (c *Cluster) poll(what string, limit time.Duration, ready func() bool) error {
	for end := time.Now().Add(limit); ; {
		if ready() {
			return nil
		}
		for _, d := range c.procs {
			select {
			case <-d.done:
				return fmt.Errorf("waiting for %s: %s (pid %d) exited: %v", what, d.name, d.cmd.Process.Pid, d.err)
			default:
			}
		}
		if time.Now().After(end) {
			return fmt.Errorf("waiting for %s: not after %s", what, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop cancels the cluster's jobs, waits (10 s at most) for them to end,
// then stops the daemons it started, by pid, last started first: SIGTERM,
// and SIGKILL after 10 s.
func (c *Cluster) stop() {
	if c.t.Failed() {
		c.logs()
	}
	if len(c.procs) == 3 {
		if jobs, err := c.Command("squeue", "-h", "-o", "%A").Output(); err == nil && len(strings.Fields(string(jobs))) > 0 {
			c.Command("scancel", strings.Fields(string(jobs))...).Run()
			c.poll("the jobs to end", 10*time.Second, func() bool {
				out, err := c.Command("squeue", "-h", "-o", "%A").Output()
				return err != nil || strings.TrimSpace(string(out)) == ""
			})
		}
	}
	for i := len(c.procs) - 1; i >= 0; i-- {
		d := c.procs[i]
		d.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-d.done:
		case <-time.After(10 * time.Second):
			d.cmd.Process.Kill()
			<-d.done
		}
		var ee *exec.ExitError
		if d.err != nil && !errors.As(d.err, &ee) {
			c.t.Logf("%s (pid %d): %v", d.name, d.cmd.Process.Pid, d.err)
		}
	}
	c.procs = nil
}

// logs writes the end of the daemons' logs to the test's log.
func (c *Cluster) logs() {
	for _, f := range []string{"log/munged.out", "log/slurmctld.out", "log/slurmd.out", "log/slurmctld.log", "log/slurmd.log"} {
		b, err := os.ReadFile(filepath.Join(c.Dir, f))
		if err != nil || len(b) == 0 {
			continue
		}
		if len(b) > 3000 {
			b = b[len(b)-3000:]
		}
		c.t.Logf("%s:\n%s", f, b)
	}
}
