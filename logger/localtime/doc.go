// Package localtime converts Unix seconds to local calendar time the way
// glibc's localtime(3) does, so that gotools' tai64nlocal prints what
// Debian's tai64nlocal prints for the same TZ.
//
// Go's time package is not enough for that: it reads only zone names from
// TZ, not POSIX TZ strings such as "EST5EDT,M3.2.0,M11.1.0" or "JST-9", and
// it does not reproduce glibc's leniencies and quirks: numbers read by
// sscanf, a TZ string naming a DST zone without rules getting the
// transitions of the "posixrules" file shifted to its offsets, C int
// arithmetic for far years. This package follows glibc 2.36 instead, checked
// against Debian's tai64nlocal by the integration tests:
//
//   - TZ unset means the file /etc/localtime; TZ="" means "Universal"; one
//     leading ':' is ignored; a value is first tried as a zone file (relative
//     names under $TZDIR or /usr/share/zoneinfo), and only when no valid file
//     exists parsed as a POSIX TZ string; a missing /etc/localtime is UTC.
//   - Zone files after their last transition use their footer TZ string.
//   - A conversion fails when the year does not fit in a C int (after
//     subtracting 1900, as struct tm stores it).
//
// One deliberate difference: zones with leap seconds ("right/...") are read
// as their POSIX counterparts (docs/differences.md): the same path without
// "right/", or where there is none, the file itself with the leap seconds
// taken out of its transition times. Leap seconds are never applied.
//
// The package never reads the process environment itself; callers pass TZ
// and TZDIR. A Zone keeps glibc's cache of the last year's DST change times,
// because in corner cases glibc's answers depend on it; a Zone must not be
// used by several goroutines at once.
package localtime
