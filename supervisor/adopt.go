package supervisor

import (
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Adoption: a supervisor that died (kill -9 of svscan) leaves its ./run
// (or ./finish) running, and a new supervisor of the same directory must
// not start a second one (docs/svscan.md). supervise/xstatus names the
// process, written before it ran anything of the service (barrier.go), and
// names the directory and boot it was written for. When the record is for
// this very directory and boot, and a process with that pid and that start
// time still exists, it is the one the record names, and the new
// supervisor takes it over (docs/design.md, "Adoption"). It is not our
// child, so it is watched and signalled through a pidfd, which names the
// process itself and never a later process that reuses its pid.

// reapGrace bounds the wait, after an adopted ./run has exited, for its
// parent (init or a subreaper) to reap it: only then does the kernel give
// out its exit status.
const reapGrace = time.Second

// unknownExit is the status recorded for an adopted ./run whose exit
// status the kernel does not tell (before Linux 6.15, or when it is not
// reaped in time). It is neither an exit nor a death by signal, so
// ./finish gets "-1 0" and xstatus shows exitcode=-1 ("not known").
const unknownExit = syscall.WaitStatus(0x7f)

// observed is what a supervisor sees now, to judge a record by.
type observed struct {
	dir  fileID // the directory it supervises (fstat of its descriptor)
	boot string // this boot's id
	// start is the start time of the process that has the recorded pid
	// now; 0 if there is none (or /proc cannot tell).
	start uint64
}

// adoptable decides whether record x, left by an earlier supervisor, names
// a process this supervisor may take over: one that was running ./run or
// ./finish, started by a supervisor of this directory (not of a copy: cp
// -a makes a new inode; a rename keeps it) during this boot (pids and
// start times of another boot mean nothing), and still alive (same pid,
// same start time). A record without the directory and boot fields (older
// gotools) is never adopted.
func adoptable(x Extended, now observed) bool {
	switch {
	case x.State != phaseUp.String() && x.State != phaseFinishing.String():
		return false
	case x.Pid <= 0 || x.PidStart == 0 || x.Hosted:
		return false
	case x.BootID == "" || x.BootID != now.boot:
		return false
	case x.DirIno == 0 || (fileID{x.DirDev, x.DirIno}) != now.dir:
		return false
	}
	return now.start == x.PidStart
}

// recordedProcess is the pid of the process that supervise/xstatus in
// dirfd names, if adoptable says it may be taken over; else 0.
func recordedProcess(dirfd int) (int, Extended) {
	x, err := readXStatus(dirfd)
	if err != nil || x.Pid <= 0 {
		return 0, x
	}
	if !adoptable(x, observed{dirID(dirfd), bootID(), procStartTime(x.Pid)}) {
		return 0, x
	}
	return x.Pid, x
}

func readXStatus(dirfd int) (Extended, error) {
	var x Extended
	fd, err := unix.Openat(dirfd, "supervise/"+XStatusFile, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return x, err
	}
	f := os.NewFile(uintptr(fd), XStatusFile)
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 4096))
	if err != nil {
		return x, err
	}
	return x, x.UnmarshalText(b)
}

// dirID is the device and inode of the directory dirfd; zero if fstat
// fails.
func dirID(dirfd int) fileID {
	var st unix.Stat_t
	if unix.Fstat(dirfd, &st) != nil {
		return fileID{}
	}
	return fileID{st.Dev, st.Ino}
}

// bootID is the kernel's id of this boot, or "" where it cannot be read
// (then nothing is adopted: no record matches).
var bootID = sync.OnceValue(func() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
})

// adopt takes over the ./run a previous supervisor of this directory left
// running, if there is one: the machine starts up with that pid and the
// rest of the old record (want, paused, readiness, uptime, restarts, last
// exit), so svstat shows the service as before. Open calls it with the
// lock held, before the first status is written.
func (s *Service) adopt() {
	pid, x := recordedProcess(s.dirfd)
	if pid == 0 {
		return
	}
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	if err != nil {
		return
	}
	// Checked again now that the pidfd pins the process: it is the one
	// with the recorded start time, not a successor that took its pid.
	if procStartTime(pid) != x.PidStart {
		unix.Close(fd)
		return
	}
	pidfd := os.NewFile(uintptr(fd), "pidfd:"+strconv.Itoa(pid))
	s.m = adoptedMachine(x, s.m.want, s.cfg.StopTimeout)
	if s.m.phase == phaseFinishing {
		s.m.finishBy = time.Now().Add(finishLimit) // its own limit is lost with its supervisor
	}
	s.sp = &adoptedSpawner{spawner: s.sp, pid: pid, pidfd: pidfd}
	go watchAdopted(pidfd, pid, s.exits, s.done)
}

// adoptedMachine is the state of a service whose ./run (or ./finish),
// recorded in x, was started by an earlier supervisor and is still
// running. def is the want to use if x's is unreadable, or if x was
// written by a supervision that was ending (svc -x, or svscan's own stop,
// killed before it was done): the new supervision starts afresh, as
// 0.76's next supervise does, so a svscan killed during its shutdown
// leaves the services wanted up by the next one. A finishing machine gets
// no kill deadline here (adopt sets one).
func adoptedMachine(x Extended, def want, stopAfter time.Duration) *machine {
	w := def
	for _, c := range []want{wantUp, wantDown, wantOnce} {
		if x.Want == c.String() && !x.Exiting {
			w = c
		}
	}
	since := x.Since.Time()
	m := newMachine(since, w, stopAfter)
	m.phase, m.pending, m.lastTry = phaseUp, false, since
	m.pid, m.procStart = x.Pid, x.PidStart
	m.restarts = x.Restarts
	if x.State == phaseFinishing.String() {
		m.phase = phaseFinishing
	} else {
		m.paused, m.ready = x.Paused, x.Ready
		if x.Ready {
			m.readySince = x.ReadySince.Time()
		}
	}
	if x.ExitCode >= 0 {
		m.exited = true
		m.lastExit = syscall.WaitStatus(x.ExitCode << 8)
		if x.ExitCode == 256 {
			m.lastExit = syscall.WaitStatus(x.ExitSignal & 0x7f)
		}
	}
	return m
}

// adoptedSpawner signals the adopted ./run or ./finish through its pidfd
// and everything else as usual.
type adoptedSpawner struct {
	spawner
	pid   int      // the adopted process until it has exited, then 0
	pidfd *os.File // closed once it has exited
}

// start: a service has one child at a time, so the adopted one has exited.
func (a *adoptedSpawner) start(prog string, args ...string) (int, uint64, error) {
	a.forget()
	return a.spawner.start(prog, args...)
}

func (a *adoptedSpawner) forget() {
	if a.pid != 0 {
		a.pidfd.Close()
		a.pid = 0
	}
}

func (a *adoptedSpawner) signal(pid int, sig syscall.Signal) {
	if pid != a.pid || a.pid == 0 {
		a.spawner.signal(pid, sig)
		return
	}
	rc, err := a.pidfd.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		unix.PidfdSendSignal(int(fd), sig, nil, 0) // ESRCH: it has exited; the watcher tells
	})
}

// runExited is called by the service's own goroutine for each exit of
// ./run; the first is the adopted one's when it was up when adopted.
func (a *adoptedSpawner) runExited() {
	a.forget()
	a.spawner.runExited()
}

// watchAdopted sends the exit of the adopted ./run, as the reaper does for
// a child.
func watchAdopted(pidfd *os.File, pid int, exits chan<- Exit, done <-chan struct{}) {
	ex := Exit{Pid: pid, Status: awaitExit(pidfd)}
	select {
	case exits <- ex:
	case <-done:
	}
}

// awaitExit waits until the process behind pidfd has exited and returns
// its wait status: a pidfd is readable once the process has exited, hangs
// up once it has been reaped, and from then on (Linux ≥ 6.15) tells the
// status to anyone holding it.
func awaitExit(pidfd *os.File) syscall.WaitStatus {
	rc, err := pidfd.SyscallConn()
	if err != nil {
		return unknownExit
	}
	if !pollUntil(rc, unix.POLLIN|unix.POLLHUP) {
		// Not in the runtime's poller: wait on a thread of its own.
		rc.Control(func(fd uintptr) {
			p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
			for {
				if _, err := unix.Poll(p, -1); err != unix.EINTR {
					return
				}
			}
		})
	}
	if ws, ok := exitInfo(rc); ok {
		return ws
	}
	pidfd.SetReadDeadline(time.Now().Add(reapGrace))
	pollUntil(rc, unix.POLLHUP)
	ws, _ := exitInfo(rc)
	return ws
}

// pollUntil waits in the runtime's poller until the descriptor reports one
// of events; false if the wait ended otherwise (deadline, not pollable).
func pollUntil(rc syscall.RawConn, events int16) bool {
	err := rc.Read(func(fd uintptr) bool {
		p := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(p, 0)
		return err == nil && n > 0 && p[0].Revents&events != 0
	})
	return err == nil
}

// exitInfo asks the kernel for the exit status of the process behind a
// pidfd. It is there once the process has been reaped, on Linux ≥ 6.15;
// otherwise the status is unknownExit and ok is false.
func exitInfo(rc syscall.RawConn) (ws syscall.WaitStatus, ok bool) {
	info := unix.PidfdInfo{Mask: unix.PIDFD_INFO_EXIT}
	var err error
	rc.Control(func(fd uintptr) { err = unix.IoctlPidfdInfo(int(fd), &info) })
	if err != nil || info.Mask&unix.PIDFD_INFO_EXIT == 0 {
		return unknownExit, false
	}
	return syscall.WaitStatus(info.Exit_code), true
}
