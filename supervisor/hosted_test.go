package supervisor

import (
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestHandoverEncoding(t *testing.T) {
	for _, tc := range []struct{ args, env []string }{
		{nil, nil},
		{[]string{"t", "./main"}, []string{"PATH=/bin"}},
		{[]string{"", "!sh -c 'x'", "s100"}, nil},
		{nil, []string{"A=", "B=1"}},
	} {
		args, env, err := decodeHandover(encodeHandover(tc.args, tc.env))
		if err != nil {
			t.Fatalf("%q %q: %v", tc.args, tc.env, err)
		}
		if d := cmp.Diff(tc.args, args); d != "" {
			t.Errorf("args (-want +got)\n%s", d)
		}
		if d := cmp.Diff(tc.env, env); d != "" {
			t.Errorf("env (-want +got)\n%s", d)
		}
	}
	for _, bad := range []string{
		"",
		"gotools-multilog-handover-1",
		"gotools-multilog-handover-1\x00",
		"gotools-multilog-handover-2\x000\x00",
		"gotools-multilog-handover-1\x002\x00t\x00",
		"gotools-multilog-handover-1\x00-1\x00",
		"gotools-multilog-handover-1\x00x\x00",
		"gotools-multilog-handover-1\x001\x00t",
	} {
		if _, _, err := decodeHandover([]byte(bad)); err == nil {
			t.Errorf("%q: decoded", bad)
		}
	}
}

func FuzzDecodeHandover(f *testing.F) {
	f.Add(encodeHandover([]string{"t", "./main"}, []string{"PATH=/bin"}))
	f.Fuzz(func(t *testing.T, b []byte) {
		args, env, err := decodeHandover(b)
		if err != nil {
			return
		}
		a2, e2, err := decodeHandover(encodeHandover(args, env))
		if err != nil || !cmp.Equal(args, a2) || !cmp.Equal(env, e2) {
			t.Errorf("%q: %q %q, again %q %q %v", b, args, env, a2, e2, err)
		}
	})
}

// TestSignalAction: a hosted logger takes each signal as a multilog
// process would.
func TestSignalAction(t *testing.T) {
	for sig, want := range map[syscall.Signal]action{
		syscall.SIGTERM:  actTerminate,
		syscall.SIGALRM:  actRotate,
		syscall.SIGSTOP:  actStop,
		syscall.SIGTSTP:  actStop,
		syscall.SIGCONT:  actContinue,
		syscall.SIGWINCH: actNothing,
		syscall.SIGCHLD:  actNothing,
		syscall.SIGKILL:  actAbort,
		syscall.SIGHUP:   actAbort,
		syscall.SIGINT:   actAbort,
		syscall.SIGQUIT:  actAbort,
		syscall.SIGUSR1:  actAbort,
		syscall.SIGUSR2:  actAbort,
		syscall.SIGPIPE:  actAbort,
	} {
		if got := signalAction(sig); got != want {
			t.Errorf("%v: %v, want %v", sig, got, want)
		}
	}
}
