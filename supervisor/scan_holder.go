package supervisor

import (
	"fmt"
	"os"
	"sync"
	"time"
)

// holderKeeper is a tree's side of hosted loggers (docs/design.md, "Hosted
// loggers"): the descriptor holder, which keeps a read end of every log
// pipe while no svscan runs, and the LoggerHost that takes the
// handovers. A holder that dies (SIGKILL is the only signal it does not
// ignore) is replaced at once, given every pipe again, and each logger
// hosted under its pid ends as killed: svstat named that pid, and it is
// gone.
type holderKeeper struct {
	scanDir fileID
	reaper  *Reaper
	warn    func(error)
	exits   chan Exit
	done    chan struct{}
	host    *LoggerHost

	mu     sync.Mutex
	holder *holder             // nil while there is none
	child  bool                // holder is this process's child (not taken over)
	pipes  map[fileID]*os.File // every log pipe's read end, by main service
	taken  map[fileID]*os.File // read ends a dead svscan's holder handed over, until paired
	closed sync.Once
}

// newHolderKeeper takes over the holder a dead svscan of scanDir left, if
// any, and listens for handovers. A holder of its own is started with the
// first log pipe: a tree without loggers has none.
func newHolderKeeper(scanDir fileID, r *Reaper, warn func(error)) *holderKeeper {
	k := &holderKeeper{scanDir: scanDir, reaper: r, warn: warn, exits: make(chan Exit, 1), done: make(chan struct{}),
		pipes: make(map[fileID]*os.File)}
	h, taken, err := takeOver(scanDir, k.exits, k.done)
	k.holder, k.taken = h, taken
	if err != nil {
		k.report(err)
	}
	host, err := newLoggerHost(r, k.shown)
	if err != nil {
		k.report(err)
	} else {
		k.host = host
	}
	go k.watch()
	return k
}

func (k *holderKeeper) report(err error) {
	if k.warn != nil {
		k.warn(fmt.Errorf("unable to host loggers: %w", err))
	}
}

// shown is the pid and start time svstat shows for a hosted logger: the
// holder's; 0 without one.
func (k *holderKeeper) shown() (int, uint64) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.holder == nil {
		return 0, 0
	}
	return k.holder.pid, k.holder.start
}

// inherited returns, and forgets, the read end of main's log pipe that the
// holder of a dead svscan kept.
func (k *holderKeeper) inherited(main fileID) *os.File {
	k.mu.Lock()
	defer k.mu.Unlock()
	f := k.taken[main]
	delete(k.taken, main)
	return f
}

// hold gives the holder a read end of main's log pipe, starting the holder
// if there is none yet.
func (k *holderKeeper) hold(main fileID, r *os.File) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.pipes[main] = r
	if k.holder == nil {
		k.startLocked() // and it holds r with the others
		return
	}
	if err := k.holder.hold(main, r); err != nil {
		k.report(err)
	}
}

// startLocked starts a holder and gives it every pipe; k.mu is held.
func (k *holderKeeper) startLocked() {
	h, err := startHolder(k.reaper, k.scanDir, k.exits)
	if err != nil {
		k.report(err)
		return
	}
	k.holder, k.child = h, true
	for main, r := range k.pipes {
		if err := h.hold(main, r); err != nil {
			k.report(err)
		}
	}
}

// drop tells the holder that main's pipe is gone; call it before the pipe
// is closed.
func (k *holderKeeper) drop(main fileID) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.pipes, main)
	if k.holder != nil {
		k.holder.drop(main)
	}
}

// watch replaces the holder whenever it dies. Other exits on k.exits
// (a holder that failed to start, killed by startHolder) are not its.
func (k *holderKeeper) watch() {
	for {
		var ex Exit
		select {
		case ex = <-k.exits:
		case <-k.done:
			return
		}
		k.mu.Lock()
		if k.holder == nil || ex.Pid != k.holder.pid {
			k.mu.Unlock()
			continue
		}
		lost := k.holder.pid
		k.holder.conn.Close()
		k.holder = nil
		if len(k.pipes) > 0 {
			k.startLocked()
		}
		k.mu.Unlock()
		if k.host != nil {
			k.host.holderLost(lost)
		}
	}
}

// close ends the holder at svscan's normal end, before a PID 1's last
// sweep (which the holder, ignoring TERM, would outlast): nothing is left
// to hold for a next svscan. Hosted loggers have ended by then. A holder
// that is this process's child is waited for, so that none is left a
// zombie. Safe to call more than once.
func (k *holderKeeper) close() {
	k.closed.Do(func() {
		close(k.done)
		if k.host != nil {
			k.host.close()
		}
		k.mu.Lock()
		defer k.mu.Unlock()
		closeAll(k.taken)
		if k.holder == nil {
			return
		}
		k.holder.bye()
		k.holder = nil
		if k.child {
			select {
			case <-k.exits:
			case <-time.After(holderTimeout):
			}
		}
	})
}
