package slurmtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
)

// configure writes slurm.conf and makes the folders the daemons use.
// What it sets, and why (measured with Debian's slurm-wlm 22.05):
//   - SlurmctldHost=HOST(127.0.0.1) and NodeAddr=127.0.0.1: no name
//     resolution;
//   - ports of their own, the munge socket in Dir (AuthInfo): a second
//     cluster (another test binary) on the same machine does not meet
//     this one;
//   - the node line from slurmd -C, RealMemory at 90% of what it finds;
//   - ProctrackType=proctrack/linuxproc, TaskPlugin=task/none, no
//     accounting, no cgroup.conf (22.05 has no CgroupPlugin=disabled: it
//     stops slurmd);
//   - SchedulerParameters=batch_sched_delay=0: without it array tasks
//     start about 3 s apart.
func (c *Cluster) configure() error {
	for _, d := range []string{"state", "spool", "log"} {
		if err := os.Mkdir(filepath.Join(c.Dir, d), 0o755); err != nil {
			return err
		}
	}
	out, err := exec.Command(sbin("slurmd"), "-C").CombinedOutput()
	if err != nil {
		return &cmdError{"slurmd -C", err, out}
	}
	node, name, cpus, mem, err := nodeLine(string(out))
	if err != nil {
		return err
	}
	c.Node, c.CPUs, c.MemoryMB = name, cpus, mem
	host, err := os.Hostname()
	if err != nil {
		return err
	}
	host, _, _ = strings.Cut(host, ".")
	ports, err := freePorts(2)
	if err != nil {
		return err
	}
	d := c.Dir
	conf := fmt.Sprintf(`# a one-node cluster for a test (internal/slurmtest)
ClusterName=calibkit-test
SlurmctldHost=%s(127.0.0.1)
SlurmctldPort=%d
SlurmdPort=%d
AuthType=auth/munge
AuthInfo=socket=%s
CredType=cred/munge
SlurmUser=root
SlurmdUser=root
StateSaveLocation=%s
SlurmdSpoolDir=%s
SlurmctldPidFile=%s
SlurmdPidFile=%s
SlurmctldLogFile=%s
SlurmdLogFile=%s
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
ReturnToService=2
%s NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
`, host, ports[0], ports[1], c.mungeSocket(), filepath.Join(d, "state"), filepath.Join(d, "spool"),
		filepath.Join(d, "slurmctld.pid"), filepath.Join(d, "slurmd.pid"),
		filepath.Join(d, "log", "slurmctld.log"), filepath.Join(d, "log", "slurmd.log"), node)
	c.Conf = filepath.Join(d, "slurm.conf")
	return os.WriteFile(c.Conf, []byte(conf), 0o644)
}

var realMemory = regexp.MustCompile(`\bRealMemory=(\d+)`)

// nodeLine takes slurmd -C's node line and lowers its RealMemory to 90% of
// what slurmd found (a node whose memory falls below its RealMemory is
// drained); it returns the line, the node's name, CPUs and memory.
func nodeLine(out string) (line, name string, cpus, memMB int, err error) {
	line, _, _ = strings.Cut(strings.TrimSpace(out), "\n")
	fields := map[string]string{}
	for _, f := range strings.Fields(line) {
		if k, v, ok := strings.Cut(f, "="); ok {
			fields[k] = v
		}
	}
	name = fields["NodeName"]
	cpus, cerr := strconv.Atoi(fields["CPUs"])
	mem, merr := strconv.Atoi(fields["RealMemory"])
	if name == "" || cerr != nil || merr != nil || cpus < 1 || mem < 1 {
		return "", "", 0, 0, fmt.Errorf("slurmd -C: no NodeName, CPUs and RealMemory in %q", line)
	}
	memMB = mem * 9 / 10
	line = realMemory.ReplaceAllString(line, "RealMemory="+strconv.Itoa(memMB))
	return line, name, cpus, memMB, nil
}

// freePorts returns n TCP ports free on 127.0.0.1 now.
func freePorts(n int) ([]int, error) {
	var ports []int
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// sbin is a daemon's path: on PATH, or in /usr/sbin (not on a user's PATH
// in Debian).
func sbin(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return filepath.Join("/usr/sbin", name)
}

func (c *Cluster) mungeDir() string    { return filepath.Join(c.Dir, "munge") }
func (c *Cluster) mungeSocket() string { return filepath.Join(c.mungeDir(), "munge.socket") }
