package supervisor

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// svscan's side of the descriptor holder (holder.go).

// holder is svscan's handle on the holder of its tree, started by it
// (startHolder) or left by a dead svscan and taken over (takeOver). Its
// methods are for one goroutine (the scanner's).
type holder struct {
	pid   int    // shown by svstat as the hosted loggers' pid
	start uint64 // the holder's start time (procStartTime), to tell its pid from a later process's
	conn  *os.File
}

// errHolderBusy: a holder of this scan directory serves a svscan that is
// alive; this svscan runs beside another in the same directory.
var errHolderBusy = errors.New("another svscan holds the log pipes of this directory")

// foreignHolderError: the holder name of this scan directory is bound by a
// process of another user, whose descriptors are not to be trusted (an
// abstract socket name has no permissions).
type foreignHolderError struct{ uid uint32 }

func (e foreignHolderError) Error() string {
	return "the holder of this directory's log pipes runs as uid " + strconv.FormatUint(uint64(e.uid), 10)
}

// openHolder gives svscan the holder of scanDir and the log pipes held for
// it: the one a dead svscan left (its pipes, by service), else a new one
// (then pipes is nil, or whatever a holder that died while handing over
// had sent, which the new one already holds). Call it at start and after
// the holder's exit (it was killed): its exit comes on exits, and done
// ends the wait of a taken-over holder's watcher.
func openHolder(r *Reaper, scanDir fileID, exits chan<- Exit, done <-chan struct{}) (*holder, map[fileID]*os.File, error) {
	h, pipes, err := takeOver(scanDir, exits, done)
	if err != nil || h != nil {
		return h, pipes, err
	}
	h, err = startHolder(r, scanDir, exits)
	if err != nil {
		return nil, pipes, err
	}
	for key, f := range pipes {
		if err := h.hold(key, f); err != nil {
			return h, pipes, err
		}
	}
	return h, pipes, nil
}

// startHolder starts a holder for scanDir as a child, through the
// process's reaper, which sends its exit on exits; it returns once the
// holder listens on its name. The holder gets its own session (a signal
// to svscan's process group does not reach it, as it does not reach 0.76's
// multilogs) and / as its directory (it must not keep the scan directory's
// file system busy). On an error, a child that was started is killed, and
// its exit still comes on exits.
func startHolder(r *Reaper, scanDir fileID, exits chan<- Exit) (*holder, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, os.NewSyscallError("socketpair", err)
	}
	attr := &syscall.ProcAttr{
		Dir: "/",
		// One P: fewer per-P caches; the holder has one goroutine.
		Env:   []string{"GOMAXPROCS=1"},
		Files: []uintptr{closedFd, closedFd, closedFd, uintptr(fds[1])},
		Sys:   &syscall.SysProcAttr{Setsid: true},
	}
	pid, err := r.Start(selfExe, append([]string{HolderApplet}, scanDirArgs(scanDir)...), attr, exits)
	unix.Close(fds[1])
	if err != nil {
		unix.Close(fds[0])
		return nil, err
	}
	h, err := newHolder(fds[0], pid)
	if err == nil {
		err = h.awaitReady()
	}
	if err != nil {
		unix.Kill(pid, unix.SIGKILL) // our unreaped child: the pid is still its own
		if h != nil {
			h.conn.Close()
		}
		return nil, fmt.Errorf("%s: %w", HolderApplet, err)
	}
	h.start = procStartTime(pid)
	return h, nil
}

// scanDirArgs are the holder's arguments: scanDir's device and inode.
func scanDirArgs(scanDir fileID) []string {
	return []string{strconv.FormatUint(scanDir.dev, 10), strconv.FormatUint(scanDir.ino, 10)}
}

// newHolder wraps socket s, svscan's end of its holder's socket, for the
// runtime's poller (so sends and receives have deadlines).
func newHolder(s, pid int) (*holder, error) {
	if err := unix.SetNonblock(s, true); err != nil {
		unix.Close(s)
		return nil, err
	}
	return &holder{pid: pid, conn: os.NewFile(uintptr(s), HolderApplet)}, nil
}

// awaitReady waits for a new holder's first message.
func (h *holder) awaitReady() error {
	m, f, err := h.receive()
	switch {
	case err == io.EOF:
		return errors.New("exited at start")
	case err != nil:
		return err
	case m.verb == verbFail:
		return os.NewSyscallError("listen", m.errno)
	case m.verb != verbReady:
		if f != nil {
			f.Close()
		}
		return errHolderMsg
	}
	return nil
}

// takeOver attaches to the holder a dead svscan of scanDir left, which
// becomes this svscan's holder, and returns the pipes it holds, by
// service. Without one it returns a nil holder and nil pipes; a nil
// holder with pipes is one that died while handing them over. Its exit
// comes on exits (it is not our child: a pidfd tells), unless done is
// closed first.
func takeOver(scanDir fileID, exits chan<- Exit, done <-chan struct{}) (*holder, map[fileID]*os.File, error) {
	deadline := time.Now().Add(holderBusyWait)
	for {
		h, pipes, err := attachHolder(scanDir, exits, done)
		if err != errHolderBusy || time.Now().After(deadline) {
			return h, pipes, err
		}
		time.Sleep(holderBusyWait / 50)
	}
}

// holderBusyWait bounds how long takeOver retries a holder that says its
// svscan is alive. The dead svscan's socket closes with its last copy,
// and a child it was forking when it died has a copy until its exec (the
// socket is close-on-exec): that child may outlive svscan for a moment.
const holderBusyWait = time.Second

// attachHolder is one attempt of takeOver.
func attachHolder(scanDir fileID, exits chan<- Exit, done <-chan struct{}) (*holder, map[fileID]*os.File, error) {
	s, err := unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, os.NewSyscallError("socket", err)
	}
	// A full backlog makes connect wait: bound it.
	tv := unix.NsecToTimeval(holderTimeout.Nanoseconds())
	unix.SetsockoptTimeval(s, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv)
	err = connectHolder(s, scanDir)
	if err == unix.ECONNREFUSED {
		unix.Close(s)
		return nil, nil, nil
	}
	if err != nil {
		unix.Close(s)
		return nil, nil, os.NewSyscallError("connect", err)
	}
	cred, err := unix.GetsockoptUcred(s, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		unix.Close(s)
		return nil, nil, os.NewSyscallError("getsockopt", err)
	}
	if int(cred.Uid) != os.Geteuid() {
		unix.Close(s)
		return nil, nil, foreignHolderError{cred.Uid}
	}
	h, err := newHolder(s, int(cred.Pid))
	if err != nil {
		return nil, nil, err
	}
	pipes, err := h.receivePipes()
	if err != nil {
		h.conn.Close()
		return nil, nil, err
	}
	pidfd, alive := h.pin()
	if !alive {
		h.conn.Close()
		return nil, pipes, nil
	}
	h.start = procStartTime(h.pid)
	go func() {
		watchAdopted(pidfd, h.pid, exits, done)
		pidfd.Close()
	}()
	return h, pipes, nil
}

// connectHolder connects socket s to the holder name of scanDir.
func connectHolder(s int, scanDir fileID) error {
	for {
		err := unix.Connect(s, &unix.SockaddrUnix{Name: holderName(scanDir)})
		if err != unix.EINTR {
			return err
		}
	}
}

// receivePipes reads a hand-over up to its end. Pipes received before
// the holder's end of file are returned: it died meanwhile, and they are
// the only copies left. nil if none came.
func (h *holder) receivePipes() (map[fileID]*os.File, error) {
	pipes := make(map[fileID]*os.File)
	for {
		m, f, err := h.receive()
		switch {
		case err == io.EOF, err == unix.ECONNRESET:
			h.pid = 0 // it has exited or died: pin tells it is gone
		case err != nil:
			closeAll(pipes)
			return nil, err
		case m.verb == verbHeld:
			if old := pipes[m.key]; old != nil {
				old.Close()
			}
			pipes[m.key] = f
			continue
		case m.verb == verbBusy:
			closeAll(pipes)
			return nil, errHolderBusy
		case m.verb != verbEnd:
			closeAll(pipes)
			return nil, errHolderMsg // f is nil: only held carries one
		}
		if len(pipes) == 0 {
			return nil, nil
		}
		return pipes, nil
	}
}

// pin opens a pidfd on the holder and checks it is still alive: the pid
// is not our child's, so only a process that is still connected after
// the pidfd was opened is known to be the holder and not a later process
// with its pid. A holder that ended its hand-over sends nothing more, so
// its socket has no data until it dies.
func (h *holder) pin() (*os.File, bool) {
	if h.pid == 0 {
		return nil, false
	}
	fd, err := unix.PidfdOpen(h.pid, unix.PIDFD_NONBLOCK)
	if err != nil {
		return nil, false
	}
	pidfd := os.NewFile(uintptr(fd), "pidfd:"+strconv.Itoa(h.pid))
	rc, err := h.conn.SyscallConn()
	alive := false
	if err == nil {
		rc.Control(func(s uintptr) {
			var b [1]byte
			_, _, err := unix.Recvfrom(int(s), b[:], unix.MSG_PEEK|unix.MSG_DONTWAIT)
			alive = err == unix.EAGAIN
		})
	}
	if !alive {
		pidfd.Close()
		return nil, false
	}
	return pidfd, true
}

func closeAll(files map[fileID]*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// hold gives the holder a copy of the read end r of key's log pipe,
// replacing any it holds for key.
func (h *holder) hold(key fileID, r *os.File) error {
	rc, err := r.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		serr = h.send(holderMsg{verb: verbHold, key: key}, int(fd))
	})
	if err != nil {
		return err
	}
	return serr
}

// drop has the holder close its copy of key's pipe (the service is gone).
func (h *holder) drop(key fileID) error {
	return h.send(holderMsg{verb: verbDrop, key: key}, -1)
}

// bye ends the holder (svscan ends normally, its loggers have drained):
// it exits at once, and its exit comes as usual.
func (h *holder) bye() {
	h.send(holderMsg{verb: verbBye}, -1)
	h.conn.Close()
}

// send sends m (with descriptor fd unless negative), waiting at most
// holderTimeout for room: a holder that is stopped must not wedge svscan.
func (h *holder) send(m holderMsg, fd int) error {
	rc, err := h.conn.SyscallConn()
	if err != nil {
		return err
	}
	h.conn.SetWriteDeadline(time.Now().Add(holderTimeout))
	var serr error
	err = rc.Write(func(s uintptr) bool {
		serr = sendHolderMsg(int(s), m, fd, unix.MSG_DONTWAIT)
		return serr != unix.EAGAIN
	})
	if err != nil {
		return fmt.Errorf("%s %v: %w", HolderApplet, m.verb, err)
	}
	if serr != nil {
		return fmt.Errorf("%s %v: %w", HolderApplet, m.verb, os.NewSyscallError("sendmsg", serr))
	}
	return nil
}

// receive waits at most holderTimeout for one message; a descriptor that
// comes with it is an *os.File.
func (h *holder) receive() (holderMsg, *os.File, error) {
	rc, err := h.conn.SyscallConn()
	if err != nil {
		return holderMsg{}, nil, err
	}
	h.conn.SetReadDeadline(time.Now().Add(holderTimeout))
	var m holderMsg
	fd := -1
	var rerr error
	err = rc.Read(func(s uintptr) bool {
		m, fd, rerr = recvHolderMsg(int(s), unix.MSG_DONTWAIT)
		return rerr != unix.EAGAIN
	})
	if err == nil {
		err = rerr
	}
	if err != nil {
		return holderMsg{}, nil, err
	}
	var f *os.File
	if fd >= 0 {
		f = os.NewFile(uintptr(fd), "log pipe")
	}
	return m, f, nil
}
