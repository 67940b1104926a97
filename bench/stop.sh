#!/bin/sh
# Stop latency of a tree of 20 services (and of 20 services with loggers):
# gotools' svscan against s6-svscan and runit's runsvdir, in one run; see
# bench/stop/main.go. Rows whose supervisor is not installed are skipped.
#
# usage: bench/stop.sh [-n STOPS] [-services N]   (make bench runs it after make build)
set -eu
cd "$(dirname "$0")/.."
[ -x ./gotools ] || { echo "bench/stop.sh: build ./gotools first (make build)" >&2; exit 1; }
exec go run ./bench/stop -gotools ./gotools "$@"
