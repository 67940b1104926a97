package supervisor

import (
	"fmt"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/sys/unix"

	"gotools/applets/message"
)

var treeOpts = cmp.Options{
	cmp.AllowUnexported(tree{}, treeSlot{}, treeMember{}, memberKey{}, fileID{}),
	cmp.AllowUnexported(effOpen{}, effLookRun{}, effPair{}, effStart{}, effWarn{}, effShutdown{},
		effLeaveWhenDown{}, effCloseWriter{}, effDrop{}, effSignalGroup{}),
	// Errors are equal when they print the same: program, level and text.
	cmp.Comparer(func(a, b error) bool {
		return a == b || a != nil && b != nil &&
			message.Lines("svscan", message.Warning, a) == message.Lines("svscan", message.Warning, b)
	}),
	cmpopts.EquateEmpty(),
}

func idOf(n uint64) fileID { return fileID{1, n} }

func mainOf(n uint64) memberKey { return memberKey{idOf(n), false} }
func logOf(n uint64) memberKey  { return memberKey{idOf(n), true} }

// treeWith is a running tree (stop timeout 7 s) holding slots.
func treeWith(slots ...*treeSlot) *tree {
	t := newTree(DefaultStopTimeout, false, false)
	for _, sl := range slots {
		t.slots[sl.id] = sl
		t.order = append(t.order, sl)
		for _, m := range []treeMember{sl.main, sl.log} {
			if m.running {
				t.running++
			}
		}
	}
	return t
}

// Slots a tree can hold: n is the inode, the name is "sN".
func waitingSlot(n uint64) *treeSlot { // ./run not there yet
	return &treeSlot{id: idOf(n), name: name(n), seen: true}
}
func plainSlot(n uint64) *treeSlot { // paired without a logger, main running
	sl := waitingSlot(n)
	sl.paired, sl.main = true, treeMember{running: true, name: name(n)}
	return sl
}
func loggedSlot(n uint64) *treeSlot { // main and logger running
	sl := plainSlot(n)
	sl.logged, sl.writer, sl.log = true, true, treeMember{running: true, name: name(n) + "/log"}
	return sl
}
func name(n uint64) string { return "s" + string(rune('0'+n)) }

func withSlot(sl *treeSlot, f func(*treeSlot)) *treeSlot { f(sl); return sl }
func withTree(t *tree, f func(*tree)) *tree              { f(t); return t }

// draining is t after a shutdown began at t0.
func draining(t *tree) *tree {
	t.phase, t.stopBy = treeDraining, t0.Add(DefaultStopTimeout)
	return t
}

func TestTreeSteps(t *testing.T) {
	now := t0.Add(time.Second)
	late := t0.Add(DefaultStopTimeout)
	errLocked := syscall.EAGAIN
	tests := []struct {
		name   string
		tree   func() *tree
		at     time.Time
		ev     treeEvent
		change func(*tree)
		effs   []treeEffect
	}{
		// Start and scans.
		{"start: the first scan", func() *tree { return treeWith() }, now, evTreeStart{},
			nil, []treeEffect{effScan{}}},
		{"start: the first scan, then the command", func() *tree { return newTree(DefaultStopTimeout, false, true) }, now, evTreeStart{},
			nil, []treeEffect{effScan{}, effStartCommand{}}},
		{"tick: a scan", func() *tree { return treeWith() }, now, evTick{}, nil, []treeEffect{effScan{}}},
		{"tick while draining: no scan", func() *tree { return draining(treeWith(plainSlot(1))) }, now, evTick{}, nil, nil},
		{"directory unreadable: warning", func() *tree { return treeWith() }, now, evScanFailed{unix.EACCES},
			nil, []treeEffect{effWarn{fmt.Errorf("unable to read directory: %w", unix.EACCES)}}},
		{"scan begins: nothing seen yet", func() *tree { return treeWith(plainSlot(1), waitingSlot(2)) }, now, evScanBegin{},
			func(t *tree) { t.slots[idOf(1)].seen, t.slots[idOf(2)].seen = false, false }, nil},
		{"scan ends: a gone slot with nothing running is dropped", func() *tree {
			return treeWith(withSlot(plainSlot(1), func(sl *treeSlot) { sl.seen = false }),
				withSlot(waitingSlot(2), func(sl *treeSlot) { sl.seen = false }), loggedSlot(3))
		}, now, evScanEnd{},
			func(t *tree) { delete(t.slots, idOf(2)); t.order = []*treeSlot{t.order[0], t.order[2]} },
			[]treeEffect{effDrop{idOf(2)}}},

		// Entries.
		{"entry: dot name", func() *tree { return treeWith() }, now, evEntry{name: ".x", id: idOf(1), dir: true}, nil, nil},
		{"entry: not a directory", func() *tree { return treeWith() }, now, evEntry{name: "f", id: idOf(1)}, nil, nil},
		{"entry: stat fails", func() *tree { return treeWith() }, now, evEntry{name: "l", err: unix.ENOENT},
			nil, []treeEffect{effWarn{fmt.Errorf("unable to stat l: %w", unix.ENOENT)}}},
		{"eager entry: gone again, no news", func() *tree { return treeWith() }, now, evEntry{name: "l", err: unix.ENOENT, eager: true},
			nil, nil},
		{"eager entry: symlink loop", func() *tree { return treeWith() }, now, evEntry{name: "l", err: unix.ELOOP, eager: true},
			nil, []treeEffect{effWarn{fmt.Errorf("unable to stat l: %w", unix.ELOOP)}}},
		{"entry: new directory is opened", func() *tree { return treeWith() }, now, evEntry{name: "s1", id: idOf(1), dir: true},
			nil, []treeEffect{effOpen{"s1", idOf(1), false}}},
		{"entry: supervised slot, nothing to do", func() *tree { return treeWith(loggedSlot(1)) }, now,
			evEntry{name: "other", id: idOf(1), dir: true}, nil, nil},
		{"entry: waiting slot looks for ./run", func() *tree { return treeWith(waitingSlot(1)) }, now,
			evEntry{name: "s1", id: idOf(1), dir: true, eager: true}, nil, []treeEffect{effLookRun{mainOf(1), true}}},
		{"entry: ended main restarts under its new name", func() *tree {
			return treeWith(withSlot(loggedSlot(1), func(sl *treeSlot) { sl.main.running, sl.seen = false, false }))
		}, now, evEntry{name: "renamed", id: idOf(1), dir: true},
			func(t *tree) {
				t.running++
				sl := t.slots[idOf(1)]
				sl.seen, sl.name, sl.main = true, "renamed", treeMember{running: true, name: "renamed"}
			},
			[]treeEffect{effStart{mainOf(1), "renamed", "renamed"}}},
		{"entry: ended logger looks for its ./run", func() *tree {
			return treeWith(withSlot(loggedSlot(1), func(sl *treeSlot) { sl.log.running = false }))
		}, now, evEntry{name: "s1", id: idOf(1), dir: true},
			nil, []treeEffect{effLookRun{logOf(1), false}}},
		{"entry while draining: nothing", func() *tree { return draining(treeWith(plainSlot(2))) }, now,
			evEntry{name: "s1", id: idOf(1), dir: true}, nil, nil},

		// Opening a slot.
		{"opened: looks for ./run", func() *tree { return treeWith() }, now, evOpened{"s1", idOf(1), nil, true},
			func(t *tree) { sl := waitingSlot(1); t.slots[sl.id] = sl; t.order = []*treeSlot{sl} },
			[]treeEffect{effLookRun{mainOf(1), true}}},
		{"opened twice: one slot", func() *tree { return treeWith(waitingSlot(1)) }, now, evOpened{"s1", idOf(1), nil, false},
			nil, []treeEffect{effLookRun{mainOf(1), false}}},
		{"open: gone", func() *tree { return treeWith() }, now, evOpened{"s1", idOf(1), unix.ENOENT, false}, nil, nil},
		{"open: replaced", func() *tree { return treeWith() }, now, evOpened{"s1", idOf(1), errReplaced, false}, nil, nil},
		{"open: not searchable", func() *tree { return treeWith() }, now, evOpened{"s1", idOf(1), unix.EACCES, false},
			nil, []treeEffect{effWarn{superviseFatal(unix.EACCES)}}},

		// ./run and pairing.
		{"no ./run yet at a scan: wait, with a hint", func() *tree { return treeWith(waitingSlot(1)) }, now,
			evRunLooked{mainOf(1), false, false}, nil, []treeEffect{effWarn{noRun(waitingSlot(1), false)}}},
		{"no ./run yet from inotify: wait", func() *tree { return treeWith(waitingSlot(1)) }, now,
			evRunLooked{mainOf(1), false, true}, nil, nil},
		{"no log/run yet: the hint names the service", func() *tree { return treeWith(loggedSlot(1)) }, now,
			evRunLooked{logOf(1), false, false}, nil, []treeEffect{effWarn{noRun(loggedSlot(1), true)}}},
		{"./run there: pair", func() *tree { return treeWith(waitingSlot(1)) }, now, evRunLooked{mainOf(1), true, true},
			nil, []treeEffect{effPair{idOf(1), "s1", true}}},
		{"./run there, paired: start", func() *tree {
			return treeWith(withSlot(plainSlot(1), func(sl *treeSlot) { sl.main.running = false }))
		}, now, evRunLooked{mainOf(1), true, false},
			func(t *tree) { t.running++; t.slots[idOf(1)].main.running = true },
			[]treeEffect{effStart{mainOf(1), "s1", "s1"}}},
		{"logger's ./run there: start it", func() *tree {
			return treeWith(withSlot(loggedSlot(1), func(sl *treeSlot) { sl.log.running = false }))
		}, now, evRunLooked{logOf(1), true, false},
			func(t *tree) { t.running++; t.slots[idOf(1)].log.running = true },
			[]treeEffect{effStart{logOf(1), "log", "s1/log"}}},
		{"logger's ./run there, logger running: nothing", func() *tree { return treeWith(loggedSlot(1)) }, now,
			evRunLooked{logOf(1), true, false}, nil, nil},
		{"./run of a dropped slot", func() *tree { return treeWith() }, now, evRunLooked{mainOf(1), true, false}, nil, nil},
		{"./run appeared: supervise", func() *tree { return treeWith(waitingSlot(1)) }, now, evRunAppeared{mainOf(1)},
			nil, []treeEffect{effLookRun{mainOf(1), true}}},
		{"./run appeared while draining: nothing", func() *tree { return draining(treeWith(waitingSlot(1), plainSlot(2))) }, now,
			evRunAppeared{mainOf(1)}, nil, nil},
		{"paired with a logger: main, then the logger's ./run", func() *tree { return treeWith(waitingSlot(1)) }, now,
			evPaired{idOf(1), true, nil, false},
			func(t *tree) {
				t.running++
				sl := t.slots[idOf(1)]
				sl.paired, sl.logged, sl.writer, sl.main = true, true, true, treeMember{running: true, name: "s1"}
			},
			[]treeEffect{effStart{mainOf(1), "s1", "s1"}, effLookRun{logOf(1), false}}},
		{"paired without a logger: main", func() *tree { return treeWith(waitingSlot(1)) }, now,
			evPaired{idOf(1), false, nil, true},
			func(t *tree) {
				t.running++
				sl := t.slots[idOf(1)]
				sl.paired, sl.main = true, treeMember{running: true, name: "s1"}
			},
			[]treeEffect{effStart{mainOf(1), "s1", "s1"}}},
		{"pairing failed: warning, tried again later", func() *tree { return treeWith(waitingSlot(1)) }, now,
			evPaired{idOf(1), false, unix.EMFILE, false}, nil, []treeEffect{effWarn{unix.EMFILE}}},
		{"pairing a dropped slot", func() *tree { return treeWith() }, now, evPaired{idOf(1), true, nil, false}, nil, nil},

		// Services.
		{"service started", func() *tree { return treeWith(plainSlot(1)) }, now, evServiceStarted{mainOf(1), nil}, nil, nil},
		{"service not started: warning", func() *tree { return treeWith(plainSlot(1)) }, now, evServiceStarted{mainOf(1), errLocked},
			func(t *tree) { t.running--; t.slots[idOf(1)].main.running = false },
			[]treeEffect{effWarn{superviseFatal(errLocked)}}},
		{"main exited: status kept", func() *tree { return treeWith(plainSlot(1)) }, now, evRunExited{mainOf(1), 100, exitCode3},
			func(t *tree) { t.slots[idOf(1)].main.last = exitCode3 }, nil},
		{"main exited while draining: its group is stopped", func() *tree { return draining(treeWith(plainSlot(1))) }, now,
			evRunExited{mainOf(1), 100, killedTERM},
			func(t *tree) { t.slots[idOf(1)].main.last = killedTERM },
			[]treeEffect{effSignalGroup{100, syscall.SIGTERM}, effSignalGroup{100, syscall.SIGCONT}}},
		{"logger exited while draining: status kept", func() *tree { return draining(treeWith(loggedSlot(1))) }, now,
			evRunExited{logOf(1), 100, exitCode3},
			func(t *tree) { t.slots[idOf(1)].log.last = exitCode3 }, nil},
		{"exit of a dropped slot", func() *tree { return treeWith() }, now, evRunExited{mainOf(1), 100, exitCode3}, nil, nil},
		{"essential stopped for good: the tree stops", func() *tree {
			return treeWith(withSlot(loggedSlot(1), func(sl *treeSlot) { sl.main.last = exitCode3 }), waitingSlot(2))
		}, now, evStoppedForGood{mainOf(1), true},
			func(t *tree) {
				t.phase, t.stopBy = treeDraining, now.Add(DefaultStopTimeout)
				t.ending = Ending{Essential: "s1", Status: exitCode3}
			},
			[]treeEffect{effShutdown{mainOf(1)}, effLeaveWhenDown{logOf(1)}}},
		{"essential logger: named NAME/log", func() *tree { return treeWith(loggedSlot(1)) }, now, evStoppedForGood{logOf(1), true},
			func(t *tree) {
				t.phase, t.stopBy = treeDraining, now.Add(DefaultStopTimeout)
				t.ending = Ending{Essential: "s1/log"}
			},
			[]treeEffect{effShutdown{mainOf(1)}, effLeaveWhenDown{logOf(1)}}},
		{"not essential: nothing", func() *tree { return treeWith(plainSlot(1)) }, now, evStoppedForGood{mainOf(1), false}, nil, nil},
		{"essential while draining: nothing", func() *tree { return draining(treeWith(plainSlot(1))) }, now,
			evStoppedForGood{mainOf(1), true}, nil, nil},
		{"ended (svc -x): supervised again at the next scan", func() *tree { return treeWith(loggedSlot(1)) }, now,
			evServiceEnded{mainOf(1), nil},
			func(t *tree) { t.running--; t.slots[idOf(1)].main.running = false }, nil},
		{"main ended while draining: the logger's pipe is closed", func() *tree { return draining(treeWith(loggedSlot(1))) }, now,
			evServiceEnded{mainOf(1), nil},
			func(t *tree) { t.running--; t.slots[idOf(1)].main.running, t.slots[idOf(1)].writer = false, false },
			[]treeEffect{effCloseWriter{idOf(1)}}},
		{"unlogged main ended while draining: the tree is done", func() *tree { return draining(treeWith(plainSlot(1))) }, now,
			evServiceEnded{mainOf(1), nil},
			func(t *tree) { t.running--; t.slots[idOf(1)].main.running, t.phase = false, treeDone }, nil},
		{"lock still taken: warning, supervised again at the next scan", func() *tree { return treeWith(plainSlot(1)) }, now,
			evServiceEnded{mainOf(1), errLocked},
			func(t *tree) { t.running--; t.slots[idOf(1)].main.running = false },
			[]treeEffect{effWarn{superviseFatal(errLocked)}}},
		{"ended twice", func() *tree { return treeWith(waitingSlot(1)) }, now, evServiceEnded{mainOf(1), nil}, nil, nil},
		{"PID 1, everything ended: sweeping", func() *tree {
			return withTree(draining(treeWith(withSlot(loggedSlot(1), func(sl *treeSlot) { sl.main.running, sl.writer = false, false }))),
				func(t *tree) { t.init = true })
		}, now, evServiceEnded{logOf(1), nil},
			func(t *tree) {
				t.running--
				t.slots[idOf(1)].log.running = false
				t.phase, t.pollAt = treeSweeping, now.Add(sweepPoll)
			},
			[]treeEffect{effSweep{}}},
		{"PID 1, everything ended after the deadline: sweep and SIGKILL", func() *tree {
			return withTree(draining(treeWith(plainSlot(1))), func(t *tree) { t.init, t.passed = true, true })
		}, late, evServiceEnded{mainOf(1), nil},
			func(t *tree) { t.running--; t.slots[idOf(1)].main.running, t.phase = false, treeDone },
			[]treeEffect{effSweep{}, effKillAll{}}},

		// The foreground command.
		{"command started", func() *tree { return treeWith(plainSlot(1)) }, now, evCommandStarted{pid: 50},
			func(t *tree) { t.pid = 50 }, nil},
		{"command not started: the tree stops", func() *tree { return treeWith(plainSlot(1)) }, now, evCommandStarted{err: unix.EACCES},
			func(t *tree) { t.err, t.phase, t.stopBy = unix.EACCES, treeDraining, now.Add(DefaultStopTimeout) },
			[]treeEffect{effShutdown{mainOf(1)}}},
		{"command not started, nothing else: done", func() *tree { return treeWith() }, now, evCommandStarted{err: unix.EACCES},
			func(t *tree) { t.err, t.phase, t.stopBy = unix.EACCES, treeDone, now.Add(DefaultStopTimeout) }, nil},
		{"command exited: its status, and the tree stops", func() *tree {
			return withTree(treeWith(loggedSlot(1), withSlot(loggedSlot(2), func(sl *treeSlot) { sl.main.running = false })),
				func(t *tree) { t.pid = 50 })
		}, now, evCommandExited{exitCode3},
			func(t *tree) {
				t.pid, t.ending.Status, t.phase, t.stopBy = 0, exitCode3, treeDraining, now.Add(DefaultStopTimeout)
				t.slots[idOf(2)].writer = false
			},
			[]treeEffect{effSignalGroup{50, syscall.SIGTERM}, effSignalGroup{50, syscall.SIGCONT},
				effShutdown{mainOf(1)}, effLeaveWhenDown{logOf(1)}, effCloseWriter{idOf(2)}, effLeaveWhenDown{logOf(2)}}},
		{"command exited after an essential stop: the essential status stays", func() *tree {
			return withTree(draining(treeWith()), func(t *tree) { t.pid, t.ending = 50, Ending{"e", exitCode3} })
		}, now, evCommandExited{killedTERM},
			func(t *tree) { t.pid, t.phase = 0, treeDone },
			[]treeEffect{effSignalGroup{50, syscall.SIGTERM}, effSignalGroup{50, syscall.SIGCONT}}},
		{"command exit without a command", func() *tree { return treeWith() }, now, evCommandExited{exitCode3}, nil, nil},
		{"forwarded signal", func() *tree { return withTree(treeWith(), func(t *tree) { t.pid = 50 }) }, now, evForward{syscall.SIGUSR1},
			nil, []treeEffect{effSignalGroup{50, syscall.SIGUSR1}}},
		{"forwarded signal, no command", func() *tree { return treeWith() }, now, evForward{syscall.SIGUSR1}, nil, nil},

		// Shutdown.
		{"stop: mains stopped, loggers left to drain, command gets the signal", func() *tree {
			return withTree(treeWith(loggedSlot(1), plainSlot(2), waitingSlot(3)), func(t *tree) { t.pid = 50 })
		}, now, evStopRequested{syscall.SIGINT},
			func(t *tree) { t.phase, t.stopBy = treeDraining, now.Add(DefaultStopTimeout) },
			[]treeEffect{effSignalGroup{50, syscall.SIGINT}, effSignalGroup{50, syscall.SIGCONT},
				effShutdown{mainOf(1)}, effLeaveWhenDown{logOf(1)}, effShutdown{mainOf(2)}}},
		{"stop twice: nothing more", func() *tree { return draining(treeWith(plainSlot(1))) }, now, evStopRequested{syscall.SIGTERM}, nil, nil},
		{"deadline while draining: loggers get Shutdown, the command gets KILL", func() *tree {
			return withTree(draining(treeWith(loggedSlot(1), withSlot(loggedSlot(2), func(sl *treeSlot) { sl.log.running = false }))),
				func(t *tree) { t.pid = 50 })
		}, late, evDeadline{},
			func(t *tree) { t.passed = true },
			[]treeEffect{effSignalGroup{50, syscall.SIGKILL}, effShutdown{logOf(1)}}},
		{"deadline not yet", func() *tree { return draining(treeWith(loggedSlot(1))) }, now, evDeadline{}, nil, nil},
		{"deadline while running: nothing", func() *tree { return treeWith(loggedSlot(1)) }, late, evDeadline{}, nil, nil},
		{"sweeping: poll", func() *tree {
			return withTree(draining(treeWith()), func(t *tree) { t.init, t.phase, t.pollAt = true, treeSweeping, now })
		}, now, evDeadline{}, nil, []treeEffect{effCountStragglers{}}},
		{"sweeping: deadline, SIGKILL to all", func() *tree {
			return withTree(draining(treeWith()), func(t *tree) { t.init, t.phase, t.pollAt = true, treeSweeping, late })
		}, late, evDeadline{}, func(t *tree) { t.passed, t.phase = true, treeDone }, []treeEffect{effKillAll{}}},
		{"sweeping: stragglers left", func() *tree {
			return withTree(draining(treeWith()), func(t *tree) { t.init, t.phase = true, treeSweeping })
		}, now, evStragglers{true}, func(t *tree) { t.pollAt = now.Add(sweepPoll) }, nil},
		{"sweeping: no one left, done", func() *tree {
			return withTree(draining(treeWith()), func(t *tree) { t.init, t.phase = true, treeSweeping })
		}, now, evStragglers{false}, func(t *tree) { t.phase, t.pollAt = treeDone, now.Add(sweepPoll) }, nil},
		{"done: nothing more", func() *tree { return withTree(treeWith(), func(t *tree) { t.phase = treeDone }) }, now, evTick{}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.tree()
			if tc.change != nil {
				tc.change(want)
			}
			got := tc.tree()
			effs := got.step(tc.at, tc.ev)
			if diff := cmp.Diff(tc.effs, effs, treeOpts); diff != "" {
				t.Errorf("effects (-want +got)\n%s", diff)
			}
			if diff := cmp.Diff(want, got, treeOpts); diff != "" {
				t.Errorf("tree (-want +got)\n%s", diff)
			}
		})
	}
}

func TestTreeDeadline(t *testing.T) {
	poll := t0.Add(sweepPoll)
	stop := t0.Add(DefaultStopTimeout)
	for _, tc := range []struct {
		name string
		tree *tree
		want time.Time
	}{
		{"running: none", treeWith(plainSlot(1)), time.Time{}},
		{"draining: the stop deadline", draining(treeWith(plainSlot(1))), stop},
		{"draining, deadline passed: none", withTree(draining(treeWith()), func(t *tree) { t.passed = true }), time.Time{}},
		{"sweeping: the next poll", withTree(draining(treeWith()), func(t *tree) { t.phase, t.pollAt = treeSweeping, poll }), poll},
		{"sweeping, poll after the deadline: the deadline", withTree(draining(treeWith()), func(t *tree) {
			t.phase, t.pollAt = treeSweeping, stop.Add(time.Second)
		}), stop},
		{"sweeping, deadline passed: the next poll", withTree(draining(treeWith()), func(t *tree) {
			t.phase, t.pollAt, t.passed = treeSweeping, poll, true
		}), poll},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.tree.deadline(); !got.Equal(tc.want) {
				t.Errorf("deadline() = %v, want %v (phase %v)", got, tc.want, tc.tree.phase)
			}
		})
	}
}
