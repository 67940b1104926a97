package applets

// supervise — start and watch a service (daemontools 0.76, docs/supervise.md).
//
//	supervise dir
//
// Creates dir/supervise/ (lock, control and ok FIFOs, the 18-byte status and
// gotools' xstatus) and runs dir/run, restarting it when it exits, at most
// once a second; svc controls it through supervise/control. Startup errors
// exit 111 with 0.76's messages; a usage error exits 100; x (and TERM or
// INT, below) exits 0 once the service is down.
//
// Differences from 0.76 (docs/differences.md): TERM and INT act as svc -dx,
// and a ./run still running after the stop deadline (7 s) gets SIGKILL
// (0.76 dies and orphans ./run); ./run gets its own session unless
// dir/no-setsid exists; the one-second restart pause is a timer, so control
// bytes act at once and the FIFO is drained at each wake-up; the letters q,
// 1, 2, w send QUIT, USR1, USR2, WINCH; an exec failure of ./run is
// reported by supervise itself; a supervise killed with SIGKILL leaves
// ./run running, and the next supervise of dir takes it over instead of
// starting a second (docs/design.md, "Adoption"). Beyond 0.76: dir/finish,
// dir/notification-fd and supervise/xstatus (see the README).

import (
	"os/signal"

	"gotools/applets/earlysignal"
	"gotools/applets/message"
	"gotools/supervisor"
)

const superviseUsage = "supervise dir"

func runSupervise(p *Proc, args []string) error {
	// TERM and INT are caught since the binary's initialisation
	// (earlysignal): one sent in supervise's first milliseconds must stop
	// it in order, not kill it with the runtime's default action. The
	// reaper comes next, as 0.76 sets up its SIGCHLD handling before it
	// touches the directory.
	sigs := earlysignal.Signals("supervise")
	defer signal.Stop(sigs)
	if len(args) != 1 {
		return p.Usage(superviseUsage)
	}
	name := args[0]
	reaper := supervisor.NewReaper()
	defer reaper.Close()

	dir, err := supervisor.OpenDir(name)
	if err != nil {
		return p.Fail(ExitTemporary, err)
	}
	defer dir.Close()
	if err := supervisor.ProcWarning(); err != nil {
		p.Print(message.Warning, err)
	}
	svc, err := supervisor.Open(supervisor.Config{
		Name:   name,
		Dir:    dir,
		Stdin:  p.Files[0],
		Stdout: p.Files[1],
		Stderr: p.Files[2],
		Env:    p.Env,
		Reaper: reaper,
		Adopt:  true,
		Warn:   func(err error) { p.Print(message.Warning, err) },
	})
	if err != nil {
		return p.Fail(ExitTemporary, err)
	}
	go func() {
		for range sigs {
			svc.Shutdown()
		}
	}()
	return svc.Run()
}

// runBarrier is the start barrier of supervisor/barrier.go, which a
// supervisor runs as "supervise-start": it execs the service's ./run or
// ./finish once the supervisor has recorded its pid. Hidden: it is not a
// program for people.
func runBarrier(p *Proc, args []string) error {
	return Exit(supervisor.RunBarrier(args))
}
