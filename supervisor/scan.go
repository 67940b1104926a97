package supervisor

import (
	"os"
	"syscall"
	"time"

	"gotools/applets/message"
)

// ScanInterval is the time between two full reads of the scan directory
// (0.76 sleeps 5 s after each scan). New entries are also noticed at once
// through inotify.
const ScanInterval = 5 * time.Second

// ScanConfig is what a Scanner needs from svscan.
type ScanConfig struct {
	// Dir is the scan directory, held open (OpenDir): service names are
	// relative to it.
	Dir *os.File
	// Stdin, Stdout and Stderr are the descriptors 0.76 hands to every
	// supervise (docs/svscan.md): a logged service's stdout and its
	// logger's stdin are the slot's pipe instead.
	Stdin, Stdout, Stderr *os.File
	Env                   []string
	Reaper                *Reaper
	// Warn receives every problem; none stops the scanner. What 0.76
	// prints from a supervise process is a *message.Error of program
	// supervise; the rest are svscan's own warnings. Called from many
	// goroutines.
	Warn func(err error)
	// StopTimeout is how long Shutdown waits after TERM before SIGKILL
	// (DefaultStopTimeout if zero).
	StopTimeout time.Duration
	// Command, if set, is the foreground command of `svscan DIR --
	// COMMAND` (scan_command.go): started after the first scan, and the
	// tree is shut down when it exits.
	Command *Command
	// Hosting lets the loggers' multilogs hand themselves over to this
	// process (hosted.go), unless their directory has a no-hosting file.
	Hosting bool
	// Init says that svscan is PID 1 of its PID namespace: at the end of
	// a shutdown, the processes still left in the namespace get TERM
	// (scan_tree.go, settle).
	Init bool
}

// Ending is how a scanner's Run ended, for svscan's exit status.
type Ending struct {
	// Essential is the service (NAME, or NAME/log) whose stop for good
	// made the tree stop, if an essential service did.
	Essential string
	// Status is the wait status svscan exits with: that essential
	// ./run's last exit, else the foreground command's exit, else zero
	// (a shutdown asked for by a signal).
	Status syscall.WaitStatus
}

// Scanner is svscan: it supervises every service directory of the scan
// directory, each as a Service inside this process (docs/design.md),
// with a NAME/log directory as a second Service reading NAME's output
// through a pipe the scanner owns.
//
// What to do is decided by a pure tree (scan_tree.go); Run is the executor
// that carries out its effects through treeFS and treeProcs and feeds
// their results back as events. Only Run's goroutine touches the tree.
type Scanner struct {
	tree  *tree
	fs    treeFS
	procs treeProcs
	warn  func(error)
	inbox *inbox      // from the services' goroutines: never blocks them
	exits <-chan Exit // the foreground command's exit while it runs
	// hinted are the hints report has printed (hintOnce).
	hinted map[string]bool

	rescan  chan struct{}
	stop    chan syscall.Signal
	forward chan syscall.Signal
}

// treeFS is the scan directory as the executor uses it: osTree, or a fake
// in tests. Slots are named by their directory's identity.
type treeFS interface {
	// readNames lists the scan directory in directory order.
	readNames() ([]string, error)
	// stat stats name in the scan directory, following symlinks.
	stat(name string) (id fileID, dir bool, err error)
	// open holds the directory name, which stat saw as id (errReplaced
	// if it is another one now).
	open(name string, id fileID) error
	// hasRun reports whether the member's ./run is there (executable, when
	// eager); if not, the member waits for it (evRunAppeared).
	hasRun(k memberKey, eager bool) bool
	// pair makes the slot's log pipe and holds NAME/log if it is a
	// directory; the error is the warning to print.
	pair(id fileID, name string) (logged bool, err error)
	closeWriter(id fileID)
	drop(id fileID)
	// events are inotify's reports; watched turns them into tree events.
	events() <-chan []inotifyEvent
	watched(evs []inotifyEvent) []treeEvent
	close()
}

// treeProcs runs what the tree supervises: the members' Services, the
// foreground command, and signals to process groups and to the namespace.
type treeProcs interface {
	// start opens the member's Service (name as 0.76's messages name it,
	// label as hints do) and runs it; post receives its
	// events (evRunExited, evStoppedForGood, evServiceEnded) and must
	// never block.
	start(k memberKey, name, label string, post func(treeEvent)) error
	shutdown(k memberKey)
	leaveWhenDown(k memberKey)
	startCommand() (pid int, exits <-chan Exit, err error)
	signalGroup(pgid int, sig syscall.Signal)
	sweep()
	stragglers() bool
	killAll()
}

// fileID is what identifies a service: 0.76 compares device and inode, so
// a symlink and its target are one service and a renamed directory stays
// the same service.
type fileID struct{ dev, ino uint64 }

// NewScanner prepares a scanner of cfg.Dir. Without inotify (no instances
// left, say) it still works, by the periodic scan alone; the reason goes to
// Warn.
func NewScanner(cfg ScanConfig) *Scanner {
	if cfg.StopTimeout == 0 {
		cfg.StopTimeout = DefaultStopTimeout
	}
	sys := newOSTree(cfg)
	return newScanner(cfg, sys, sys)
}

func newScanner(cfg ScanConfig, fs treeFS, procs treeProcs) *Scanner {
	return &Scanner{
		tree:    newTree(cfg.StopTimeout, cfg.Init, cfg.Command != nil),
		fs:      fs,
		procs:   procs,
		warn:    cfg.Warn,
		inbox:   newInbox(),
		rescan:  make(chan struct{}, 1),
		stop:    make(chan syscall.Signal, 1),
		forward: make(chan syscall.Signal, 4),
	}
}

// Rescan asks for a full scan now (svscan's HUP). Safe from any goroutine.
func (s *Scanner) Rescan() {
	select {
	case s.rescan <- struct{}{}:
	default: // one request is pending already
	}
}

// Shutdown asks for the orderly stop of docs/svscan.md: every main service
// gets d and x at once; a logger is left to read its pipe to the end once
// its main service is down; at the stop deadline whatever still runs gets
// TERM (mains get SIGKILL there, loggers loggerStopTimeout later). sig is
// the signal that asked for it (TERM, INT or QUIT): the foreground
// command's process group gets it (then CONT), and SIGKILL at the
// deadline. Safe from any goroutine.
func (s *Scanner) Shutdown(sig syscall.Signal) {
	select {
	case s.stop <- sig:
	default: // one request is pending already
	}
}

// Forward passes sig on to the foreground command's process group, if
// the command runs. Safe from any goroutine.
func (s *Scanner) Forward(sig syscall.Signal) {
	select {
	case s.forward <- sig:
	default: // signals coalesce
	}
}

// Run scans at once and then every ScanInterval, on HUP and as inotify
// reports; it starts the foreground command after the first scan. It
// stops the tree on Shutdown, when the command exits or when an essential
// service stops for good, and returns once every service has ended and
// the command has been reaped. The error is a failure to start the
// command (the tree is stopped then too).
func (s *Scanner) Run() (Ending, error) {
	defer s.fs.close()
	tick := time.NewTicker(ScanInterval)
	defer tick.Stop()
	timer := time.NewTimer(0)
	timer.Stop()
	s.handle(evTreeStart{})
	for s.tree.phase != treeDone {
		var timerC <-chan time.Time
		if d := s.tree.deadline(); d.IsZero() {
			timer.Stop()
		} else {
			timer.Reset(time.Until(d))
			timerC = timer.C
		}
		// The command's exit first: its process group must not be
		// signalled once it may be gone.
		select {
		case ex := <-s.exits:
			s.commandExited(ex)
			continue
		default:
		}
		select {
		case <-tick.C:
			s.handle(evTick{})
		case <-s.rescan:
			s.handle(evTick{})
		case evs := <-s.fs.events():
			for _, ev := range s.fs.watched(evs) {
				s.handle(ev)
			}
		case <-s.inbox.ready:
			for _, ev := range s.inbox.take() {
				s.handle(ev)
			}
		case ex := <-s.exits:
			s.commandExited(ex)
		case sig := <-s.forward:
			s.handle(evForward{sig})
		case sig := <-s.stop:
			s.handle(evStopRequested{sig})
		case <-timerC:
			s.handle(evDeadline{})
		}
	}
	return s.tree.ending, s.tree.err
}

func (s *Scanner) commandExited(ex Exit) {
	s.exits = nil
	s.handle(evCommandExited{ex.Status})
}

// handle steps the tree and carries out its effects in order; the result
// of an effect is handled, depth first, before the next effect.
func (s *Scanner) handle(ev treeEvent) {
	for _, e := range s.tree.step(time.Now(), ev) {
		s.do(e)
	}
}

func (s *Scanner) do(e treeEffect) {
	switch e := e.(type) {
	case effScan:
		s.scan()
	case effOpen:
		s.handle(evOpened{e.name, e.id, s.fs.open(e.name, e.id), e.eager})
	case effLookRun:
		s.handle(evRunLooked{e.key, s.fs.hasRun(e.key, e.eager), e.eager})
	case effPair:
		logged, err := s.fs.pair(e.id, e.name)
		s.handle(evPaired{e.id, logged, err, e.eager})
	case effStart:
		s.handle(evServiceStarted{e.key, s.procs.start(e.key, e.name, e.label, s.inbox.post)})
	case effStartCommand:
		pid, exits, err := s.procs.startCommand()
		s.exits = exits
		s.handle(evCommandStarted{pid, err})
	case effSweep:
		s.procs.sweep()
		s.handle(evStragglers{s.procs.stragglers()})
	case effCountStragglers:
		s.handle(evStragglers{s.procs.stragglers()})
	case effWarn:
		s.report(e.err)
	case effShutdown:
		s.procs.shutdown(e.key)
	case effLeaveWhenDown:
		s.procs.leaveWhenDown(e.key)
	case effCloseWriter:
		s.fs.closeWriter(e.id)
	case effDrop:
		s.fs.drop(e.id)
	case effSignalGroup:
		s.procs.signalGroup(e.pgid, e.sig)
	case effKillAll:
		s.procs.killAll()
	default:
		s.report(unexpected(e))
	}
}

func (s *Scanner) report(err error) {
	if err = s.hintOnce(err); err != nil && s.warn != nil {
		s.warn(err)
	}
}

// hintOnce is err without its hint if that hint was printed before, or
// nil for a message that is a hint alone: a hint names its directory and
// cause, and the tree's warnings (a supervise/lock held elsewhere, a
// directory without ./run) come back at every scan; their hint is printed
// once for svscan's life (docs/svscan.md).
func (s *Scanner) hintOnce(err error) error {
	m, ok := err.(*message.Error)
	if !ok {
		return err
	}
	hint := m.Hint
	if m.Level == message.Hint {
		hint = m.Err.Error()
	}
	switch {
	case hint == "":
		return err
	case !s.hinted[hint]:
		if s.hinted == nil {
			s.hinted = make(map[string]bool)
		}
		s.hinted[hint] = true
		return err
	case m.Level == message.Hint:
		return nil
	}
	c := *m
	c.Hint = ""
	return &c
}

// scan reads the whole scan directory (docs/svscan.md) and tells the tree
// what it holds.
func (s *Scanner) scan() {
	names, err := s.fs.readNames()
	if err != nil {
		s.handle(evScanFailed{err})
		return
	}
	s.handle(evScanBegin{})
	for _, name := range names {
		id, dir, err := s.fs.stat(name)
		s.handle(evEntry{name: name, id: id, dir: dir, err: err})
	}
	s.handle(evScanEnd{})
}
