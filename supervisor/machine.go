package supervisor

import (
	"syscall"
	"time"
)

// Timing rules of a supervised service.
const (
	// throttle is the least time between two starts of ./run (0.76 sleeps
	// one second after every start; here it is a deadline, so control
	// bytes are still acted on at once during the pause).
	throttle = time.Second
	// finishLimit is how long ./finish may run before it gets SIGKILL (s6).
	finishLimit = 5 * time.Second
	// DefaultStopTimeout is how long a stop for shutdown waits after TERM
	// before it sends SIGKILL to a ./run that ignores TERM (docs/differences.md).
	DefaultStopTimeout = 7 * time.Second
	// permanentFailure is the exit code of ./finish that means "do not
	// restart": want becomes down (s6's convention).
	permanentFailure = 125
)

// phase is which of the service's programs is running.
type phase int

const (
	phaseDown      phase = iota // neither ./run nor ./finish
	phaseStarting               // ./run is being spawned (within one step)
	phaseUp                     // ./run is running
	phaseFinishing              // ./finish is being spawned or running
)

func (p phase) String() string {
	return [...]string{"down", "starting", "up", "finishing"}[p]
}

// want is what the service should do when ./run is not running.
type want int

const (
	wantUp   want = iota // restart ./run whenever it exits
	wantDown             // leave it down
	wantOnce             // svc -o: started once, not restarted
)

func (w want) String() string { return [...]string{"up", "down", "once"}[w] }

// statusByte is the want byte of supervise/status (docs/service-directory.md).
func (w want) statusByte() byte {
	return [...]byte{WantUp, WantDown, WantOnce}[w]
}

// event is what the machine reacts to. The loop turns channel receives
// into these; evStarted and evStartFailed are the results of a startRun or
// startFinish effect, fed back at once by the executor. The unexported
// method seals the set: nothing else can be passed to step.
type event interface{ isEvent() }

type (
	evControl struct{ b byte } // one byte from supervise/control
	evExit    struct{ Exit }   // a child of this service was reaped
	evStarted struct {
		pid       int
		procStart uint64
	}
	evStartFailed struct{ err error } // nil: there is no ./finish to run
	// evReleased and evExecFailed are the results of a release effect:
	// the started program runs, or its exec failed.
	evReleased   struct{ pid int }
	evExecFailed struct {
		pid int
		err error
	}
	evReady struct{ pid int } // ./run wrote a newline to its notification fd
	// evHosted: the ./run orig handed its logger over (hosted.go); from
	// now on the logger is pid, the tree's holder, to the status.
	evHosted struct {
		orig, pid int
		procStart uint64
	}
	evWake     struct{} // start-up, or the deadline passed
	evShutdown struct{} // stop for shutdown: dx, then SIGKILL at the stop deadline
)

func (evControl) isEvent()     {}
func (evExit) isEvent()        {}
func (evStarted) isEvent()     {}
func (evStartFailed) isEvent() {}
func (evReleased) isEvent()    {}
func (evExecFailed) isEvent()  {}
func (evReady) isEvent()       {}
func (evHosted) isEvent()      {}
func (evWake) isEvent()        {}
func (evShutdown) isEvent()    {}

// effect is what the executor carries out, in order; sealed as event is.
type effect interface{ isEffect() }

type (
	startRun    struct{}
	startFinish struct{ code, signal int } // ./finish CODE SIGNAL
	kill        struct {
		pid int
		sig syscall.Signal
	}
	announce struct{} // write supervise/status and supervise/xstatus
	// release lets a started program, recorded by the announce before it,
	// exec (barrier.go). file is "run" or "finish", for messages.
	release struct {
		pid  int
		file string
	}
	warn   struct{ err error }
	notify struct{ ev Event }
)

func (startRun) isEffect()    {}
func (startFinish) isEffect() {}
func (kill) isEffect()        {}
func (release) isEffect()     {}
func (announce) isEffect()    {}
func (warn) isEffect()        {}
func (notify) isEffect()      {}

// controlSignals maps the control bytes that only send a signal to ./run
// (0.76's letters and encore's q, 1, 2, w; docs/supervise.md, docs/differences.md).
var controlSignals = map[byte]syscall.Signal{
	'a': syscall.SIGALRM,
	'h': syscall.SIGHUP,
	'i': syscall.SIGINT,
	'k': syscall.SIGKILL,
	't': syscall.SIGTERM,
	'q': syscall.SIGQUIT,
	'1': syscall.SIGUSR1,
	'2': syscall.SIGUSR2,
	'w': syscall.SIGWINCH,
}

// machine is one service's state. It is pure: step changes it and returns
// what to do, and only the service's own goroutine calls it. Deadlines are
// absolute times kept in the state; the loop arms one timer for the
// earliest (deadline).
type machine struct {
	phase   phase
	want    want
	exit    bool // svc -x: leave once down (a flag of its own: the want byte stays)
	paused  bool // svc -p; cleared by c, by d while up and by every start
	done    bool // exit requested and down: the loop ends
	pending bool // ./run should be started as soon as the throttle allows
	// restarting says the pending start follows an exit of ./run rather
	// than a u or o, and counts in restarts.
	restarting bool

	pid       int    // ./run while up, ./finish while finishing, else 0
	procStart uint64 // start time of pid in clock ticks since boot
	hosted    bool   // ./run is a logger hosted in this process (pid: the holder)
	changed   time.Time
	lastTry   time.Time // last attempt to start ./run
	finishBy  time.Time // SIGKILL for ./finish; zero when not armed
	killBy    time.Time // SIGKILL for ./run after a shutdown; zero when not armed
	stopAfter time.Duration

	ready      bool
	readySince time.Time
	lastExit   syscall.WaitStatus
	exited     bool // lastExit is valid
	restarts   int
}

// newMachine is a machine that has just written its first status at now.
func newMachine(now time.Time, w want, stopAfter time.Duration) *machine {
	return &machine{want: w, pending: w == wantUp, changed: now, stopAfter: stopAfter}
}

// step applies one event at time now.
func (m *machine) step(now time.Time, ev event) []effect {
	if m.done {
		return nil
	}
	var effs []effect
	switch ev := ev.(type) {
	case evControl:
		effs = m.control(now, ev.b)
	case evExit:
		effs = m.reaped(now, ev.Exit)
	case evStarted:
		effs = m.started(now, ev)
	case evStartFailed:
		effs = m.startFailed(now, ev.err)
	case evReleased:
		if m.phase == phaseUp && ev.pid == m.pid {
			m.restarting = false
			effs = []effect{notify{Event{Kind: Started, Pid: m.pid}}}
		}
	case evExecFailed:
		effs = m.execFailed(now, ev)
	case evReady:
		if m.phase == phaseUp && ev.pid == m.pid && !m.ready {
			m.ready, m.readySince = true, now
			effs = []effect{announce{}, notify{Event{Kind: Ready, Pid: m.pid}}}
		}
	case evHosted:
		if m.phase == phaseUp && ev.orig == m.pid && !m.hosted {
			m.pid, m.procStart, m.hosted = ev.pid, ev.procStart, true
			effs = []effect{announce{}}
		}
	case evWake:
		effs = m.wake(now)
	case evShutdown:
		m.exit, m.pending, m.want = true, false, wantDown
		if m.phase == phaseUp {
			effs = m.stop()
			if m.killBy.IsZero() { // a second TERM must not put off the SIGKILL
				m.killBy = now.Add(m.stopAfter)
			}
		}
		effs = append(effs, announce{})
	default:
		effs = []effect{warn{unexpected(ev)}}
	}
	if m.exit && m.phase == phaseDown {
		m.done = true
	}
	return effs
}

func (m *machine) control(now time.Time, b byte) []effect {
	up := m.phase == phaseUp
	var effs []effect
	switch b {
	case 'u', 'o':
		m.want = wantUp
		if b == 'o' {
			m.want = wantOnce
		}
		if !up {
			m.pending, m.restarting = true, false
		}
		return m.startIfDue(now, append(effs, announce{}))
	case 'd':
		m.want, m.pending = wantDown, false
		if up {
			effs = m.stop()
		}
	case 'x':
		m.exit, m.pending = true, false
	case 'p':
		m.paused = true
		if up {
			effs = append(effs, kill{m.pid, syscall.SIGSTOP})
		}
	case 'c':
		m.paused = false
		if up {
			effs = append(effs, kill{m.pid, syscall.SIGCONT})
		}
	default:
		if sig, ok := controlSignals[b]; ok && up {
			return []effect{kill{m.pid, sig}}
		}
		return nil // signals while nothing runs, and unknown bytes, change nothing
	}
	return append(effs, announce{})
}

// stop is 0.76's d: TERM then CONT, so a stopped ./run sees the TERM.
func (m *machine) stop() []effect {
	m.paused = false
	return []effect{kill{m.pid, syscall.SIGTERM}, kill{m.pid, syscall.SIGCONT}}
}

func (m *machine) reaped(now time.Time, ex Exit) []effect {
	if ex.Pid != m.pid || ex.Pid == 0 {
		return nil // not ours any more (or a stale event)
	}
	switch m.phase {
	case phaseUp:
		m.phase, m.pid, m.procStart, m.changed, m.hosted = phaseFinishing, 0, 0, now, false
		m.lastExit, m.exited = ex.Status, true
		m.ready, m.paused, m.killBy = false, false, time.Time{}
		code, sig := finishArgs(ex.Status)
		return []effect{notify{Event{Kind: Exited, Pid: ex.Pid, Status: ex.Status}}, startFinish{code, sig}}
	case phaseFinishing:
		if ex.Status.Exited() && ex.Status.ExitStatus() == permanentFailure {
			m.want, m.pending = wantDown, false
		}
		return m.down(now)
	}
	return nil
}

// finishArgs are ./finish's arguments for an exit of ./run: the exit code,
// or 256 when it was killed by a signal; the signal number, else 0.
func finishArgs(ws syscall.WaitStatus) (code, sig int) {
	if ws.Signaled() {
		return 256, int(ws.Signal())
	}
	return ws.ExitStatus(), 0
}

// down ends a finishing phase: ./run and ./finish are both gone.
func (m *machine) down(now time.Time) []effect {
	m.phase, m.pid, m.procStart, m.finishBy = phaseDown, 0, 0, time.Time{}
	if m.want == wantUp && !m.exit && !m.pending { // pending: a u or o came while finishing
		m.pending, m.restarting = true, true
	}
	final := !m.pending && m.want != wantUp
	effs := []effect{announce{}, notify{Event{Kind: Down, Final: final}}}
	return m.startIfDue(now, effs)
}

func (m *machine) started(now time.Time, ev evStarted) []effect {
	switch m.phase {
	case phaseStarting:
		// Recorded before the program runs a single instruction: the
		// announce comes before the release. A restart is counted now,
		// and uncounted if the exec fails (restarting stays set until
		// the release).
		m.phase, m.pid, m.procStart, m.changed = phaseUp, ev.pid, ev.procStart, now
		m.paused, m.ready, m.hosted = false, false, false
		if m.restarting {
			m.restarts++
		}
		return []effect{announce{}, release{ev.pid, "run"}}
	case phaseFinishing:
		m.pid, m.procStart, m.finishBy = ev.pid, ev.procStart, now.Add(finishLimit)
		return []effect{announce{}, release{ev.pid, "finish"}}
	}
	return nil
}

// execFailed: the program started at the barrier could not be exec'd. It
// never ran: the machine goes on as after a failed start.
func (m *machine) execFailed(now time.Time, ev evExecFailed) []effect {
	if ev.pid != m.pid || ev.pid == 0 {
		return nil
	}
	switch m.phase {
	case phaseUp:
		if m.restarting {
			m.restarts--
		}
		m.phase = phaseStarting
	case phaseFinishing:
		m.finishBy = time.Time{}
	}
	m.pid, m.procStart = 0, 0
	return m.startFailed(now, ev.err)
}

func (m *machine) startFailed(now time.Time, err error) []effect {
	var effs []effect
	if err != nil {
		effs = append(effs, warn{err})
	}
	switch m.phase {
	case phaseStarting:
		// docs/differences.md: down, want unchanged; retried after the throttle
		// while want is up (a failed o is not retried, as in 0.76). The
		// stamp moves, as 0.76's does with the start and exit of its child.
		m.phase, m.changed = phaseDown, now
		m.pending = m.want == wantUp && !m.exit
		return append(effs, announce{})
	case phaseFinishing:
		return append(effs, m.down(now)...)
	}
	return effs
}

func (m *machine) wake(now time.Time) []effect {
	var effs []effect
	if m.phase == phaseFinishing && m.pid != 0 && due(m.finishBy, now) {
		effs = append(effs, kill{m.pid, syscall.SIGKILL})
		m.finishBy = time.Time{}
	}
	if m.phase == phaseUp && due(m.killBy, now) {
		effs = append(effs, kill{m.pid, syscall.SIGKILL})
		m.killBy = time.Time{}
	}
	return m.startIfDue(now, effs)
}

func due(deadline, now time.Time) bool {
	return !deadline.IsZero() && !now.Before(deadline)
}

// startIfDue starts ./run when a start is pending and the last attempt was
// at least a second ago; otherwise deadline says when to come back.
func (m *machine) startIfDue(now time.Time, effs []effect) []effect {
	if m.phase != phaseDown || !m.pending || m.exit || now.Before(m.lastTry.Add(throttle)) {
		return effs
	}
	m.phase, m.pending, m.lastTry = phaseStarting, false, now
	return append(effs, startRun{})
}

// deadline is when the machine next needs an evWake; zero for never.
func (m *machine) deadline() time.Time {
	switch m.phase {
	case phaseDown:
		if m.pending && !m.exit {
			return m.lastTry.Add(throttle)
		}
	case phaseUp:
		return m.killBy
	case phaseFinishing:
		return m.finishBy
	}
	return time.Time{}
}
