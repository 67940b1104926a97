package applets

// tai64nlocal — convert TAI64N stamps to local time (COMPAT §6.2).
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
// Differences from 0.76 (COMPAT §13.8, §13.15): a stamp whose year does not
// fit in a C int, where 0.76 crashes and loses its buffered output, leaves
// its line unchanged; right/ zones print as their POSIX counterparts.

import (
	"bytes"
	"strconv"

	"gotools/logger/localtime"
	"gotools/logger/tai64"
)

func runTai64nlocal(p *Proc, args []string) error {
	l := localizer{zone: localtime.FromEnv(p.Env)}
	return filter(p, l.convert)
}

type localizerState uint8

const (
	atLineStart localizerState = iota
	inStamp                    // after "@", reading hex digits
	inLine                     // copying up to the newline
)

// localizer converts the stamps of a stream, which may arrive in pieces.
type localizer struct {
	zone  *localtime.Zone
	state localizerState
	// stamp holds "@" and the hex digits read so far, for copying the stamp
	// unchanged when it cannot be converted.
	stamp []byte
	// sec and nano accumulate the digits as 0.76 does: each digit shifts the
	// 96-bit value sec:nano left by 4 bits, dropping the top.
	sec  uint64
	nano uint32
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
	for len(src) > 0 {
		switch l.state {
		case atLineStart:
			if src[0] == '@' {
				l.state, l.stamp, l.sec, l.nano = inStamp, append(l.stamp[:0], '@'), 0, 0
				src = src[1:]
				continue
			}
			l.state = inLine
		case inStamp:
			n := 0
			for n < len(src) {
				d := tai64.HexValue(src[n])
				if d < 0 {
					break
				}
				l.sec = l.sec<<4 + uint64(l.nano>>28)
				l.nano = l.nano<<4 + uint32(d)
				n++
			}
			l.stamp = append(l.stamp, src[:n]...)
			src = src[n:]
			if len(src) == 0 {
				return dst // the stamp may go on in the next chunk
			}
			dst = l.appendLocal(dst)
			l.state = inLine
		case inLine:
			i := bytes.IndexByte(src, '\n')
			if i < 0 {
				return append(dst, src...)
			}
			dst = append(dst, src[:i+1]...)
			src = src[i+1:]
			l.state = atLineStart
		}
	}
	return dst
}

// appendLocal appends the finished stamp as local time, or unchanged when
// localtime cannot convert it.
func (l *localizer) appendLocal(dst []byte) []byte {
	unix := int64(l.sec - tai64.Base)
	if !l.cached || unix != l.cachedUnix {
		tm, ok := l.zone.Convert(unix)
		first := !l.converted
		l.converted = true
		if !ok {
			l.cached = false
			return append(dst, l.stamp...)
		}
		l.cached, l.cachedUnix, l.cachedText = !first, unix, appendTm(l.cachedText[:0], tm)
	}
	dst = append(dst, l.cachedText...)
	return appendPadded(dst, uint64(l.nano), 9)
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
