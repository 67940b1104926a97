package applets

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gotools/logger/tai64"
	"gotools/supervisor"
)

func TestSvstatLine(t *testing.T) {
	now := time.Unix(1700000000, 0)
	ago := func(d time.Duration) tai64.N { return tai64.FromTime(now.Add(-d)) }
	tests := []struct {
		name       string
		st         supervisor.Status
		normallyUp bool
		want       string
	}{
		{"up", supervisor.Status{Stamp: ago(time.Second), Pid: 14003, Want: 'u'}, true, "up (pid 14003) 1 seconds"},
		{"up want down", supervisor.Status{Stamp: ago(3 * time.Second), Pid: 14607, Want: 'd'}, true, "up (pid 14607) 3 seconds, want down"},
		{"down normally up", supervisor.Status{Stamp: ago(0), Want: 'd'}, true, "down 0 seconds, normally up"},
		{"up normally down", supervisor.Status{Stamp: ago(time.Second), Pid: 14794, Want: 'u'}, false, "up (pid 14794) 1 seconds, normally down"},
		{"down by down file", supervisor.Status{Stamp: ago(time.Second), Want: 'd'}, false, "down 1 seconds"},
		{"all suffixes in order", supervisor.Status{Stamp: ago(2 * time.Second), Pid: 14794, Paused: 1, Want: 'd'}, false,
			"up (pid 14794) 2 seconds, normally down, paused, want down"},
		{"any nonzero paused byte", supervisor.Status{Stamp: ago(0), Pid: 1, Paused: 0xff, Want: 'u'}, true, "up (pid 1) 0 seconds, paused"},
		{"paused ignored when down", supervisor.Status{Stamp: ago(0), Paused: 1, Want: 'u'}, true, "down 0 seconds, normally up, want up"},
		{"want up only when down", supervisor.Status{Stamp: ago(0), Pid: 7, Want: 'u'}, true, "up (pid 7) 0 seconds"},
		{"want down only when up", supervisor.Status{Stamp: ago(0), Want: 'd'}, false, "down 0 seconds"},
		{"once", supervisor.Status{Stamp: ago(5 * time.Second), Pid: 7, Want: 0}, true, "up (pid 7) 5 seconds"},
		{"pid is unsigned", supervisor.Status{Stamp: ago(0), Pid: 0xffffffff}, true, "up (pid 4294967295) 0 seconds"},
		{"future stamp", supervisor.Status{Stamp: ago(-time.Hour), Want: 'u'}, true, "down 0 seconds, normally up, want up"},
		{"all zero", supervisor.Status{}, true, "down 4611686020127387648 seconds, normally up"},
		{"stamp before the epoch", supervisor.Status{Stamp: tai64.N{Sec: 1000}}, false, "down 4611686020127386624 seconds"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := svstatLine(tc.st, tc.normallyUp, now)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}
