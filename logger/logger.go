package logger

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"gotools/logger/tai64"
)

// DefaultPause is how long 0.76 waits before retrying a failed write,
// rotation step or processor.
const DefaultPause = 5 * time.Second

// readSize is how much input Run asks for at once; lines are still handled
// as 0.76's 1 KiB reads would have cut them. It bounds what a multilog
// killed with SIGKILL may log twice when its input is a pipe (written, not
// yet consumed), and what it loses otherwise (read, not yet written): 16
// KiB keeps that small and costs little of the throughput 64 KiB reads
// would give.
const readSize = 16 << 10

// Config is what a Logger needs besides its input.
type Config struct {
	Script Script
	Stdout io.Writer // action 1; nil discards
	Stderr io.Writer // action e; nil discards
	// ProcessorStderr is the processors' fd 2; nil leaves it closed.
	ProcessorStderr *os.File
	Env             []string // the processors' environment, without StartProcessor
	// Warn reports a problem the logger survives, as 0.76's
	// "multilog: warning: TEXT[: ERR]"; err may be nil.
	Warn func(text string, err error)
	// ProcessorError reports a processor that could not be started, which
	// 0.76's forked child prints as "multilog: fatal: TEXT: ERR" before it
	// exits 111; the logger counts the processor as failed and retries.
	ProcessorError func(text string, err error)
	Pause          time.Duration    // between retries; 0 means DefaultPause
	Now            func() time.Time // clock for stamps and archive names; nil means time.Now

	// Base is the starting directory (multilog's working directory), which
	// = files and log directories are relative to; nil means the working
	// directory. The logger uses a duplicate: the caller keeps Base and
	// may close it once Open has returned.
	Base *os.File
	// AsAccount, if not nil, runs f with the file-system credentials of
	// the account the logger works as (a host running loggers of several
	// accounts in one process), and returns when f has. Every system call
	// that creates, opens, renames, removes, links, changes the mode of,
	// syncs or looks at a file or directory runs inside one: Open's whole
	// start-up (the starting directory included, when Base is nil), each
	// rotation (the opening of its processor's files included; the
	// processor is started and waited for outside), and the end of Run
	// (each current synced and marked complete). Writes to open
	// descriptors and reads of the input run outside. It is called once
	// per such step (a rotation takes one, or three with a processor),
	// never inside itself, from the goroutine calling Open or Run. f may
	// last: a failing step is retried after Pause inside it, and a stopped
	// logger waits there for Continue. An Abort does not unwind through
	// AsAccount: f returns first.
	AsAccount func(f func())
	// StartProcessor, if not nil, starts a log directory's processor in
	// place of os.StartProcess: it runs /bin/sh with argv (sh -c
	// PROCESSOR) in the directory open as dir, with files[i] as its
	// descriptor i (nil: closed), and with the environment, credentials
	// and limits the host chooses (Env is not used). files hold previous
	// (0), processed (1), ProcessorStderr (2), state (4) and newstate
	// (5); the logger closes them when StartProcessor returns, so the
	// process must have its own copies by then. It is called outside
	// AsAccount. An error is reported through ProcessorError and retried
	// after Pause, as 0.76 retries a processor whose fork or exec failed.
	// Otherwise the logger calls the returned wait exactly once, from a
	// goroutine of its own: it blocks until the process has ended and
	// been reaped and returns its status (an error: the wait failed, and
	// the processor is run again). If the logger is aborted meanwhile, Run
	// returns without waiting, and that goroutine still calls wait and
	// drops what it returns.
	StartProcessor func(dir int, argv []string, files []*os.File) (wait func() (syscall.WaitStatus, error), err error)
}

// Logger is one multilog: the script applied to one input.
type Logger struct {
	cfg      Config
	ctl      *control
	base     int // the starting directory, which = files and dirs are relative to
	status   []int
	dirs     []*dir
	cutter   lineCutter
	sel      []bool           // per action: is the current line selected there
	record   [Window + 1]byte // the = file record of the current line
	stdout   *lineWriter      // action 1's output, written out before each wait for input
	toStdout bool             // the current line goes to stdout
	scratch  []byte           // action e's output line

	// lastErr is the last error a system call returned, which 0.76 prints
	// (as a stale errno) when a processor crashes.
	lastErr error
}

// Open does multilog's startup (docs/multilog.md): it opens the = files and then
// creates, locks and recovers each log directory, in script order. Any error
// is fatal to multilog; the returned error says what failed, around its errno.
func Open(cfg Config) (*Logger, error) {
	l := &Logger{cfg: cfg, base: -1, lastErr: unix.ENOENT}
	if l.cfg.Pause == 0 {
		l.cfg.Pause = DefaultPause
	}
	if l.cfg.Now == nil {
		l.cfg.Now = time.Now
	}
	if l.cfg.Warn == nil {
		l.cfg.Warn = func(string, error) {}
	}
	if l.cfg.Stdout == nil {
		l.cfg.Stdout = io.Discard
	}
	if l.cfg.Stderr == nil {
		l.cfg.Stderr = io.Discard
	}
	var err error
	if l.ctl, err = newControl(); err != nil {
		return nil, fmt.Errorf("unable to create eventfd: %w", err)
	}
	if l.asAccount(func() { err = l.open() }); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

func (l *Logger) open() error {
	if err := l.openBase(); err != nil {
		return fmt.Errorf("unable to switch to current directory: %w", err)
	}
	actions := l.cfg.Script.Actions
	for i := range actions {
		if actions[i].Kind != Status {
			continue
		}
		path := actions[i].Path
		fd, err := unix.Openat(l.base, path, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_APPEND|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
		if err != nil {
			return fmt.Errorf("unable to create %s: %w", path, err)
		}
		unix.Close(fd)
		if fd, err = unix.Openat(l.base, path, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0); err != nil {
			return fmt.Errorf("unable to write %s: %w", path, err)
		}
		l.status = append(l.status, fd)
	}
	for i := range actions {
		if actions[i].Kind != Dir {
			continue
		}
		d, err := l.openDir(l.base, &actions[i])
		l.dirs = append(l.dirs, d)
		if err != nil {
			return err
		}
	}
	l.sel = make([]bool, len(actions))
	if l.cfg.Script.Timestamp {
		l.cutter.stamp = func(b []byte) []byte {
			return append(tai64.FromTime(l.cfg.Now()).AppendText(b), ' ')
		}
	}
	for i := range actions {
		if actions[i].Kind == Stdout {
			l.stdout = newLineWriter(l.cfg.Stdout)
			break
		}
	}
	// Everything relative to it is open: a host of a thousand loggers
	// needs the descriptor more than the logger does.
	unix.Close(l.base)
	l.base = -1
	return nil
}

// openBase opens the starting directory, or duplicates Config.Base.
func (l *Logger) openBase() (err error) {
	if l.cfg.Base == nil {
		l.base, err = unix.Open(".", unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		return err
	}
	rc, err := l.cfg.Base.SyscallConn()
	if err != nil {
		return err
	}
	if cerr := rc.Control(func(fd uintptr) { l.base, err = unix.FcntlInt(fd, unix.F_DUPFD_CLOEXEC, 0) }); cerr != nil {
		return cerr
	}
	return err
}

// Close releases the logger's descriptors (and with them its locks). The
// control methods may still be called; they do nothing any more.
func (l *Logger) Close() {
	for _, d := range l.dirs {
		d.close()
	}
	for _, fd := range append(l.status, l.base) {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
	l.ctl.close()
	l.dirs, l.status, l.base = nil, nil, -1
}

// Terminate asks Run to finish as 0.76 does on SIGTERM (docs/multilog.md): it
// reads on only to the end of the current line, then ends as at end of input.
// Safe to call from any goroutine, as are the other control methods.
func (l *Logger) Terminate() {
	l.ctl.terminate.Store(true)
	l.ctl.wakeUp()
}

// Rotate asks Run to rotate every log directory whose current is not empty,
// as 0.76 does on SIGALRM, the next time it needs input.
func (l *Logger) Rotate() {
	l.ctl.rotate.Store(true)
	l.ctl.wakeUp()
}

// Abort ends Run as a SIGKILL ends a multilog process: at once, with
// nothing more written, synced, marked complete or consumed from a pipe;
// what was read and not yet written is lost, and a pipe keeps all that is
// not in the log (docs/multilog.md). Run returns promptly wherever it is:
// waiting for input, stopped, pausing between retries, or waiting for a
// processor, which is left to finish on its own, as a processor outlives
// a killed multilog (and the next logger's start-up finds what it left,
// as after a kill). Abort does not interrupt a write to Stdout or Stderr
// that blocks: the writers given in Config must not block forever.
func (l *Logger) Abort() { l.ctl.abortRun() }

// Stop makes Run behave as a multilog stopped with SIGSTOP until Continue:
// it reads nothing more (a pipe fills and its writers block), and
// Terminate and Rotate stay pending. It takes effect where Run would next
// wait: before its next read of input, after the current pause between
// retries, or once a running processor has ended; what it has read by
// then is logged first. Abort still ends it.
func (l *Logger) Stop() { l.ctl.stop() }

// Continue undoes Stop, as SIGCONT does.
func (l *Logger) Continue() { l.ctl.resume() }

// Run applies the script to input until end of input or Terminate, then
// writes out everything, syncs each current to disk and marks it complete;
// or until Abort, which ends it at once. It never fails: write errors are
// warned about and retried until they stop. A nil input is empty. Call
// Close only after Run has returned.
//
// While it waits for a pipe, Run holds no buffers and blocks no thread,
// only its goroutine, so that one process can host many mostly idle
// loggers; a busy one allocates nothing per line.
//
// A pipe (always the input under svscan) is consumed only as far as its
// bytes are in every output, so a multilog killed at any instant loses no
// line: the next one finds the rest in the pipe (and may log the last piece
// written a second time). Meanwhile the pipe keeps the unconsumed bytes, so
// its writer blocks while a rotation or a processor runs, as 0.76's does.
func (l *Logger) Run(input *os.File) {
	fd := -1
	if input != nil {
		if rc, err := input.SyscallConn(); err == nil {
			rc.Control(func(f uintptr) { fd = int(f) })
		}
	}
	l.runUnlessAborted(fd)
	l.release()              // all written, or dropped by Abort
	runtime.KeepAlive(input) // its descriptor was in use until here
}

// runUnlessAborted is Run on descriptor fd (none: empty input) until it
// ends or is aborted.
func (l *Logger) runUnlessAborted(fd int) {
	defer recoverAbort()
	if fd < 0 {
		l.ctl.checkpoint()
		l.finish()
		return
	}
	in := newInput(fd, l.ctl)
	defer in.close()
	l.run(in)
}

// run is Run on an input.
func (l *Logger) run(in input) {
	atNewline := true
	for {
		if l.ctl.aborted() {
			return // what was read and not written is lost, as in a kill
		}
		l.flush()
		in.consume(l.unwritten(in.holdLimit()))
		l.release()
		l.ctl.checkpoint()
		if l.ctl.rotate.Swap(false) {
			for _, d := range l.dirs {
				if d.bytes > 0 {
					d.rotate()
				}
			}
		}
		// Once terminated, only finish the line, leaving the rest of the
		// input unread.
		finishing := l.ctl.terminate.Load()
		if finishing && atNewline {
			break
		}
		if !in.wait(finishing) {
			continue
		}
		p, err := in.read(finishing)
		if err != nil {
			break
		}
		if len(p) > 0 {
			atNewline = p[len(p)-1] == '\n'
			l.process(p)
		}
	}
	l.finish()
	in.consume(0)
}

// finish is the exit path: a partial last line is ended, everything is
// written out, and each current is synced and marked complete.
func (l *Logger) finish() {
	l.acquire()
	l.cutter.eof(l)
	for _, d := range l.dirs {
		d.flushBuf()
	}
	l.asAccount(func() {
		for _, d := range l.dirs {
			d.quit()
		}
	})
	if l.stdout != nil {
		l.stdout.writeAll()
	}
}

// unwritten is how many of the last bytes given to process are not yet in
// every output once flush has run: the start of an unfinished line, which
// nothing gets before its window is complete, or, for a long line, what
// stdout keeps of it until its end. That start is written to stdout at
// once instead if holding it would hold more than limit bytes.
func (l *Logger) unwritten(limit int) int {
	c := &l.cutter
	switch {
	case !c.open:
		return 0
	case !c.long:
		return c.in
	case !l.toStdout:
		return 0
	}
	n := min(l.stdout.pending(), c.in)
	if n > limit {
		l.stdout.writeAll()
		return 0
	}
	return n
}

// process handles bytes read from input as 0.76 would have read them,
// 1 KiB at a time with its output buffers flushed before each read.
func (l *Logger) process(p []byte) {
	l.acquire()
	for len(p) > 0 {
		n := min(readChunk, len(p))
		for _, d := range l.dirs {
			d.flushBuf()
		}
		l.cutter.feed(p[:n], l)
		p = p[n:]
	}
}

// flush gets everything accepted so far into the files and onto stdout;
// it runs before every wait for input.
func (l *Logger) flush() {
	for _, d := range l.dirs {
		d.flushBuf()
		d.writeOut()
	}
	l.flushStdout()
}

// acquire gives the directories and stdout their buffers for the bytes to
// come.
func (l *Logger) acquire() {
	for _, d := range l.dirs {
		d.acquire()
	}
	if l.stdout != nil {
		l.stdout.acquire()
	}
}

// release gives back the buffers of the directories and stdout before a
// wait.
func (l *Logger) release() {
	for _, d := range l.dirs {
		d.release()
	}
	if l.stdout != nil {
		l.stdout.release()
	}
}

func (l *Logger) flushStdout() {
	if l.stdout != nil {
		l.stdout.flush()
	}
}

// head runs the script on a line's window: e and = act at once, and the
// window goes to the directories (and stdout) that selected it.
func (l *Logger) head(w []byte) {
	l.cfg.Script.Select(w, l.sel)
	l.toStdout = false
	recordReady := false
	nstatus, ndir := 0, 0
	for i := range l.cfg.Script.Actions {
		selected := l.sel[i]
		switch l.cfg.Script.Actions[i].Kind {
		case Stderr:
			if selected {
				l.printStderr(w)
			}
		case Status:
			if selected {
				if !recordReady {
					n := copy(l.record[:], w)
					for j := n; j < len(l.record); j++ {
						l.record[j] = '\n'
					}
					recordReady = true
				}
				l.writeStatus(l.status[nstatus], l.cfg.Script.Actions[i].Path)
			}
			nstatus++
		case Dir:
			l.dirs[ndir].selected = selected
			ndir++
		case Stdout:
			l.toStdout = l.toStdout || selected
		}
	}
	for _, d := range l.dirs {
		if d.selected {
			d.put(w)
		}
	}
	if l.toStdout {
		l.stdout.write(w)
	}
}

func (l *Logger) tail(p []byte) {
	for _, d := range l.dirs {
		if d.selected {
			d.putBytes(p)
		}
	}
	if l.toStdout {
		l.stdout.write(p)
	}
}

var newline = []byte{'\n'}

func (l *Logger) end() {
	for _, d := range l.dirs {
		if d.selected {
			d.putBytes(newline)
		}
	}
	if l.toStdout {
		l.stdout.endLine()
	}
}

// printStderr is action e: lines over 200 bytes are cut to 200 and "...".
func (l *Logger) printStderr(w []byte) {
	if len(w) > 200 {
		l.scratch = append(append(l.scratch[:0], w[:200]...), "...\n"...)
	} else {
		l.scratch = append(append(l.scratch[:0], w...), '\n')
	}
	l.cfg.Stderr.Write(l.scratch)
}

// writeStatus rewrites an = file with the 1001-byte record, retrying until
// it succeeds.
func (l *Logger) writeStatus(fd int, path string) {
	for {
		for {
			_, err := unix.Seek(fd, 0, io.SeekStart)
			if l.failed(err) == nil {
				break
			}
			l.warn("unable to move to beginning of "+path+", pausing", err)
			l.pause()
		}
		n, err := unix.Write(fd, l.record[:])
		if n == len(l.record) {
			return
		}
		if err == nil {
			err = l.lastErr
		}
		l.warn("unable to write "+path+", pausing", l.failed(err))
		l.pause()
	}
}

func (l *Logger) warn(text string, err error) { l.cfg.Warn(text, err) }

// pause waits before a retry; Abort ends it, and a stopped logger waits
// on for Continue.
func (l *Logger) pause() {
	t := time.NewTimer(l.cfg.Pause)
	select {
	case <-t.C:
	case <-l.ctl.abort:
		t.Stop()
	}
	l.ctl.checkpoint()
}

// asAccount runs f inside Config.AsAccount, if set. The unwinding of an
// Abort in f stops at f's end and goes on from here, so that it never
// crosses the host's code.
func (l *Logger) asAccount(f func()) {
	if l.cfg.AsAccount == nil {
		f()
		return
	}
	var unwinding any
	l.cfg.AsAccount(func() {
		defer func() { unwinding = recover() }()
		f()
	})
	if unwinding != nil {
		panic(unwinding)
	}
}

func (l *Logger) now() time.Time { return l.cfg.Now() }

// failed records a failed system call's error for lastErr and returns err.
func (l *Logger) failed(err error) error {
	if err != nil {
		l.lastErr = err
	}
	return err
}
