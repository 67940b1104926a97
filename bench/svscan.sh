#!/bin/sh
# svscan benchmarks: memory of the supervision tree (PSS of the scanner and
# its supervisors, not of the services), pickup latency of a new service,
# stop latency. Each tree runs in a PID namespace of its own (root needed),
# killed as a whole at the end. Usage:
#   sh bench/svscan.sh                 (N = 50 500 1000, then gotools alone at 5000)
#   NS="50 500" BIG=0 sh bench/svscan.sh
set -eu
cd "$(dirname "$0")/.."
NS=${NS-50 500 1000}
BIG=${BIG-5000}
[ "$(id -u)" = 0 ] || { echo "bench/svscan.sh: needs root (PID namespaces), skipping"; exit 0; }
[ -x ./gotools ] || make -s build
tmp=$(mktemp -d)
ns_pid=
cleanup() {
	[ -n "$ns_pid" ] && kill -KILL "$ns_pid" 2>/dev/null && wait "$ns_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap "exit 1" INT TERM
mkdir "$tmp/bin"
./gotools install "$tmp/bin" >/dev/null
have() { [ -x "$1" ] || { echo "  ($1 is not installed: skipped)"; return 1; }; }

# make_tree DIR N LOGGER: N services that exec sleep, each with a
# log/run of `LOGGER t ./main` unless LOGGER is empty.
make_tree() {
	rm -rf "$1"
	mkdir -p "$1"
	k=0 # not i: sh has no local variables, and callers loop on i
	while [ $k -lt "$2" ]; do
		d=$1/s$k
		mkdir "$d"
		printf '#!/bin/sh\nexec sleep 1000000\n' >"$d/run"
		chmod +x "$d/run"
		if [ -n "$3" ]; then
			mkdir "$d/log"
			printf '#!/bin/sh\nexec %s t ./main\n' "$3" >"$d/log/run"
			chmod +x "$d/log/run"
		fi
		k=$((k + 1))
	done
}

# start KIND DIR N: runs KIND's scanner on DIR in a new PID namespace; sets
# ns_pid (unshare's pid) and init (the scanner's pid, seen from here).
start() {
	case $1 in
	gotools) set -- "$2" "$3" "$tmp/bin/svscan" "$2" ;;
	debian) set -- "$2" "$3" env PATH=/usr/bin:/bin /usr/bin/svscan "$2" ;;
	runit) set -- "$2" "$3" /usr/bin/runsvdir -P "$2" ;;
	s6) set -- "$2" "$3" /usr/bin/s6-svscan -c $(($3 + 10)) "$2" ;;
	esac
	shift 2
	unshare --pid --fork --kill-child --mount-proc "$@" >/dev/null 2>&1 </dev/null &
	ns_pid=$!
	init=
	while [ -z "$init" ]; do
		init=$(cat "/proc/$ns_pid/task/$ns_pid/children" 2>/dev/null | tr -d ' ')
		sleep 0.05
	done
}

stop() {
	kill -KILL "$ns_pid" 2>/dev/null || true
	wait "$ns_pid" 2>/dev/null || true
	ns_pid=
}

# procs: "PID NAME" of every process in the namespace of $init.
procs() {
	ns=$(readlink "/proc/$init/ns/pid")
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] || continue
		echo "${p#/proc/} $(cat "$p/comm" 2>/dev/null)"
	done
}

# wait_count NAME N: waits (up to 10 minutes) until N processes named NAME run.
wait_count() {
	deadline=$(($(date +%s) + 600))
	while [ "$(procs | awk -v n="$1" '$2 == n' | wc -l)" -lt "$2" ]; do
		[ "$(date +%s)" -lt "$deadline" ] || { echo "bench/svscan.sh: timed out waiting for $2 $1"; exit 1; }
		sleep 0.5
	done
}

# pss NAME...: total PSS in KiB of the namespace's processes with these names.
pss() {
	procs | while read -r pid name; do
		for n in "$@"; do
			[ "$name" = "$n" ] && awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup" 2>/dev/null
		done
	done | awk '{s += $1} END {print s + 0}'
}

supervisors="svscan supervise runsvdir runsv s6-svscan s6-supervise"

# memory KIND N LOGGER: one line of the memory table (LOGGER as for
# make_tree; its processes must be called multilog).
memory() {
	make_tree "$tmp/t" "$2" "$3"
	start "$1" "$tmp/t" "$2"
	wait_count sleep "$2"
	[ -n "$3" ] && wait_count multilog "$2"
	sleep 2 # let start-up garbage be collected and page tables settle
	tree=$(pss $supervisors)
	loggers=$(pss multilog)
	stop
	if [ -n "$3" ]; then
		case $3 in
		"$tmp"/*) logger=gotools ;;
		*) logger=debian ;;
		esac
		printf '  %-8s N=%-5s tree %7s KiB  %6s KiB/service  | %s loggers %7s KiB  %6s KiB/service\n' \
			"$1" "$2" "$tree" $((tree / $2)) "$logger" "$loggers" $((loggers / $2))
	else
		printf '  %-8s N=%-5s tree %7s KiB  %6s KiB/service\n' "$1" "$2" "$tree" $((tree / $2))
	fi
}

# memory_all LOGGER: memory of every installed tree at each N of NS.
memory_all() {
	for n in $NS; do
		for kind in gotools debian runit s6; do
			case $kind in
			debian) have /usr/bin/svscan || continue ;;
			runit) have /usr/bin/runsvdir || continue ;;
			s6) have /usr/bin/s6-svscan || continue ;;
			esac
			memory $kind "$n" "$1"
		done
	done
}

echo "Memory of the supervision tree (PSS, services exec sleep):"
memory_all ""
if [ "$BIG" -gt 0 ]; then
	# Each service holds four descriptors in svscan.
	fit=$((($(ulimit -Hn) - 200) / 4))
	big=$BIG
	[ "$fit" -lt "$big" ] && { echo "  (the descriptor limit $(ulimit -Hn) allows $fit services, not $BIG)"; big=$fit; }
	memory gotools "$big" ""
fi
echo "With a log/ running Debian's multilog for every service (loggers are processes in every tree):"
memory_all /usr/bin/multilog
echo "gotools' tree with gotools' own multilog (a Go process per logger):"
for n in $NS; do
	memory gotools "$n" "$tmp/bin/multilog"
done

# now_ms: the time in milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# pickup KIND: milliseconds from renaming a prepared service into the scan
# directory to svstat showing it up, five times.
pickup() {
	make_tree "$tmp/t" 1 ""
	start "$1" "$tmp/t" 1
	wait_count sleep 1
	times=
	for i in 1 2 3 4 5; do
		make_tree "$tmp/p$i" 1 ""
		t0=$(now_ms)
		mv "$tmp/p$i/s0" "$tmp/t/new$i"
		until "$tmp/bin/svstat" "$tmp/t/new$i" | grep -q ': up '; do :; done
		times="$times $(($(now_ms) - t0))"
	done
	stop
	echo "  $1: pickup in ms:$times"
}
echo "Pickup latency (rename into the scan directory -> svstat up):"
pickup gotools
have /usr/bin/svscan && pickup debian

# stop_latency N: milliseconds from TERM to svscan's exit (its parent,
# unshare, reaps it and exits at once) with N services that exit on TERM.
stop_latency() {
	make_tree "$tmp/t" "$1" ""
	times=
	for i in 1 2 3; do
		start gotools "$tmp/t" "$1"
		wait_count sleep "$1"
		t0=$(now_ms)
		kill -TERM "$init"
		wait "$ns_pid" || true
		times="$times $(($(now_ms) - t0))"
		ns_pid=
	done
	echo "  gotools, $1 services: stop in ms:$times"
}
echo "Stop latency (TERM -> svscan exits):"
stop_latency 50
stop_latency 20
