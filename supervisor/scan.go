package supervisor

import (
	"errors"
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// ScanInterval is the time between two full reads of the scan directory
// (0.76 sleeps 5 s after each scan). New entries are also noticed at once
// through inotify.
const ScanInterval = 5 * time.Second

// loggerStopTimeout is how long a logger still running at the stop
// deadline has between its TERM and its SIGKILL. Loggers normally end
// before: they read to end of input once their main service is down.
const loggerStopTimeout = time.Second

// ScanConfig is what a Scanner needs from svscan.
type ScanConfig struct {
	// Dir is the scan directory, held open (OpenDir): service names are
	// relative to it.
	Dir *os.File
	// Stdin, Stdout and Stderr are the descriptors 0.76 hands to every
	// supervise (COMPAT §4.1 table): a logged service's stdout and its
	// logger's stdin are the slot's pipe instead.
	Stdin, Stdout, Stderr *os.File
	Env                   []string
	Reaper                *Reaper
	// Warn receives every problem; none stops the scanner. A
	// *ServiceError is one that 0.76 prints from a supervise process;
	// the rest are svscan's own warnings. Called from many goroutines.
	Warn func(err error)
	// StopTimeout is how long Shutdown waits after TERM before SIGKILL
	// (DefaultStopTimeout if zero).
	StopTimeout time.Duration
	// Command, if set, is the foreground command of `svscan DIR --
	// COMMAND` (scan_command.go): started after the first scan, and the
	// tree is shut down when it exits.
	Command *Command
	// Init says that svscan is PID 1 of its PID namespace: at the end of
	// a shutdown, the processes still left in the namespace get TERM
	// (scan_init.go).
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

// ServiceError is a problem that 0.76 reports from a service's supervise
// process rather than from svscan. Fatal marks what supervise prints as
// fatal: it could not take the directory, or could not start ./run.
type ServiceError struct {
	Fatal bool
	Err   error
}

func (e *ServiceError) Error() string { return e.Err.Error() }
func (e *ServiceError) Unwrap() error { return e.Err }

// Scanner is svscan: it supervises every service directory of the scan
// directory, each as a Service inside this process (DESIGN.md decision 1),
// with a NAME/log directory as a second Service reading NAME's output
// through a pipe the scanner owns. Only Run's goroutine touches its state.
type Scanner struct {
	cfg     ScanConfig
	dirfd   int
	slots   map[fileID]*slot
	watch   *dirWatch         // nil without inotify
	dirWD   int32             // the scan directory's watch
	waiting map[int32]*member // inotify watch → member waiting for its ./run
	running int               // Services whose Run has not returned
	// stopping is set when the shutdown begins; the services' own
	// goroutines read it (see leftovers).
	stopping atomic.Bool
	ending   Ending
	command  *foreground // nil without a command, or once it is reaped

	events  chan []inotifyEvent
	ended   chan *member
	finals  chan final
	rescan  chan struct{}
	stop    chan syscall.Signal
	forward chan syscall.Signal
	done    chan struct{}
}

// final is an essential service that stopped for good.
type final struct {
	name   string
	status syscall.WaitStatus // its ./run's last exit
}

// fileID is what identifies a service: 0.76 compares device and inode, so
// a symlink and its target are one service and a renamed directory stays
// the same service.
type fileID struct{ dev, ino uint64 }

// slot is one service directory, with its logger if it has one.
type slot struct {
	id   fileID
	name string // the name it was last seen under
	seen bool   // seen by the current full scan
	// paired is set once ./run exists and the log pairing is decided;
	// before that the slot only waits for ./run (COMPAT §13.7).
	paired bool
	main   member
	log    *member
	// The log pipe, both ends kept for the slot's life, so that either
	// side can be restarted without losing a byte. pipeW is closed at
	// shutdown once the main service is down: the logger then reads to
	// end of input and exits by itself.
	pipeR, pipeW *os.File
}

// member is a supervised directory: a slot's main service or its logger.
type member struct {
	slot *slot
	name string   // how messages name it: NAME, or "log" (as 0.76)
	dir  *os.File // held open for the slot's life
	svc  *Service // nil while not supervised
	wd   int32    // inotify watch while waiting for ./run; 0 if none
}

func (m *member) isLog() bool { return m != &m.slot.main }

// NewScanner prepares a scanner of cfg.Dir. Without inotify (no instances
// left, say) it still works, by the periodic scan alone; the reason goes to
// Warn.
func NewScanner(cfg ScanConfig) *Scanner {
	if cfg.StopTimeout == 0 {
		cfg.StopTimeout = DefaultStopTimeout
	}
	s := &Scanner{
		cfg:     cfg,
		dirfd:   int(cfg.Dir.Fd()),
		slots:   make(map[fileID]*slot),
		waiting: make(map[int32]*member),
		events:  make(chan []inotifyEvent),
		ended:   make(chan *member),
		finals:  make(chan final, 1),
		rescan:  make(chan struct{}, 1),
		stop:    make(chan syscall.Signal, 1),
		forward: make(chan syscall.Signal, 4),
		done:    make(chan struct{}),
	}
	w, err := newDirWatch()
	if err == nil {
		if s.dirWD, err = w.add(cfg.Dir, scanDirEvents); err != nil {
			w.close()
		}
	}
	if err != nil {
		s.warn(fmt.Errorf("unable to watch directory: %w", err))
		return s
	}
	s.watch = w
	go w.read(s.events, s.done)
	return s
}

// Rescan asks for a full scan now (svscan's HUP). Safe from any goroutine.
func (s *Scanner) Rescan() { poke(s.rescan) }

// Shutdown asks for the orderly stop of COMPAT §13.2: every main service
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

func poke(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default: // one request is pending already
	}
}

// Run scans at once and then every ScanInterval, on HUP and as inotify
// reports; it starts the foreground command after the first scan. It
// stops the tree on Shutdown, when the command exits or when an essential
// service stops for good, and returns once every service has ended and
// the command has been reaped. The error is a failure to start the
// command (the tree is stopped then too).
func (s *Scanner) Run() (Ending, error) {
	defer s.release()
	tick := time.NewTicker(ScanInterval)
	defer tick.Stop()
	s.scan()
	var err error
	if s.cfg.Command != nil {
		if s.command, err = s.startCommand(); err != nil {
			s.beginShutdown(syscall.SIGTERM)
		}
	}
	var deadline, sweep <-chan time.Time
	passed := false // the stop deadline
	for {
		if s.stopping.Load() && deadline == nil {
			deadline = time.After(s.cfg.StopTimeout)
		}
		if s.stopping.Load() && s.running == 0 && s.command == nil {
			if !s.cfg.Init {
				return s.ending, err
			}
			if sweep == nil {
				sweep = beginSweep()
			}
			if passed {
				killStragglers()
			}
			if passed || !stragglers() {
				return s.ending, err
			}
		}
		// The command's exit first: its process group must not be
		// signalled once it may be gone.
		select {
		case ex := <-s.commandExits():
			s.onCommandExit(ex)
			continue
		default:
		}
		stopping := s.stopping.Load()
		select {
		case <-tick.C:
			if !stopping {
				s.scan()
			}
		case <-s.rescan:
			if !stopping {
				s.scan()
			}
		case evs := <-s.events:
			if !stopping {
				s.onEvents(evs)
			}
		case m := <-s.ended:
			s.onEnded(m, stopping)
		case f := <-s.finals:
			if !stopping {
				s.ending = Ending{Essential: f.name, Status: f.status}
				s.beginShutdown(syscall.SIGTERM)
			}
		case ex := <-s.commandExits():
			s.onCommandExit(ex)
		case sig := <-s.forward:
			s.command.signal(sig)
		case sig := <-s.stop:
			s.beginShutdown(sig)
		case <-deadline:
			passed = true
			s.atDeadline()
		case <-sweep:
		}
	}
}

// scan reads the whole scan directory (COMPAT §4.1): it supervises what is
// new or no longer supervised, then forgets the slots whose directory has
// gone and whose services have all ended.
func (s *Scanner) scan() {
	names, err := s.readNames()
	if err != nil {
		s.warn(fmt.Errorf("unable to read directory: %w", err))
		return
	}
	for _, sl := range s.slots {
		sl.seen = false
	}
	for _, name := range names {
		s.scanEntry(name, false)
	}
	for id, sl := range s.slots {
		if !sl.seen && sl.main.svc == nil && (sl.log == nil || sl.log.svc == nil) {
			s.drop(sl)
			delete(s.slots, id)
		}
	}
}

// readNames lists the scan directory in directory order, as readdir does.
func (s *Scanner) readNames() ([]string, error) {
	fd, err := unix.Openat(s.dirfd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), ".")
	defer f.Close()
	return f.Readdirnames(-1)
}

// entryKind is what a scan does with one directory entry.
type entryKind int

const (
	entrySkip    entryKind = iota // a dot name, or not a directory: ignored
	entryStatErr                  // stat failed: warn, and try again next scan
	entryService                  // a directory: a service
)

// classify decides from an entry's name and the result of stat (which
// follows symlinks) what a scan does with it (COMPAT §4.1).
func classify(name string, st *unix.Stat_t, err error) entryKind {
	switch {
	case name == "" || name[0] == '.':
		return entrySkip
	case err != nil:
		return entryStatErr
	case st.Mode&unix.S_IFMT != unix.S_IFDIR:
		return entrySkip
	}
	return entryService
}

// scanEntry looks at one name in the scan directory. From inotify
// (eager) an entry that has vanished again is no news, and ./run must
// be executable to start at once; a full scan starts a ./run that merely
// exists, and the service's restart loop reports why it fails.
func (s *Scanner) scanEntry(name string, eager bool) {
	var st unix.Stat_t
	err := unix.Fstatat(s.dirfd, name, &st, 0)
	switch classify(name, &st, err) {
	case entrySkip:
		return
	case entryStatErr:
		if !eager || err != unix.ENOENT {
			s.warn(fmt.Errorf("unable to stat %s: %w", name, err))
		}
		return
	}
	id := fileID{st.Dev, st.Ino}
	sl := s.slots[id]
	if sl == nil {
		if sl = s.newSlot(name, id); sl == nil {
			return
		}
		s.slots[id] = sl
	}
	sl.seen = true
	if sl.main.svc == nil {
		sl.name, sl.main.name = name, name
	}
	s.supervise(sl, eager)
}

// newSlot opens the directory name, which stat found to be id.
func (s *Scanner) newSlot(name string, id fileID) *slot {
	dir, err := openDirAt(s.dirfd, name, name)
	if err != nil {
		if !errors.Is(err, unix.ENOENT) {
			s.warn(&ServiceError{Fatal: true, Err: err})
		}
		return nil
	}
	var st unix.Stat_t
	if unix.Fstat(int(dir.Fd()), &st) != nil || (fileID{st.Dev, st.Ino}) != id {
		dir.Close() // replaced since the stat: the next scan sees the new one
		return nil
	}
	sl := &slot{id: id, name: name}
	sl.main = member{slot: sl, name: name, dir: dir}
	return sl
}

// openDirAt opens the directory name under dirfd to hold, as OpenDir does
// for a path, with its message ("unable to chdir to LABEL").
func openDirAt(dirfd int, name, label string) (*os.File, error) {
	fd, err := unix.Openat(dirfd, name, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err == nil {
		if err = unix.Faccessat(fd, ".", unix.X_OK, unix.AT_EACCESS); err != nil {
			unix.Close(fd)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("unable to chdir to %s: %w", label, err)
	}
	return os.NewFile(uintptr(fd), label), nil
}

// supervise starts whatever of the slot is not supervised: the main
// service, then its logger (0.76's order), each once its ./run exists.
func (s *Scanner) supervise(sl *slot, eager bool) {
	if !sl.paired {
		if !s.hasRun(&sl.main, eager) {
			return
		}
		if err := s.pair(sl); err != nil {
			s.warn(err)
			return
		}
	}
	if sl.main.svc == nil {
		stdout := s.cfg.Stdout
		if sl.log != nil {
			stdout = sl.pipeW
		}
		s.start(&sl.main, s.cfg.Stdin, stdout, s.cfg.StopTimeout)
	}
	if sl.log != nil && sl.log.svc == nil && s.hasRun(sl.log, eager) {
		s.start(sl.log, sl.pipeR, s.cfg.Stdout, loggerStopTimeout)
	}
}

// hasRun reports whether m's ./run is there to start (executable, when
// eager). If not, m waits for it with an inotify watch on its directory.
func (s *Scanner) hasRun(m *member, eager bool) bool {
	fd := int(m.dir.Fd())
	var err error
	if eager {
		err = unix.Faccessat(fd, "run", unix.X_OK, unix.AT_EACCESS)
	} else {
		var st unix.Stat_t
		err = unix.Fstatat(fd, "run", &st, 0)
	}
	if err == nil {
		s.unwatch(m)
		return true
	}
	if m.wd == 0 && s.watch != nil {
		if wd, err := s.watch.add(m.dir, serviceDirEvents); err == nil {
			m.wd = wd
			s.waiting[wd] = m
		}
	}
	return false
}

func (s *Scanner) unwatch(m *member) {
	if m.wd != 0 {
		s.watch.remove(m.wd)
		delete(s.waiting, m.wd)
		m.wd = 0
	}
}

// pair decides, once, whether the slot has a logger: NAME/log must be a
// directory (COMPAT §13.6; 0.76 pairs any file type). Creating or removing
// NAME/log later changes nothing for this slot, as in 0.76.
func (s *Scanner) pair(sl *slot) error {
	var st unix.Stat_t
	err := unix.Fstatat(int(sl.main.dir.Fd()), "log", &st, 0)
	switch {
	case err == unix.ENOENT || err == nil && st.Mode&unix.S_IFMT != unix.S_IFDIR:
		sl.paired = true
		return nil
	case err != nil:
		return fmt.Errorf("unable to stat %s/log: %w", sl.name, err)
	}
	dir, err := openDirAt(int(sl.main.dir.Fd()), "log", "log")
	if err != nil {
		return &ServiceError{Fatal: true, Err: err}
	}
	r, w, err := logPipe(sl.main.dir, dir)
	if err != nil {
		dir.Close()
		return fmt.Errorf("unable to create pipe for %s: %w", sl.name, err)
	}
	sl.log = &member{slot: sl, name: "log", dir: dir}
	sl.pipeR, sl.pipeW, sl.paired = r, w, true
	return nil
}

// start opens m's supervisor and runs it. A failure (the lock is held by
// someone else, say) is retried at the next scan, as 0.76 restarts its
// supervise.
func (s *Scanner) start(m *member, stdin, stdout *os.File, stopTimeout time.Duration) {
	svc, err := Open(Config{
		Name:        m.name,
		Dir:         m.dir,
		Stdin:       stdin,
		Stdout:      stdout,
		Stderr:      s.cfg.Stderr,
		Env:         s.cfg.Env,
		Reaper:      s.cfg.Reaper,
		Warn:        s.serviceWarn,
		StopTimeout: stopTimeout,
		Adopt:       true,
		WaitLock:    true,
		Observe:     s.observer(m),
	})
	if err != nil {
		s.warn(&ServiceError{Fatal: true, Err: err})
		return
	}
	m.svc = svc
	s.running++
	go func() {
		if err := svc.Run(); err != nil {
			s.warn(&ServiceError{Fatal: true, Err: err})
		}
		s.ended <- m
	}()
}

// observer is told of m's events, from its service's goroutine.
//
// During a shutdown, once a main ./run has exited, what it left running
// in its own process group (the sleep of a shell loop, say) gets TERM and
// CONT: it would otherwise keep the log pipe open, and the logger would
// wait for it to end.
//
// When m stops for good (Event.Final) and its directory holds a file
// named essential, the tree stops, and svscan exits with the status of
// m's last ./run.
func (s *Scanner) observer(m *member) func(Event) {
	dirfd := int(m.dir.Fd())
	name := m.name
	if m.isLog() {
		name = m.slot.name + "/log"
	}
	main := !m.isLog()
	var last syscall.WaitStatus
	return func(ev Event) {
		switch {
		case ev.Kind == Exited:
			last = ev.Status
			if main && s.stopping.Load() {
				stopGroup(ev.Pid)
			}
		case ev.Kind == Down && ev.Final && isEssential(dirfd):
			// Never blocks: Run may be waiting for this goroutine
			// (leaveWhenDown). A final already pending stops the tree
			// first; this one changes nothing then.
			select {
			case s.finals <- final{name, last}:
			default:
			}
		}
	}
}

// stopGroup sends TERM and CONT to what is left of process group pgid
// after its leader has exited. The group outlives its leader only while
// it has members, and its id cannot be reused by another process until
// then; ESRCH means nothing is left.
func stopGroup(pgid int) {
	syscall.Kill(-pgid, syscall.SIGTERM)
	syscall.Kill(-pgid, syscall.SIGCONT)
}

// isEssential reports whether the service directory dirfd holds a file
// named essential.
func isEssential(dirfd int) bool {
	var st unix.Stat_t
	return unix.Fstatat(dirfd, "essential", &st, 0) == nil
}

func (s *Scanner) serviceWarn(err error) {
	var start *StartError
	s.warn(&ServiceError{Fatal: errors.As(err, &start), Err: err})
}

func (s *Scanner) warn(err error) {
	if s.cfg.Warn != nil {
		s.cfg.Warn(err)
	}
}

// onEvents handles what inotify reported.
func (s *Scanner) onEvents(evs []inotifyEvent) {
	for _, ev := range evs {
		switch {
		case ev.mask&unix.IN_Q_OVERFLOW != 0:
			s.scan()
		case ev.mask&unix.IN_IGNORED != 0:
			if m := s.waiting[ev.wd]; m != nil { // its directory is gone
				delete(s.waiting, ev.wd)
				m.wd = 0
			}
		case ev.wd == s.dirWD:
			s.scanEntry(ev.name, true)
		case ev.name == "run" && s.waiting[ev.wd] != nil:
			s.supervise(s.waiting[ev.wd].slot, true)
		}
	}
}

// onEnded is told that m's Run has returned: after svc -x, or during a
// shutdown. Outside a shutdown the next scan supervises it again if its
// directory is still in the scan directory (COMPAT §13.10).
func (s *Scanner) onEnded(m *member, stopping bool) {
	m.svc = nil
	s.running--
	if stopping && !m.isLog() {
		m.slot.closeWriter()
	}
}

// beginShutdown stops every main service and lets every logger drain;
// the foreground command gets sig.
func (s *Scanner) beginShutdown(sig syscall.Signal) {
	if s.stopping.Load() {
		return
	}
	s.stopping.Store(true)
	s.command.signal(sig)
	s.command.signal(syscall.SIGCONT)
	for _, sl := range s.slots {
		if sl.main.svc != nil {
			sl.main.svc.Shutdown()
		} else {
			sl.closeWriter()
		}
		if sl.log != nil && sl.log.svc != nil {
			sl.log.svc.leaveWhenDown()
		}
	}
}

// atDeadline stops the loggers still running at the stop deadline: they
// have not read to end of input (a grandchild of the main service may
// hold the pipe open, or the main itself is still dying). Main services
// get their SIGKILL from their own Service at the same deadline, and the
// foreground command's process group gets it here.
func (s *Scanner) atDeadline() {
	s.command.signal(syscall.SIGKILL)
	for _, sl := range s.slots {
		if sl.log != nil && sl.log.svc != nil {
			sl.log.svc.Shutdown()
		}
	}
}

// closeWriter closes svscan's write end of the log pipe: once the main
// service and its children have exited too, the logger reads end of input.
func (sl *slot) closeWriter() {
	if sl.pipeW != nil {
		sl.pipeW.Close()
		sl.pipeW = nil
	}
}

// drop forgets a slot whose directory has gone and whose services ended.
func (s *Scanner) drop(sl *slot) {
	for _, m := range []*member{&sl.main, sl.log} {
		if m != nil {
			s.unwatch(m)
			m.dir.Close()
		}
	}
	sl.closeWriter()
	if sl.pipeR != nil {
		sl.pipeR.Close()
	}
}

// release closes everything once Run is over.
func (s *Scanner) release() {
	close(s.done)
	if s.watch != nil {
		s.watch.close()
	}
	for id, sl := range s.slots {
		s.drop(sl)
		delete(s.slots, id)
	}
}

// leaveWhenDown is svc -x from inside the process: the service is not
// restarted, and its supervision ends when ./run exits by itself.
func (s *Service) leaveWhenDown() {
	select {
	case s.control <- []byte{'x'}:
	case <-s.done:
	}
}
