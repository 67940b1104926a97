#!/bin/sh
# Throughput and peak memory of multilog: gotools against Debian's multilog
# (daemontools 0.76) and s6-log, on LINES lines of 100 bytes read from a file,
# with and without TAI64N stamps, rotating at 16 MB and keeping 20 files.
# Every run is checked: the archives and current, in order and with stamps
# removed, must be the input exactly. Prints the best of RUNS runs.
# INPUT=pipe feeds the input through a pipe (cat FILE | multilog ...), the
# way a logger gets it under svscan, instead of from the file itself.
#
#   sh bench/multilog.sh            (make bench runs it after make build)
#   LINES=200000 RUNS=1 sh bench/multilog.sh
#   INPUT=pipe sh bench/multilog.sh
set -eu
cd "$(dirname "$0")/.."
LINES=${LINES:-1000000}
RUNS=${RUNS:-3}
INPUT=${INPUT:-file}
case $INPUT in file | pipe) ;; *) echo "bench/multilog.sh: INPUT must be file or pipe" >&2; exit 100 ;; esac
GOTOOLS=$(pwd)/gotools
[ -x "$GOTOOLS" ] || { echo "bench/multilog.sh: build ./gotools first (make build)" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench/multilog.sh: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin"
ln -s "$GOTOOLS" "$tmp/bin/multilog"
awk -v n="$LINES" 'BEGIN { pad = sprintf("%92s", ""); gsub(/ /, "x", pad);
	for (i = 1; i <= n; i++) printf "%07d %s\n", i, pad }' >"$tmp/input"

# run NAME PROGRAM ARGS...: best elapsed seconds and peak RSS (KiB) over
# RUNS runs, each on a fresh directory, checked against the input.
run() {
	name=$1 prog=$2
	shift 2
	best= rss=0
	i=0
	while [ $i -lt "$RUNS" ]; do
		i=$((i + 1))
		rm -rf "$tmp/log"
		if [ "$INPUT" = pipe ]; then
			(cd "$tmp" && cat "$tmp/input" | /usr/bin/time -f '%e %M' -o "$tmp/time" "$prog" "$@" ./log)
		else
			(cd "$tmp" && /usr/bin/time -f '%e %M' -o "$tmp/time" "$prog" "$@" ./log <"$tmp/input")
		fi
		files=$(ls "$tmp"/log/@* 2>/dev/null || true)
		if [ "$1" = t ]; then
			cat $files "$tmp/log/current" | cut -c27- >"$tmp/out"
		else
			cat $files "$tmp/log/current" >"$tmp/out"
		fi
		cmp -s "$tmp/out" "$tmp/input" || { echo "bench/multilog.sh: $name $*: output differs from input" >&2; exit 1; }
		read -r secs kib <"$tmp/time"
		best=$(awk -v a="$best" -v b="$secs" 'BEGIN { print (a == "" || b < a) ? b : a }')
		if [ "$kib" -gt "$rss" ]; then rss=$kib; fi
	done
	lps=$(awk -v n="$LINES" -v s="$best" 'BEGIN { printf "%d", (s > 0) ? n / s : 0 }')
	printf '%-22s %-8s %8s %10s %8s\n' "$*" "$name" "$best" "$lps" "$rss"
	eval "lps_$name=$lps"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }

echo "multilog: $LINES lines of 100 bytes from a $INPUT, best of $RUNS"
printf '%-22s %-8s %8s %10s %8s\n' script impl seconds lines/s "RSS KiB"
for stamp in t ""; do
	run debian /usr/bin/multilog $stamp s16777215 n20
	run gotools "$tmp/bin/multilog" $stamp s16777215 n20
	if [ -x /usr/bin/s6-log ]; then
		run s6log /usr/bin/s6-log $stamp s16777215 n20
		vs6=" gotools/s6-log $(ratio "$lps_gotools" "$lps_s6log")x"
	else
		vs6=" (s6-log not installed)"
	fi
	echo "  ratio${stamp:+ with t}: gotools/debian $(ratio "$lps_gotools" "$lps_debian")x$vs6"
done
