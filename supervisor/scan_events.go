package supervisor

import "syscall"

// treeEvent is what the scanner's tree reacts to (scan_tree.go). The
// executor (Scanner.Run) turns channel receives into these, and feeds the
// result of every effect that asks the system something back as one, at
// once, before anything else happens.
type treeEvent interface{ isTreeEvent() }

// memberKey names a member of a slot: its main service or its logger.
type memberKey struct {
	id  fileID
	log bool
}

// Events from outside: the clock, signals, inotify, the services.
type (
	evTreeStart struct{} // Run begins: the first scan, then the command
	evTick      struct{} // a full scan is due: the interval, HUP, an inotify overflow
	// evEntry is one entry of the scan directory, stat'ed (symlinks
	// followed). eager: inotify reported it; else a full scan read it.
	evEntry struct {
		name  string
		id    fileID
		dir   bool
		err   error
		eager bool
	}
	evRunAppeared struct{ key memberKey } // inotify: ./run appeared in a member waiting for it
	// evRunExited and evStoppedForGood come from a member's Service
	// (its observer); evServiceEnded when its Run has returned.
	evRunExited struct {
		key    memberKey
		pid    int
		status syscall.WaitStatus
	}
	evStoppedForGood struct {
		key       memberKey
		essential bool // its directory holds a file named essential
	}
	evServiceEnded struct { // err: Run gave up on a supervise/lock someone else holds
		key memberKey
		err error
	}
	evCommandExited struct{ status syscall.WaitStatus }
	evStopRequested struct{ sig syscall.Signal } // TERM, INT or QUIT to svscan
	evForward       struct{ sig syscall.Signal } // USR1 or USR2 to svscan
	evDeadline      struct{}                     // the tree's deadline has passed
)

// Events that are the results of effects.
type (
	evScanFailed struct{ err error } // effScan: the directory could not be read
	evScanBegin  struct{}            // effScan: evEntry for each name follows
	evScanEnd    struct{}            // effScan: every name has been seen
	evOpened     struct {            // effOpen
		name  string
		id    fileID
		err   error // errReplaced: not the directory stat saw any more
		eager bool
	}
	evRunLooked struct { // effLookRun
		key     memberKey
		present bool
		eager   bool
	}
	evPaired struct { // effPair
		id     fileID
		logged bool
		err    error
		eager  bool
	}
	evServiceStarted struct { // effStart
		key memberKey
		err error
	}
	evCommandStarted struct { // effStartCommand
		pid int
		err error
	}
	evStragglers struct{ left bool } // effSweep, effCountStragglers
)

func (evTreeStart) isTreeEvent()      {}
func (evTick) isTreeEvent()           {}
func (evEntry) isTreeEvent()          {}
func (evRunAppeared) isTreeEvent()    {}
func (evRunExited) isTreeEvent()      {}
func (evStoppedForGood) isTreeEvent() {}
func (evServiceEnded) isTreeEvent()   {}
func (evCommandExited) isTreeEvent()  {}
func (evStopRequested) isTreeEvent()  {}
func (evForward) isTreeEvent()        {}
func (evDeadline) isTreeEvent()       {}
func (evScanFailed) isTreeEvent()     {}
func (evScanBegin) isTreeEvent()      {}
func (evScanEnd) isTreeEvent()        {}
func (evOpened) isTreeEvent()         {}
func (evRunLooked) isTreeEvent()      {}
func (evPaired) isTreeEvent()         {}
func (evServiceStarted) isTreeEvent() {}
func (evCommandStarted) isTreeEvent() {}
func (evStragglers) isTreeEvent()     {}

// treeEffect is what the tree asks the executor to do, in order.
type treeEffect interface{ isTreeEffect() }

// Effects that ask something; each is answered by the event named.
type (
	effScan struct{} // read the scan directory: evScanFailed, or evScanBegin, evEntry..., evScanEnd
	effOpen struct { // hold the directory name, stat'ed as id: evOpened
		name  string
		id    fileID
		eager bool
	}
	effLookRun struct { // is ./run there (executable, when eager)? evRunLooked; if not, wait for it
		key   memberKey
		eager bool
	}
	effPair struct { // give the slot its logger if NAME/log is a directory: evPaired
		id    fileID
		name  string
		eager bool
	}
	effStart struct { // open the member's Service and run it: evServiceStarted
		key   memberKey
		name  string // how 0.76's messages name it: NAME, or log
		label string // how hints name it: NAME, or NAME/log
	}
	effStartCommand    struct{} // start the foreground command: evCommandStarted
	effSweep           struct{} // TERM and CONT to every other process of the namespace: evStragglers
	effCountStragglers struct{} // evStragglers
)

// Effects that only act.
type (
	effWarn          struct{ err error }
	effShutdown      struct{ key memberKey } // the member's Service: d and x, SIGKILL at its deadline
	effLeaveWhenDown struct{ key memberKey } // x: the logger ends once its ./run has
	effCloseWriter   struct{ id fileID }     // svscan's write end of the slot's log pipe
	effDrop          struct{ id fileID }     // forget the slot: close what it holds
	effSignalGroup   struct {
		pgid int
		sig  syscall.Signal
	}
	effKillAll struct{} // SIGKILL to every other process of the namespace
)

func (effScan) isTreeEffect()            {}
func (effOpen) isTreeEffect()            {}
func (effLookRun) isTreeEffect()         {}
func (effPair) isTreeEffect()            {}
func (effStart) isTreeEffect()           {}
func (effStartCommand) isTreeEffect()    {}
func (effSweep) isTreeEffect()           {}
func (effCountStragglers) isTreeEffect() {}
func (effWarn) isTreeEffect()            {}
func (effShutdown) isTreeEffect()        {}
func (effLeaveWhenDown) isTreeEffect()   {}
func (effCloseWriter) isTreeEffect()     {}
func (effDrop) isTreeEffect()            {}
func (effSignalGroup) isTreeEffect()     {}
func (effKillAll) isTreeEffect()         {}
