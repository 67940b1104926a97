package privdrop

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

func TestParseLimits(t *testing.T) {
	table := `Limit                     Soft Limit           Hard Limit           Units     
Max cpu time              unlimited            unlimited            seconds   
Max stack size            8388608              unlimited            bytes     
Max open files            1024                 20000                files     
Max something new         1                    2                    things    
Max realtime timeout      unlimited            unlimited            us        
`
	got, err := parseLimits(strings.NewReader(table))
	if err != nil {
		t.Fatal(err)
	}
	want := []ProcessLimit{
		{unix.RLIMIT_CPU, unix.RLIM_INFINITY, unix.RLIM_INFINITY},
		{unix.RLIMIT_STACK, 8388608, unix.RLIM_INFINITY},
		{unix.RLIMIT_NOFILE, 1024, 20000},
		{unix.RLIMIT_RTTIME, unix.RLIM_INFINITY, unix.RLIM_INFINITY},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got)\n%s", d)
	}
	for _, bad := range []string{"Max cpu time              x   1  s\n", "Max cpu time              1\n"} {
		if _, err := parseLimits(strings.NewReader(bad)); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

// TestProcessLimitsOfSelf compares the kernel's table with getrlimit.
func TestProcessLimitsOfSelf(t *testing.T) {
	limits, err := ProcessLimits(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if len(limits) != 16 {
		t.Errorf("%d limits, want 16: %v", len(limits), limits)
	}
	for _, l := range limits {
		var r unix.Rlimit
		if err := unix.Getrlimit(l.Resource, &r); err != nil {
			t.Fatal(err)
		}
		if r.Cur != l.Soft || r.Max != l.Max {
			t.Errorf("resource %d: /proc says %d/%d, getrlimit %d/%d", l.Resource, l.Soft, l.Max, r.Cur, r.Max)
		}
	}
}

func TestLimitsArgRoundTrip(t *testing.T) {
	for _, limits := range [][]ProcessLimit{
		nil,
		{{unix.RLIMIT_CPU, 1, 2}},
		{{unix.RLIMIT_AS, unix.RLIM_INFINITY, unix.RLIM_INFINITY}, {unix.RLIMIT_RTTIME, 0, 5}},
	} {
		got, err := ParseLimitsArg(FormatLimits(limits))
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(limits, got); d != "" {
			t.Errorf("(-want +got)\n%s", d)
		}
	}
	for _, bad := range []string{"1", "1:2", "99:1:2", "a:1:2", "1:1:2,"} {
		if _, err := ParseLimitsArg(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func FuzzParseLimitsArg(f *testing.F) {
	f.Add("0:1:2,15:18446744073709551615:18446744073709551615")
	f.Fuzz(func(t *testing.T, s string) {
		limits, err := ParseLimitsArg(s)
		if err != nil {
			return
		}
		again, err := ParseLimitsArg(FormatLimits(limits))
		if err != nil || !cmp.Equal(limits, again) {
			t.Errorf("%q: %v, then %v %v", s, limits, again, err)
		}
	})
}

func FuzzParseLimits(f *testing.F) {
	f.Add("Max cpu time              unlimited            unlimited            seconds\n")
	f.Fuzz(func(t *testing.T, s string) {
		parseLimits(strings.NewReader(s))
	})
}
