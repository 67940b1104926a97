#!/bin/bash
# Start-up cost of the chain-loaders: gotools against Debian's daemontools
# (C) and against plain /usr/bin/true, each command run N times in a loop by
# this shell (the loop's own fork+exec of the first program is in every
# number; compare with the "true" row). Reports wall and CPU (user+sys) time per
# run, best of ROUNDS. Needs root for setuidgid and Debian's daemontools.
#
# usage: bench/chain.sh [N] [ROUNDS]     (make bench runs it after make build)
set -eu
N=${1:-1000}
ROUNDS=${2:-3}
cd "$(dirname "$0")/.."
[ -x ./gotools ] || { echo "bench/chain.sh: build ./gotools first (make build)" >&2; exit 1; }
[ -x /usr/bin/envdir ] || { echo "bench/chain.sh: Debian's daemontools is not installed, skipping" >&2; exit 0; }
[ "$(id -u)" = 0 ] || { echo "bench/chain.sh: needs root (setuidgid), skipping" >&2; exit 0; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin"
./gotools install "$tmp/bin"
mkdir "$tmp/E"
echo value > "$tmp/E/V"
cd "$tmp"

# measure PATH CMD...: runs CMD N times with PATH and sets WALL and CPU to
# the time per run in µs.
measure() {
	local path=$1 i t0 t1 c0
	shift
	t0=$(date +%s%N)
	cpu_children
	c0=$CPU
	for ((i = 0; i < N; i++)); do PATH=$path "$@"; done
	t1=$(date +%s%N)
	cpu_children
	WALL=$(((t1 - t0) / N / 1000))
	CPU=$(((CPU - c0) * 1000000 / N / $(getconf CLK_TCK)))
}

# cpu_children sets CPU to the user+sys clock ticks of this shell's
# waited-for children (cutime and cstime in /proc/PID/stat; no command
# substitution, which would read a subshell's).
cpu_children() {
	local stat
	read -r stat < /proc/$BASHPID/stat
	set -- ${stat##*) }
	CPU=$((${14} + ${15}))
}

# row measures CMD through Debian's tools and through gotools, alternating
# round by round so that changing load hits both, and prints the best
# round of each.
row() {
	local label=$1 r cw= cc= gw= gc=
	shift
	for ((r = 0; r < ROUNDS; r++)); do
		measure /usr/bin:/bin "$@"
		cw=$(least "$cw" $WALL) cc=$(least "$cc" $CPU)
		measure "$tmp/bin:/usr/bin:/bin" "$@"
		gw=$(least "$gw" $WALL) gc=$(least "$gc" $CPU)
	done
	printf '| `%s` | %s | %s | %s | %s | %s | %s |\n' "$label" "$cw" "$gw" "$(ratio "$gw" "$cw")" \
		"$cc" "$gc" "$(ratio "$gc" "$cc")"
}

least() { if [ -z "$1" ] || [ "$2" -lt "$1" ]; then echo "$2"; else echo "$1"; fi; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

echo "N=$N runs per command, best of $ROUNDS rounds; times in µs per run"
echo
echo '| command | C wall | gotools wall | gotools/C | C cpu | gotools cpu | gotools/C |'
echo '|---|---|---|---|---|---|---|'
tw= tc=
for ((r = 0; r < ROUNDS; r++)); do
	measure /usr/bin:/bin /usr/bin/true
	tw=$(least "$tw" $WALL) tc=$(least "$tc" $CPU)
done
printf '| `/usr/bin/true` (baseline) | %s | | | %s | | |\n' "$tw" "$tc"
row "envdir E true" envdir E true
row "setuidgid nobody true" setuidgid nobody true
row "softlimit -m 100000000 true" softlimit -m 100000000 true
row "envdir E setuidgid nobody softlimit -m 100000000 true" envdir E setuidgid nobody softlimit -m 100000000 true
row "softlimit -m 10000000 envdir E setuidgid nobody true" softlimit -m 10000000 envdir E setuidgid nobody true
