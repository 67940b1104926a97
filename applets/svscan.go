package applets

// svscan — supervise every service directory of a directory (daemontools
// 0.76, docs/svscan.md).
//
//	svscan [--stop-timeout=DURATION] [dir [-- program [arg ...]]]
//
// Supervises each subdirectory of dir (default: the current directory)
// whose name does not start with a dot, symlinks followed, one service per
// device and inode; when NAME/log is a directory it is supervised too and
// reads NAME's output through a pipe svscan keeps for as long as the
// service exists. The directory is read at start and every 5 seconds;
// further arguments are ignored, as in 0.76 (unless the second is --).
// Each service directory gets exactly the supervise/ files that supervise
// writes, so svc, svok and svstat (gotools' or daemontools') work on it.
// Runs until TERM, INT or QUIT; exits 0 once everything is down. `unable
// to chdir to DIR` exits 111; a bad option exits 100.
//
// Container mode (docs/svscan.md; README "Running in a container"):
//   - `svscan DIR -- program [arg ...]` (docs/differences.md) starts the tree,
//     then runs program, found in PATH, with svscan's stdout, stderr and
//     stdin (the services then get /dev/null as stdin), in a process group
//     of its own that takes the terminal's foreground when svscan has it.
//     When program exits the tree is stopped, and svscan exits with
//     program's status (128+N when signal N killed it). TERM, INT and
//     QUIT to svscan go on to program's process group and stop the tree
//     at the same time; program too gets SIGKILL at --stop-timeout. USR1
//     and USR2 go on to program. If program cannot be found or run:
//     `svscan: fatal: unable to run program: ERR`, 111.
//   - A service directory (or NAME/log) holding a file named essential
//     stops the tree when it stops for good: its ./run exited and will
//     not be restarted (svc -d, svc -o, or ./finish exited 125). svscan
//     then exits with that ./run's status (128+N for signal N).
//   - As PID 1, svscan survives the signals the Go runtime would
//     otherwise die of when someone sends them (ABRT, SEGV, SYS, ...),
//     and at the end of a shutdown the processes still left in its PID
//     namespace (daemons that left their service's session) get TERM,
//     then SIGKILL at the stop deadline, before svscan exits.
//   - Exit status: 0 after a shutdown asked for by a signal, the
//     essential ./run's or program's status otherwise.
//
// Differences from 0.76 (docs/differences.md):
//   - there are no supervise processes: every service is
//     supervised inside this process (its messages still read
//     "supervise: ..."), and `svc -x` ends a service's supervision once it
//     is down until the next scan. A svscan killed with SIGKILL, at any
//     instant, leaves its services running; the next svscan on the
//     directory adopts them (supervise/xstatus names each ./run by pid and
//     start time, written before it runs, and the directory and boot it
//     was written for: docs/design.md) instead of starting them twice.
//   - TERM, INT and QUIT stop the tree: main services get d at once;
//     when one is down svscan closes its end of the log pipe, so the logger
//     reads to the end and exits; whatever still runs at --stop-timeout
//     (default 7s) gets SIGKILL (main services) or TERM and, a second
//     later, SIGKILL (loggers). HUP rescans at once.
//   - NAME/log must be a directory to be paired.
//   - no limit of 1000 services; a new directory is noticed at once
//     (inotify), and one whose ./run appears later starts when it does.
//   - When not PID 1, svscan makes itself a child subreaper, so the
//     leftovers of double-forking services are reaped, not left as zombies.

import (
	"errors"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/pflag"
	"golang.org/x/sys/unix"

	"gotools/applets/earlysignal"
	"gotools/applets/message"
	"gotools/supervisor"
)

const svscanUsage = "svscan [--stop-timeout=DURATION] [dir [-- program [arg ...]]]"

func runSvscan(p *Proc, args []string) error {
	// The stop signals are caught since the binary's initialisation
	// (earlysignal): a TERM sent in svscan's first milliseconds must stop
	// it in order, not kill it with the runtime's default action.
	sigs := earlysignal.Signals("svscan")
	defer signal.Stop(sigs)
	flags := pflag.NewFlagSet(p.Name, pflag.ContinueOnError)
	flags.SetOutput(io.Discard)
	flags.Usage = func() {}
	flags.SetInterspersed(false)
	flags.SortFlags = false
	stopTimeout := flags.Duration("stop-timeout", supervisor.DefaultStopTimeout,
		"how long services have after TERM before SIGKILL")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) { // -h, or --help among other arguments
			return p.usageHelp()
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
	var command *supervisor.Command
	if len(args) > 1 && args[1] == "--" {
		if len(args) < 3 {
			return p.Usage(svscanUsage)
		}
		var err error
		if command, err = findCommand(args[2:], p.Env); err != nil {
			return p.Unable("run "+args[2], err)
		}
		command.Stdin = p.Files[0]
	}
	return svscan(p, dir, *stopTimeout, command, sigs)
}

// findCommand looks argv[0] up in PATH in pathexec's order (docs/conventions.md),
// as execve would judge each candidate; the command is started later, once
// the tree is up.
func findCommand(argv []string, env []string) (*supervisor.Command, error) {
	c := &supervisor.Command{Argv: argv}
	err := pathexec(argv[0], searchPath(env), func(file string) error {
		var st unix.Stat_t
		if err := unix.Stat(file, &st); err != nil {
			return err
		}
		if st.Mode&unix.S_IFMT != unix.S_IFREG {
			return unix.EACCES // what execve says of anything but a file
		}
		if err := unix.Faccessat(unix.AT_FDCWD, file, unix.X_OK, unix.AT_EACCESS); err != nil {
			return err
		}
		c.Path = file
		return nil
	})
	return c, err
}

// pid1Signals are the signals the Go runtime dies of, with a stack dump,
// when a process sends them and nothing catches them. A PID 1 must
// survive them (`docker kill -s ABRT` would stop the whole container), so
// there svscan catches and drops them. Caught, not ignored: children get
// the default action back.
var pid1Signals = []os.Signal{
	syscall.SIGABRT, syscall.SIGBUS, syscall.SIGFPE, syscall.SIGILL,
	syscall.SIGSEGV, syscall.SIGSTKFLT, syscall.SIGSYS, syscall.SIGTRAP,
}

// svscan runs the tree; sigs already receives TERM, INT, QUIT, HUP and
// PIPE (earlysignal). SIGPIPE is caught (and dropped) rather than ignored,
// which children would inherit: a reader of our stderr that goes away must
// not kill the whole tree.
func svscan(p *Proc, dir string, stopTimeout time.Duration, command *supervisor.Command, sigs chan os.Signal) error {
	// The reaper and the other signal handlers come next: a PID 1
	// ignores every signal it has no handler for.
	reaper := supervisor.NewReaper()
	defer reaper.Close()
	if command != nil {
		signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGUSR2)
	}
	if os.Getpid() == 1 {
		signal.Notify(sigs, pid1Signals...)
	} else {
		// Orphans of our services are then reparented to us and reaped.
		unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
	}

	d, err := supervisor.OpenDir(dir)
	if err != nil {
		return p.Fail(ExitTemporary, err)
	}
	defer d.Close()
	if err := supervisor.ProcWarning(); err != nil {
		p.Print(message.Warning, err)
	}
	stdin := p.Files[0]
	if command != nil {
		// The command owns stdin (a terminal, say); the services get
		// none of it. Where /dev/null is missing they share it, as in 0.76.
		if null, err := os.Open(os.DevNull); err == nil {
			defer null.Close()
			stdin = null
		}
	}
	scanner := supervisor.NewScanner(supervisor.ScanConfig{
		Dir:         d,
		Stdin:       stdin,
		Stdout:      p.Files[1],
		Stderr:      p.Files[2],
		Env:         p.Env,
		Reaper:      reaper,
		Warn:        func(err error) { p.Print(message.Warning, err) },
		StopTimeout: stopTimeout,
		Command:     command,
		Init:        os.Getpid() == 1,
		Hosting:     true,
	})
	go func() {
		for sig := range sigs {
			switch sig {
			case syscall.SIGHUP:
				scanner.Rescan()
			case syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT:
				scanner.Shutdown(sig.(syscall.Signal))
			case syscall.SIGUSR1, syscall.SIGUSR2:
				scanner.Forward(sig.(syscall.Signal))
			}
		}
	}()
	ending, err := scanner.Run()
	if err != nil {
		return p.Fail(ExitTemporary, err)
	}
	if code := exitCode(ending.Status); code != 0 {
		return Exit(code)
	}
	return nil
}

// exitCode is the exit status for a wait status: the exit code, or 128+N
// when signal N killed the process, as a shell reports it. An adopted
// ./run whose status the kernel did not tell (docs/differences.md) gives 111.
func exitCode(ws syscall.WaitStatus) int {
	switch {
	case ws.Exited():
		return ws.ExitStatus()
	case ws.Signaled():
		return 128 + int(ws.Signal())
	}
	return ExitTemporary
}
