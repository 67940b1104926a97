#!/bin/sh
# Installs what the benchmarks compare against (Debian's daemontools, s6,
# runit) and measure with (GNU time), when missing. make bench runs it first.
set -eu
missing=
for p in /usr/bin/supervise:daemontools /usr/bin/s6-svscan:s6 /usr/bin/runsvdir:runit /usr/bin/time:time; do
	[ -x "${p%%:*}" ] || missing="$missing ${p#*:}"
done
[ -n "$missing" ] || exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
	echo "bench/deps.sh: missing:$missing (install them as root with apt-get)" >&2
	exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends $missing
