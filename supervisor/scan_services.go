package supervisor

import (
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"gotools/applets/message"
)

// The members' Services and the signals of a real tree: the treeProcs half
// of osTree (scan_system.go holds the directories).

// loggerStopTimeout is how long a logger still running at the stop
// deadline has between its TERM and its SIGKILL. Loggers normally end
// before: they read to end of input once their main service is down.
const loggerStopTimeout = time.Second

func (o *osTree) start(k memberKey, name, label string, post func(treeEvent)) error {
	sl, m := o.slots[k.id], o.member(k)
	stdin, stdout, stopTimeout := o.cfg.Stdin, o.cfg.Stdout, o.cfg.StopTimeout
	var host *LoggerHost
	switch {
	case k.log:
		stdin, stopTimeout, host = sl.pipeR, loggerStopTimeout, o.host
	case sl.log != nil:
		stdout = sl.pipeW
	}
	svc, err := Open(Config{
		Name:        name,
		Label:       label,
		Dir:         m.dir,
		Stdin:       stdin,
		Stdout:      stdout,
		Stderr:      o.cfg.Stderr,
		Env:         o.cfg.Env,
		Reaper:      o.cfg.Reaper,
		Warn:        o.serviceWarn,
		StopTimeout: stopTimeout,
		Adopt:       true,
		WaitLock:    true,
		Host:        host,
		controls:    o.controls,
		Observe:     observer(k, int(m.dir.Fd()), post),
	})
	if err != nil {
		return err
	}
	m.svc = svc
	go func() {
		err := svc.Run() // a supervise/lock still taken after a moment's wait
		post(evServiceEnded{k, err})
	}()
	return nil
}

// observer passes a member's events to the tree, from its Service's
// goroutine, without ever waiting.
func observer(k memberKey, dirfd int, post func(treeEvent)) func(Event) {
	return func(ev Event) {
		switch {
		case ev.Kind == Exited:
			post(evRunExited{k, ev.Pid, ev.Status})
		case ev.Kind == Down && ev.Final:
			post(evStoppedForGood{k, isEssential(dirfd)})
		}
	}
}

// isEssential reports whether the service directory dirfd holds a file
// named essential.
func isEssential(dirfd int) bool {
	var st unix.Stat_t
	return unix.Fstatat(dirfd, "essential", &st, 0) == nil
}

// serviceWarn passes on a Service's problem as its supervise process
// prints it in 0.76.
func (o *osTree) serviceWarn(err error) {
	if o.cfg.Warn != nil {
		o.cfg.Warn(message.Of("supervise", message.Warning, err))
	}
}

func (o *osTree) shutdown(k memberKey) {
	if m := o.member(k); m != nil && m.svc != nil {
		m.svc.Shutdown()
	}
}

func (o *osTree) leaveWhenDown(k memberKey) {
	if m := o.member(k); m != nil && m.svc != nil {
		m.svc.leaveWhenDown()
	}
}

func (o *osTree) signalGroup(pgid int, sig syscall.Signal) {
	syscall.Kill(-pgid, sig) // ESRCH: nothing is left of the group
}
