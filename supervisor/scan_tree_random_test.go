package supervisor

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// treeDriver plays a random world around a tree: it answers the effects
// that ask something at random, and sends random events that could
// happen, as Scanner.Run would deliver them (results depth first).
type treeDriver struct {
	t     *testing.T
	seed  uint64
	r     *rand.Rand
	tree  *tree
	now   time.Time
	trace []string // the events so far, for failure messages
}

const randomSlots = 4

func (d *treeDriver) randomID() fileID { return idOf(uint64(1 + d.r.IntN(randomSlots))) }

func (d *treeDriver) randomKey() memberKey { return memberKey{d.randomID(), d.r.IntN(2) == 0} }

func (d *treeDriver) oneIn(n int) bool { return d.r.IntN(n) == 0 }

// entry is what stat says of a random name of the scan directory.
func (d *treeDriver) entry(eager bool) evEntry {
	id := d.randomID()
	ev := evEntry{name: fmt.Sprint("n", id.ino, d.r.IntN(2)), id: id, dir: true, eager: eager}
	switch d.r.IntN(8) {
	case 0:
		ev.dir = false
	case 1:
		ev.err = unix.ENOENT
	case 2:
		ev.name = ".hidden"
	}
	return ev
}

// answer is the world's reply to an effect, nil for effects that only act.
func (d *treeDriver) answer(e treeEffect) []treeEvent {
	switch e := e.(type) {
	case effScan:
		if d.oneIn(10) {
			return []treeEvent{evScanFailed{unix.EIO}}
		}
		evs := []treeEvent{evScanBegin{}}
		for range d.r.IntN(randomSlots + 2) {
			evs = append(evs, d.entry(false))
		}
		return append(evs, evScanEnd{})
	case effOpen:
		errs := []error{nil, nil, nil, unix.ENOENT, errReplaced, unix.EACCES}
		return []treeEvent{evOpened{e.name, e.id, errs[d.r.IntN(len(errs))], e.eager}}
	case effLookRun:
		return []treeEvent{evRunLooked{e.key, !d.oneIn(3), e.eager}}
	case effPair:
		var err error
		if d.oneIn(6) {
			err = unix.EMFILE
		}
		return []treeEvent{evPaired{e.id, d.oneIn(2), err, e.eager}}
	case effStart:
		var err error
		if d.oneIn(6) {
			err = unix.EAGAIN
		}
		return []treeEvent{evServiceStarted{e.key, err}}
	case effStartCommand:
		if d.oneIn(4) {
			return []treeEvent{evCommandStarted{err: unix.ENOENT}}
		}
		return []treeEvent{evCommandStarted{pid: 50}}
	case effSweep, effCountStragglers:
		return []treeEvent{evStragglers{d.oneIn(2)}}
	}
	return nil
}

// external is a random event from outside that could happen now.
func (d *treeDriver) external() treeEvent {
	for {
		switch d.r.IntN(11) {
		case 0:
			return evTick{}
		case 1:
			return d.entry(true)
		case 2:
			return evRunAppeared{d.randomKey()}
		case 3:
			return evRunExited{d.randomKey(), 100 + d.r.IntN(10), exitCode3}
		case 4:
			return evStoppedForGood{d.randomKey(), d.oneIn(3)}
		case 5, 6: // only what runs ends
			if k, ok := d.runningMember(); ok {
				return evServiceEnded{k, nil}
			}
		case 7:
			if d.tree.pid != 0 {
				return evCommandExited{exitCode3}
			}
		case 8:
			if d.oneIn(5) {
				return evStopRequested{syscall.SIGTERM}
			}
		case 9:
			return evForward{syscall.SIGUSR1}
		case 10:
			if dl := d.tree.deadline(); !dl.IsZero() {
				d.now = dl
				return evDeadline{}
			}
		}
	}
}

func (d *treeDriver) runningMember() (memberKey, bool) {
	for _, sl := range d.tree.order {
		for _, log := range []bool{false, true} {
			if d.tree.member(memberKey{sl.id, log}).running && d.oneIn(2) {
				return memberKey{sl.id, log}, true
			}
		}
	}
	return memberKey{}, false
}

// feed steps the tree, checks it, and answers its effects depth first.
func (d *treeDriver) feed(ev treeEvent) {
	d.trace = append(d.trace, fmt.Sprintf("%T%+v", ev, ev))
	before := d.tree.phase
	wasRunning := map[memberKey]bool{}
	for _, sl := range d.tree.order {
		wasRunning[memberKey{sl.id, false}] = sl.main.running
		wasRunning[memberKey{sl.id, true}] = sl.log.running
	}
	effs := d.tree.step(d.now, ev)
	d.check(before, wasRunning, effs)
	for _, e := range effs {
		for _, next := range d.answer(e) {
			d.feed(next)
		}
	}
}

// check verifies what must hold after every step.
func (d *treeDriver) check(before treePhase, wasRunning map[memberKey]bool, effs []treeEffect) {
	t := d.tree
	fail := func(format string, args ...any) {
		d.t.Helper()
		d.t.Fatalf("seed %d: %s\nafter %v", d.seed, fmt.Sprintf(format, args...), d.trace)
	}
	if t.phase < before {
		fail("phase went back from %v to %v", before, t.phase)
	}
	if !t.init && t.phase == treeSweeping {
		fail("sweeping without being PID 1")
	}
	running := 0
	if len(t.order) != len(t.slots) {
		fail("%d slots in order, %d in the map", len(t.order), len(t.slots))
	}
	for _, sl := range t.order {
		if t.slots[sl.id] != sl {
			fail("slot %v in order is not the map's", sl.id)
		}
		for _, m := range []treeMember{sl.main, sl.log} {
			if m.running {
				running++
			}
		}
		if sl.log.running && !sl.logged {
			fail("slot %v: logger runs without a log pipe", sl.id)
		}
		if sl.writer && !sl.logged {
			fail("slot %v: a writer without a log pipe", sl.id)
		}
	}
	if running != t.running {
		fail("running = %d, but %d members run", t.running, running)
	}
	if t.phase == treeDone && (t.running != 0 || t.pid != 0) {
		fail("done with %d members running and command %d", t.running, t.pid)
	}
	for _, e := range effs {
		switch e := e.(type) {
		case effScan, effOpen, effLookRun, effPair:
			if before != treeRunning {
				fail("%T while %v", e, before)
			}
		case effStart:
			if before != treeRunning || wasRunning[e.key] {
				fail("%T%+v while %v (running before: %v)", e, e, before, wasRunning[e.key])
			}
		case effDrop:
			if wasRunning[memberKey{e.id, false}] || wasRunning[memberKey{e.id, true}] {
				fail("dropped %v while it runs", e.id)
			}
		case effKillAll:
			if !t.init || !t.passed || t.phase != treeDone {
				fail("SIGKILL to all: init %v, deadline passed %v, phase %v", t.init, t.passed, t.phase)
			}
		case effSweep:
			if t.phase < treeSweeping || t.running != 0 {
				fail("sweep in phase %v with %d running", t.phase, t.running)
			}
		}
	}
}

// TestTreeRandomEvents runs seeded random worlds: the invariants hold after
// every step, and a shutdown always ends once what runs has ended, the
// command has exited and no straggler is left.
func TestTreeRandomEvents(t *testing.T) {
	for seed := uint64(1); seed <= 300; seed++ {
		r := rand.New(rand.NewPCG(seed, 0))
		d := &treeDriver{t: t, seed: seed, r: r, now: t0}
		d.tree = newTree(DefaultStopTimeout, d.oneIn(2), d.oneIn(2))
		d.feed(evTreeStart{})
		for range 200 {
			if d.tree.phase == treeDone {
				break
			}
			d.now = d.now.Add(time.Duration(r.IntN(500)) * time.Millisecond)
			d.feed(d.external())
		}
		// Wind down: stop, everything ends, the deadline passes.
		d.feed(evStopRequested{syscall.SIGTERM})
		for d.tree.phase != treeDone {
			switch k, ok := d.runningMember(); {
			case ok:
				d.feed(evServiceEnded{k, nil})
			case d.tree.pid != 0:
				d.feed(evCommandExited{0})
			default:
				if dl := d.tree.deadline(); dl.IsZero() {
					t.Fatalf("seed %d: stuck in %v with nothing to wait for\nafter %v", seed, d.tree.phase, d.trace)
				} else {
					d.now = dl
				}
				d.feed(evDeadline{})
			}
		}
	}
}
