package supervisor

import (
	"errors"
	"os"
	"strconv"
	"sync"
	"syscall"

	"gotools/applets/message"
	"gotools/logger"
	"gotools/privdrop"
)

// A hosted logger is a multilog that handed itself over (handover.go) and
// runs as goroutines of this process (docs/design.md, "Hosted loggers").
// To its Service it is a process: signals reach it through signal, as
// they would reach a multilog process, and its end arrives on the
// Service's exit channel as an Exit with the pid svstat shows.
type hostedLogger struct {
	pid    int        // what the Service's status names (the holder's pid)
	files  []*os.File // 0, 1, 2 and the working directory, as handed over
	owned  []*os.File // those to close at the end (not the host's shared ones)
	args   []string
	env    []string
	as     privdrop.FSSwitch
	limits []privdrop.ProcessLimit
	reaper *Reaper

	mu      sync.Mutex
	l       *logger.Logger // nil until opened
	pending []syscall.Signal
	killed  syscall.Signal // the signal that ended it, if any
}

// errNotHostable is why a handover is refused; the process then runs the
// logger itself.
var errNotHostable = errors.New("not hostable")

// newHostedLogger checks a request against what the kernel says of its
// process and makes the logger; it does not start it. pid is what the
// Service will show.
func newHostedLogger(req *handover, pid int, host *LoggerHost) (*hostedLogger, error) {
	if !ownProc() {
		return nil, errNotHostable // /proc/PID would be another process
	}
	groups, err := privdrop.ProcessGroups(req.pid)
	if err != nil {
		return nil, err
	}
	as := host.self.To(privdrop.FSAccount{UID: req.uid, GID: req.gid, Groups: groups, Umask: 0o22})
	if !as.Permitted() {
		return nil, errNotHostable
	}
	// The processors get the limits of the process that handed over,
	// but for open files (its Go runtime had raised its own soft limit,
	// and the barrier puts back svscan's: docs/design.md).
	limits, err := privdrop.ProcessLimits(req.pid)
	if err != nil {
		return nil, err
	}
	h := &hostedLogger{pid: pid, files: req.files, args: req.args, env: req.env, as: as, reaper: host.reaper, limits: limits}
	for i, f := range h.files {
		owned := true
		if i == 1 || i == 2 {
			h.files[i], owned = host.shared(f)
		}
		if owned && i != 3 {
			h.owned = append(h.owned, h.files[i])
		}
	}
	return h, nil
}

// run opens and runs the logger as the multilog process would have, and
// returns how that process would have ended.
func (h *hostedLogger) run() syscall.WaitStatus {
	defer closeFiles(h.owned)
	script := logger.ParseScript(h.args)
	cfg := logger.Config{
		Script:          script,
		Stderr:          stderrWriter{h},
		ProcessorStderr: h.files[2],
		Env:             h.env,
		Base:            h.files[3],
		Warn: func(text string, err error) {
			h.print(message.Warning, message.Reason(text, err))
		},
		ProcessorError: func(text string, err error) {
			h.print(message.Fatal, message.Reason(text, err))
		},
		AsAccount:      h.asAccount,
		StartProcessor: h.startProcessor,
	}
	if script.CopiesToStdout() {
		// Never descriptor 1 here: a reader gone costs the copies, not
		// the logger, as in the process (applets/multilog.go).
		cfg.Stdout = logger.QuietPipe{File: h.files[1]}
	}
	var l *logger.Logger
	var err error
	if asErr := h.as.Do(func() { l, err = logger.Open(cfg) }); asErr != nil {
		err = asErr
	}
	h.files[3].Close() // the logger has its own
	h.files[3] = nil
	if err != nil {
		h.print(message.Fatal, err)
		return exitStatus(111)
	}
	h.opened(l)
	l.Run(h.files[0])
	l.Close()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.killed != 0 {
		return syscall.WaitStatus(h.killed)
	}
	return exitStatus(0)
}

// exitStatus is the wait status of an exit with code.
func exitStatus(code int) syscall.WaitStatus { return syscall.WaitStatus(code << 8) }

// print writes a message to the logger's stderr as multilog prints it.
func (h *hostedLogger) print(level message.Level, err error) {
	h.files[2].WriteString(message.Lines("multilog", level, err))
}

// stderrWriter is action e's output. A multilog process writing to a
// stderr pipe nobody reads dies of SIGPIPE; so does a hosted one.
type stderrWriter struct{ h *hostedLogger }

func (w stderrWriter) Write(p []byte) (int, error) {
	n, err := w.h.files[2].Write(p)
	if errors.Is(err, syscall.EPIPE) {
		w.h.signal(syscall.SIGPIPE)
	}
	return n, err
}

// asAccount runs f as the account. If the account cannot be taken (it
// could once: the handover checked), f does not run and the logger ends
// as if killed.
func (h *hostedLogger) asAccount(f func()) {
	if err := h.as.Do(f); err != nil {
		h.print(message.Warning, message.Reason("unable to take the account of the logger", err))
		h.signal(syscall.SIGKILL)
	}
}

// opened makes l the logger that signals act on, and applies those that
// came while it was being opened.
func (h *hostedLogger) opened(l *logger.Logger) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.l = l
	for _, sig := range h.pending {
		h.deliver(sig)
	}
	h.pending = nil
}

// signal is what a signal to a multilog process would do: TERM and ALRM
// as multilog handles them, STOP and CONT as the kernel does, the signals
// whose default is to ignore nothing, and every other one ends it at
// once, as it ends the process.
func (h *hostedLogger) signal(sig syscall.Signal) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.l == nil {
		h.pending = append(h.pending, sig)
		return
	}
	h.deliver(sig)
}

func (h *hostedLogger) deliver(sig syscall.Signal) {
	switch signalAction(sig) {
	case actTerminate:
		h.l.Terminate()
	case actRotate:
		h.l.Rotate()
	case actStop:
		h.l.Stop()
	case actContinue:
		h.l.Continue()
	case actAbort:
		if h.killed == 0 {
			h.killed = sig
		}
		h.l.Abort()
	}
}

// action is what a signal does to a multilog process.
type action int

const (
	actNothing   action = iota
	actTerminate        // TERM: multilog finishes the line and exits
	actRotate           // ALRM: multilog rotates
	actStop             // the kernel stops the process
	actContinue         // the kernel continues it
	actAbort            // the signal kills it
)

// signalAction is what sig does to a multilog process: TERM and ALRM are
// caught, the others take their default action.
func signalAction(sig syscall.Signal) action {
	switch sig {
	case syscall.SIGTERM:
		return actTerminate
	case syscall.SIGALRM:
		return actRotate
	case syscall.SIGSTOP, syscall.SIGTSTP, syscall.SIGTTIN, syscall.SIGTTOU:
		return actStop
	case syscall.SIGCONT:
		return actContinue
	case syscall.SIGCHLD, syscall.SIGURG, syscall.SIGWINCH:
		return actNothing
	}
	return actAbort
}

// startProcessor starts a processor as the process that handed over would
// have: as its account, with its environment and limits, umask 022 (it is
// forked from inside the account's switch, whose thread a fork copies),
// and through this process's reaper. The start barrier sets its limits
// before it execs /bin/sh.
func (h *hostedLogger) startProcessor(dirfd int, argv []string, files []*os.File) (func() (syscall.WaitStatus, error), error) {
	attr := &syscall.ProcAttr{
		Dir:   "/proc/self/fd/" + strconv.Itoa(dirfd),
		Env:   h.env,
		Files: childFiles(files),
		Sys:   &syscall.SysProcAttr{Credential: h.as.Credential()},
	}
	exits := make(chan Exit, 1)
	var held *heldChild
	err := privdrop.ErrNotPermitted
	if asErr := h.as.Do(func() { held, err = startHeld(h.reaper, "/bin/sh", argv, attr, h.limits, exits) }); asErr != nil {
		err = asErr
	}
	if err != nil {
		return nil, err
	}
	if err := held.let(); err != nil {
		<-exits
		return nil, err
	}
	return func() (syscall.WaitStatus, error) { return (<-exits).Status, nil }, nil
}
