package applets

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"gotools/logger/localtime"
)

func TestTai64nlocal(t *testing.T) {
	env := []string{"TZ=UTC0", "TZDIR=" + t.TempDir()}
	tests := []struct {
		name, in, want string
	}{
		// The examples of docs/tai64nlocal.md.
		{"stamp", "@4000000037c219bf2ef02e94 mark\n", "1999-08-24 04:04:05.787492500 mark\n"},
		{"terminator kept", "@4000000037c219bf2ef02e94X", "1999-08-24 04:04:05.787492500X"},
		{"epoch", "@400000000000000a00000000 x\n", "1970-01-01 00:00:00.000000000 x\n"},
		{"before epoch", "@3fffffffffffffff00000000 x\n", "1969-12-31 23:59:49.000000000 x\n"},
		{"nanoseconds over 9 digits", "@4000000037c219bfffffffff n\n", "1999-08-24 04:04:05.4294967295 n\n"},
		{"more digits", "@000000004000000037c219bf2ef02e94 m\n", "1999-08-24 04:04:05.787492500 m\n"},
		{"stamp cut by EOF", "a\n@4000000037c219bf2ef02e94", "a\n"},
		{"last line without newline", "@4000000037c219bf2ef02e94 m", "1999-08-24 04:04:05.787492500 m"},
		{"not at line start", " @4000000037c219bf2ef02e94 a\nb@4000000037c219bf2ef02e94\n",
			" @4000000037c219bf2ef02e94 a\nb@4000000037c219bf2ef02e94\n"},
		{"two stamps", "@4000000037c219bf2ef02e94 @4000000037c219bf2ef02e94\n@400000000000000a00000000\n",
			"1999-08-24 04:04:05.787492500 @4000000037c219bf2ef02e94\n1970-01-01 00:00:00.000000000\n"},
		// Where 0.76 crashes, the line stays as it was (docs/differences.md).
		{"bare @", "@\nok\n", "@\nok\n"},
		{"@ and space", "@ x\n", "@ x\n"},
		{"one digit", "@0 x\n", "@0 x\n"},
		{"16 digits", "@4000000000000000 x\n", "@4000000000000000 x\n"},
		{"16 digits, later", "@400000003b4a39c2 short\n", "@400000003b4a39c2 short\n"},
		{"uppercase", "@4000000037C219BF2EF02E94 x\n", "@4000000037C219BF2EF02E94 x\n"},
		{"unconvertible then fine", "@0\n@400000000000000a00000000\n", "@0\n1970-01-01 00:00:00.000000000\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := stampRun(runTai64nlocal, "tai64nlocal", env, strings.NewReader(tc.in), "ignored")
			if diff := cmp.Diff(result{tc.want, "", 0}, result{stdout, stderr, code}); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
			stdout, _, _ = stampRun(runTai64nlocal, "tai64nlocal", env, iotest.OneByteReader(strings.NewReader(tc.in)))
			if diff := cmp.Diff(tc.want, stdout); diff != "" {
				t.Errorf("one byte per read (-want +got)\n%s", diff)
			}
		})
	}
}

type result struct {
	Stdout, Stderr string
	Code           int
}

func TestTai64nlocalHonoursTZ(t *testing.T) {
	env := []string{"TZ=EST5EDT,M3.2.0,M11.1.0", "TZDIR=" + t.TempDir()}
	stdout, _, _ := stampRun(runTai64nlocal, "tai64nlocal", env, strings.NewReader("@4000000037c219bf2ef02e94 mark\n"))
	if diff := cmp.Diff("1999-08-24 00:04:05.787492500 mark\n", stdout); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func TestAppendTmYear(t *testing.T) {
	tests := []struct {
		year int64
		want string
	}{
		{1999, "1999-01-02 03:04:05."},
		{1, "1-01-02 03:04:05."},
		{-1, "18446744073709551615-01-02 03:04:05."},
		{2147483647, "2147483647-01-02 03:04:05."},
		{2147483648, "18446744071562067968-01-02 03:04:05."}, // C int wraps
	}
	for _, tc := range tests {
		got := appendTm(nil, localtime.Tm{Year: tc.year, Month: 1, Day: 2, Hour: 3, Minute: 4, Second: 5})
		if diff := cmp.Diff(tc.want, string(got)); diff != "" {
			t.Errorf("year %d (-want +got)\n%s", tc.year, diff)
		}
	}
}

// FuzzTai64nlocal checks that how input is split into reads never changes
// the output, that nothing panics, and that input without stamps passes
// through unchanged.
func FuzzTai64nlocal(f *testing.F) {
	for _, s := range []string{"@4000000037c219bf2ef02e94 mark\n", "@\n@0 x\n@4000000037C2", "a\n@3fffffffffffffff00000000\n",
		"@ffffffffffffffffffffffffffffffff\n", "@7fffffffffffffff00000000 big\n"} {
		f.Add([]byte(s), uint(7))
	}
	zone := localtime.Load("EST5EDT,M3.2.0,M11.1.0", true, f.TempDir())
	f.Fuzz(func(t *testing.T, in []byte, split uint) {
		whole := (&localizer{zone: zone}).convert(nil, in)
		l := &localizer{zone: zone}
		var parts []byte
		for rest, n := in, int(split%16)+1; len(rest) > 0; rest = rest[min(n, len(rest)):] {
			parts = l.convert(parts, rest[:min(n, len(rest))])
		}
		if !bytes.Equal(whole, parts) {
			t.Fatalf("split every %d: %q, whole: %q", split%16+1, parts, whole)
		}
		if !bytes.HasPrefix(in, []byte("@")) && !bytes.Contains(in, []byte("\n@")) && !bytes.Equal(whole, in) {
			t.Fatalf("input without stamps changed: %q", whole)
		}
	})
}

// TestTai64nlocalFirstConversionNotReused: with posixrules' transitions,
// glibc answers the first call differently (localtime.Zone.Convert), so the
// same second on the next line is converted again, as Debian's does:
// 2026-11-01 05:00 UTC prints as 02:00 first, then 03:00.
func TestTai64nlocalFirstConversionNotReused(t *testing.T) {
	rules, err := os.ReadFile("/usr/share/zoneinfo/America/New_York")
	if err != nil {
		t.Skip(err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "posixrules"), rules, 0o644); err != nil {
		t.Fatal(err)
	}
	line := "@400000006ae6c75a0000000a x\n" // 1793509200
	stdout, _, _ := stampRun(runTai64nlocal, "tai64nlocal", []string{"TZ=ABC3DEF", "TZDIR=" + dir}, strings.NewReader(line+line+line))
	want := "2026-11-01 02:00:00.000000010 x\n2026-11-01 03:00:00.000000010 x\n2026-11-01 03:00:00.000000010 x\n"
	if diff := cmp.Diff(want, stdout); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}
