// Package earlysignal catches the stop signals of svscan and supervise
// while the binary's packages are still being initialised, before main
// runs.
//
// Until a Go program asks for a signal with signal.Notify, the runtime's
// own handler kills the program on TERM (exit status 143). Asking in main
// leaves the initialisation of every package of the binary as a window in
// which a TERM kills svscan instead of stopping the tree in order: about
// half of the time from exec to main, measured (BENCHMARKS.md, "TERM at
// start-up"). This package depends on nothing but os/signal, so it is
// initialised among the first, and its one package-level variable starts
// catching there. That variable is the single exception to gotools' rule
// of no side effects at initialisation: for every other applet it costs a
// look at argv[0].
//
// The runtime's own start-up, before any package is initialised, stays out
// of reach (docs/svscan.md).
package earlysignal

import (
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
)

// early is the channel filled since initialisation when the program was
// started as svscan or supervise, for Signals to hand over once.
var early = catchAtStart(os.Args)

// caught is a channel that has received an applet's stop signals.
type caught struct {
	applet string
	c      chan os.Signal
}

// stopSignals are the signals an applet handles itself to stop in order
// (docs/svscan.md, docs/supervise.md); a switch, not a map, so that other
// applets do not build one at start-up.
func stopSignals(applet string) []os.Signal {
	switch applet {
	case "svscan":
		return []os.Signal{syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP, syscall.SIGPIPE}
	case "supervise":
		return []os.Signal{syscall.SIGTERM, syscall.SIGINT}
	}
	return nil
}

func catchAtStart(argv []string) *atomic.Pointer[caught] {
	p := new(atomic.Pointer[caught])
	applet := invokedAs(argv)
	if sigs := stopSignals(applet); sigs != nil {
		p.Store(&caught{applet, notify(sigs)})
	}
	return p
}

// invokedAs is the applet argv starts when that is plain to see: its
// program name, or the first argument of "gotools". Other ways to call
// the binary are left to the registry (applets.Select); an applet started
// so catches its signals in main.
func invokedAs(argv []string) string {
	if len(argv) == 0 {
		return ""
	}
	name := argv[0][strings.LastIndexByte(argv[0], '/')+1:]
	if name == "gotools" && len(argv) > 1 {
		return argv[1]
	}
	return name
}

func notify(sigs []os.Signal) chan os.Signal {
	c := make(chan os.Signal, 4)
	signal.Notify(c, sigs...)
	return c
}

// Signals returns a channel receiving applet's stop signals: the one that
// has been catching them since start-up if the program was started as
// applet (once; later calls get a new one), else a new one. The caller
// ends it with signal.Stop.
func Signals(applet string) chan os.Signal {
	if c := early.Load(); c != nil && c.applet == applet && early.CompareAndSwap(c, nil) {
		return c.c
	}
	return notify(stopSignals(applet))
}
