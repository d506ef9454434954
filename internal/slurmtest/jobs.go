package slurmtest

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Task is one job, or one task of an array, as scontrol shows it.
type Task struct {
	JobID       string
	ArrayTaskID string // "" outside an array
	State       string // COMPLETED, FAILED, PENDING...
	Reason      string
	ExitCode    string // "STATUS:SIGNAL", 0:0 for success
	StdOut      string
}

var submitted = regexp.MustCompile(`Submitted batch job (\d+)`)

// JobID finds the id in sbatch's "Submitted batch job N".
func JobID(sbatchOutput string) (string, error) {
	m := submitted.FindStringSubmatch(sbatchOutput)
	if m == nil {
		return "", fmt.Errorf("no \"Submitted batch job N\" in sbatch's output %q", sbatchOutput)
	}
	return m[1], nil
}

// Wait waits until no task of the job (an array's id covers all its
// tasks) is pending or running, up to limit, and returns its tasks.
// Finished jobs stay in scontrol for MinJobAge (300 s by default).
func (c *Cluster) Wait(jobID string, limit time.Duration) ([]Task, error) {
	err := c.poll("job "+jobID+" to end", limit, func() bool {
		out, err := c.Command("squeue", "-h", "-j", jobID, "-o", "%T").Output()
		return err == nil && strings.TrimSpace(string(out)) == ""
	})
	if err != nil {
		tasks, _ := c.Tasks(jobID)
		return tasks, fmt.Errorf("%w; its tasks: %v", err, tasks)
	}
	return c.Tasks(jobID)
}

// Tasks returns the job's tasks as scontrol shows them.
func (c *Cluster) Tasks(jobID string) ([]Task, error) {
	out, err := c.Command("scontrol", "-o", "show", "job", jobID).CombinedOutput()
	if err != nil {
		return nil, &cmdError{"scontrol show job " + jobID, err, out}
	}
	var tasks []Task
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := map[string]string{}
		for _, kv := range strings.Fields(line) {
			if k, v, ok := strings.Cut(kv, "="); ok {
				f[k] = v
			}
		}
		tasks = append(tasks, Task{JobID: f["JobId"], ArrayTaskID: f["ArrayTaskId"], State: f["JobState"], Reason: f["Reason"],
			ExitCode: f["ExitCode"], StdOut: f["StdOut"]})
	}
	return tasks, nil
}
