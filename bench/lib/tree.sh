# Sourced by the benchmarks of whole supervision trees (bench/svscan.sh,
# bench/logged.sh): each tree runs in a PID namespace of its own (root
# needed), killed as a whole by stop and on exit, and its temporary
# directory is removed. Sourcing this file moves to the repository's top,
# builds ./gotools if missing (GOTOOLS=FILE measures another build),
# installs its applets into $tmp/bin and sets $me, $gotools (its absolute
# path), $tmp, $ns_pid and $init (see start).
me=bench/$(basename "$0")
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "$me: needs root (PID namespaces), skipping"; exit 0; }
[ -n "${GOTOOLS-}" ] || [ -x ./gotools ] || make -s build
gotools=$(realpath "${GOTOOLS-./gotools}")
# Large trees hold a few descriptors per service in the scanner.
ulimit -n "$(ulimit -Hn)"
tmp=$(mktemp -d)
chmod 755 "$tmp" # a run script that drops to nobody still finds $tmp/bin's programs
ns_pid=
cleanup() {
	[ -z "$ns_pid" ] || stop
	rm -rf "$tmp"
}
trap cleanup EXIT
trap "exit 1" HUP INT PIPE TERM # so that cleanup runs
mkdir "$tmp/bin"
"$gotools" install "$tmp/bin" >/dev/null

# have PATH: whether PATH is installed; says so when it is not.
have() { [ -x "$1" ] || { echo "  ($1 is not installed: skipped)"; return 1; }; }

# make_tree DIR N RUN [LOGRUN [LOGFILE]]: N services s0, s1, ... whose
# ./run is the sh line RUN; with LOGRUN each has a log/run of that sh line
# too, and with LOGFILE an empty file log/LOGFILE.
make_tree() {
	rm -rf "$1"
	mkdir -p "$1"
	k=0 # not i: sh has no local variables, and callers loop on i
	while [ $k -lt "$2" ]; do
		d=$1/s$k
		mkdir "$d"
		printf '#!/bin/sh\n%s\n' "$3" >"$d/run"
		chmod +x "$d/run"
		if [ -n "${4-}" ]; then
			mkdir "$d/log"
			printf '#!/bin/sh\n%s\n' "$4" >"$d/log/run"
			chmod +x "$d/log/run"
			[ -z "${5-}" ] || : >"$d/log/$5"
		fi
		k=$((k + 1))
	done
}

# start KIND DIR DIRS: runs KIND's scanner (gotools, debian, runit or s6)
# on DIR, where DIRS service directories (a logger's counts) are to be
# supervised, in a new PID namespace; sets ns_pid (unshare's pid) and init
# (the scanner's pid, seen from here). gotools' applets come first on the
# scanner's PATH, and only /usr/bin and /bin follow, so that a run script
# finds the suite's own programs.
start() {
	case $1 in
	gotools) set -- "$2" "$3" env PATH="$tmp/bin:/usr/bin:/bin" "$tmp/bin/svscan" "$2" ;;
	debian) set -- "$2" "$3" env PATH=/usr/bin:/bin /usr/bin/svscan "$2" ;;
	runit) set -- "$2" "$3" env PATH=/usr/bin:/bin /usr/bin/runsvdir -P "$2" ;;
	s6) set -- "$2" "$3" env PATH=/usr/bin:/bin /usr/bin/s6-svscan -c $(($3 + 10)) "$2" ;;
	esac
	shift 2
	unshare --pid --fork --kill-child --mount-proc "$@" >/dev/null 2>&1 </dev/null &
	ns_pid=$!
	init=
	while [ -z "$init" ]; do
		kill -0 "$ns_pid" 2>/dev/null || { echo "$me: unshare $* exited at once"; exit 1; }
		init=$(cat "/proc/$ns_pid/task/$ns_pid/children" 2>/dev/null | tr -d ' ')
		sleep 0.05
	done
}

# stop: kills the namespace of the last start, every process in it, by
# killing its init; unshare exits once the kernel has killed and reaped the
# rest. (Killing unshare is not enough: the kernel keeps --kill-child's
# parent death signal from a namespace's init, and a `sleep` as init, for
# one, outlives unshare.)
stop() {
	kill -KILL "$init" 2>/dev/null || kill -KILL "$ns_pid" 2>/dev/null || true
	wait "$ns_pid" 2>/dev/null || true
	ns_pid=
}

# procs: "PID NAME" of every process in the namespace of $init. NAME is
# the last part of argv[0] (a helper that gotools starts as /proc/self/exe
# is called "exe" by the kernel, but has its applet's name there), or the
# kernel's name when argv is gone (a zombie).
procs() {
	ns=$(readlink "/proc/$init/ns/pid")
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] || continue
		name=$(awk 'BEGIN { RS = "\0" } { print; exit }' "$p/cmdline" 2>/dev/null || true)
		[ -n "$name" ] || name=$(cat "$p/comm" 2>/dev/null || true)
		echo "${p#/proc/} ${name##*/}"
	done
}

# until_true WHAT CMD...: runs CMD every half second until it succeeds;
# fails the benchmark, saying WHAT it waited for, after 10 minutes.
until_true() {
	what=$1
	shift
	deadline=$(($(date +%s) + 600))
	until "$@"; do
		[ "$(date +%s)" -lt "$deadline" ] || { echo "$me: timed out waiting for $what"; exit 1; }
		sleep 0.5
	done
}

# running NAME N: whether at least N processes named NAME run.
running() { [ "$(procs | awk -v n="$1" '$2 == n' | wc -l)" -ge "$2" ]; }

# wait_count NAME N: waits until N processes named NAME run.
wait_count() { until_true "$2 $1" running "$1" "$2"; }

# pss_each: "PID NAME KIB" for each "PID NAME" line on standard input,
# KIB being the process's PSS (0 once it is gone).
pss_each() {
	while read -r pid name; do
		echo "$pid $name $(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null || echo 0)"
	done
}

# pss_sum: total PSS in KiB of the processes whose "PID NAME" lines are
# on standard input.
pss_sum() { pss_each | awk '{ s += $3 } END { print s + 0 }'; }

# now_ms: the time in milliseconds.
now_ms() { echo $(($(date +%s%N) / 1000000)); }
