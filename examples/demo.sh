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
In another shell:
  export PATH=$work/bin:\$PATH
  svstat $work/service/* $work/service/*/log
  svc -d $work/service/clock        # stop a service; svc -u starts it again
  tai64nlocal < $work/service/clock/log/main/current
MSG
exec svscan "$work/service"
