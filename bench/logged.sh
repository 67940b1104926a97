#!/bin/sh
# Logged supervision trees: every service has a log/ whose run is
#   mkdir -p main; chown nobody main; exec setuidgid nobody multilog t ./main
# (or its runit and s6 equivalent). Measures, each tree in a PID namespace of
# its own (see bench/lib/tree.sh):
#   - memory: PSS of the whole tree but the services (the scanner, every
#     supervisor, helper and logger process) per logged service, for
#     gotools with its loggers hosted by svscan, gotools with every logger
#     a process (an empty log/no-hosting), Debian's daemontools 0.76 with
#     its multilog, runit (runsvdir, runsv, svlogd) and s6 (s6-svscan,
#     s6-supervise, s6-log), once every logger has written its first line;
#   - throughput of multilog, hosted against a process (and Debian's as a
#     reference): one service writing LINES lines at once, then BUSY
#     services writing BUSY_LINES each at once, in lines per second until
#     every line is in main/, best of RUNS (each run is checked: all lines
#     must be there);
#   - start-up of a logger, hosted against a process: milliseconds from
#     svscan's start, and from `svc -u s0/log` of a logger that was down,
#     to its first line in main/current (median and all of STARTS runs).
# Runit and s6 rows are skipped when not installed (bench/deps.sh installs
# them); NS= (empty), RUNS=0 or STARTS=0 skips a table, KINDS (runit
# hosted process daemontools s6) chooses the trees, SETTLE the seconds
# between the last logger's first line and the memory's measure. Usage:
#   sh bench/logged.sh                         (N = 50 500 1000)
#   NS=50 LINES=100000 BUSY_LINES=2000 RUNS=1 STARTS=3 sh bench/logged.sh
#   GOTOOLS=/path/to/gotools NS=50 sh bench/logged.sh    (another build)
set -eu
NS=${NS-50 500 1000}
LINES=${LINES-1000000}
BUSY=${BUSY-200}
BUSY_LINES=${BUSY_LINES-5000}
RUNS=${RUNS-3}
STARTS=${STARTS-5}
KINDS=${KINDS-runit hosted process daemontools s6}
SETTLE=${SETTLE-2}
. "$(dirname "$0")/lib/tree.sh"
watcher= # see watch_first
trap '[ -z "$watcher" ] || kill "$watcher" 2>/dev/null; cleanup' EXIT

# scanner KIND: the scanner of a kind of tree, as start wants it.
scanner() {
	case $1 in
	hosted | process) echo gotools ;;
	daemontools) echo debian ;;
	*) echo "$1" ;;
	esac
}

# installed KIND: whether the programs of a kind of tree are installed.
installed() {
	case $1 in
	daemontools) have /usr/bin/svscan && have /usr/bin/multilog ;;
	runit) have /usr/bin/runsvdir && have /usr/bin/svlogd ;;
	s6) have /usr/bin/s6-svscan && have /usr/bin/s6-log ;;
	esac
}

# make_logged DIR N KIND RUN ACTIONS: a tree of N services whose ./run is
# the sh line RUN, each logged by KIND's logger as nobody into log/main
# (multilog and s6-log with ACTIONS; svlogd has no such arguments).
make_logged() {
	case $3 in
	runit) logger="chpst -u nobody svlogd -tt ./main" ;;
	s6) logger="s6-setuidgid nobody s6-log $5 ./main" ;;
	*) logger="setuidgid nobody multilog $5 ./main" ;;
	esac
	optout=
	[ "$3" != process ] || optout=no-hosting
	make_tree "$1" "$2" "$4" "mkdir -p main; chown nobody main; exec $logger" $optout
}

# logged DIR N: whether N loggers of DIR have written into main/current.
logged() { [ "$(find "$1" -path '*/log/main/current' -size +0c | wc -l)" -ge "$2" ]; }

# start_logged KIND DIR N: starts a tree of N logged services; the gate's
# descriptor is not passed on (see shut_gate).
start_logged() { start "$(scanner "$1")" "$2" $(($3 * 2)) 8>&-; }

# label KIND: how a kind of tree reads in the tables.
label() {
	case $1 in
	hosted) echo "gotools, loggers hosted" ;;
	process) echo "gotools, loggers as processes (log/no-hosting)" ;;
	daemontools) echo "daemontools 0.76" ;;
	runit) echo "runit (svlogd)" ;;
	s6) echo "s6 (s6-log)" ;;
	esac
}

# ratio A B: A / B to two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# median N...: the median of the numbers.
median() { printf '%s\n' "$@" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# memory KIND N: one row of the memory table, against runit's KiB per
# service in $runit (empty when runit is not installed).
memory() {
	make_logged "$tmp/t" "$2" "$1" 'echo started; exec sleep 1000000' t
	start_logged "$1" "$tmp/t" "$2"
	until_true "$2 loggers' first lines" logged "$tmp/t" "$2"
	wait_count sleep "$2"
	sleep "$SETTLE" # let start-up garbage be collected and page tables settle
	procs | awk '$2 != "sleep"' | pss_each >"$tmp/tree"
	[ "$(scanner "$1")" != gotools ] || awk '$2 == "multilog"' "$tmp/tree" | only_gotools
	stop
	kib=$(awk '{ s += $3 } END { print s + 0 }' "$tmp/tree")
	count=$(awk '!n[$2]++ { order[++k] = $2 } { kib[$2] += $3 }
		END { for (i = 1; i <= k; i++) printf "%s %d: %d KiB, ", order[i], n[order[i]], kib[order[i]] }' "$tmp/tree")
	per=$(ratio "$kib" "$2")
	[ "$1" != runit ] || runit=$per
	printf '| %s | %s | %s | %s | %s | %s |\n' "$2" "$(label "$1")" "${count%, }" "$kib" "$per" \
		"$(if [ -n "$runit" ]; then ratio "$per" "$runit"; else echo -; fi)"
}

# only_gotools: fails unless every process whose "PID NAME ..." line is on
# standard input runs $gotools (a multilog could be another one, found
# later in PATH).
only_gotools() {
	while read -r pid name _; do
		exe=$(readlink "/proc/$pid/exe")
		[ "$exe" = "$gotools" ] || { echo "$me: $name runs $exe, not $gotools"; exit 1; }
	done
}

# The gate holds logged services back until every logger runs: shut_gate
# takes an exclusive lock on $tmp/gate on descriptor 8, which a tree never
# inherits; each service waits with `flock -s` until open_gate closes it.
shut_gate() {
	exec 8>"$tmp/gate"
	flock -x 8
}
open_gate() { exec 8>&-; }

# line is what the services of the throughput runs log, again and again;
# with multilog's t each takes 26 more bytes (the stamp and a space).
line='a line from a service that logs as fast as it can'

# logged_bytes DIR: the bytes in the main/current and main/@ files of DIR's
# loggers (a file renamed by a rotation while find reads is left out).
logged_bytes() {
	find "$1" -path '*/log/main/*' -type f \( -name current -o -name '@*' \) -printf '%s\n' 2>/dev/null |
		awk '{ s += $1 } END { print s + 0 }'
}

# throughput KIND SERVICES LINES: sets rate to the best lines per second
# over RUNS runs of SERVICES loggers that are each given LINES lines at once.
throughput() {
	rate=0
	r=0
	while [ $r -lt "$RUNS" ]; do
		throughput_once "$@"
		r=$((r + 1))
	done
}

# throughput_once KIND SERVICES LINES: one run of throughput.
throughput_once() {
	shut_gate
	[ -e "$tmp/lines$3" ] || yes "$line" | head -n "$3" >"$tmp/lines$3"
	make_logged "$tmp/t" "$2" "$1" \
		"echo started; flock -s $tmp/gate true; cat $tmp/lines$3; exec sleep 1000000" \
		"t s1000000 n100"
	bytes=$(($2 * (26 + 8 + $3 * (26 + ${#line} + 1)))) # "started" and the lines
	start_logged "$1" "$tmp/t" "$2"
	until_true "$2 loggers' first lines" logged "$tmp/t" "$2"
	t0=$(now_ms)
	open_gate
	deadline=$((t0 + 600000))
	until [ "$(logged_bytes "$tmp/t")" -ge $bytes ]; do
		[ "$(now_ms)" -lt "$deadline" ] || { echo "$me: timed out waiting for $2 loggers' last lines"; exit 1; }
		sleep 0.01
	done
	ms=$(($(now_ms) - t0 + 1)) # +1: never 0
	stop
	want=$(($2 * ($3 + 1)))
	got=$(find "$tmp/t" -path '*/log/main/*' -type f \( -name current -o -name '@*' \) -exec cat {} + | wc -l)
	[ "$got" = "$want" ] || { echo "$me: $(label "$1"): $got lines logged, not $want"; exit 1; }
	[ $(($2 * $3 * 1000 / ms)) -le "$rate" ] || rate=$(($2 * $3 * 1000 / ms))
}

# startup KIND: one row of the start-up table.
startup() {
	case $1 in
	daemontools) svc=/usr/bin/svc svok=/usr/bin/svok ;;
	*) svc=$tmp/bin/svc svok=$tmp/bin/svok ;;
	esac
	current=$tmp/t/s0/log/main/current
	scan= up=
	i=0
	while [ $i -lt "$STARTS" ]; do
		make_logged "$tmp/t" 1 "$1" 'echo started; exec sleep 1000000' t
		watch_first "$current"
		t0=$(now_ms)
		start_logged "$1" "$tmp/t" 1
		first_line
		scan="$scan $((first - t0))"
		stop
		make_logged "$tmp/t" 1 "$1" 'echo started; exec sleep 1000000' t
		: >"$tmp/t/s0/log/down"
		start_logged "$1" "$tmp/t" 1
		wait_count sleep 1 # its line is in the pipe
		until_true "s0/log's supervisor" "$svok" "$tmp/t/s0/log"
		watch_first "$current"
		t0=$(now_ms)
		"$svc" -u "$tmp/t/s0/log"
		first_line
		up="$up $((first - t0))"
		stop
		i=$((i + 1))
	done
	printf '| %s | %s (%s) | %s (%s) |\n' "$(label "$1")" "$(median $scan)" "${scan# }" "$(median $up)" "${up# }"
}

# watch_first FILE: notes in the background the time in milliseconds when
# FILE is first not empty, which first_line then sets first to. The watcher spins
# on shell builtins (a sleep would be coarser) and gives up after a minute.
watch_first() {
	rm -f "$tmp/first"
	(
		deadline=$(($(date +%s) + 60))
		n=0
		until [ -s "$1" ]; do
			n=$((n + 1))
			[ $((n % 100000)) != 0 ] || [ "$(date +%s)" -lt "$deadline" ] || exit 1
		done
		now_ms >"$tmp/first"
	) &
	watcher=$!
}
first_line() {
	wait "$watcher" || { echo "$me: no line in a logger's main/current after a minute" >&2; exit 1; }
	watcher=
	first=$(cat "$tmp/first")
}

# memory_table, throughput_table, startup_table: the three tables, each
# over the installed kinds of tree.
memory_table() {
	echo "Memory of logged trees: PSS of every process but the services, once every logger has written its first line."
	echo
	echo "| N | tree | processes besides the services: PSS | PSS KiB | KiB per logged service | / runit |"
	echo "|---|---|---|---|---|---|"
	for n in $NS; do
		runit=
		for kind in $kinds; do
			memory "$kind" "$n"
		done
	done
	echo
}
throughput_table() {
	echo "Throughput of multilog t s1000000 n100 under its own svscan, lines of 50 bytes, lines/s, best of $RUNS:"
	echo
	echo "| logger | 1 service, $LINES lines | $BUSY services at once, $BUSY_LINES lines each |"
	echo "|---|---|---|"
	for kind in $multilogs; do
		throughput "$kind" 1 "$LINES"
		one=$rate
		throughput "$kind" "$BUSY" "$BUSY_LINES"
		printf '| %s | %s | %s |\n' "$(label "$kind")" "$one" "$rate"
	done
	echo
}
startup_table() {
	echo "Start-up of a logger to its first line in main/current, ms, median (all $STARTS):"
	echo
	echo "| logger | from svscan's start | from svc -u s0/log |"
	echo "|---|---|---|"
	for kind in $multilogs; do
		startup "$kind"
	done
}

kinds= multilogs=
for kind in $KINDS; do
	installed $kind || continue
	kinds="$kinds $kind"
	case $kind in hosted | process | daemontools) multilogs="$multilogs $kind" ;; esac
done
[ -z "$NS" ] || memory_table
[ "$RUNS" = 0 ] || throughput_table
[ "$STARTS" = 0 ] || startup_table
