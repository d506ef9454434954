#!/usr/bin/env bash
# bench_vs_llama.sh: whole-process wall time of `calibkit quantize` against
# llama.cpp's own llama-quantize, on the same model, imatrix, type and
# threads, in pairs whose order alternates; prints each pair and the median
# of the per-pair ratios calibkit/llama-quantize (target ≤ 1.05).
#
#   CALIBKIT_LLAMA_CPP=../shared/llama.cpp quantize/bench_vs_llama.sh [PAIRS] [THREADS] [TYPE]
#
# The model is $CALIBKIT_BENCH_MODEL, or a synthesized F16 model of about
# 97M parameters (12 layers, 768 wide, feed-forward 2048, 8000-token
# vocabulary), with an importance matrix computed on it by calibkit.
# Defaults: 5 pairs, 2 threads, Q4_K_M. Run from the repository root.
set -euo pipefail

pairs=${1:-5}
threads=${2:-2}
type=${3:-Q4_K_M}
llama=${CALIBKIT_LLAMA_CPP:?set CALIBKIT_LLAMA_CPP to the folder holding llama-quantize}
export CGO_CFLAGS="${CGO_CFLAGS:--O3 -march=native -ffp-contract=off}" CGO_CXXFLAGS="${CGO_CXXFLAGS:--O3 -march=native -ffp-contract=off}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/calibkit" ./cmd/calibkit
ck=$work/calibkit

model=${CALIBKIT_BENCH_MODEL:-}
if [ -z "$model" ]; then
	model=$work/bench-97m.gguf
	"$ck" model synth -q --layers 12 --embd 768 --ff 2048 --heads 12 --kv-heads 12 \
		--vocab-size 8000 --type f16 -o "$model"
fi
imatrix=$work/bench.imatrix.gguf
"$ck" imatrix -q -m "$model" -f internal/synth/sample.txt -c 128 -t "$threads" -o "$imatrix"
cat "$model" > /dev/null # page cache warm for both

# each run prints "WALL CPU" (CPU = user + sys of the process, steadier than
# the wall time on a machine that other work shares)
TIMEFORMAT='%R %U %S'
run_ck() {
	{ time "$ck" quantize -q --imatrix "$imatrix" "$model" "$work/ck.gguf" "$type" "$threads" 2>/dev/null; } 2>&1 |
		awk '{printf "%s %.3f\n", $1, $2 + $3}'
}
run_lq() {
	{ time "$llama/llama-quantize" --imatrix "$imatrix" "$model" "$work/lq.gguf" "$type" "$threads" > "$work/lq.log" 2>&1; } 2>&1 |
		awk '{printf "%s %.3f\n", $1, $2 + $3}'
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
walls=() cpus=()
for i in $(seq 1 "$pairs"); do
	if [ $((i % 2)) -eq 1 ]; then
		c=$(run_ck); l=$(run_lq)
	else
		l=$(run_lq); c=$(run_ck)
	fi
	read -r cw cc <<<"$c"
	read -r lw lc <<<"$l"
	rw=$(echo "scale=4; $cw / $lw" | bc) rc=$(echo "scale=4; $cc / $lc" | bc)
	walls+=("$rw") cpus+=("$rc")
	printf 'pair %d: calibkit %.2f s (cpu %.2f s), llama-quantize %.2f s (cpu %.2f s), wall ratio %.3f, cpu ratio %.3f\n' \
		"$i" "$cw" "$cc" "$lw" "$lc" "$rw" "$rc"
done
printf 'median wall ratio calibkit/llama-quantize: %.3f, median cpu ratio %.3f (%s, %s threads, %d pairs; target <= 1.05)\n' \
	"$(printf '%s\n' "${walls[@]}" | median)" "$(printf '%s\n' "${cpus[@]}" | median)" "$type" "$threads" "$pairs"
