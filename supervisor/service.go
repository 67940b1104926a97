package supervisor

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"gotools/applets/message"
)

// Config is what a Service needs from its caller.
type Config struct {
	// Name is the directory as messages name it (0.76 prints the argument
	// as given: "unable to start DIR/run").
	Name string
	// Label is how hints name the directory, where that is not Name:
	// svscan's logger of NAME is "log" in 0.76's messages, NAME/log in
	// hints.
	Label string
	// Dir is the service directory, held open (see OpenDir). The Service
	// works on it alone, never on Name, and does not close it.
	Dir *os.File
	// Stdin, Stdout and Stderr become fds 0–2 of ./run and ./finish; nil
	// means closed. svscan passes its log pipe ends here.
	Stdin, Stdout, Stderr *os.File
	Env                   []string // environment of ./run and ./finish
	// Reaper is the process's single reaper.
	Reaper *Reaper
	// Warn receives problems that do not stop supervision: warnings,
	// except a failure to start ./run, a *message.Error of level Fatal
	// (0.76's "fatal: unable to start DIR/run", printed by a supervise
	// that goes on, docs/differences.md).
	Warn func(err error)
	// Observe, if set, is told of state changes from the Service's own
	// goroutine; it must return quickly.
	Observe func(Event)
	// StopTimeout is the SIGKILL deadline of Shutdown (DefaultStopTimeout
	// if zero).
	StopTimeout time.Duration
	// Adopt, if set, takes over a ./run that an earlier supervisor of Dir
	// left running (recorded in supervise/xstatus, see adopt.go) instead
	// of starting a second one.
	Adopt bool
	// controls, if set, reads supervise/control for this Service along
	// with the others of the process (controls.go).
	controls *controlPoller
	// Host, if set, may take over this service's ./run when it turns out
	// to be gotools' multilog (hosted.go): svscan sets it for loggers.
	Host *LoggerHost
	// WaitLock, if set, makes a supervise/lock held by someone else no
	// error for Open: Run tries again for a moment (lockwait.go) before it
	// gives up with that error.
	WaitLock bool
}

// label is how hints name the directory.
func (c Config) label() string {
	if c.Label == "" {
		return c.Name
	}
	return c.Label
}

// EventKind says what happened to a service.
type EventKind int

const (
	Started EventKind = iota // ./run started (Pid)
	Ready                    // ./run signalled readiness (Pid)
	Exited                   // ./run exited (Pid, Status); ./finish runs next if present
	Down                     // ./run and ./finish are both gone
)

func (k EventKind) String() string {
	return [...]string{"started", "ready", "exited", "down"}[k]
}

// Event is a state change reported to Config.Observe. A supervisor that
// ends (x, Shutdown) reports nothing more: Run returns.
type Event struct {
	Kind   EventKind
	Pid    int
	Status syscall.WaitStatus // for Exited
	// Final, for Down, says that ./run will not be started again unless
	// someone asks: want is down or once (svc -d, svc -o, or ./finish
	// exited 125). svscan's essential services stop the tree on it.
	Final bool
}

// Service supervises one service directory. Only its Run goroutine touches
// its state; everything else reaches it as an event on a channel.
type Service struct {
	cfg     Config
	dirfd   int
	dir     fileID // what dirfd is, for the records (adopt.go)
	m       *machine
	sp      spawner
	files   *superviseFiles // nil in tests, and while waiting for the lock
	lockErr error           // set while Run is to wait for the lock
	store   func(Status, Extended)
	exits   chan Exit
	control chan []byte
	ready   chan int
	stop    chan struct{}
	done    chan struct{}
	// handovers brings the requests of this service's ./run to hand its
	// logger over; hosted is the logger taken, until its end is handled.
	handovers chan *handover
	hosted    *hostedLogger
	lost      chan int // a holder that died, whose pid a hosted logger may show
	// hinted is the hint last printed with a failed start: the same one
	// is not printed again until a start has succeeded (the cause went
	// away) or another cause came.
	hinted string
}

// Open does supervise's start-up in cfg.Dir (startup steps 3–8 of
// docs/supervise.md, with Debian's repair of a supervise symlink): it reads "down", creates
// supervise/, takes the lock, opens the FIFOs and writes the first status.
// Errors carry 0.76's wording; Run then starts ./run unless "down" exists.
func Open(cfg Config) (*Service, error) {
	if cfg.StopTimeout == 0 {
		cfg.StopTimeout = DefaultStopTimeout
	}
	dirfd := int(cfg.Dir.Fd())
	w := wantUp
	var st unix.Stat_t
	switch err := unix.Fstatat(dirfd, "down", &st, 0); err {
	case nil:
		w = wantDown
	case unix.ENOENT:
	default:
		return nil, fmt.Errorf("unable to stat %s/down: %w", cfg.Name, err)
	}
	if err := makeSuperviseDir(dirfd); err != nil {
		return nil, err
	}
	s := newService(cfg, newMachine(time.Now(), w, cfg.StopTimeout))
	s.dirfd, s.dir = dirfd, dirID(dirfd)
	s.store = s.writeStatus
	s.sp = &forkSpawner{
		name:   cfg.Name,
		dirfd:  dirfd,
		stdio:  [3]*os.File{cfg.Stdin, cfg.Stdout, cfg.Stderr},
		env:    cfg.Env,
		reaper: cfg.Reaper,
		exits:  s.exits,
		ready:  s.ready,
		done:   s.done,
		warn:   s.warn,
	}
	files, err := lockSupervise(dirfd, cfg.Name, cfg.label())
	if err != nil {
		if cfg.WaitLock && errors.Is(err, unix.EWOULDBLOCK) {
			s.lockErr = err
			return s, nil
		}
		return nil, err
	}
	if err := s.begin(files); err != nil {
		return nil, err
	}
	return s, nil
}

// begin is the start-up once supervise/lock is held: adoption, the first
// status, then supervise/ok.
func (s *Service) begin(files *superviseFiles) error {
	if files.controlPolled {
		s.warn(fmt.Errorf("%s/supervise/control is not a FIFO: reading it once a second", s.cfg.Name))
	}
	if s.cfg.Adopt {
		s.adopt()
	}
	s.announce()
	if err := files.openOk(s.dirfd, s.cfg.Name); err != nil {
		files.close()
		return err
	}
	s.files = files
	return nil
}

func newService(cfg Config, m *machine) *Service {
	return &Service{
		cfg:     cfg,
		m:       m,
		exits:   make(chan Exit, 4), // a service has at most one child at a time
		control: make(chan []byte),
		ready:   make(chan int),
		stop:    make(chan struct{}, 1),
		done:    make(chan struct{}),

		handovers: make(chan *handover),
		lost:      make(chan int),
	}
}

// Shutdown asks the service to stop for good: d and x, and SIGKILL for a
// ./run still there after Config.StopTimeout. Safe from any goroutine.
func (s *Service) Shutdown() {
	select {
	case s.stop <- struct{}{}:
	default: // one request is pending already
	}
}

// leaveWhenDown is svc -x from inside the process: the service is not
// restarted, and its supervision ends when ./run exits by itself. It
// waits until Run takes the request or has returned.
func (s *Service) leaveWhenDown() {
	select {
	case s.control <- []byte{'x'}:
	case <-s.done:
	}
}

// Run supervises until x or Shutdown and the service is down, then
// releases supervise/lock and the FIFOs. Problems along the way go to
// Config.Warn; the error is a start-up error that Open left to Run
// (Config.WaitLock).
func (s *Service) Run() error {
	defer close(s.done)
	if s.lockErr != nil {
		if ok, err := s.awaitLock(); !ok {
			return err
		}
	}
	if s.files != nil {
		defer s.files.close()
		defer s.watchControl()() // undone before the files close
	}
	timer := time.NewTimer(0)
	timer.Stop()
	var timerC <-chan time.Time
	s.handle(evWake{})
	for !s.m.done {
		if d := s.m.deadline(); d.IsZero() {
			timer.Stop()
			timerC = nil
		} else {
			timer.Reset(time.Until(d))
			timerC = timer.C
		}
		// Exits first: a kill must never go to a pid already reaped.
		select {
		case ex := <-s.exits:
			s.reaped(ex)
			continue
		default:
		}
		select {
		case ex := <-s.exits:
			s.reaped(ex)
		case req := <-s.handovers:
			s.takeHandover(req)
		case pid := <-s.lost:
			if s.hosted != nil && s.hosted.pid == pid {
				s.handle(evControl{'k'})
			}
		case cmds := <-s.control:
			for _, c := range cmds {
				if s.m.done {
					break
				}
				s.handle(evControl{c})
			}
		case pid := <-s.ready:
			s.handle(evReady{pid})
		case <-s.stop:
			s.handle(evShutdown{})
		case <-timerC:
			s.handle(evWake{})
		}
	}
	return nil
}

// watchControl starts passing supervise/control to the loop: through the
// process's control poller if it has one (svscan), else by a goroutine of
// the Service's own (readControl). The result undoes it.
func (s *Service) watchControl() (undo func()) {
	f := s.files.control
	if p := s.cfg.controls; p != nil && !s.files.controlPolled && p.watch(f, s.control, s.done) == nil {
		return func() { p.unwatch(f) }
	}
	go s.readControl(f, s.files.controlPolled) // ends when the files close
	return func() {}
}

// controlPollInterval is how often a control that is not a FIFO is read.
const controlPollInterval = time.Second

// readControl passes everything written to supervise/control to the loop,
// as it arrives: the FIFO is drained at each wake-up (docs/differences.md).
//
// A control that is not a FIFO (polled) is read once per
// controlPollInterval, end of file included: 0.76 reads a regular file's
// appended bytes too, but as fast as it can, and a symlink to /dev/zero
// would cost a whole core for good.
func (s *Service) readControl(f *os.File, polled bool) {
	buf := make([]byte, 512)
	var tick *time.Ticker
	if polled {
		tick = time.NewTicker(controlPollInterval)
		defer tick.Stop()
	}
	for {
		n, err := f.Read(buf)
		if n > 0 {
			select {
			case s.control <- append([]byte(nil), buf[:n]...):
			case <-s.done:
				return
			}
		}
		switch {
		case polled && (err == nil || err == io.EOF):
			select {
			case <-tick.C:
			case <-s.done:
				return
			}
		case err != nil:
			return // closed by Run on the way out
		}
	}
}

// handle steps the machine and carries out its effects; the results of
// starting a program are fed back as events before anything else happens.
func (s *Service) handle(ev event) {
	queue := s.m.step(time.Now(), ev)
	for len(queue) > 0 {
		e := queue[0]
		queue = queue[1:]
		if next := s.handleEffect(e); next != nil {
			queue = append(queue, s.m.step(time.Now(), next)...)
		}
	}
}

// handleEffect carries out one effect; the result, if the effect asked
// something, is an event for the machine.
func (s *Service) handleEffect(e effect) event {
	switch e := e.(type) {
	case startRun:
		return s.startProg(runProg, "run")
	case startFinish:
		if s.sp.hasFinish() {
			return s.startProg(finishProg, "finish", fmt.Sprint(e.code), fmt.Sprint(e.signal))
		}
		return evStartFailed{} // no ./finish: done at once
	case release:
		if err := s.sp.release(e.pid); err != nil {
			return evExecFailed{e.pid, s.startError(e.file, err)}
		}
		s.hinted = ""
		return evReleased{e.pid}
	case kill:
		if s.hosted != nil && e.pid == s.hosted.pid {
			s.hosted.signal(e.sig) // never to the pid shown: it is the holder's
		} else {
			s.sp.signal(e.pid, e.sig)
		}
	case announce:
		s.announce()
	case warn:
		s.warn(e.err)
	case notify:
		if e.ev.Kind == Exited {
			s.sp.runExited()
		}
		if s.cfg.Observe != nil {
			s.cfg.Observe(e.ev)
		}
	default:
		s.warn(unexpected(e))
	}
	return nil
}

func (s *Service) startProg(prog, file string, args ...string) event {
	pid, procStart, err := s.sp.start(prog, args...)
	if err != nil {
		return evStartFailed{s.startError(file, err)}
	}
	if s.cfg.Host != nil && prog == runProg {
		s.cfg.Host.register(pid, s)
	}
	return evStarted{pid, procStart}
}

// reaped handles the exit of a child, or the end of the hosted logger.
func (s *Service) reaped(ex Exit) {
	if s.cfg.Host != nil {
		s.cfg.Host.unregister(ex.Pid)
	}
	if s.hosted != nil && ex.Pid == s.hosted.pid {
		s.hosted = nil
		s.cfg.Host.hosting(s, false)
	}
	s.handle(evExit{ex})
}

// offer passes a handover request to the Run loop and returns its answer;
// false once the Service has ended.
func (s *Service) offer(req *handover) bool {
	select {
	case s.handovers <- req:
		return <-req.reply
	case <-s.done:
		return false
	}
}

// takeHandover takes the logger of req if req comes from the ./run that
// runs now, no logger is hosted already, the directory does not opt out
// (no-hosting), the logger reads this service's own stdin, and this
// process can act as its account. The logger then runs here, and the
// status names the pid of the tree's holder (docs/design.md).
func (s *Service) takeHandover(req *handover) {
	ok := s.m.phase == phaseUp && s.m.pid == req.pid && !s.m.hosted && s.hosted == nil &&
		!s.exists(noHostingFile) && sameFile(req.files[0], s.cfg.Stdin)
	pid, procStart := 0, uint64(0)
	if ok {
		pid, procStart = s.cfg.Host.shown()
		ok = pid != 0
	}
	if ok {
		h, err := newHostedLogger(req, pid, s.cfg.Host)
		if ok = err == nil; ok {
			s.hosted = h
			s.cfg.Host.hosting(s, true)
			go func() { s.exits <- Exit{Pid: h.pid, Status: h.run()} }()
			s.handle(evHosted{orig: req.pid, pid: pid, procStart: procStart})
		}
	}
	req.reply <- ok
}

// holderLost is LoggerHost.holderLost's message to the Run loop.
func (s *Service) holderLost(pid int) {
	select {
	case s.lost <- pid:
	case <-s.done:
	}
}

// noHostingFile in a logger's directory keeps its multilog a process.
const noHostingFile = "no-hosting"

func (s *Service) exists(name string) bool {
	var st unix.Stat_t
	return s.dirfd != 0 && unix.Fstatat(s.dirfd, name, &st, 0) == nil
}

// sameFile reports whether a and b are the same file (a pipe: the same
// pipe).
func sameFile(a, b *os.File) bool {
	if a == nil || b == nil {
		return false
	}
	var sa, sb unix.Stat_t
	return unix.Fstat(int(a.Fd()), &sa) == nil && unix.Fstat(int(b.Fd()), &sb) == nil && sa.Dev == sb.Dev && sa.Ino == sb.Ino
}

// startError is a failure to exec file (run or finish): fatal in
// wording, though supervision goes on; with a hint if it has one that was
// not the last printed.
func (s *Service) startError(file string, err error) error {
	hint := ""
	if s.dirfd != 0 {
		hint = startHint(s.dirfd, s.cfg.label(), file, err)
	}
	if hint == s.hinted {
		hint = ""
	} else {
		s.hinted = hint
	}
	return &message.Error{Level: message.Fatal, Err: fmt.Errorf("unable to start %s/%s: %w", s.cfg.Name, file, err), Hint: hint}
}

func (s *Service) announce() { s.store(s.m.status(), s.m.extended()) }

// writeStatus writes supervise/status, then supervise/xstatus.
func (s *Service) writeStatus(st Status, x Extended) {
	b, _ := st.MarshalBinary()
	if err := writeStatusFile(s.dirfd, s.cfg.Name, "status", b); err != nil {
		s.warn(err)
	}
	x.DirDev, x.DirIno, x.BootID = s.dir.dev, s.dir.ino, bootID()
	b, _ = x.MarshalText()
	if err := writeStatusFile(s.dirfd, s.cfg.Name, XStatusFile, b); err != nil {
		s.warn(err)
	}
}

func (s *Service) warn(err error) {
	if s.cfg.Warn != nil {
		s.cfg.Warn(err)
	}
}
