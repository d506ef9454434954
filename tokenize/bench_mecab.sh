#!/usr/bin/env bash
# bench_mecab.sh: time MeCab's wakati and `calibkit tokenize --wakati` on the
# same generated Japanese file, in one run, and print both rates.
#
# Installs nothing. Needs Go, and MeCab with the IPA dictionary in UTF-8:
#   apt-get install -y mecab mecab-ipadic-utf8
#
# Usage (from the repository root):
#   tokenize/bench_mecab.sh [MEGABYTES] [WORKERS] [TEXTFILE]
# MEGABYTES of text are generated (default 20), or TEXTFILE is used as is
# (one paragraph per line, e.g. real Wikipedia text); WORKERS is calibkit's
# --workers (default: the number of CPUs). MeCab runs on one thread (it has
# none other); calibkit on WORKERS. Wall-clock rates need an otherwise idle
# machine; CPU-time rates (per core) are steadier on a shared one.
set -euo pipefail

mb=${1:-20}
workers=${2:-$(nproc)}

for tool in go mecab; do
	command -v "$tool" >/dev/null || { echo "bench_mecab.sh: $tool not found (see the header for what to install)" >&2; exit 1; }
done
if ! echo 'テスト' | mecab >/dev/null 2>&1; then
	echo "bench_mecab.sh: mecab cannot run: install a dictionary (apt-get install -y mecab-ipadic-utf8)" >&2
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go build -o "$tmp/calibkit" ./cmd/calibkit
if [[ -n ${3:-} ]]; then
	cp -- "$3" "$tmp/ja.txt"
	what="$3"
else
	go run ./tokenize/internal/jagen/cmd/jagen -bytes $((mb * 1000 * 1000)) -seed 1 >"$tmp/ja.txt"
	what="generated Japanese text (jagen, seed 1)"
fi
bytes=$(stat -c %s "$tmp/ja.txt")

# timed CMD... : prints "wall user+sys" seconds of CMD, output discarded.
# Both figures are kept: on a shared machine the wall time depends on the
# other load, the CPU time much less.
timed() {
	local TIMEFORMAT='%R %U %S' t
	t=$({ time "$@" >/dev/null 2>&1; } 2>&1)
	awk -v t="$t" 'BEGIN { split(t, a, " "); printf "%.3f %.3f\n", a[1], a[2] + a[3] }'
}

# Warm the page cache and load both dictionaries once.
cat "$tmp/ja.txt" >/dev/null
head -c 100000 "$tmp/ja.txt" | mecab -Owakati -b 16777216 >/dev/null
head -c 100000 "$tmp/ja.txt" | "$tmp/calibkit" tokenize --wakati --quiet >/dev/null

read -r w_mecab c_mecab < <(timed sh -c "mecab -Owakati -b 16777216 < '$tmp/ja.txt'")
read -r w_calib c_calib < <(timed sh -c "'$tmp/calibkit' tokenize --wakati --quiet --workers $workers < '$tmp/ja.txt'")
# calibkit's CPU time includes loading its dictionary (about 0.1 s wall,
# 0.15 s CPU), MeCab's its mmap of the dictionary.

rate() { awk -v n="$bytes" -v t="$1" 'BEGIN { printf "%.2f", n / 1e6 / t }'; }
printf 'input: %d bytes of %s; %s CPUs, load %s\n' "$bytes" "$what" "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-42s wall %7.2f s %7.2f MB/s   cpu %7.2f s %7.2f MB/s per core\n' \
	"mecab -Owakati (1 thread)" "$w_mecab" "$(rate "$w_mecab")" "$c_mecab" "$(rate "$c_mecab")" \
	"calibkit tokenize --wakati --workers $workers" "$w_calib" "$(rate "$w_calib")" "$c_calib" "$(rate "$c_calib")"
awk -v a="$w_mecab" -v b="$w_calib" 'BEGIN { printf "wall-clock ratio calibkit/mecab: %.2fx\n", a / b }'
