#!/bin/sh
# svscan benchmarks: memory of the supervision tree (PSS of the scanner and
# its supervisors, not of the services), pickup latency of a new service,
# stop latency. (Trees logged by each suite's own logger, gotools' multilog
# hosted or not: bench/logged.sh.) Each tree runs in a PID namespace of its own (root needed),
# killed as a whole at the end. Usage:
#   sh bench/svscan.sh                 (N = 50 500 1000, then gotools alone at 5000)
#   NS="50 500" BIG=0 sh bench/svscan.sh
set -eu
NS=${NS-50 500 1000}
BIG=${BIG-5000}
. "$(dirname "$0")/lib/tree.sh"

# memory KIND N LOGGER: one line of the memory table, with a log/run of
# `exec LOGGER t ./main` unless LOGGER is empty (its processes must be
# called multilog). The tree is every process but the services and loggers.
memory() {
	make_tree "$tmp/t" "$2" 'exec sleep 1000000' "${3:+exec $3 t ./main}"
	dirs=$2
	[ -z "$3" ] || dirs=$(($2 * 2)) # each log/ is a service directory too
	start "$1" "$tmp/t" "$dirs"
	wait_count sleep "$2"
	[ -n "$3" ] && wait_count multilog "$2"
	sleep 2 # let start-up garbage be collected and page tables settle
	tree=$(procs | awk '$2 != "sleep" && $2 != "multilog"' | pss_sum)
	loggers=$(procs | awk '$2 == "multilog"' | pss_sum)
	stop
	if [ -n "$3" ]; then
		printf '  %-8s N=%-5s tree %7s KiB  %6s KiB/service  | loggers %7s KiB  %6s KiB/service\n' \
			"$1" "$2" "$tree" $((tree / $2)) "$loggers" $((loggers / $2))
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

# pickup KIND: milliseconds from renaming a prepared service into the scan
# directory to svstat showing it up, five times.
pickup() {
	make_tree "$tmp/t" 1 "exec sleep 1000000"
	start "$1" "$tmp/t" 1
	wait_count sleep 1
	times=
	for i in 1 2 3 4 5; do
		make_tree "$tmp/p$i" 1 "exec sleep 1000000"
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
	make_tree "$tmp/t" "$1" "exec sleep 1000000"
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
