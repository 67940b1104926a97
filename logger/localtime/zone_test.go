package localtime

import (
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func format(tm Tm, ok bool) string {
	if !ok {
		return "unconvertible"
	}
	return fmt.Sprintf("%d-%02d-%02d %02d:%02d:%02d", tm.Year, tm.Month, tm.Day, tm.Hour, tm.Minute, tm.Second)
}

// convertOnce loads tz afresh and converts t, as a fresh process would.
func convertOnce(tz string, set bool, tzdir string, t int64) string {
	return format(Load(tz, set, tzdir).Convert(t))
}

// The expected values below were printed by Debian 12's tai64nlocal
// (glibc 2.36) for the same TZ and time.

func TestConvertPOSIXStrings(t *testing.T) {
	noFiles := t.TempDir() // TZDIR without zone files: every TZ is a string
	tests := []struct {
		tz   string
		unix int64
		want string
	}{
		{"UTC0", 0, "1970-01-01 00:00:00"},
		{"UTC0", -1, "1969-12-31 23:59:59"},
		{"UTC0", 935467445, "1999-08-24 04:04:05"},
		{"UTC0", -62135596800, "1-01-01 00:00:00"},
		{"UTC0", 253402300800, "10000-01-01 00:00:00"},
		{"JST-9", 0, "1970-01-01 09:00:00"},
		{"JST-9", 1700000000, "2023-11-15 07:13:20"},
		{"<+0530>-5:30", 1700000000, "2023-11-15 03:43:20"},
		{"EST5EDT,M3.2.0,M11.1.0", 1772953199, "2026-03-08 01:59:59"},
		{"EST5EDT,M3.2.0,M11.1.0", 1772953200, "2026-03-08 03:00:00"},
		{"EST5EDT,M3.2.0,M11.1.0", 1793512799, "2026-11-01 01:59:59"},
		{"EST5EDT,M3.2.0,M11.1.0", 1793512800, "2026-11-01 01:00:00"},
		{"EST5EDT,M3.2.0,M11.1.0", -86400000, "1967-04-06 19:00:00"},
		{"EST5EDT,M3.2.0,M11.1.0", 4102444800, "2099-12-31 19:00:00"},
		{"AEST-10AEDT,M10.1.0,M4.1.0/3", 1775404799, "2026-04-06 01:59:59"},
		{"AEST-10AEDT,M10.1.0,M4.1.0/3", 1775404800, "2026-04-06 02:00:00"},
		{"AEST-10AEDT,M10.1.0,M4.1.0/3", 1791129599, "2026-10-05 02:59:59"},
		{"AEST-10AEDT,M10.1.0,M4.1.0/3", 1791129600, "2026-10-05 03:00:00"},
		{"EST5EDT", 1772953200, "2026-03-08 03:00:00"}, // US rules by default
		{"ABC3DEF", 1780000000, "2026-05-28 18:26:40"},
		{"XXX3YYY,J60/1,J300/-2", 1772330400, "2026-02-28 23:00:00"},
		{"XXX3YYY,J60/1,J300/-2", 1772334000, "2026-03-01 00:00:00"},
		{"XXX3YYY,J60/1,J300/-2", 1792810800, "2026-10-24 01:00:00"},
		{"XXX3YYY,J60/1,J300/-2", 1792803600, "2026-10-23 23:00:00"},
		{"XXX3YYY,59,300/26:30", 1772330400, "2026-02-28 23:00:00"},
		{"XXX3YYY,59,300/26:30", 1772334000, "2026-03-01 00:00:00"},
		{"XXX3YYY,59,300/26:30", 1792810800, "2026-10-24 01:00:00"},
		{"XXX3YYY,59,300/26:30", 1792803600, "2026-10-23 23:00:00"},
		{"EST5,M3.2.0,M11.1.0", 1780000000, "2026-05-28 20:26:40"}, // DST half unnamed: offset 0
		{"garbage", 1700000000, "2023-11-14 22:13:20"},
		{"EST 5", 1700000000, "2023-11-14 22:13:20"},
		{"XXX-65537", 1700000000, "2023-11-14 23:13:20"}, // %hu keeps 16 bits: 1 hour
		{"XXX--5", 1700000000, "2023-11-15 22:13:20"},    // "-5" as %hu is 65531, clamped to 24
		{"", 1700000000, "2023-11-14 22:13:20"},
		{":", 1700000000, "2023-11-14 22:13:20"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s@%d", tc.tz, tc.unix), func(t *testing.T) {
			if diff := cmp.Diff(tc.want, convertOnce(tc.tz, true, noFiles, tc.unix)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func requireZoneinfo(t *testing.T, names ...string) {
	t.Helper()
	for _, name := range names {
		if _, err := os.Stat(filepath.Join(defaultDir, name)); err != nil {
			t.Skipf("no zone file %s: %v", name, err)
		}
	}
}

func TestConvertZoneFiles(t *testing.T) {
	requireZoneinfo(t, "US/Pacific", "Europe/Berlin", "Australia/Sydney", "Asia/Kolkata", "Europe/Dublin", "Asia/Tokyo", "posixrules")
	tests := []struct {
		tz   string
		unix int64
		want string
	}{
		{"US/Pacific", 935467445, "1999-08-23 21:04:05"},
		{"US/Pacific", -5000000000, "1811-07-23 07:13:42"}, // before the first transition: LMT
		{"US/Pacific", 1772964000, "2026-03-08 03:00:00"},
		{"US/Pacific", 4102444800, "2099-12-31 16:00:00"}, // after the last: the footer
		{"Europe/Berlin", 1774746000, "2026-03-29 03:00:00"},
		{"Europe/Berlin", 1792890000, "2026-10-25 02:00:00"},
		{"Europe/Berlin", -1000000000, "1938-04-24 23:13:20"},
		{"Australia/Sydney", 1775404800, "2026-04-06 02:00:00"},
		{"Australia/Sydney", 1791129600, "2026-10-05 03:00:00"},
		{"Asia/Kolkata", 0, "1970-01-01 05:30:00"},
		{":Europe/Dublin", 1780000000, "2026-05-28 21:26:40"},
		{":Europe/Dublin", 1800000000, "2027-01-15 08:00:00"},
		{"/usr/share/zoneinfo/Asia/Tokyo", 1700000000, "2023-11-15 07:13:20"},
		{"ABC3DEF", 1780000000, "2026-05-28 18:26:40"}, // posixrules' transitions
		{"Nonexistent/Zone", 1700000000, "2023-11-14 22:13:20"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s@%d", tc.tz, tc.unix), func(t *testing.T) {
			if diff := cmp.Diff(tc.want, convertOnce(tc.tz, true, "", tc.unix)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// TestDefaultRulesFirstCall pins glibc's history dependence: a DST zone
// without rules gets posixrules' transitions, and the ones out of DST move
// by the DST offset in a process's first localtime call only.
func TestDefaultRulesFirstCall(t *testing.T) {
	requireZoneinfo(t, "posixrules")
	z := Load("ABC3DEF", true, "")
	const unix = 1793509200 // 2026-11-01 05:00 UTC, between the two readings
	var got []string
	for range 3 {
		got = append(got, format(z.Convert(unix)))
	}
	want := []string{"2026-11-01 02:00:00", "2026-11-01 03:00:00", "2026-11-01 03:00:00"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func TestUnsetTZIsEtcLocaltime(t *testing.T) {
	want := format(Load(defaultFile, true, "").Convert(1700000000))
	if diff := cmp.Diff(want, convertOnce("", false, "", 1700000000)); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func TestFromEnvTakesFirstEntry(t *testing.T) {
	env := []string{"PATH=/bin", "TZ=JST-9", "TZ=UTC0", "TZDIR=" + t.TempDir()}
	if diff := cmp.Diff("1970-01-01 09:00:00", format(FromEnv(env).Convert(0))); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func TestRightZonesArePosix(t *testing.T) {
	for _, name := range []string{"US/Pacific", "Europe/London", "Australia/Lord_Howe", "UTC"} {
		requireZoneinfo(t, name, "right/"+name)
		right, posix := Load("right/"+name, true, ""), Load(name, true, "")
		for unix := int64(-3e9); unix < 5e9; unix += 86400*7 + 3607 {
			got, want := format(right.Convert(unix)), format(posix.Convert(unix))
			if got != want {
				t.Fatalf("right/%s at %d = %s, %s gives %s", name, unix, got, name, want)
			}
		}
	}
}

func TestYearLimits(t *testing.T) {
	const (
		last  = 67768036191676799  // 2147485547-12-31 23:59:59 UTC: tm_year = INT_MAX
		first = -67768040609740800 // -2147481748-01-01 00:00:00 UTC: tm_year = INT_MIN
	)
	noFiles := t.TempDir()
	tests := []struct {
		tz   string
		unix int64
		want string
	}{
		{"UTC0", last, "2147485547-12-31 23:59:59"},
		{"UTC0", last + 1, "unconvertible"},
		{"UTC0", first, "-2147481748-01-01 00:00:00"},
		{"UTC0", first - 1, "unconvertible"},
		{"JST-9", last, "unconvertible"},
		{"JST-9", first, "-2147481748-01-01 09:00:00"},
		{"UTC0", math.MaxInt64, "unconvertible"},
		{"UTC0", math.MinInt64, "unconvertible"},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, convertOnce(tc.tz, true, noFiles, tc.unix)); diff != "" {
			t.Errorf("%s at %d (-want +got)\n%s", tc.tz, tc.unix, diff)
		}
	}
}

func TestParseTZ(t *testing.T) {
	type rulesView struct {
		Offsets [2]int64
		Kinds   [2]ruleKind
		MND     [2][3]uint16
		Secs    [2]int32
	}
	view := func(rs rules) rulesView {
		var v rulesView
		for i, r := range rs {
			v.Offsets[i], v.Kinds[i], v.MND[i], v.Secs[i] = r.offset, r.kind, [3]uint16{r.m, r.n, r.d}, r.secs
		}
		return v
	}
	tests := []struct {
		tz   string
		want rulesView
	}{
		{"UTC0", rulesView{}},
		{"JST-9", rulesView{Offsets: [2]int64{9 * 3600, 9 * 3600}}},
		{"<+0330>-3:30", rulesView{Offsets: [2]int64{12600, 12600}}},
		{"EST5EDT,M3.2.0,M11.1.0", rulesView{
			Offsets: [2]int64{-5 * 3600, -4 * 3600},
			Kinds:   [2]ruleKind{monthWeekDay, monthWeekDay},
			MND:     [2][3]uint16{{3, 2, 0}, {11, 1, 0}},
			Secs:    [2]int32{7200, 7200},
		}},
		{"EST5EDT", rulesView{ // no rules and no posixrules: the US ones
			Offsets: [2]int64{-5 * 3600, -4 * 3600},
			Kinds:   [2]ruleKind{monthWeekDay, monthWeekDay},
			MND:     [2][3]uint16{{3, 2, 0}, {11, 1, 0}},
			Secs:    [2]int32{7200, 7200},
		}},
		{"NZST-12NZDT-13,M9.5.0/2:45,M4.1.0/3:45", rulesView{
			Offsets: [2]int64{12 * 3600, 13 * 3600},
			Kinds:   [2]ruleKind{monthWeekDay, monthWeekDay},
			MND:     [2][3]uint16{{9, 5, 0}, {4, 1, 0}},
			Secs:    [2]int32{2*3600 + 45*60, 3*3600 + 45*60},
		}},
		{"XXX3YYY,J60/-1,300/167", rulesView{
			Offsets: [2]int64{-3 * 3600, -2 * 3600},
			Kinds:   [2]ruleKind{julianDay, dayOfYear},
			MND:     [2][3]uint16{{0, 0, 60}, {0, 0, 300}},
			Secs:    [2]int32{-3600, 167 * 3600},
		}},
		{"XXX+25:61:61", rulesView{Offsets: [2]int64{-(24*3600 + 59*60 + 59), -(24*3600 + 59*60 + 59)}}},
		{"EST5,M3.2.0,M11.1.0", rulesView{ // no DST name: its offset stays 0
			Offsets: [2]int64{-5 * 3600, 0},
			Kinds:   [2]ruleKind{monthWeekDay, monthWeekDay},
			MND:     [2][3]uint16{{3, 2, 0}, {11, 1, 0}},
			Secs:    [2]int32{7200, 7200},
		}},
		{"ABC5DEF,M13.1.0,M11.1.0", rulesView{ // the rejected month stays
			Offsets: [2]int64{-5 * 3600, -4 * 3600},
			Kinds:   [2]ruleKind{monthWeekDay, dayOfYear},
			MND:     [2][3]uint16{{13, 1, 0}, {}},
		}},
		{"AB5", rulesView{}},
		{"EST", rulesView{}},
		{"EST+x", rulesView{}},
	}
	for _, tc := range tests {
		t.Run(tc.tz, func(t *testing.T) {
			rs, file := parseTZ(tc.tz, nil)
			if file != nil {
				t.Fatalf("parseTZ returned a file without loadDefault")
			}
			if diff := cmp.Diff(tc.want, view(rs)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestScanUshort(t *testing.T) {
	tests := []struct {
		in   string
		want uint16
		end  int
		ok   bool
	}{
		{"5", 5, 1, true},
		{" \t+7x", 7, 4, true},
		{"-5", 65531, 2, true},
		{"65537", 1, 5, true},
		{"99999999999999999999999", 65535, 23, true},
		{"-99999999999999999999999", 65535, 24, true},
		{"", 0, 0, false},
		{"+", 0, 1, false},
		{"x", 0, 0, false},
	}
	for _, tc := range tests {
		v, end, ok := scanUshort(tc.in, 0)
		if diff := cmp.Diff([]any{tc.want, tc.end, tc.ok}, []any{v, end, ok}); diff != "" {
			t.Errorf("scanUshort(%q) (-want +got)\n%s", tc.in, diff)
		}
	}
}

func TestCivilRoundTrip(t *testing.T) {
	// Day by day across 800 years around the epoch and at the far ends.
	for _, start := range []int64{-146097 * 2, -784352700000, 784352000000} {
		y, m, d := civil(start)
		for days := start; days < start+146097*2; days++ {
			ny, nm, nd := civil(days + 1)
			next := nd == d+1 && nm == m && ny == y ||
				nd == 1 && (nm == m+1 && ny == y || nm == 1 && m == 12 && ny == y+1)
			if !next {
				t.Fatalf("civil(%d) = %d-%d-%d follows %d-%d-%d", days+1, ny, nm, nd, y, m, d)
			}
			y, m, d = ny, nm, nd
		}
	}
	if y, m, d := civil(0); y != 1970 || m != 1 || d != 1 {
		t.Errorf("civil(0) = %d-%d-%d", y, m, d)
	}
}

// tzif builds a version 2 zone file: the 64-bit part only matters to
// readers, so the version 1 part is empty.
func tzif(trans []int64, idx []uint8, types []ttinfo, leaps [][2]int64, footer string) []byte {
	header := func(times, typeCount, leapCount int) []byte {
		h := make([]byte, 44)
		copy(h, "TZif2")
		for i, c := range []int{0, 0, leapCount, times, typeCount, 4} {
			binary.BigEndian.PutUint32(h[20+4*i:], uint32(c))
		}
		return h
	}
	b := header(0, 1, 0)
	b = append(b, make([]byte, 6+4)...) // one type and the names of v1
	b = append(b, header(len(trans), len(types), len(leaps))...)
	for _, t := range trans {
		b = binary.BigEndian.AppendUint64(b, uint64(t))
	}
	b = append(b, idx...)
	for _, tt := range types {
		b = binary.BigEndian.AppendUint32(b, uint32(int32(tt.offset)))
		dst := byte(0)
		if tt.isdst {
			dst = 1
		}
		b = append(b, dst, 0)
	}
	b = append(b, "ABC\x00"...)
	for _, l := range leaps {
		b = binary.BigEndian.AppendUint64(b, uint64(l[0]))
		b = binary.BigEndian.AppendUint32(b, uint32(l[1]))
	}
	return append(b, "\n"+footer+"\n"...)
}

func TestDecode(t *testing.T) {
	types := []ttinfo{{offset: 3600}, {offset: 7200, isdst: true}}
	good := tzif([]int64{1000, 2000}, []uint8{1, 0}, types, nil, "XXX-1")
	f, _, ok := decode(good)
	if !ok {
		t.Fatal("decode rejected a valid file")
	}
	for _, tc := range []struct{ t, want int64 }{{999, 3600}, {1000, 7200}, {1999, 7200}, {2000, 3600}} {
		if got := f.offset(tc.t); got != tc.want {
			t.Errorf("offset(%d) = %d, want %d", tc.t, got, tc.want)
		}
	}
	leapy, leaps, ok := decode(tzif([]int64{1010, 2020}, []uint8{1, 0}, types, [][2]int64{{500, 10}, {1500, 20}}, "XXX-1"))
	if !ok || !leaps {
		t.Fatalf("decode of a file with leap seconds: ok %v, leaps %v", ok, leaps)
	}
	if diff := cmp.Diff([]int64{1000, 2000}, leapy.trans); diff != "" {
		t.Errorf("leap seconds not taken out of the transitions (-want +got)\n%s", diff)
	}
	bad := map[string][]byte{
		"empty":        nil,
		"magic":        append([]byte("TZix"), good[4:]...),
		"truncated":    good[:len(good)-20],
		"no footer":    good[:len(good)-len("\nXXX-1\n")+1],
		"type index":   tzif([]int64{1000}, []uint8{2}, types, nil, ""),
		"no types":     tzif(nil, nil, nil, nil, ""),
		"isdst over 1": func() []byte { b := slices.Clone(good); b[len(b)-len("ABC\x00\nXXX-1\n")-2] = 2; return b }(),
	}
	for name, data := range bad {
		if _, _, ok := decode(data); ok {
			t.Errorf("%s: decode accepted it", name)
		}
	}
}

func FuzzParseTZ(f *testing.F) {
	for _, s := range []string{"UTC0", "EST5EDT,M3.2.0,M11.1.0", "JST-9", "<+03>-3", "XXX3YYY,J60/1,300/-26:30",
		"ABC5DEF,M13.1.0,M0.6.7/65535", "EST 5EDT, M 3. 2. 0", "A-99999999999999999999:1:1", "<A>5<B>,,"} {
		f.Add(s, int64(1700000000))
	}
	f.Fuzz(func(t *testing.T, tz string, unix int64) {
		rs, _ := parseTZ(tz, nil)
		z := &Zone{rules: rs}
		for _, u := range []int64{unix, -unix, 0, 1e10} {
			tm, ok := z.Convert(u)
			if ok && (tm.Month < 1 || tm.Month > 12 || tm.Day < 1 || tm.Day > 31 || tm.Hour > 23 || tm.Minute > 59 || tm.Second > 59) {
				t.Fatalf("%q at %d: %+v", tz, u, tm)
			}
		}
	})
}

func FuzzDecode(f *testing.F) {
	types := []ttinfo{{offset: 3600}, {offset: 7200, isdst: true}}
	f.Add(tzif([]int64{1000, 2000}, []uint8{1, 0}, types, [][2]int64{{500, 1}}, "XXX-1YYY,M3.2.0,J5"), int64(5000))
	if data, err := os.ReadFile(filepath.Join(defaultDir, "Europe/Paris")); err == nil {
		f.Add(data, int64(1700000000))
	}
	f.Fuzz(func(t *testing.T, data []byte, unix int64) {
		if file, _, ok := decode(data); ok {
			(&Zone{file: file}).Convert(unix)
		}
	})
}
