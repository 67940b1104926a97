package localtime

import (
	"math"
	"sort"
	"strings"
)

// Tm is a broken-down local time: the fields of struct tm that tai64nlocal
// prints.
type Tm struct {
	Year                             int64 // full year; Year-1900 fits in an int32
	Month, Day, Hour, Minute, Second int   // Month is 1..12
}

// Zone is a resolved TZ setting.
type Zone struct {
	file *tzfile // the zone file in use; nil when rules come from a TZ string
	// next replaces file after the first conversion (see readDefault).
	next *tzfile
	// rules are the TZ string's, when file is nil. They carry glibc's cache of
	// the change times of the last year converted (see computeChange).
	rules rules
}

const (
	defaultDir   = "/usr/share/zoneinfo" // glibc's TZDIR
	defaultFile  = "/etc/localtime"      // glibc's TZDEFAULT, used when TZ is unset
	defaultRules = "posixrules"          // glibc's TZDEFRULES
)

// FromEnv resolves TZ and TZDIR as found in env (KEY=VALUE entries; the first
// entry for a name counts, as getenv(3) finds it).
func FromEnv(env []string) *Zone {
	tz, set := lookup(env, "TZ")
	dir, _ := lookup(env, "TZDIR")
	return Load(tz, set, dir)
}

func lookup(env []string, name string) (string, bool) {
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// Load resolves a TZ value as glibc's tzset does; set is false when TZ is
// unset. A non-empty tzdir replaces /usr/share/zoneinfo for relative names.
func Load(tz string, set bool, tzdir string) *Zone {
	if tzdir == "" {
		tzdir = defaultDir
	}
	name := defaultFile
	if set {
		name = tz
		if name == "" {
			name = "Universal"
		}
		name = strings.TrimPrefix(name, ":")
	}
	if f := readFile(name, tzdir); f != nil {
		return &Zone{file: f}
	}
	if name == "" || name == defaultFile {
		return &Zone{} // UTC
	}
	var next *tzfile
	loadDefault := func(stdoff, dstoff int64) *tzfile {
		next = readDefault(tzdir, stdoff, dstoff, dstoff)
		return readDefault(tzdir, stdoff, dstoff, 0)
	}
	rules, file := parseTZ(name, loadDefault)
	return &Zone{file: file, next: next, rules: rules}
}

// Convert returns the local time of Unix time t. It reports false where
// glibc's localtime returns NULL: when the year does not fit in a C int.
// Like glibc's, the answer can depend on earlier calls: for a TZ string
// that gets the posixrules transitions, the first call differs from the
// rest; later calls with the same t give the same answer.
func (z *Zone) Convert(t int64) (Tm, bool) {
	var off int64
	if z.file != nil {
		off = z.file.offset(t)
		if z.next != nil {
			z.file, z.next = z.next, nil
		}
	} else {
		utc, ok := offtime(t, 0)
		if !ok {
			return Tm{}, false
		}
		off = z.rules.offset(t, utc.cYear())
	}
	return offtime(t, off)
}

// offset is the UTC offset at t from a zone file: the type of the last
// transition at or before t; the first standard-time type before the first
// transition; the footer's rules after the last transition.
func (f *tzfile) offset(t int64) int64 {
	n := len(f.trans)
	if n == 0 || t < f.trans[0] {
		return f.types[f.firstStd()].offset
	}
	if t >= f.trans[n-1] {
		if f.footer != nil {
			if utc, ok := offtime(t, 0); ok {
				// glibc parses the footer afresh for every such call.
				rules := *f.footer
				return rules.offset(t, utc.cYear())
			}
		}
		return f.types[f.idx[n-1]].offset
	}
	// glibc guesses a start and searches linearly or by bisection; for the
	// sorted transitions every zic-written file has, that finds this index.
	i := sort.Search(n, func(k int) bool { return t < f.trans[k] })
	return f.types[f.idx[i-1]].offset
}

// firstStd is the type glibc uses before the first transition: the first
// standard-time type, or type 0 when all are DST.
func (f *tzfile) firstStd() int {
	for i, tt := range f.types {
		if !tt.isdst {
			return i
		}
	}
	return 0
}

// cYear is struct tm's tm_year: years since 1900, an int.
func (tm Tm) cYear() int32 { return int32(tm.Year - 1900) }

const secondsPerDay = 86400

// offtime is glibc's __offtime: the UTC calendar time of t+off, proleptic
// Gregorian, failing when the year does not fit struct tm's int.
func offtime(t, off int64) (Tm, bool) {
	days := t / secondsPerDay
	rem := t%secondsPerDay + off
	days += floorDiv(rem, secondsPerDay)
	rem -= floorDiv(rem, secondsPerDay) * secondsPerDay
	year, month, day := civil(days)
	if year-1900 < math.MinInt32 || year-1900 > math.MaxInt32 {
		return Tm{}, false
	}
	return Tm{
		Year: year, Month: month, Day: day,
		Hour: int(rem / 3600), Minute: int(rem % 3600 / 60), Second: int(rem % 60),
	}, true
}

// civil converts days since 1970-01-01 to a proleptic Gregorian date, by
// counting in 400-year eras that start on March 1 (so leap days come last).
func civil(days int64) (year int64, month, day int) {
	const daysPerEra = 146097
	z := days + 719468 // days since 0000-03-01
	era := floorDiv(z, daysPerEra)
	doe := z - era*daysPerEra                                      // day of era, 0..146096
	yoe := (doe - doe/1460 + doe/36524 - doe/(daysPerEra-1)) / 365 // year of era, 0..399
	doy := doe - (365*yoe + yoe/4 - yoe/100)                       // day of year from March 1
	mp := (5*doy + 2) / 153                                        // month from March, 0..11
	day = int(doy - (153*mp+2)/5 + 1)
	month = int(mp + 3)
	if month > 12 {
		month -= 12
	}
	year = yoe + era*400
	if month <= 2 {
		year++
	}
	return year, month, day
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b < 0 {
		q--
	}
	return q
}
