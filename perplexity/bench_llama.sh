#!/usr/bin/env bash
# Paired, order-alternating speed comparison of calibkit perplexity / imatrix
# with llama.cpp's own llama-perplexity / llama-imatrix (whole process, wall
# time) on a synthesized 12-layer 768-wide f32 model, -c 512 --chunks 4 -t 2.
# Prints each pair's ratio llama_time/calibkit_time (= calibkit tokens/s ÷
# llama tokens/s; target ≥ 0.97) for wall time and for CPU time (user+sys),
# and the medians per tool. On a busy machine the wall time of -t 2 runs is
# dominated by the threads' barriers waiting on descheduled peers; the CPU
# time of -t 1 runs then measures the compute itself.
#
#   CALIBKIT_LLAMA_CPP=../shared/llama.cpp perplexity/bench_llama.sh [PAIRS] [FA]
#
# PAIRS defaults to 5; FA is calibkit's -fa (default: its default, off);
# THREADS (default 2) is -t for both tools.
set -euo pipefail
cd "$(dirname "$0")/.."
L=${CALIBKIT_LLAMA_CPP:?set CALIBKIT_LLAMA_CPP to the folder with llama-perplexity and llama-imatrix}
pairs=${1:-5}
fa=${2:-}
work=${BENCH_DIR:-/tmp/calibkit-bench}
mkdir -p "$work"
export CGO_CFLAGS="-O3 -march=native -ffp-contract=off" CGO_CXXFLAGS="-O3 -march=native -ffp-contract=off"
go build -o "$work/calibkit" ./cmd/calibkit
ck="$work/calibkit"
model="$work/bench-12x768-f32.gguf"
[ -f "$model" ] || "$ck" model synth -o "$model" --layers 12 --embd 768 --ff 2048 --heads 12 --kv-heads 12 --vocab-size 8000 --type f32 >/dev/null
text="$work/text.txt"
if [ ! -f "$text" ]; then
  for i in $(seq 1 400); do
    echo "第${i}段落：朝の駅はいつも混雑している。電車が到着すると、人々は静かに列を作って乗り込む。Paragraph $i: the morning train carries $((37*i%101)) people past rice fields and mountains; 季節ごとに色が変わり、春には桜が咲く。The quick brown fox jumps over the lazy dog."
  done >"$text"
fi
common=(-m "$model" -f "$text" -c 512 --chunks 4 -t "${THREADS:-2}")
faflag=()
[ -n "$fa" ] && faflag=(-fa "$fa")
# secs CMD...: prints "wall cpu" seconds of the whole process
secs() { local TIMEFORMAT='%R %U %S' t; t=$( { time "$@" >/dev/null 2>&1; } 2>&1 ); echo "$t" | awk '{print $1, $2 + $3}'; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
for tool in perplexity imatrix; do
  ratios=(); cratios=()
  for i in $(seq 1 "$pairs"); do
    ref=("$L/llama-$tool" "${common[@]}")
    ours=("$ck" "$tool" "${common[@]}" "${faflag[@]}")
    if [ "$tool" = imatrix ]; then
      ref+=(-o "$work/ref.imatrix.gguf"); ours+=(-o "$work/ck.imatrix.gguf")
    fi
    if ((i % 2)); then a=$(secs "${ref[@]}"); b=$(secs "${ours[@]}"); else b=$(secs "${ours[@]}"); a=$(secs "${ref[@]}"); fi
    read -r aw ac <<<"$a"; read -r bw bc_ <<<"$b"
    r=$(echo "$aw / $bw" | bc -l); rc=$(echo "$ac / $bc_" | bc -l)
    printf '%s pair %d: llama-%s %.2f s (cpu %.2f), calibkit %.2f s (cpu %.2f), ratio wall %.3f cpu %.3f\n' "$tool" "$i" "$tool" "$aw" "$ac" "$bw" "$bc_" "$r" "$rc"
    ratios+=("$r"); cratios+=("$rc")
  done
  printf '%s median ratio (llama/calibkit): wall %.3f, cpu %.3f over %d pairs\n' "$tool" \
    "$(printf '%s\n' "${ratios[@]}" | median)" "$(printf '%s\n' "${cratios[@]}" | median)" "$pairs"
done
