package scaleout

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"
)

// submitted is the manifest as its header submits it: sed's
// "s/CELLS/$cells/" and "s/PLAN_HASH/$plan/" (the first match on each
// line) with what calibkit study plan --array printed.
func submitted(manifest string, cells int, plan string) string {
	lines := strings.Split(manifest, "\n")
	for i, l := range lines {
		l = strings.Replace(l, CellsPlaceholder, fmt.Sprint(cells), 1)
		lines[i] = strings.Replace(l, PlanPlaceholder, plan, 1)
	}
	return strings.Join(lines, "\n")
}

// TestKubernetesJob decodes the committed manifest, as submitted, strictly
// into the real batch/v1 Job (a field Kubernetes does not know fails) and
// checks what the study needs of it: an Indexed Job of one completion per
// cell whose pods run the cell of their index with the plan's hash, the
// index variable defined, the shared volume mounted where the spec and
// study folder are, and the CPUs and memory of the settings the Slurm
// script also asks for.
func TestKubernetesJob(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(examples, "k8s-study-job.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	header := string(b)
	for _, want := range []string{`sed -e "s/` + CellsPlaceholder + `/$cells/" -e "s/` + PlanPlaceholder + `/$plan/"`, "calibkit " + strings.Join(PlanArgs("STUDY.yaml"), " ")} {
		if !strings.Contains(header, want) {
			t.Errorf("the header does not say %q", want)
		}
	}
	var job batchv1.Job
	if err := yaml.UnmarshalStrict([]byte(submitted(string(b), 32, "3f9c0a1b2d4e")), &job); err != nil {
		t.Fatalf("the submitted manifest is not a batch/v1 Job: %v", err)
	}
	if job.APIVersion != "batch/v1" || job.Kind != "Job" || job.Name != Default.JobName {
		t.Errorf("apiVersion %q, kind %q, name %q", job.APIVersion, job.Kind, job.Name)
	}
	s := job.Spec
	if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion {
		t.Errorf("completionMode %v, want Indexed", s.CompletionMode)
	}
	if s.Completions == nil || *s.Completions != 32 || s.Parallelism == nil || *s.Parallelism != int32(Default.Parallelism) {
		t.Errorf("completions %v, parallelism %v", s.Completions, s.Parallelism)
	}
	if s.BackoffLimitPerIndex == nil || *s.BackoffLimitPerIndex != int32(Default.RetriesPerIndex) || s.Template.Spec.RestartPolicy != corev1.RestartPolicyNever {
		t.Errorf("backoffLimitPerIndex %v, restartPolicy %q (per-index retries need Never)", s.BackoffLimitPerIndex, s.Template.Spec.RestartPolicy)
	}
	pod := s.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers", len(pod.Containers))
	}
	c := pod.Containers[0]
	want := append([]string{"calibkit"}, RunArgs(Default.Spec, Default.Dir, "$("+IndexVar+")", "3f9c0a1b2d4e")...)
	if !slices.Equal(append(c.Command, c.Args...), want) {
		t.Errorf("command %q %q, want %q", c.Command, c.Args, want)
	}
	// $(VAR) is expanded from the container's own env: the index variable
	// is defined there, from the annotation the Job controller sets.
	i := slices.IndexFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == IndexVar })
	if i < 0 || c.Env[i].ValueFrom == nil || c.Env[i].ValueFrom.FieldRef == nil ||
		c.Env[i].ValueFrom.FieldRef.FieldPath != "metadata.annotations['batch.kubernetes.io/job-completion-index']" {
		t.Errorf("env %+v: want %s from the job-completion-index annotation", c.Env, IndexVar)
	}
	// the volume: mounted where the spec and the study folder are, a
	// claim of the settings
	if len(c.VolumeMounts) != 1 || len(pod.Volumes) != 1 {
		t.Fatalf("mounts %+v, volumes %+v", c.VolumeMounts, pod.Volumes)
	}
	m, v := c.VolumeMounts[0], pod.Volumes[0]
	if m.Name != v.Name || m.MountPath != Default.Mount || v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != Default.Claim {
		t.Errorf("mount %+v of volume %+v", m, v)
	}
	for _, p := range []string{Default.Spec, Default.Dir} {
		if !strings.HasPrefix(p, m.MountPath+"/") {
			t.Errorf("%s is not on the volume mounted at %s", p, m.MountPath)
		}
	}
	// resources: the settings' CPUs and memory, as limits (the model
	// steps' threads follow the CPU limit) and requests
	cpu, mem := resource.MustParse(fmt.Sprint(Default.CPUs)), resource.MustParse(fmt.Sprintf("%dGi", Default.MemoryGiB))
	for name, rl := range map[string]corev1.ResourceList{"requests": c.Resources.Requests, "limits": c.Resources.Limits} {
		if rl.Cpu().Cmp(cpu) != 0 || rl.Memory().Cmp(mem) != 0 {
			t.Errorf("%s: cpu %v, memory %v; want %v, %v", name, rl.Cpu(), rl.Memory(), &cpu, &mem)
		}
	}
}

// TestStrictDecodingRefusesUnknownFields: the decoding the Job test relies
// on fails on a misspelt field, so that test would catch one.
func TestStrictDecodingRefusesUnknownFields(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(examples, "k8s-study-job.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(submitted(string(b), 4, "3f9c0a1b2d4e"), "completionMode:", "completionMod:", 1)
	var job batchv1.Job
	if err := yaml.UnmarshalStrict([]byte(bad), &job); err == nil || !strings.Contains(err.Error(), "completionMod") {
		t.Errorf("a misspelt field decoded: %v", err)
	}
}
