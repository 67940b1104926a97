package applets

// svscan — supervise every service directory of a directory (daemontools
// 0.76, COMPAT §4.1).
//
//	svscan [--stop-timeout=DURATION] [dir]
//
// Supervises each subdirectory of dir (default: the current directory)
// whose name does not start with a dot, symlinks followed, one service per
// device and inode; when NAME/log is a directory it is supervised too and
// reads NAME's output through a pipe svscan keeps for as long as the
// service exists. The directory is read at start and every 5 seconds;
// further arguments are ignored, as in 0.76. Each service directory gets
// exactly the supervise/ files that supervise writes, so svc, svok and
// svstat (gotools' or daemontools') work on it. Runs until TERM, INT or
// QUIT; exits 0 once everything is down. `unable to chdir to DIR` exits
// 111; a bad option exits 100.
//
// Differences from 0.76, each from COMPAT §13:
//   - §13.10: there are no supervise processes: every service is
//     supervised inside this process (its messages still read
//     "supervise: ..."), and `svc -x` ends a service's supervision once it
//     is down until the next scan. A svscan killed with SIGKILL leaves its
//     services running; the next svscan on the directory adopts them
//     (supervise/xstatus names each ./run by pid and start time) instead
//     of starting them twice.
//   - §13.2: TERM, INT and QUIT stop the tree: main services get d at once;
//     when one is down svscan closes its end of the log pipe, so the logger
//     reads to the end and exits; whatever still runs at --stop-timeout
//     (default 7s) gets SIGKILL (main services) or TERM and, a second
//     later, SIGKILL (loggers). HUP rescans at once.
//   - §13.6: NAME/log must be a directory to be paired.
//   - §13.7: no limit of 1000 services; a new directory is noticed at once
//     (inotify), and one whose ./run appears later starts when it does.
//   - When not PID 1, svscan makes itself a child subreaper, so the
//     leftovers of double-forking services are reaped, not left as zombies.

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"

	"gotools/supervisor"
)

const svscanUsage = "svscan [--stop-timeout=DURATION] [dir]"

func runSvscan(p *Proc, args []string) error {
	flags := pflag.NewFlagSet(p.Name, pflag.ContinueOnError)
	flags.SetOutput(io.Discard)
	flags.Usage = func() {}
	flags.SetInterspersed(false)
	flags.SortFlags = false
	stopTimeout := flags.Duration("stop-timeout", supervisor.DefaultStopTimeout,
		"how long services have after TERM before SIGKILL")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			fmt.Fprintf(p.Stdout, "usage: %s\n%s", svscanUsage, flags.FlagUsagesWrapped(0))
			return nil
		}
		return p.Usage(svscanUsage)
	}
	args = flags.Args()
	if *stopTimeout <= 0 {
		return p.Usage(svscanUsage)
	}
	dir := "."
	if len(args) > 0 {
		dir = args[0]
	}
	if len(args) > 1 && args[1] == "--" {
		// TODO(issue 6): svscan DIR -- COMMAND runs COMMAND in the foreground.
		return p.Usage(svscanUsage)
	}
	return svscan(p, dir, *stopTimeout)
}

func svscan(p *Proc, dir string, stopTimeout time.Duration) error {
	// The reaper and the signal handlers come first: a PID 1 ignores
	// every signal it has no handler for. SIGPIPE is caught (and dropped)
	// rather than ignored, which children would inherit: a reader of our
	// stderr that goes away must not kill the whole tree.
	reaper := supervisor.NewReaper()
	defer reaper.Close()
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGHUP, syscall.SIGPIPE)
	defer signal.Stop(sigs)
	if os.Getpid() != 1 {
		// Orphans of our services are then reparented to us and reaped.
		unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	}

	d, err := supervisor.OpenDir(dir)
	if err != nil {
		return p.Fatal(ExitTemporary, Errstr(err), nil)
	}
	defer d.Close()
	scanner := supervisor.NewScanner(supervisor.ScanConfig{
		Dir:         d,
		Stdin:       p.Files[0],
		Stdout:      p.Files[1],
		Stderr:      p.Files[2],
		Env:         p.Env,
		Reaper:      reaper,
		Warn:        func(err error) { io.WriteString(p.Stderr, svscanMessage(p.Name, err)) },
		StopTimeout: stopTimeout,
	})
	go func() {
		for sig := range sigs {
			switch sig {
			case syscall.SIGHUP:
				scanner.Rescan()
			case syscall.SIGPIPE:
			default:
				scanner.Shutdown()
			}
		}
	}()
	return scanner.Run()
}

// svscanMessage words a scanner problem as 0.76 prints it: svscan's own
// warnings with its name, and what 0.76 prints from a service's supervise
// process as supervise would.
func svscanMessage(name string, err error) string {
	var service *supervisor.ServiceError
	var bare *supervisor.BareError
	switch {
	case !errors.As(err, &service):
		return name + ": warning: " + Errstr(err) + "\n"
	case errors.As(err, &bare):
		return Errstr(err) + "\n"
	case service.Fatal:
		return "supervise: fatal: " + Errstr(err) + "\n"
	}
	return "supervise: warning: " + Errstr(err) + "\n"
}
