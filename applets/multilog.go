package applets

import (
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"

	"gotools/logger"
)

// multilog script...
//
// Reads lines from stdin and applies the script to each (COMPAT §5): t stamps
// lines (first argument only), -PATTERN and +PATTERN deselect and select,
// e copies selected lines to stderr, =FILE keeps the last selected line in
// FILE, sSIZE, nNUM and !PROCESSOR set up the log directories (./DIR or /DIR)
// that follow. Arguments are classified by their first character; anything
// else is ignored, as in 0.76. gotools adds action 1: each selected line,
// whole, is copied to stdout (COMPAT §13.14).
//
// SIGTERM: finish the current line, then exit as at end of input. SIGALRM:
// rotate every non-empty current. Exit 0 at end of input; 111 when startup
// fails (before any input is read), with 0.76's messages.
//
// The work is done by package logger; this wrapper forces umask 022, maps
// the signals to method calls and prints the logger's warnings.
func runMultilog(p *Proc, args []string) error {
	unix.Umask(0o022)
	// Caught from the start, as 0.76 blocks them from the start: a signal
	// during startup takes effect once input is read.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGALRM)
	defer signal.Stop(sigs)

	l, err := logger.Open(logger.Config{
		Script:          logger.ParseScript(args),
		Stdout:          p.Stdout,
		Stderr:          p.Stderr,
		ProcessorStderr: p.Files[2],
		Env:             p.Env,
		Warn:            p.Warn,
		ProcessorError: func(text string, err error) {
			io.WriteString(p.Stderr, p.Name+": fatal: "+withReason(text, err)+"\n")
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
