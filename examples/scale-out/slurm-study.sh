#!/bin/bash
# One Slurm array task per study cell, over a shared file system.
#
#   n=$(calibkit study plan STUDY.yaml --json | jq '.cells | length')
#   sbatch --array=0-$((n-1)) examples/scale-out/slurm-study.sh STUDY.yaml /shared/study
#
# Cells that need the same step (an imatrix, a quant, an eval set) take a
# lock on it in the study folder: one task computes it, the others wait
# and reuse it. The folder's file system must support flock(2) across
# nodes (NFSv4, CephFS, GPFS, Lustre mounted with -o flock). A task that
# fails or is preempted can simply be resubmitted: finished steps are kept.
#SBATCH --job-name=calibkit-study
#SBATCH --cpus-per-task=16
#SBATCH --mem=64G
#SBATCH --time=12:00:00
#SBATCH --output=calibkit-study-%A_%a.log
set -euo pipefail
spec=${1:?usage: slurm-study.sh STUDY.yaml DIR [LLAMA_CPP_DIR]}
dir=${2:?usage: slurm-study.sh STUDY.yaml DIR [LLAMA_CPP_DIR]}
args=(study run "$spec" -o "$dir" --cell "$SLURM_ARRAY_TASK_ID")
# with a GPU build of llama.cpp on the nodes: its tools run the model steps
if [ -n "${3:-}" ]; then args+=(--llama-cpp "$3"); fi
exec calibkit "${args[@]}"
