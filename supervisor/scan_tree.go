package supervisor

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"gotools/applets/message"
)

// treePhase is where a scanner is in its life.
type treePhase int

const (
	treeRunning  treePhase = iota // scanning and supervising
	treeDraining                  // stopping: mains are stopped, loggers read their pipes to the end
	treeSweeping                  // PID 1, everything ended: the namespace's other processes are stopped
	treeDone                      // Run returns
)

func (p treePhase) String() string {
	return [...]string{"running", "draining", "sweeping", "done"}[p]
}

// sweepPoll is how often svscan looks for stragglers after their TERM.
// Nothing tells PID 1 when the last process of the namespace is gone
// (orphans are reaped one by one, and some may not be our children yet).
const sweepPoll = 10 * time.Millisecond

// errReplaced is the result of an effOpen whose directory is not the one
// stat saw any more: the next scan sees the new one.
var errReplaced = errors.New("replaced since it was stat'ed")

// tree is the state of svscan (docs/svscan.md, docs/differences.md): its slots and
// how far the shutdown has gone. It is pure: step changes it and returns
// effects, and only the scanner's Run goroutine calls it. Deadlines are
// absolute times kept in the state (deadline).
type tree struct {
	phase     treePhase
	init      bool // PID 1 of its namespace: sweep it at the end
	command   bool // there is a foreground command to start
	stopAfter time.Duration

	slots   map[fileID]*treeSlot
	order   []*treeSlot // the slots in the order they were made
	running int         // members whose Service runs (Run has not returned)
	pid     int         // the foreground command while it runs (its process group), else 0

	stopBy time.Time // the stop deadline, once draining
	passed bool      // stopBy has passed
	pollAt time.Time // sweeping: when to look for stragglers again

	ending Ending
	err    error // the foreground command could not be started
}

// treeSlot is one service directory, with its logger if it has one.
type treeSlot struct {
	id   fileID
	name string // the name it was last seen under
	seen bool   // seen by the current full scan
	// paired is set once ./run exists and the log pairing is decided;
	// before that the slot only waits for ./run (docs/differences.md).
	paired bool
	logged bool // it has a logger and a log pipe
	// writer: svscan's write end of the log pipe is open. It is closed at
	// shutdown once the main service is down: the logger then reads to
	// end of input and exits by itself.
	writer    bool
	main, log treeMember
}

// treeMember is a slot's main service or its logger.
type treeMember struct {
	running bool               // its Service runs (from effStart until evServiceEnded)
	name    string             // how the ending names it: NAME or NAME/log, as when it started
	last    syscall.WaitStatus // its ./run's last exit
}

func newTree(stopAfter time.Duration, init, command bool) *tree {
	return &tree{stopAfter: stopAfter, init: init, command: command, slots: make(map[fileID]*treeSlot)}
}

func (t *tree) member(k memberKey) *treeMember {
	sl := t.slots[k.id]
	switch {
	case sl == nil:
		return nil
	case k.log:
		return &sl.log
	}
	return &sl.main
}

// step applies one event at time now.
func (t *tree) step(now time.Time, ev treeEvent) []treeEffect {
	if t.phase == treeDone {
		return nil
	}
	var effs []treeEffect
	switch ev := ev.(type) {
	case evTreeStart:
		effs = []treeEffect{effScan{}}
		if t.command {
			effs = append(effs, effStartCommand{})
		}
	case evTick:
		if t.phase == treeRunning {
			effs = []treeEffect{effScan{}}
		}
	case evScanFailed:
		effs = []treeEffect{effWarn{fmt.Errorf("unable to read directory: %w", ev.err)}}
	case evScanBegin:
		for _, sl := range t.order {
			sl.seen = false
		}
	case evEntry:
		effs = t.entry(ev)
	case evScanEnd:
		effs = t.forget()
	case evOpened:
		effs = t.opened(ev)
	case evRunLooked:
		effs = t.runLooked(ev)
	case evRunAppeared:
		if sl := t.slots[ev.key.id]; sl != nil && t.phase == treeRunning {
			effs = t.supervise(sl, true)
		}
	case evPaired:
		effs = t.paired(ev)
	case evServiceStarted:
		effs = t.serviceStarted(ev)
	case evRunExited:
		effs = t.runExited(ev)
	case evStoppedForGood:
		if m := t.member(ev.key); m != nil && ev.essential && t.phase == treeRunning {
			t.ending = Ending{Essential: m.name, Status: m.last}
			effs = t.shutdown(now, syscall.SIGTERM)
		}
	case evServiceEnded:
		effs = t.serviceEnded(ev.key, ev.err)
	case evCommandStarted:
		t.pid, t.err = ev.pid, ev.err
		if ev.err != nil {
			effs = t.shutdown(now, syscall.SIGTERM)
		}
	case evCommandExited:
		effs = t.commandExited(now, ev.status)
	case evStopRequested:
		effs = t.shutdown(now, ev.sig)
	case evForward:
		if t.pid != 0 {
			effs = []treeEffect{effSignalGroup{t.pid, ev.sig}}
		}
	case evDeadline:
		effs = t.wake(now)
	case evStragglers:
		if t.phase == treeSweeping {
			if !ev.left {
				t.phase = treeDone
			}
			t.pollAt = now.Add(sweepPoll)
		}
	default:
		effs = []treeEffect{effWarn{unexpected(ev)}}
	}
	return append(effs, t.settle(now)...)
}

// entry decides what a scan does with one directory entry (docs/svscan.md).
// From inotify (eager) an entry that has vanished again is no news.
func (t *tree) entry(ev evEntry) []treeEffect {
	if t.phase != treeRunning {
		return nil
	}
	switch classify(ev.name, ev.dir, ev.err) {
	case entrySkip:
		return nil
	case entryStatErr:
		if !ev.eager || ev.err != unix.ENOENT {
			return []treeEffect{effWarn{fmt.Errorf("unable to stat %s: %w", ev.name, ev.err)}}
		}
		return nil
	}
	sl := t.slots[ev.id]
	if sl == nil {
		return []treeEffect{effOpen{ev.name, ev.id, ev.eager}}
	}
	return t.seen(sl, ev.name, ev.eager)
}

// entryKind is what a scan does with one directory entry.
type entryKind int

const (
	entrySkip    entryKind = iota // a dot name, or not a directory: ignored
	entryStatErr                  // stat failed: warn, and try again next scan
	entryService                  // a directory: a service
)

// classify decides from an entry's name and the result of stat (which
// follows symlinks) what a scan does with it (docs/svscan.md).
func classify(name string, dir bool, err error) entryKind {
	switch {
	case name == "" || name[0] == '.':
		return entrySkip
	case err != nil:
		return entryStatErr
	case !dir:
		return entrySkip
	}
	return entryService
}

func (t *tree) opened(ev evOpened) []treeEffect {
	switch {
	case ev.err == nil:
	case ev.err == errReplaced || errors.Is(ev.err, unix.ENOENT):
		return nil
	default:
		return []treeEffect{effWarn{superviseFatal(ev.err)}}
	}
	sl := t.slots[ev.id]
	if sl == nil {
		sl = &treeSlot{id: ev.id, name: ev.name}
		t.slots[ev.id] = sl
		t.order = append(t.order, sl)
	}
	return t.seen(sl, ev.name, ev.eager)
}

// noRun is the hint a full scan gives for a directory without ./run
// (0.76 prints nothing and tries again each scan; svscan starts it as soon
// as ./run appears). The executor prints it once (Scanner.hintOnce).
func noRun(sl *treeSlot, log bool) error {
	name := sl.name
	if log {
		name += "/log"
	}
	return &message.Error{Program: "svscan", Level: message.Hint,
		Err: fmt.Errorf("%s has no run file yet: it is supervised once %s/run exists", name, name)}
}

// superviseFatal is what 0.76 prints as a fatal error of a supervise
// process: it could not take the directory, or could not start.
func superviseFatal(err error) error { return message.Of("supervise", message.Fatal, err) }

// seen marks a slot seen under name; a slot whose main service is not
// supervised takes the name it was last seen under.
func (t *tree) seen(sl *treeSlot, name string, eager bool) []treeEffect {
	sl.seen = true
	if !sl.main.running {
		sl.name = name
	}
	return t.supervise(sl, eager)
}

// supervise starts whatever of the slot is not supervised: the main
// service, then its logger (0.76's order), each once its ./run exists. A
// full scan starts a ./run that merely exists, and the service's restart
// loop reports why it fails; from inotify (eager) it must be executable.
func (t *tree) supervise(sl *treeSlot, eager bool) []treeEffect {
	if !sl.paired {
		return []treeEffect{effLookRun{memberKey{sl.id, false}, eager}}
	}
	var effs []treeEffect
	if !sl.main.running {
		effs = append(effs, t.start(sl, false))
	}
	if sl.logged && !sl.log.running {
		effs = append(effs, effLookRun{memberKey{sl.id, true}, eager})
	}
	return effs
}

// start marks a member running from the moment its start is asked for, so
// that a second name of the same slot in the same scan starts nothing.
func (t *tree) start(sl *treeSlot, log bool) treeEffect {
	m, name, label := &sl.main, sl.name, sl.name
	if log {
		m, name, label = &sl.log, "log", sl.name+"/log"
	}
	*m = treeMember{running: true, name: label}
	t.running++
	return effStart{memberKey{sl.id, log}, name, label}
}

func (t *tree) runLooked(ev evRunLooked) []treeEffect {
	sl := t.slots[ev.key.id]
	switch {
	case sl == nil:
		return nil
	case !ev.present && !ev.eager:
		return []treeEffect{effWarn{noRun(sl, ev.key.log)}}
	case !ev.present:
		return nil
	}
	switch {
	case ev.key.log:
		if !sl.log.running {
			return []treeEffect{t.start(sl, true)}
		}
		return nil
	case !sl.paired:
		return []treeEffect{effPair{sl.id, sl.name, ev.eager}}
	}
	return t.supervise(sl, ev.eager)
}

// paired records whether the slot has a logger: NAME/log must be a
// directory (docs/differences.md; 0.76 pairs any file type). It is decided once:
// creating or removing NAME/log later changes nothing for this slot.
func (t *tree) paired(ev evPaired) []treeEffect {
	sl := t.slots[ev.id]
	switch {
	case sl == nil || sl.paired:
		return nil
	case ev.err != nil:
		return []treeEffect{effWarn{ev.err}}
	}
	sl.paired, sl.logged, sl.writer = true, ev.logged, ev.logged
	return t.supervise(sl, ev.eager)
}

// serviceStarted: a member whose Service could not be opened (its lock
// is held by someone else, say) is tried again at the next scan, as 0.76
// restarts its supervise.
func (t *tree) serviceStarted(ev evServiceStarted) []treeEffect {
	m := t.member(ev.key)
	if ev.err == nil || m == nil || !m.running {
		return nil
	}
	m.running = false
	t.running--
	return []treeEffect{effWarn{superviseFatal(ev.err)}}
}

// runExited: during a shutdown, once a main ./run has exited, what it left
// running in its own process group (the sleep of a shell loop, say) gets
// TERM and CONT: it would otherwise keep the log pipe open, and the
// logger would wait for it to end.
func (t *tree) runExited(ev evRunExited) []treeEffect {
	m := t.member(ev.key)
	if m == nil {
		return nil
	}
	m.last = ev.status
	if ev.key.log || t.phase == treeRunning {
		return nil
	}
	return stopGroup(ev.pid)
}

// stopGroup sends TERM and CONT to what is left of process group pgid
// after its leader has exited. The group outlives its leader only while
// it has members, and its id cannot be reused by another process until
// then; ESRCH means nothing is left.
func stopGroup(pgid int) []treeEffect {
	return []treeEffect{effSignalGroup{pgid, syscall.SIGTERM}, effSignalGroup{pgid, syscall.SIGCONT}}
}

// serviceEnded: a member's Run has returned, after svc -x or during a
// shutdown, or because the supervise/lock it waited for stayed taken (err).
// Outside a shutdown the next scan supervises it again if its directory is
// still in the scan directory (docs/differences.md).
func (t *tree) serviceEnded(k memberKey, err error) []treeEffect {
	m := t.member(k)
	if m == nil || !m.running {
		return nil
	}
	m.running = false
	t.running--
	var effs []treeEffect
	if err != nil {
		effs = append(effs, effWarn{superviseFatal(err)})
	}
	if k.log || t.phase == treeRunning {
		return effs
	}
	return append(effs, t.closeWriter(t.slots[k.id])...)
}

func (t *tree) closeWriter(sl *treeSlot) []treeEffect {
	if !sl.writer {
		return nil
	}
	sl.writer = false
	return []treeEffect{effCloseWriter{sl.id}}
}

// forget drops, after a full scan, the slots whose directory has gone and
// whose services have all ended.
func (t *tree) forget() []treeEffect {
	var effs []treeEffect
	kept := t.order[:0]
	for _, sl := range t.order {
		if sl.seen || sl.main.running || sl.log.running {
			kept = append(kept, sl)
			continue
		}
		delete(t.slots, sl.id)
		effs = append(effs, effDrop{sl.id})
	}
	clear(t.order[len(kept):])
	t.order = kept
	return effs
}

// commandExited records the command's status (unless an essential
// service stopped the tree first) and stops the tree. What the command
// left in its process group gets TERM and CONT.
func (t *tree) commandExited(now time.Time, status syscall.WaitStatus) []treeEffect {
	if t.pid == 0 {
		return nil
	}
	effs := stopGroup(t.pid)
	t.pid = 0
	if t.ending.Essential == "" {
		t.ending.Status = status
	}
	return append(effs, t.shutdown(now, syscall.SIGTERM)...)
}

// shutdown begins the orderly stop of docs/svscan.md: every main service
// gets d and x at once; a logger is left to read its pipe to the end once
// its main service is down (its write end is closed then); the foreground
// command's process group gets sig, then CONT.
func (t *tree) shutdown(now time.Time, sig syscall.Signal) []treeEffect {
	if t.phase != treeRunning {
		return nil
	}
	t.phase, t.stopBy = treeDraining, now.Add(t.stopAfter)
	var effs []treeEffect
	if t.pid != 0 {
		effs = append(effs, effSignalGroup{t.pid, sig}, effSignalGroup{t.pid, syscall.SIGCONT})
	}
	for _, sl := range t.order {
		if sl.main.running {
			effs = append(effs, effShutdown{memberKey{sl.id, false}})
		} else {
			effs = append(effs, t.closeWriter(sl)...)
		}
		if sl.log.running {
			effs = append(effs, effLeaveWhenDown{memberKey{sl.id, true}})
		}
	}
	return effs
}

// wake acts on the deadlines that have passed. At the stop deadline the
// loggers still running have not read to end of input (a grandchild of
// the main service may hold the pipe open, or the main itself is still
// dying): they are shut down. Main services get their SIGKILL from their
// own Service at the same deadline, and the foreground command's process
// group gets it here. A sweep still going then ends with SIGKILL.
func (t *tree) wake(now time.Time) []treeEffect {
	var effs []treeEffect
	if t.phase != treeRunning && !t.passed && due(t.stopBy, now) {
		t.passed = true
		if t.pid != 0 {
			effs = append(effs, effSignalGroup{t.pid, syscall.SIGKILL})
		}
		for _, sl := range t.order {
			if sl.log.running {
				effs = append(effs, effShutdown{memberKey{sl.id, true}})
			}
		}
	}
	switch {
	case t.phase != treeSweeping:
	case t.passed:
		t.phase = treeDone
		effs = append(effs, effKillAll{})
	case due(t.pollAt, now):
		effs = append(effs, effCountStragglers{})
	}
	return effs
}

// settle ends a shutdown once every member has ended and the command has
// been reaped. A PID 1 that exits takes every process of its namespace
// with it (the kernel kills them with SIGKILL), so as PID 1 svscan first
// gives whatever else is still there (daemons a service left behind in
// sessions of their own, a `docker exec` shell) TERM and CONT, and ends
// when they are gone or at the stop deadline, after SIGKILL, as an init
// does at shutdown.
func (t *tree) settle(now time.Time) []treeEffect {
	if t.phase != treeDraining || t.running > 0 || t.pid != 0 {
		return nil
	}
	if !t.init {
		t.phase = treeDone
		return nil
	}
	t.phase = treeSweeping
	if t.passed {
		t.phase = treeDone
		return []treeEffect{effSweep{}, effKillAll{}}
	}
	t.pollAt = now.Add(sweepPoll)
	return []treeEffect{effSweep{}}
}

// deadline is when the tree next needs an evDeadline; zero for never.
func (t *tree) deadline() time.Time {
	var d time.Time
	if t.phase == treeDraining || t.phase == treeSweeping {
		if !t.passed {
			d = t.stopBy
		}
	}
	if t.phase == treeSweeping && (d.IsZero() || t.pollAt.Before(d)) {
		d = t.pollAt
	}
	return d
}
