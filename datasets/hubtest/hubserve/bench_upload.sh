#!/bin/sh
# Compare `calibkit upload` with curl against the same loopback server.
#
#   datasets/hubtest/hubserve/bench_upload.sh [SIZE_MB] [ROUNDS]
#
# Starts hubserve (-forget: preupload and the LFS batch report nothing as
# present, so every round sends and commits the file again) and generates one
# file of SIZE_MB MiB (default 512). Then, ROUNDS times (default 5), in an
# order that alternates: curl -T the file to the storage address the LFS
# batch hands out (one PUT, the sha256 known beforehand and not timed), and
# calibkit upload the same file twice: "cold" with its hash cache emptied
# first (sha256 + preupload + LFS batch + PUT + verify + commit) and "warm"
# with the sha256 kept from the run before (what a resumed or repeated
# upload of an unchanged file costs). The server checks size and sha256 of
# every PUT in all cases. Prints every timing, the medians and the median
# of the per-round ratios. Run from the module root.
set -eu
SIZE=${1:-512}
ROUNDS=${2:-5}
WORK=$(mktemp -d)
go build -o "$WORK/calibkit" ./cmd/calibkit
go build -o "$WORK/hubserve" ./datasets/hubtest/hubserve
"$WORK/hubserve" -size-mb "$SIZE" -files 1 -forget -dir "$WORK" >"$WORK/env" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; rm -rf "$WORK"' EXIT
while ! grep -q HF_ENDPOINT "$WORK/env"; do sleep 0.2; done
. "$WORK/env"
export HF_ENDPOINT HF_TOKEN
FILE="$WORK/hubserve-$SIZE-0.bin"
OID=$(sha256sum "$FILE" | cut -d' ' -f1)
secs() { # secs CMD...: wall seconds of CMD
	s=$(date +%s.%N); "$@" >/dev/null; e=$(date +%s.%N)
	echo "$e - $s" | bc
}
curl_put() { curl -sf -H 'Expect:' -T "$FILE" "$PUT_URL/$OID"; }
ck_upload() { HF_HOME="$WORK/hf" "$WORK/calibkit" upload bench/upload "$FILE" -m "round" --json -q | grep -q '"sent": true'; }
cold() { rm -rf "$WORK/hf/calibkit"; ck_upload; }
HF_HOME="$WORK/hf" "$WORK/calibkit" upload bench/upload "$FILE" -q >/dev/null # page cache, hash cache
for r in $(seq "$ROUNDS"); do
	if [ $((r % 2)) -eq 1 ]; then
		echo "curl $(secs curl_put)"; echo "cold $(secs cold)"; echo "warm $(secs ck_upload)"
	else
		echo "warm $(secs ck_upload)"; echo "cold $(secs cold)"; echo "curl $(secs curl_put)"
	fi
done | tee "$WORK/times"
echo "median over $ROUNDS rounds (one file of $SIZE MiB):"
for k in curl cold warm; do
	awk -v k="$k" '$1==k {print $2}' "$WORK/times" | sort -n |
		awk -v k="$k" -v size="$SIZE" '{a[NR]=$1} END {m=a[int((NR+1)/2)]; printf "  %-7s %6.2f s  %6.0f MiB/s\n", k, m, size/m}'
done
# the two runs of a round are neighbours in time: their ratio is what the
# machine's load changes least
for k in cold warm; do
	awk -v k="$k" '$1=="curl" {c[++nc]=$2} $1==k {u[++nu]=$2} END {for (i=1;i<=nc;i++) print c[i]/u[i]}' "$WORK/times" | sort -n |
		awk -v k="$k" '{a[NR]=$1; s=s sprintf(" %.2f", $1)} END {printf "  %s upload/curl throughput per round:%s; median %.2f\n", k, s, a[int((NR+1)/2)]}'
done
