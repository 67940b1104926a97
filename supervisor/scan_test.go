package supervisor

import (
	"encoding/binary"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"gotools/logger/tai64"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name string
		dir  bool
		err  error
		want entryKind
	}{
		{"svc", true, nil, entryService},
		{".hidden", true, nil, entrySkip},
		{".", true, nil, entrySkip},
		{"..", true, nil, entrySkip},
		{".dangling", false, unix.ENOENT, entrySkip}, // dot names are not even stat'ed in 0.76
		{"file", false, nil, entrySkip},
		{"dangling", false, unix.ENOENT, entryStatErr},
		{"loop", false, unix.ELOOP, entryStatErr},
		{"", false, unix.ENOENT, entrySkip},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := classify(tc.name, tc.dir, tc.err); got != tc.want {
				t.Errorf("classify(%q) = %v, want %v", tc.name, got, tc.want)
			}
		})
	}
}

// inotifyRecord is one struct inotify_event as the kernel writes it, the
// name padded with NULs to pad bytes.
func inotifyRecord(wd int32, mask uint32, name string, pad int) []byte {
	b := binary.NativeEndian.AppendUint32(nil, uint32(wd))
	b = binary.NativeEndian.AppendUint32(b, mask)
	b = binary.NativeEndian.AppendUint32(b, 0) // cookie
	b = binary.NativeEndian.AppendUint32(b, uint32(pad))
	return append(b, append([]byte(name), make([]byte, pad-len(name))...)...)
}

func TestParseInotify(t *testing.T) {
	cat := func(recs ...[]byte) (b []byte) {
		for _, r := range recs {
			b = append(b, r...)
		}
		return b
	}
	for _, tc := range []struct {
		name    string
		in      []byte
		want    []inotifyEvent
		wantErr error
	}{
		{"empty", nil, nil, nil},
		{"one", inotifyRecord(1, unix.IN_CREATE, "svc", 16), []inotifyEvent{{1, unix.IN_CREATE, "svc"}}, nil},
		{"no name", inotifyRecord(1, unix.IN_Q_OVERFLOW, "", 0), []inotifyEvent{{1, unix.IN_Q_OVERFLOW, ""}}, nil},
		{"name fills its room", inotifyRecord(2, unix.IN_MOVED_TO, "0123456789abcdef", 16), []inotifyEvent{{2, unix.IN_MOVED_TO, "0123456789abcdef"}}, nil},
		{"two", cat(inotifyRecord(1, unix.IN_CREATE, "a", 16), inotifyRecord(3, unix.IN_ATTRIB, "run", 32)),
			[]inotifyEvent{{1, unix.IN_CREATE, "a"}, {3, unix.IN_ATTRIB, "run"}}, nil},
		{"short header", inotifyRecord(1, unix.IN_CREATE, "a", 16)[:10], nil, errShortEvent},
		{"short name", inotifyRecord(1, unix.IN_CREATE, "a", 16)[:20], nil, errShortEvent},
		{"good then short", cat(inotifyRecord(1, unix.IN_CREATE, "a", 16), []byte{1, 2}),
			[]inotifyEvent{{1, unix.IN_CREATE, "a"}}, errShortEvent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseInotify(tc.in)
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(inotifyEvent{})); diff != "" {
				t.Errorf("events (-want +got)\n%s", diff)
			}
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("error %v, want %v", err, tc.wantErr)
			}
		})
	}
}

func FuzzParseInotify(f *testing.F) {
	f.Add(inotifyRecord(1, unix.IN_CREATE, "svc", 16))
	f.Add(inotifyRecord(-1, unix.IN_Q_OVERFLOW, "", 0))
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		evs, _ := parseInotify(b)
		n := 0
		for _, ev := range evs {
			n += inotifyHeader + len(ev.name)
			if strings.HasSuffix(ev.name, "\x00") {
				t.Errorf("name %q keeps its padding", ev.name)
			}
		}
		if n > len(b) {
			t.Errorf("%d events (%d bytes at least) from %d bytes", len(evs), n, len(b))
		}
	})
}

func TestAdoptedMachine(t *testing.T) {
	since := t0.Add(-time.Hour)
	ready := t0.Add(-time.Minute)
	base := Extended{
		State: "up", Want: "up", Pid: 42, PidStart: 777, Since: tai64.FromTime(since),
		ExitCode: -1, Restarts: 3,
	}
	with := func(change func(x *Extended)) Extended {
		x := base
		change(&x)
		return x
	}
	// Stamps go through TAI64N, which keeps microseconds plus 500 ns.
	stamp := func(tm time.Time) time.Time { return tai64.FromTime(tm).Time() }
	upView := view{Phase: phaseUp, Want: wantUp, Pid: 42, Restarts: 3, Changed: stamp(since), LastTry: stamp(since)}
	for _, tc := range []struct {
		name string
		x    Extended
		def  want
		want view
	}{
		{"up", base, wantDown, upView},
		{"want down", with(func(x *Extended) { x.Want = "down" }), wantUp,
			func() view { v := upView; v.Want = wantDown; return v }()},
		{"want once", with(func(x *Extended) { x.Want = "once" }), wantUp,
			func() view { v := upView; v.Want = wantOnce; return v }()},
		{"unreadable want", with(func(x *Extended) { x.Want = "" }), wantDown,
			func() view { v := upView; v.Want = wantDown; return v }()},
		{"paused and ready", with(func(x *Extended) { x.Paused, x.Ready, x.ReadySince = true, true, tai64.FromTime(ready) }), wantUp,
			func() view { v := upView; v.Paused, v.Ready = true, true; return v }()},
		{"last exit code", with(func(x *Extended) { x.ExitCode = 3 }), wantUp,
			func() view { v := upView; v.ExitCode, v.Exited = 3, 1; return v }()},
		{"last exit by signal", with(func(x *Extended) { x.ExitCode, x.ExitSignal = 256, 9 }), wantUp,
			func() view { v := upView; v.ExitCode, v.ExitSignal, v.Exited = 256, 9, 1; return v }()},
		{"ending: down and exiting by its old supervisor", with(func(x *Extended) { x.Want, x.Exiting = "down", true }), wantUp, upView},
		{"ending, normally down", with(func(x *Extended) { x.Want, x.Exiting = "up", true }), wantDown,
			func() view { v := upView; v.Want = wantDown; return v }()},
		{"finishing", with(func(x *Extended) { x.State, x.ExitCode = "finishing", 3 }), wantUp,
			func() view { v := upView; v.Phase, v.ExitCode, v.Exited = phaseFinishing, 3, 1; return v }()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := adoptedMachine(tc.x, tc.def, DefaultStopTimeout)
			if diff := cmp.Diff(tc.want, viewOf(m)); diff != "" {
				t.Errorf("machine (-want +got)\n%s", diff)
			}
			if m.procStart != tc.x.PidStart {
				t.Errorf("procStart %d, want %d", m.procStart, tc.x.PidStart)
			}
			// Its record is the one it came from (with the want it took).
			wantX := tc.x
			wantX.Want, wantX.Exiting = tc.want.Want.String(), false
			if diff := cmp.Diff(wantX, m.extended()); diff != "" {
				t.Errorf("extended() (-want +got)\n%s", diff)
			}
		})
	}
}

// TestUnknownExitIsNoExit: an adopted ./run whose status the kernel did not
// tell gives ./finish "-1 0" and xstatus exitcode -1.
func TestUnknownExitIsNoExit(t *testing.T) {
	code, sig := finishArgs(unknownExit)
	if code != -1 || sig != 0 {
		t.Errorf("finishArgs(unknownExit) = %d %d, want -1 0", code, sig)
	}
}

// TestAwaitExitTellsStatus watches a process through a pidfd, as adoption
// does, while the shared reaper reaps it: the status comes from the kernel.
func TestAwaitExitTellsStatus(t *testing.T) {
	exits := make(chan Exit, 1)
	attr := &syscall.ProcAttr{Files: []uintptr{closedFd, closedFd, closedFd}}
	pid, err := sharedReaper().Start("/bin/sh", []string{"sh", "-c", "read x; exit 3"}, attr, exits)
	if err != nil {
		t.Fatal(err)
	}
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	if err != nil {
		t.Skipf("no pidfd: %v", err)
	}
	pidfd := os.NewFile(uintptr(fd), "pidfd")
	defer pidfd.Close()
	got := make(chan syscall.WaitStatus, 1)
	go func() { got <- awaitExit(pidfd) }()
	// sh's read fails at once on a closed stdin; its exit is reaped by
	// the reaper, and only then does the pidfd tell the status.
	waitExit(t, exits)
	select {
	case ws := <-got:
		if ws == unknownExit {
			t.Skip("this kernel does not tell exit statuses through pidfds (Linux < 6.15)")
		}
		if !ws.Exited() || ws.ExitStatus() != 3 {
			t.Errorf("status %#x, want exit 3", ws)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("awaitExit did not return")
	}
}
