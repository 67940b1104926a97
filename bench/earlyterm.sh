#!/bin/sh
# How long after exec a TERM still kills svscan and supervise (the Go
# runtime's start-up), against a Go program that asks for TERM first thing
# in main; see bench/earlyterm/main.go.
#
# usage: bench/earlyterm.sh [-n TRIES] [-max DURATION]   (make bench runs it after make build)
set -eu
cd "$(dirname "$0")/.."
[ -x ./gotools ] || { echo "bench/earlyterm.sh: build ./gotools first (make build)" >&2; exit 1; }
exec go run ./bench/earlyterm -gotools ./gotools "$@"
