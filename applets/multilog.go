package applets

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"

	"gotools/applets/message"
	"gotools/logger"
	"gotools/supervisor"
)

// multilog script...
//
// Reads lines from stdin and applies the script to each (docs/multilog.md): t stamps
// lines (first argument only), -PATTERN and +PATTERN deselect and select,
// e copies selected lines to stderr, =FILE keeps the last selected line in
// FILE, sSIZE, nNUM and !PROCESSOR set up the log directories (./DIR or /DIR)
// that follow. Arguments are classified by their first character; anything
// else is ignored, as in 0.76. gotools adds action 1: each selected line,
// whole, is copied to stdout (docs/differences.md); if stdout is a pipe nobody
// reads any more, the copies are dropped and the logging goes on.
//
// SIGTERM: finish the current line, then exit as at end of input. SIGALRM:
// rotate every non-empty current. Exit 0 at end of input; 111 when startup
// fails (before any input is read), with 0.76's messages. A pipe on stdin
// is consumed only as far as it is logged, so SIGKILL loses no line (the
// last piece written may be logged twice; docs/multilog.md).
//
// The work is done by package logger; this wrapper forces umask 022, maps
// the signals to method calls and prints the logger's warnings. Started
// by a gotools svscan as a NAME/log/run, it hands itself over to svscan
// first, which then runs the logger in its own process.
func runMultilog(p *Proc, args []string) error {
	unix.Umask(0o022)
	// Killed by USR1, QUIT, PIPE, XFSZ, ... as 0.76's multilog is. ALRM
	// keeps the runtime's handler, or signal.Notify could not catch it.
	p.Sys.DefaultSignals(syscall.SIGALRM)
	// Caught from the start, as 0.76 blocks them from the start: a signal
	// during startup takes effect once input is read.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGALRM)
	defer signal.Stop(sigs)

	// Under a gotools svscan, svscan runs the logger from here on
	// (docs/design.md, "Hosted loggers"), unless it refuses.
	if p.Files[0] != nil {
		switch supervisor.HandOver(args, p.Env) {
		case supervisor.Hosted:
			return nil
		case supervisor.Lost:
			return p.Fail(ExitTemporary, supervisor.ErrHandoverLost)
		}
	}
	script := logger.ParseScript(args)
	stdout := p.Stdout
	if f := copyOfStdout(p.Files[1], script); f != nil {
		defer f.Close()
		stdout = logger.QuietPipe{File: f}
	}
	l, err := logger.Open(logger.Config{
		Script:          script,
		Stdout:          stdout,
		Stderr:          p.Stderr,
		ProcessorStderr: p.Files[2],
		Env:             p.Env,
		Warn:            p.Warn,
		ProcessorError: func(text string, err error) {
			p.Print(message.Fatal, message.Reason(text, err))
		},
	})
	if err != nil {
		return err
	}
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case sig := <-sigs:
				if sig == syscall.SIGTERM {
					l.Terminate()
				} else {
					l.Rotate()
				}
			case <-done:
				return
			}
		}
	}()
	l.Run(p.Files[0])
	close(done)
	<-stopped // no Terminate or Rotate may run into Close
	l.Close()
	return nil
}

// copyOfStdout returns a duplicate of stdout for action 1, or nil when the
// script has no action 1 or the duplicate cannot be made. The Go runtime
// kills a program with SIGPIPE when a write to descriptor 1 or 2 finds a
// closed pipe, but on any other descriptor the write only fails: so,
// written through logger.QuietPipe, a reader of stdout that goes away costs the
// copies (the logger drops stdout's write errors) instead of multilog and
// its log directories. e and the warnings keep descriptor 2, where a
// closed pipe kills multilog as it kills 0.76.
func copyOfStdout(f *os.File, s logger.Script) *os.File {
	if f == nil || !s.CopiesToStdout() {
		return nil
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return nil
	}
	dup := -1
	rc.Control(func(fd uintptr) { dup, err = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 3) }) // never 1 or 2
	if err != nil {
		return nil
	}
	return os.NewFile(uintptr(dup), f.Name())
}
