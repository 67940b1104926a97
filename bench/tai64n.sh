#!/bin/sh
# Throughput of tai64n and tai64nlocal: 1,000,000 lines of ~100 bytes through
# Debian's daemontools and gotools in the same run, best of 3 each.
# Input is read from a file and output written to /dev/null, so the numbers
# are the programs' own cost. Run from the repository root after make build
# (make bench does both).
set -eu
LINES=${LINES:-1000000}
GOTOOLS=${GOTOOLS:-./gotools}
DEBIAN=${DEBIAN:-/usr/bin}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$GOTOOLS" install "$tmp" >/dev/null
awk -v n="$LINES" 'BEGIN {
	pad = sprintf("%100s", ""); gsub(/ /, "x", pad)
	for (i = 0; i < n; i++) { s = "line " i " " pad; print substr(s, 1, 99) }
}' >"$tmp/lines"
"$tmp/tai64n" <"$tmp/lines" >"$tmp/stamped"

# best PROGRAM INPUT [ENV...]: the shortest of 3 wall-clock times, in seconds.
best() {
	prog=$1 input=$2
	shift 2
	b=
	for _ in 1 2 3; do
		start=$(date +%s%N)
		env "$@" "$prog" <"$input" >/dev/null
		end=$(date +%s%N)
		t=$((end - start))
		if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
	done
	echo "$b"
}

report() { # NAME DEBIAN_NS GOTOOLS_NS
	awk -v name="$1" -v d="$2" -v g="$3" -v n="$LINES" 'BEGIN {
		if (d == "") {
			printf "%-26s gotools %10.0f lines/s\n", name, n / (g / 1e9)
		} else {
			printf "%-26s debian %10.0f lines/s   gotools %10.0f lines/s   gotools/debian %.2fx\n",
				name, n / (d / 1e9), n / (g / 1e9), d / g
		}
	}'
}

echo "== tai64n / tai64nlocal, $LINES lines of 100 bytes ($(nproc) CPUs)"
for bench in "tai64n lines" "tai64nlocal stamped TZ=US/Pacific" "tai64nlocal stamped TZ=UTC0"; do
	set -- $bench
	prog=$1 input=$tmp/$2
	shift 2
	d=
	if [ -x "$DEBIAN/$prog" ]; then d=$(best "$DEBIAN/$prog" "$input" "$@"); fi
	g=$(best "$tmp/$prog" "$input" "$@")
	report "$prog $*" "$d" "$g"
done
