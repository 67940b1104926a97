#!/bin/sh
# make demo: run svscan in the foreground on a copy of examples/demo, with
# every applet installed as symlinks in a private bin directory.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
work=${TMPDIR:-/tmp}/gotools-demo
rm -rf "$work"
mkdir -p "$work/bin"
cp -R "$top/examples/demo" "$work/service"
cp "${GOTOOLS:-$top/gotools}" "$work/bin/gotools" # GOTOOLS: another build (the tests')
"$work/bin/gotools" install "$work/bin"
export PATH="$work/bin:$PATH"
cat <<MSG
svscan is supervising $work/service (Ctrl-C stops it cleanly).
The services' lines below are shown in local time by tai64nlocal; their log
files keep the TAI64N stamps. In another shell:
  export PATH=$work/bin:\$PATH
  svstat $work/service/* $work/service/*/log
  svc -d $work/service/clock        # stop a service; svc -u starts it again
  tai64nlocal < $work/service/clock/log/main/current
MSG
# svscan's output (the loggers' copies, multilog's action 1) goes through
# tai64nlocal. Ctrl-C is for svscan, which stops the tree in order: this
# shell and tai64nlocal ignore it, and tai64nlocal shows every line up to
# the end (svscan catches INT even though it starts with INT ignored).
trap '' INT
svscan "$work/service" | tai64nlocal
