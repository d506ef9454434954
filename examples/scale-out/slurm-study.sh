#!/bin/bash
# One Slurm array task per study cell, over a file system all nodes share.
#
# Submit from a login node; the script submits itself, there is nothing to edit:
#
#   examples/scale-out/slurm-study.sh STUDY.yaml DIR [SBATCH_OPTION...]
#   e.g. examples/scale-out/slurm-study.sh study.yaml /shared/study --cpus-per-task=16 --mem=64G
#
# calibkit: $CALIBKIT when set (an absolute path, the same on every node),
# else the calibkit on PATH here; the tasks are given its absolute path, so
# the nodes' PATH does not matter.
#
# What it does: `calibkit study plan STUDY.yaml --array` gives the number of cells
# and the plan's hash; `sbatch --test-only` checks that a node can run a
# task; then it submits the array, one task per cell, its logs in
# DIR/slurm/JOBID_TASK.log:
#   sbatch --array=0-(CELLS-1) --output=DIR/slurm/%A_%a.log [SBATCH_OPTION...] slurm-study.sh CALIBKIT STUDY.yaml DIR PLAN
# and each task runs
#   CALIBKIT study run STUDY.yaml -o DIR --cell $SLURM_ARRAY_TASK_ID --plan PLAN
# whose first line names the plan. A task refuses to run when the spec or
# an input changed after the submission (the plan's hash differs): submit
# again. Every task rebuilds DIR/results.md when it ends; once all have,
# `calibkit study report DIR` gives the same table.
#
# Resources of a task: the lines below (2 CPUs, 4 GB) fit a small
# node. For real models give more after DIR: --cpus-per-task (the model
# steps use exactly these CPUs, from SLURM_CPUS_PER_TASK, unless the spec
# sets settings.threads) and --mem (about the f16 model's size plus 2 GB);
# also --partition, --time, --gres=gpu:1 with llama.cpp's GPU tools named in
# the spec (llama_cpp: DIR). A request no node can satisfy is refused here
# rather than pending forever.
#
# Cells that need the same step (an imatrix, a quant, an eval set) take a
# lock on it in DIR: one task computes it, the others wait and reuse it.
# DIR's file system must support flock(2) across nodes (NFSv4, CephFS,
# GPFS, Lustre mounted with -o flock). A task that fails or is preempted is
# redone by submitting again: finished steps are kept, and a study whose
# cells are all done runs nothing.
#
# Generated from internal/scaleout (go generate ./internal/scaleout): edit
# the template or the settings there, not this file.
#SBATCH --job-name=calibkit-study
#SBATCH --cpus-per-task=2
#SBATCH --mem=4G
#SBATCH --time=12:00:00
set -euo pipefail
me=slurm-study.sh

if [ -n "${SLURM_ARRAY_TASK_ID:-}" ]; then
	# A task of the array this script submitted.
	if [ $# -ne 4 ]; then
		echo "$me: a task is given CALIBKIT STUDY.yaml DIR PLAN; submit with: $me STUDY.yaml DIR" >&2
		exit 2
	fi
	calibkit=$1 spec=$2 dir=$3 plan=$4
	exec "$calibkit" study run "$spec" -o "$dir" --cell "$SLURM_ARRAY_TASK_ID" --plan "$plan"
fi
if [ -n "${SLURM_JOB_ID:-}" ]; then
	echo "$me: run it on a login node, not with sbatch: it submits itself as an array (usage: $me STUDY.yaml DIR [SBATCH_OPTION...])" >&2
	exit 2
fi
if [ $# -lt 2 ]; then
	echo "usage: $me STUDY.yaml DIR [SBATCH_OPTION...]" >&2
	exit 2
fi
spec=$1 dir=$2
shift 2

calibkit=${CALIBKIT:-$(command -v calibkit || true)}
if [ -z "$calibkit" ] || [ ! -x "$calibkit" ]; then
	echo "$me: calibkit not found${CALIBKIT:+ at CALIBKIT=$CALIBKIT}: set CALIBKIT to its absolute path (the same on every node), or put calibkit on PATH" >&2
	exit 1
fi
case $calibkit in /*) ;; *) calibkit=$PWD/$calibkit ;; esac
case $spec in /*) ;; *) spec=$PWD/$spec ;; esac
mkdir -p "$dir/slurm"
dir=$(cd "$dir" && pwd)

array=$("$calibkit" study plan "$spec" --array)
read -r cells plan <<<"$array"
opts=(--array="0-$((cells - 1))" --output="$dir/slurm/%A_%a.log" "$@")
if ! msg=$(sbatch --test-only "${opts[@]}" "$0" "$calibkit" "$spec" "$dir" "$plan" 2>&1); then
	echo "$me: Slurm cannot run these tasks: $msg" >&2
	echo "$me: give each task what a node has, after DIR: --cpus-per-task=N --mem=SIZE (sinfo -N -o '%N %c %m' lists CPUs and MB)" >&2
	exit 1
fi
echo "$me: $cells cells, plan $plan; logs in $dir/slurm" >&2
exec sbatch "${opts[@]}" "$0" "$calibkit" "$spec" "$dir" "$plan"
