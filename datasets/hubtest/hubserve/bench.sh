#!/bin/sh
# Compare `calibkit fetch` with curl against the same loopback server.
#
#   datasets/hubtest/hubserve/bench.sh [SIZE_MB] [ROUNDS]
#
# Starts hubserve with four generated files of SIZE_MB MiB (default 512),
# then, ROUNDS times (default 3): curl one file to disk, calibkit fetch the
# same file (download + sha256 + fsync + cache layout), calibkit fetch the
# four files with -j 1 and with -j 4, and curl the four files one after the
# other. Prints every timing and the median of each. Run from the module root.
set -eu
SIZE=${1:-512}
ROUNDS=${2:-3}
WORK=$(mktemp -d)
go build -o "$WORK/calibkit" ./cmd/calibkit
go build -o "$WORK/hubserve" ./datasets/hubtest/hubserve
"$WORK/hubserve" -size-mb "$SIZE" -files 4 -dir "$WORK" >"$WORK/env" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
while ! grep -q HF_ENDPOINT "$WORK/env"; do sleep 0.2; done
. "$WORK/env"
export HF_ENDPOINT
export HF_TOKEN=
secs() { # secs CMD...: wall seconds of CMD
	s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N)
	echo "$e - $s" | bc
}
for r in $(seq "$ROUNDS"); do
	echo "curl1 $(secs curl -s -o "$WORK/c.bin" "$CDN_URL_0")"; rm -f "$WORK/c.bin"
	echo "fetch1 $(secs env HF_HUB_CACHE="$WORK/hub" "$WORK/calibkit" fetch bench/data --include data/part-0.bin -j 1)"; rm -rf "$WORK/hub"
	echo "fetch4-j1 $(secs env HF_HUB_CACHE="$WORK/hub" "$WORK/calibkit" fetch bench/data --include 'data/*.bin' -j 1)"; rm -rf "$WORK/hub"
	echo "fetch4-j4 $(secs env HF_HUB_CACHE="$WORK/hub" "$WORK/calibkit" fetch bench/data --include 'data/*.bin' -j 4)"; rm -rf "$WORK/hub"
	echo "curl4 $(secs sh -c "curl -s -o $WORK/c0 $CDN_URL_0 && curl -s -o $WORK/c1 $CDN_URL_1 && curl -s -o $WORK/c2 $CDN_URL_2 && curl -s -o $WORK/c3 $CDN_URL_3")"; rm -f "$WORK"/c?
done | tee "$WORK/times"
echo "median over $ROUNDS rounds (files of $SIZE MiB):"
for k in curl1 fetch1 fetch4-j1 fetch4-j4 curl4; do
	awk -v k="$k" -v size="$SIZE" '$1==k {print $2}' "$WORK/times" | sort -n |
		awk -v k="$k" -v size="$SIZE" '{a[NR]=$1} END {m=a[int((NR+1)/2)]; n=(k ~ /4/) ? 4 : 1; printf "  %-10s %6.2f s  %6.0f MiB/s\n", k, m, n*size/m}'
done
