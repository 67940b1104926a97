package localtime

// This file is glibc's reading of POSIX TZ strings ("EST5EDT,M3.2.0,M11.1.0",
// "JST-9", "<+03>-3") and its computation of the DST changes, including its
// leniencies: sscanf-style numbers (leading blanks and a sign accepted),
// offsets clamped to 24:59:59, a DST zone without rules getting the
// posixrules file or the US rules, and C int arithmetic for the year.

type ruleKind uint8

const (
	dayOfYear    ruleKind = iota // "n": 0..365, counting February 29 (glibc J0)
	julianDay                    // "Jn": 1..365, never counting February 29 (glibc J1)
	monthWeekDay                 // "Mm.w.d": day d of week w (5 = last) of month m
)

// rule is one half of a TZ string: [0] is standard time and the date DST
// starts, [1] is DST and the date it ends.
type rule struct {
	kind        ruleKind
	m, n, d     uint16
	secs        int32 // local time of day of the change
	offset      int64 // seconds east of UTC
	change      int64 // Unix time of the change in year computedFor
	computedFor int32 // glibc's cache key; 0 until a rule is parsed, then -1
}

type rules [2]rule

// offset is the UTC offset at timer, whose UTC year is 1900+tmYear; glibc's
// __tz_compute.
func (rs *rules) offset(timer int64, tmYear int32) int64 {
	year := 1900 + tmYear // a C int: wraps beyond INT_MAX as glibc's does
	rs[0].computeChange(year)
	rs[1].computeChange(year)
	var dst bool
	if rs[0].change > rs[1].change { // southern hemisphere: DST spans new year
		dst = timer < rs[1].change || timer >= rs[0].change
	} else {
		dst = timer >= rs[0].change && timer < rs[1].change
	}
	if dst {
		return rs[1].offset
	}
	return rs[0].offset
}

// cumulativeDays[13*leap+m] is the number of days before month m+1. It is
// one array, as glibc's table is, because glibc reads past a row for the
// months 0 and 13 that a rejected rule can leave behind.
var cumulativeDays = [26]int32{
	0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365,
	0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366,
}

func isLeap(year int32) bool {
	return year%4 == 0 && (year%100 != 0 || year%400 == 0)
}

// computeChange sets r.change to the Unix time of r's change in year, with
// glibc's arithmetic: the start of the year is computed in C int (so it wraps
// for years in the millions) and is 1970-01-01 for every year up to 1970.
func (r *rule) computeChange(year int32) {
	if year != -1 && r.computedFor == year {
		return
	}
	var t int64
	if year > 1970 {
		days := (year-1970)*365 + ((year-1)/4 - 1970/4) - ((year-1)/100 - 1970/100) + ((year-1)/400 - 1970/400)
		t = int64(days) * secondsPerDay
	}
	leap := 0
	if isLeap(year) {
		leap = 1
	}
	switch r.kind {
	case julianDay:
		t += (int64(r.d) - 1) * secondsPerDay
		if r.d >= 60 && leap == 1 {
			t += secondsPerDay
		}
	case dayOfYear:
		t += int64(r.d) * secondsPerDay
	case monthWeekDay:
		// A rule rejected after its month was read keeps that month, and
		// glibc indexes its table with it unchecked; what lies outside the
		// table is unknowable, so clamp to it.
		row := 13 * leap
		before := cumulativeDays[min(max(row+int(r.m)-1, 0), 25)]
		next := cumulativeDays[min(max(row+int(r.m), 0), 25)]
		t += int64(before) * secondsPerDay
		// Zeller's congruence: the weekday of the first of the month.
		m1 := (int32(r.m)+9)%12 + 1
		y := year
		if r.m <= 2 {
			y--
		}
		century, yy := y/100, y%100
		dow := ((26*m1-2)/10 + 1 + yy + yy/4 + century/4 - 2*century) % 7
		if dow < 0 {
			dow += 7
		}
		d := int32(r.d) - dow
		if d < 0 {
			d += 7
		}
		for i := uint16(1); i < r.n; i++ {
			if d+7 >= next-before {
				break
			}
			d += 7
		}
		t += int64(d) * secondsPerDay
	}
	r.change = t - r.offset + int64(r.secs)
	r.computedFor = year
}

// parseTZ is glibc's __tzset_parse_tz. Whatever part does not parse leaves
// the rules as far as they got (all zero, i.e. UTC, if the standard zone
// itself is bad). When s names a DST zone without rules and loadDefault is
// given, the zone comes from the file loadDefault returns, if any.
func parseTZ(s string, loadDefault func(stdoff, dstoff int64) *tzfile) (rs rules, file *tzfile) {
	i, ok := parseName(s, 0)
	if !ok {
		return rs, nil
	}
	if i, ok = rs.parseOffset(s, i, 0); !ok {
		return rs, nil
	}
	if i == len(s) {
		rs[1].offset = rs[0].offset // no DST
		return rs, nil
	}
	if j, ok := parseName(s, i); ok {
		i, _ = rs.parseOffset(s, j, 1)
		if rest := s[i:]; (rest == "" || rest == ",") && loadDefault != nil {
			if f := loadDefault(rs[0].offset, rs[1].offset); f != nil {
				return rs, f
			}
		}
	}
	if i, ok = rs.parseRule(s, i, 0); ok {
		rs.parseRule(s, i, 1)
	}
	return rs, nil
}

// parseName skips a zone abbreviation: three or more letters, or three or
// more letters, digits, '+' or '-' between '<' and '>'.
func parseName(s string, i int) (int, bool) {
	j := i
	for j < len(s) && isAlpha(s[j]) {
		j++
	}
	if j-i >= 3 {
		return j, true
	}
	if at(s, i) != '<' {
		return i, false
	}
	j = i + 1
	for j < len(s) && (isAlpha(s[j]) || isDigit(s[j]) || s[j] == '+' || s[j] == '-') {
		j++
	}
	if at(s, j) != '>' || j-(i+1) < 3 {
		return i, false
	}
	return j + 1, true
}

// parseOffset reads [+-]hh[:mm[:ss]] (west of UTC is positive) into
// rs[which].offset. A missing DST offset is one hour more than standard.
func (rs *rules) parseOffset(s string, i, which int) (int, bool) {
	c := at(s, i)
	if which == 0 && c != '+' && c != '-' && !isDigit(c) {
		return i, false
	}
	sign := int64(-1)
	if c == '+' || c == '-' {
		if c == '-' {
			sign = 1
		}
		i++
	}
	v, count, consumed := scanClock(s[i:])
	switch {
	case count > 0:
		hh, mm, ss := int64(min(v[0], 24)), int64(min(v[1], 59)), int64(min(v[2], 59))
		rs[which].offset = sign * (hh*3600 + mm*60 + ss)
	case which == 0:
		rs[0].offset = 0
		return i, false
	default:
		rs[1].offset = rs[0].offset + 3600
	}
	return i + consumed, true
}

// parseRule reads ",date[/time]" into rs[which]. An absent rule is the US
// one, M3.2.0 and M11.1.0, both at 02:00.
func (rs *rules) parseRule(s string, i, which int) (int, bool) {
	r := &rs[which]
	if at(s, i) == ',' {
		i++
	}
	switch c := at(s, i); {
	case c == 'J' || isDigit(c):
		r.kind = dayOfYear
		if c == 'J' {
			r.kind = julianDay
			i++
			if !isDigit(at(s, i)) {
				return i, false
			}
		}
		d, end, _ := strtoul(s, i)
		if end == i || d > 365 || (r.kind == julianDay && d == 0) {
			return i, false
		}
		r.d, i = uint16(d), end
	case c == 'M':
		r.kind = monthWeekDay
		count, consumed := r.scanMonthWeekDay(s[i:])
		if count != 3 || r.m < 1 || r.m > 12 || r.n < 1 || r.n > 5 || r.d > 6 {
			return i, false
		}
		i += consumed
	case i >= len(s):
		r.kind, r.m, r.n, r.d = monthWeekDay, 3, 2, 0
		if which == 1 {
			r.m, r.n = 11, 1
		}
	default:
		return i, false
	}
	switch at(s, i) {
	case 0, ',':
		r.secs = 2 * 3600
	case '/':
		i++
		if i >= len(s) {
			return i, false
		}
		negative := s[i] == '-'
		if negative {
			i++
		}
		v := [3]uint16{2, 0, 0}
		got, count, consumed := scanClock(s[i:])
		copy(v[:count], got[:count])
		i += consumed
		r.secs = int32(v[0])*3600 + int32(v[1])*60 + int32(v[2])
		if negative {
			r.secs = -r.secs
		}
	default:
		return i, false
	}
	r.computedFor = -1
	return i, true
}

// scanClock is sscanf(s, "%hu%n:%hu%n:%hu%n"): up to three numbers separated
// by ':', how many were read, and the length up to the end of the last one.
func scanClock(s string) (v [3]uint16, count, consumed int) {
	pos := 0
	for count < 3 {
		if count > 0 {
			if at(s, pos) != ':' {
				break
			}
			pos++
		}
		n, next, ok := scanUshort(s, pos)
		if !ok {
			break
		}
		v[count], pos, consumed = n, next, next
		count++
	}
	return v, count, consumed
}

// scanMonthWeekDay is sscanf(s, "M%hu.%hu.%hu%n", &m, &n, &d, &consumed):
// fields are stored as they are read, even when a later one fails.
func (r *rule) scanMonthWeekDay(s string) (count, consumed int) {
	fields := [3]*uint16{&r.m, &r.n, &r.d}
	pos := 1 // the 'M'
	for count < 3 {
		if count > 0 {
			if at(s, pos) != '.' {
				return count, 0
			}
			pos++
		}
		n, next, ok := scanUshort(s, pos)
		if !ok {
			return count, 0
		}
		*fields[count], pos = n, next
		count++
	}
	return count, pos
}

// scanUshort is scanf's %hu at s[i:]: blanks skipped, an optional sign, at
// least one digit, converted as strtoul does (negation modulo 2^64,
// saturation on overflow) and then truncated to 16 bits.
func scanUshort(s string, i int) (uint16, int, bool) {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	negative := false
	if c := at(s, i); c == '+' || c == '-' {
		negative = c == '-'
		i++
	}
	v, end, overflow := strtoul(s, i)
	if end == i {
		return 0, i, false
	}
	if negative && !overflow {
		v = -v
	}
	return uint16(v), end, true
}

// strtoul reads the decimal digits at s[i:], saturating at 2^64-1.
func strtoul(s string, i int) (v uint64, end int, overflow bool) {
	for ; i < len(s) && isDigit(s[i]); i++ {
		d := uint64(s[i] - '0')
		if overflow || v > (^uint64(0)-d)/10 {
			v, overflow = ^uint64(0), true
			continue
		}
		v = v*10 + d
	}
	return v, i, overflow
}

// at is s[i], or NUL past the end, as C sees its strings.
func at(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isSpace(c byte) bool { return c == ' ' || '\t' <= c && c <= '\r' }
