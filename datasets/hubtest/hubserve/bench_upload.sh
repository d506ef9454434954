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
# upload of an unchanged file costs).
#
# With WRITTEN=1 (the default) it also times the first upload of a file
# calibkit wrote: SIZE_MB MiB of base64 lines is exported once per round
# with `calibkit export dataset` (untimed; the shard, about SIZE_MB MiB of
# zstd parquet, is hashed as it is written and recorded in the hash cache), then
# "written" is `calibkit upload` of that shard, which has never been
# uploaded, and "curl-w" is curl -T of the same shard. WRITTEN=0 leaves
# these rows out.
#
# The server checks size and sha256 of every PUT in all cases. Prints
# every timing, the medians and the median of the per-round ratios
# (cold and warm against curl, written against curl-w). Run from the
# module root.
set -eu
SIZE=${1:-512}
ROUNDS=${2:-5}
WRITTEN=${WRITTEN:-1}
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
# cold and warm keep their hashes apart from the exports' records
ck_upload() { CALIBKIT_HASH_CACHE="$WORK/hashes" "$WORK/calibkit" upload bench/upload "$1" -m "round" --json -q | grep -q '"sent": true'; }
cold() { rm -rf "$WORK/hashes"; ck_upload "$FILE"; }
warm() { ck_upload "$FILE"; }
SHARD="$WORK/ds/data/train-00000-of-00001.parquet"
export_shard() { # a file calibkit wrote, never uploaded: its record is the export's
	rm -rf "$WORK/hashes-written"
	CALIBKIT_HASH_CACHE="$WORK/hashes-written" "$WORK/calibkit" export dataset "$WORK/text.txt" \
		--max-shard-size 100000 -o "$WORK/ds" >/dev/null
	SHARD_OID=$(sha256sum "$SHARD" | cut -d' ' -f1) # for curl, untimed
}
written() { CALIBKIT_HASH_CACHE="$WORK/hashes-written" "$WORK/calibkit" upload bench/upload "$SHARD" -m "round" --json -q | grep -q '"sent": true'; }
curl_w() { curl -sf -H 'Expect:' -T "$SHARD" "$PUT_URL/$SHARD_OID"; }
warm >/dev/null # page cache, hash cache
KINDS="curl cold warm"
if [ "$WRITTEN" = 1 ]; then
	# base64 of random bytes, SIZE MiB of text: zstd cannot shrink it, so
	# the shard is about SIZE MiB too
	head -c $((SIZE * 1024 * 1024 * 3 / 4)) /dev/urandom | base64 -w 1000 >"$WORK/text.txt"
	KINDS="curl cold warm curl-w written"
fi
for r in $(seq "$ROUNDS"); do
	[ "$WRITTEN" = 1 ] && export_shard
	if [ $((r % 2)) -eq 1 ]; then
		echo "curl $(secs curl_put)"; echo "cold $(secs cold)"; echo "warm $(secs warm)"
		[ "$WRITTEN" = 1 ] && { echo "curl-w $(secs curl_w)"; echo "written $(secs written)"; }
	else
		[ "$WRITTEN" = 1 ] && { echo "written $(secs written)"; echo "curl-w $(secs curl_w)"; }
		echo "warm $(secs warm)"; echo "cold $(secs cold)"; echo "curl $(secs curl_put)"
	fi
done | tee "$WORK/times"
SHARD_MB=$SIZE
if [ "$WRITTEN" = 1 ]; then
	SHARD_MB=$(echo "$(stat -c %s "$SHARD") / 1048576" | bc -l)
	printf 'the written shard: %.1f MiB\n' "$SHARD_MB"
fi
echo "median over $ROUNDS rounds (generated file of $SIZE MiB; curl-w and written: the shard):"
for k in $KINDS; do
	mb=$SIZE
	case $k in curl-w | written) mb=$SHARD_MB ;; esac
	awk -v k="$k" '$1==k {print $2}' "$WORK/times" | sort -n |
		awk -v k="$k" -v size="$mb" '{a[NR]=$1} END {m=a[int((NR+1)/2)]; printf "  %-7s %6.2f s  %6.0f MiB/s\n", k, m, size/m}'
done
# the two runs of a round are neighbours in time: their ratio is what the
# machine's load changes least
ratio() { # ratio BASE KIND: per-round throughput of KIND against BASE
	awk -v b="$1" -v k="$2" '$1==b {c[++nc]=$2} $1==k {u[++nu]=$2} END {for (i=1;i<=nc;i++) print c[i]/u[i]}' "$WORK/times" | sort -n |
		awk -v k="$2" -v b="$1" '{a[NR]=$1; s=s sprintf(" %.2f", $1)} END {printf "  %s upload/%s throughput per round:%s; median %.2f\n", k, b, s, a[int((NR+1)/2)]}'
}
ratio curl cold
ratio curl warm
if [ "$WRITTEN" = 1 ]; then ratio curl-w written; fi
