package applets

// svc — control services monitored by supervise (docs/svc.md).
//
//	svc [-udopchaitkxq12w] dir ...
//
// The option letters become one command byte each, in first-seen order with
// repeats dropped (svc -dxdtu writes "dxtu"), written in one write to
// dir/supervise/control of every dir. Options are parsed by djb's getopt
// (docs/conventions.md), so svc --help and svc -- both end the options and, with no
// dir, do nothing. Failures are warnings and svc still exits 0; only losing
// the working directory is fatal (111). An unknown letter prints getopt's
// line and the letter list, exit 100.
//
// Difference from 0.76 (docs/differences.md): daemontools-encore's letters q (QUIT),
// 1 (USR1), 2 (USR2) and w (WINCH) are accepted, and the letter list names
// them after "k kill".

import (
	"errors"
	"os/signal"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"gotools/supervisor"
)

// svcLetters are the command bytes svc accepts: 0.76's and encore's extras.
const svcLetters = "udopchaitkxq12w"

const svcOptions = "svc options: u up, d down, o once, x exit, p pause, c continue, " +
	"h hup, a alarm, i interrupt, t term, k kill, q quit, 1 usr1, 2 usr2, w winch\n"

func runSvc(p *Proc, args []string) error {
	// 0.76 ignores SIGPIPE so that a broken stderr cannot kill svc halfway
	// through its directories; svc execs nothing, so the ignore is not
	// inherited by anyone.
	signal.Ignore(syscall.SIGPIPE)
	cmds, dirs, bad := p.svcArgs(args)
	if bad != "" {
		return &ExitError{ExitUsage, bad + svcOptions}
	}
	orig, err := openWorkDir()
	if err != nil {
		return p.Unable("open current directory", err)
	}
	defer orig.close()
	for _, dir := range dirs {
		if err := unix.Chdir(dir); err != nil {
			p.Warn("unable to chdir to "+dir, err)
			continue
		}
		var werr *supervisor.WriteError
		switch err := supervisor.Control(".", cmds); {
		case errors.As(err, &werr):
			p.Warn("error writing commands to "+dir, werr.Err)
		case err != nil: // ErrNotRunning reads "supervise not running"
			p.Warn("unable to control "+dir, err)
		}
		if err := orig.restore(); err != nil {
			return p.Unable("set directory", err)
		}
	}
	return nil
}

// svcArgs splits svc's arguments into the command bytes (first-seen order,
// repeats dropped) and the directories; bad is getopt's error line.
func (p *Proc) svcArgs(args []string) (cmds []byte, dirs []string, bad string) {
	opts, dirs, bad := p.getopt(args, svcLetters)
	if bad != "" {
		return nil, nil, bad
	}
	for _, o := range opts {
		if !strings.ContainsRune(string(cmds), rune(o.Letter)) {
			cmds = append(cmds, o.Letter)
		}
	}
	return cmds, dirs, ""
}
