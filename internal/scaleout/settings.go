// Package scaleout renders the scale-out examples, the Slurm array script
// and the Kubernetes Indexed Job in examples/scale-out, from one table of
// settings, so that what they share (the job's name, a task's CPUs and
// memory, the commands that plan and run a cell) cannot drift apart.
// `go generate ./internal/scaleout` writes them; a test checks that the
// committed files are what Render makes.
package scaleout

//go:generate go run ./gen -o ../../examples/scale-out

// Settings are the examples' settings. Both examples share the job's
// name, the resources of a task and the study commands; the rest is one
// scheduler's.
type Settings struct {
	// JobName is Slurm's --job-name and the Job's metadata.name.
	JobName string
	// CPUs and MemoryGiB are what one task (one cell) asks for: Slurm's
	// --cpus-per-task and --mem, the container's requests and limits. They
	// fit a small node; real models want more (the headers say which
	// to set). The model steps use the CPUs given (SLURM_CPUS_PER_TASK,
	// the container's CPU limit).
	CPUs      int
	MemoryGiB int

	// Slurm: the time limit of a task, and the folder under the study
	// folder that receives the tasks' logs.
	TimeLimit string
	LogFolder string

	// Kubernetes: the image (calibkit on its PATH), the shared volume's
	// claim and mount path, the spec and study folder on it, how many pods
	// run at once, and how often a failed cell is retried.
	Image           string
	Claim           string
	Mount           string
	Spec            string
	Dir             string
	Parallelism     int
	RetriesPerIndex int
}

// Default is the settings of the committed examples.
var Default = Settings{
	JobName:   "calibkit-study",
	CPUs:      2,
	MemoryGiB: 4,

	TimeLimit: "12:00:00",
	LogFolder: "slurm",

	Image:           "calibkit:latest",
	Claim:           "calibkit-shared",
	Mount:           "/shared",
	Spec:            "/shared/study.yaml",
	Dir:             "/shared/study",
	Parallelism:     4,
	RetriesPerIndex: 2,
}

// Placeholders the Kubernetes manifest holds until its submission
// replaces them with what `calibkit study plan --array` prints.
const (
	CellsPlaceholder = "CELLS"
	PlanPlaceholder  = "PLAN_HASH"
)

// IndexVar is the variable a Kubernetes Indexed Job gives each pod its
// completion index in.
const IndexVar = "JOB_COMPLETION_INDEX"

// PlanArgs are calibkit's arguments that print a study's cell count and
// plan hash, what an array is submitted with.
func PlanArgs(spec string) []string { return []string{"study", "plan", spec, "--array"} }

// RunArgs are calibkit's arguments that run one cell as a task of an
// array submitted for plan.
func RunArgs(spec, dir, cell, plan string) []string {
	return []string{"study", "run", spec, "-o", dir, "--cell", cell, "--plan", plan}
}
