#!/bin/sh
# svstat over many service directories: Debian's /usr/bin/svstat against
# gotools' svstat, same directories, same run. Each directory looks
# supervised (supervise/ok is a regular file, which opens for writing like a
# FIFO with a reader) and has an 18-byte status. Usage:
#   sh bench/client.sh            (N=1000 directories, RUNS=50 invocations)
set -eu
cd "$(dirname "$0")/.."
N=${N:-1000}
RUNS=${RUNS:-50}
[ -x /usr/bin/svstat ] || { echo "bench/client.sh: Debian's svstat is not installed, skipping"; exit 0; }
[ -x ./gotools ] || make -s build
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin" "$tmp/sv"
./gotools install "$tmp/bin" >/dev/null
i=0
while [ $i -lt "$N" ]; do
	mkdir -p "$tmp/sv/s$i/supervise"
	: >"$tmp/sv/s$i/supervise/ok"
	# TAI64N 2^62+10+1700000000, pid 1000+i little-endian (low bytes), want up.
	printf '\100\0\0\0\145\123\361\012\0\0\0\0'"\\$(printf %o $((i % 256)))\\$(printf %o $((3 + i / 256)))"'\0\0\0u' \
		>"$tmp/sv/s$i/supervise/status"
	i=$((i + 1))
done
cd "$tmp/sv"
# Same output (seconds can differ by one across a second boundary).
/usr/bin/svstat s* | sed 's/[0-9]* seconds/N seconds/' >"$tmp/debian.out"
"$tmp/bin/svstat" s* | sed 's/[0-9]* seconds/N seconds/' >"$tmp/gotools.out"
cmp -s "$tmp/debian.out" "$tmp/gotools.out" || { echo "bench/client.sh: outputs differ"; diff "$tmp/debian.out" "$tmp/gotools.out" | head; exit 1; }

# per_run PROGRAM [ARG...]: mean wall time of one run in microseconds.
per_run() {
	start=$(date +%s%N)
	r=0
	while [ $r -lt "$RUNS" ]; do
		"$@" >/dev/null
		r=$((r + 1))
	done
	end=$(date +%s%N)
	echo $(((end - start) / RUNS / 1000))
}
echo "svstat, mean wall time of $RUNS runs in microseconds (each pair measured twice, alternating):"
for round in 1 2; do
	echo "  no directories (start-up):  debian $(per_run /usr/bin/svstat)  gotools $(per_run "$tmp/bin/svstat")"
	echo "  $N directories:           debian $(per_run /usr/bin/svstat s*)  gotools $(per_run "$tmp/bin/svstat" s*)"
done
