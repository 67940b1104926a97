package earlysignal

import (
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestInvokedAs(t *testing.T) {
	tests := []struct {
		argv []string
		want string
	}{
		{nil, ""},
		{[]string{""}, ""},
		{[]string{"svscan"}, "svscan"},
		{[]string{"/usr/local/bin/svscan", "/service"}, "svscan"},
		{[]string{"./supervise", "x"}, "supervise"},
		{[]string{"gotools", "svscan", "/service"}, "svscan"},
		{[]string{"/opt/gotools", "supervise"}, "supervise"},
		{[]string{"gotools"}, "gotools"},
		// Another applet whose argument is called svscan.
		{[]string{"envdir", "svscan", "true"}, "envdir"},
		// A name the registry resolves through argv[1]: left to it.
		{[]string{"gotools-1.2", "svscan"}, "gotools-1.2"},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, invokedAs(tc.argv)); diff != "" {
			t.Errorf("invokedAs(%q) (-want +got)\n%s", tc.argv, diff)
		}
	}
}

func TestCatchAtStartOnlyForStoppingApplets(t *testing.T) {
	for argv0, want := range map[string]bool{"svscan": true, "supervise": true, "svc": false, "envdir": false} {
		p := catchAtStart([]string{argv0})
		if c := p.Load(); (c != nil) != want {
			t.Errorf("%s: caught %v, want %v", argv0, c, want)
		} else if c != nil {
			signal.Stop(c.c)
		}
	}
}

// TestSignalsHandsOverOnce: the channel caught at start-up goes to its own
// applet, once, and has received what came before.
func TestSignalsHandsOverOnce(t *testing.T) {
	saved := early
	defer func() { early = saved }()
	early = catchAtStart([]string{"/sbin/svscan"})
	caughtEarly := early.Load().c
	// A HUP before the applet asks for its channel (svscan rescans on it).
	if err := syscall.Kill(syscall.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	other := Signals("supervise")
	defer signal.Stop(other)
	if other == caughtEarly {
		t.Fatal("supervise got svscan's channel")
	}
	got := Signals("svscan")
	defer signal.Stop(got)
	if got != caughtEarly {
		t.Fatal("svscan did not get the channel caught at start-up")
	}
	select {
	case sig := <-got:
		if sig != syscall.SIGHUP {
			t.Errorf("received %v, want HUP", sig)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the HUP sent before the hand-over never arrived")
	}
	again := Signals("svscan")
	defer signal.Stop(again)
	if again == caughtEarly {
		t.Error("the early channel was handed over twice")
	}
}
