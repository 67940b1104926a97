package applets

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/pflag"

	"gotools/supervisor"
)

func TestSvwaitArgs(t *testing.T) {
	type parsed struct {
		Goal    supervisor.Goal
		Timeout time.Duration
		Dirs    []string
	}
	const forever = time.Duration(1<<63-1) / time.Millisecond * time.Millisecond
	tests := []struct {
		args []string
		want parsed
		err  bool
	}{
		{[]string{"a"}, parsed{supervisor.GoalUp, 0, []string{"a"}}, false},
		{[]string{"-U", "a", "b"}, parsed{supervisor.GoalReady, 0, []string{"a", "b"}}, false},
		{[]string{"-d", "-u", "a"}, parsed{supervisor.GoalUp, 0, []string{"a"}}, false},
		{[]string{"-uUd", "a"}, parsed{supervisor.GoalDown, 0, []string{"a"}}, false},
		{[]string{"-t", "250", "a"}, parsed{supervisor.GoalUp, 250 * time.Millisecond, []string{"a"}}, false},
		{[]string{"-t5", "--", "-d"}, parsed{supervisor.GoalUp, 5 * time.Millisecond, []string{"-d"}}, false},
		{[]string{"--timeout=18446744073709551615", "a"}, parsed{supervisor.GoalUp, forever, []string{"a"}}, false},
		{[]string{"a", "-d"}, parsed{supervisor.GoalUp, 0, []string{"a", "-d"}}, false},
		{nil, parsed{}, true},
		{[]string{"-d"}, parsed{}, true},
		{[]string{"-t", "x", "a"}, parsed{}, true},
		{[]string{"-t", "-1", "a"}, parsed{}, true},
		{[]string{"-Z", "a"}, parsed{}, true},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			goal, timeout, dirs, err := svwaitArgs(tc.args)
			if (err != nil) != tc.err {
				t.Fatalf("error %v, want error %v", err, tc.err)
			}
			if diff := cmp.Diff(tc.want, parsed{goal, timeout, dirs}); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
	if _, _, _, err := svwaitArgs([]string{"--help"}); !errors.Is(err, pflag.ErrHelp) {
		t.Errorf("--help: %v, want pflag.ErrHelp", err)
	}
}

func FuzzSvwaitArgs(f *testing.F) {
	for _, s := range []string{"a", "-t\x00250\x00a", "-uUd\x00a", "--timeout=18446744073709551615\x00a", "-t\x00x\x00a", "--help", "-t5\x00--\x00-d", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, joined string) {
		goal, timeout, dirs, err := svwaitArgs(strings.Split(joined, "\x00"))
		if err != nil {
			return
		}
		if len(dirs) == 0 || timeout < 0 || goal < supervisor.GoalUp || goal > supervisor.GoalDown {
			t.Fatalf("%q: goal %d, timeout %v, dirs %q", joined, goal, timeout, dirs)
		}
	})
}
