package applets

// tai64nlocal — convert TAI64N stamps to local time (docs/tai64nlocal.md).
//
//	tai64nlocal
//
// Copies stdin to stdout. A line starting with "@" has its stamp replaced by
// the local time "YYYY-MM-DD HH:MM:SS.NNNNNNNNN": every following lowercase
// hex digit belongs to the stamp, whatever their number; the last 8 are the
// nanoseconds (printed with at least 9 digits) and the ones before them the
// TAI64 seconds. The first other byte ends the stamp and is copied. Other
// lines are copied unchanged. A stamp cut off by the end of input is
// dropped. Arguments are ignored. Exit 0 at end of input; exit 111 without
// a message on a read or write error.
//
// Local time follows TZ exactly as glibc's localtime(3) does, POSIX TZ
// strings included (package logger/localtime).
//
// Differences from 0.76 (docs/differences.md): a stamp whose year does not
// fit in a C int, where 0.76 crashes and loses its buffered output, leaves
// its line unchanged; right/ zones print as their POSIX counterparts.

import (
	"strconv"

	"gotools/logger/localtime"
	"gotools/logger/tai64"
)

func runTai64nlocal(p *Proc, args []string) error {
	l := localizer{zone: localtime.FromEnv(p.Env)}
	return filter(p, l.convert)
}

// localizer converts the stamps of a stream, which may arrive in pieces.
type localizer struct {
	zone   *localtime.Zone
	stream tai64.Stream
	// The text of the last whole second converted, reused for the next
	// stamp in the same second: localtime's answer cannot differ, except
	// after the very first call (see localtime.Zone.Convert), which is
	// therefore not cached.
	converted  bool
	cached     bool
	cachedUnix int64
	cachedText []byte
}

func (l *localizer) convert(dst, src []byte) []byte {
	return l.stream.Rewrite(dst, src, l.appendLocal)
}

// appendLocal appends a finished stamp as local time, or its text
// unchanged when localtime cannot convert it.
func (l *localizer) appendLocal(dst []byte, sec uint64, nano uint32, text []byte) []byte {
	unix := int64(sec - tai64.Base)
	if !l.cached || unix != l.cachedUnix {
		tm, ok := l.zone.Convert(unix)
		first := !l.converted
		l.converted = true
		if !ok {
			l.cached = false
			return append(dst, text...)
		}
		l.cached, l.cachedUnix, l.cachedText = !first, unix, appendTm(l.cachedText[:0], tm)
	}
	dst = append(dst, l.cachedText...)
	return appendPadded(dst, uint64(nano), 9)
}

// appendTm formats "YYYY-MM-DD HH:MM:SS.". 0.76 prints the year as
// (unsigned long)(1900 + tm_year) computed in C int: years beyond INT_MAX
// wrap, and years before 0 print as 2^64 minus their magnitude.
func appendTm(dst []byte, tm localtime.Tm) []byte {
	year := int32(tm.Year-1900) + 1900
	dst = strconv.AppendUint(dst, uint64(int64(year)), 10)
	dst = append(dst, '-')
	dst = appendPadded(dst, uint64(tm.Month), 2)
	dst = append(dst, '-')
	dst = appendPadded(dst, uint64(tm.Day), 2)
	dst = append(dst, ' ')
	dst = appendPadded(dst, uint64(tm.Hour), 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, uint64(tm.Minute), 2)
	dst = append(dst, ':')
	dst = appendPadded(dst, uint64(tm.Second), 2)
	return append(dst, '.')
}

// appendPadded appends v in decimal with at least width digits.
func appendPadded(dst []byte, v uint64, width int) []byte {
	var buf [20]byte
	text := strconv.AppendUint(buf[:0], v, 10)
	for range width - len(text) {
		dst = append(dst, '0')
	}
	return append(dst, text...)
}
