package supervisor

import (
	"errors"
	"io"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The descriptor holder (docs/design.md, "Hosted loggers").
//
// svscan hosts its services' loggers in its own process, so its death
// (SIGKILL) closes every read end of the log pipes it holds: a service
// writing to its log would get EPIPE, and the bytes of a service that
// exits meanwhile would be lost with its pipe. With one multilog process
// per logger (0.76) the read ends outlive svscan. The holder brings that
// back: one small process per tree, started by svscan as its child, that
// keeps a read end of every log pipe (svscan sends each over a socketpair)
// and outlives svscan. It reads nothing: the bytes wait in the pipes.
//
// The next svscan of the same scan directory attaches to the holder its
// dead predecessor left, and the holder becomes that svscan's holder: it
// sends a copy of every descriptor (SCM_RIGHTS duplicates) and keeps its
// own. A holder that handed its descriptors over and exited would leave a
// moment where only the new svscan has them, and a second death then
// would lose them; one that keeps them is never without them, and a new
// svscan that dies in the middle of a hand-over costs nothing (the holder
// waits for the next).
//
// The holder is found by an abstract unix socket named after the scan
// directory's device and inode (a symlink or a rename is the same tree,
// as for services), which it binds at start, before it tells svscan it is
// ready. So a connection that is refused means there is no holder: no
// retry, no waiting (binding only once svscan has died would leave a
// moment where the holder exists and cannot be found). A connection that
// arrives while the holder's svscan is alive is queued until the holder
// has read what its svscan's socket holds: svscan's death closes that
// socket before anyone can see svscan has died (the kernel closes a
// process's descriptors before its parent can reap it), so a later
// svscan's connection finds the end of file already there, and one from a
// svscan running beside the live one is told "busy". (A child svscan was
// forking when it died has a copy of the socket until its exec, so a
// busy holder is asked again for a moment: takeOver.)
//
// Abstract names take no file in the scan directory (which may be
// read-only, and a stale socket file would need removing) but have no
// permissions and live per network namespace: either side checks the
// other's uid (SO_PEERCRED) and talks only to its own; a name another uid
// has taken is refused, not trusted.

// HolderApplet is the name under which the gotools binary runs the
// descriptor holder (a hidden applet): argv is
//
//	svscan-holder DEV INO
//
// with DEV and INO the scan directory's device and inode, and descriptor
// 3 its svscan's end of a SOCK_SEQPACKET socketpair.
const HolderApplet = "svscan-holder"

// holderCtl is the descriptor on which a holder talks to its svscan.
const holderCtl = 3

// holderFailed is the holder's exit code when it cannot start.
const holderFailed = 111

// holderTimeout bounds every wait of svscan on its holder and of the
// holder on a taker that does not read: the other side is a process that
// answers at once, and neither must wedge the other for good.
const holderTimeout = 5 * time.Second

// holderBacklog is the queue of connections to a holder: one svscan takes
// over at a time.
const holderBacklog = 4

// holderName is the abstract socket name of the holder of scanDir (the
// leading @ is a NUL byte in the address).
func holderName(scanDir fileID) string {
	return "@gotools-svscan-holder/" + strconv.FormatUint(scanDir.dev, 10) + "/" + strconv.FormatUint(scanDir.ino, 10)
}

// holderComm is the holder's process name (at most 15 bytes and a NUL).
var holderComm = []byte(HolderApplet + "\x00")

// RunHolder is the holder's side; the result is its exit code: 0 after
// "bye" or once its svscan has died leaving it nothing to hold,
// holderFailed when it cannot start.
func RunHolder(args []string) int {
	ignoreSignals()
	// Its own name for ps and /proc/PID/status, rather than the "exe" of
	// /proc/self/exe: svstat shows its pid for hosted loggers.
	unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(&holderComm[0])), 0, 0, 0)
	closeInherited()
	if len(args) != 2 {
		return holderFailed
	}
	dev, ok1 := parseDecimal([]byte(args[0]))
	ino, ok2 := parseDecimal([]byte(args[1]))
	if !ok1 || !ok2 {
		return holderFailed
	}
	l, err := listenHolder(fileID{dev, ino})
	if err != nil {
		var errno syscall.Errno
		if !errors.As(err, &errno) {
			errno = syscall.EINVAL
		}
		sendHolderMsg(holderCtl, holderMsg{verb: verbFail, errno: errno}, -1, 0)
		return holderFailed
	}
	if sendHolderMsg(holderCtl, holderMsg{verb: verbReady}, -1, 0) != nil {
		return holderFailed
	}
	h := &holding{ctl: holderCtl, listener: l, fds: make(map[fileID]int)}
	return h.run()
}

// ignoreSignals sets every signal whose default action would end or stop
// the holder to SIG_IGN. svstat shows the holder's pid as the pid of the
// hosted loggers, and a signal someone sends that pid (kill -HUP, as one
// would to a multilog) must not lose the tree's log pipes; only SIGKILL
// ends it (svscan then starts another). Ignoring is safe here, unlike in
// a supervisor, because the holder execs nothing that would inherit it.
func ignoreSignals() {
	for sig := syscall.Signal(1); sig <= 64; sig++ {
		switch sig {
		case syscall.SIGKILL, syscall.SIGSTOP, // cannot be ignored
			syscall.SIGCHLD, syscall.SIGCONT, syscall.SIGWINCH, // harmless by default
			syscall.SIGURG: // the runtime's preemption signal
			continue
		}
		signal.Ignore(sig)
	}
}

// closeInherited closes the descriptors above holderCtl that the holder
// inherited: svscan passes it nothing else, but a descriptor svscan
// itself inherited without close-on-exec (from whatever started it) is
// passed on to every child, and the holder outlives svscan: a pipe's
// write end kept there would keep its reader from ever seeing end of
// file. Those are the ones without close-on-exec; the Go runtime opens
// its own with it.
func closeInherited() {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range entries {
		fd, err := strconv.Atoi(e.Name())
		if err != nil || fd <= holderCtl {
			continue
		}
		if flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil && flags&unix.FD_CLOEXEC == 0 {
			unix.Close(fd)
		}
	}
}

// listenHolder binds and listens on the holder name of scanDir.
func listenHolder(scanDir fileID) (int, error) {
	s, err := unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return -1, err
	}
	if err := unix.Bind(s, &unix.SockaddrUnix{Name: holderName(scanDir)}); err != nil {
		unix.Close(s)
		return -1, err
	}
	if err := unix.Listen(s, holderBacklog); err != nil {
		unix.Close(s)
		return -1, err
	}
	return s, nil
}

// holding is the holder's state. It runs in the process's one goroutine,
// on raw descriptors (no runtime poller, no finalizers): the holder is one
// process per tree and should cost as little as a Go process can.
type holding struct {
	ctl      int            // its svscan's socket; -1 while it has none (its svscan died)
	listener int            // its name, for the next svscan
	fds      map[fileID]int // the descriptors it keeps, by service
}

// run serves its svscan and the next ones until "bye", or until it is
// left with no svscan and nothing to hold.
func (h *holding) run() int {
	for {
		p := []unix.PollFd{
			{Fd: int32(h.ctl), Events: unix.POLLIN}, // a negative fd is skipped
			{Fd: int32(h.listener), Events: unix.POLLIN},
		}
		if _, err := unix.Poll(p, -1); err != nil {
			if err == unix.EINTR || err == unix.ENOMEM {
				continue // giving up would lose the pipes
			}
			return holderFailed
		}
		if p[0].Revents != 0 && h.readControl() {
			return 0
		}
		if p[1].Revents != 0 && h.serve() {
			return 0
		}
	}
}

// readControl handles every message its svscan has sent; true when the
// holder is to exit ("bye", or svscan died leaving nothing to hold).
func (h *holding) readControl() bool {
	for {
		m, fd, err := recvHolderMsg(h.ctl, unix.MSG_DONTWAIT)
		switch {
		case err == unix.EAGAIN:
			return false
		case err == errHolderMsg:
			continue
		case err != nil: // end of file (or reset): svscan has died
			unix.Close(h.ctl)
			h.ctl = -1
			return len(h.fds) == 0
		}
		switch m.verb {
		case verbHold:
			if old, ok := h.fds[m.key]; ok {
				unix.Close(old)
			}
			h.fds[m.key] = fd
		case verbDrop:
			if old, ok := h.fds[m.key]; ok {
				unix.Close(old)
				delete(h.fds, m.key)
			}
		case verbBye:
			return true
		}
	}
}

// serve answers one connection to its name; true when the holder is to
// exit. A connection of another uid is closed unanswered. One that comes
// while its svscan is alive is told "busy". Otherwise it is the next
// svscan: it gets a copy of every descriptor, then "end", and its
// connection becomes the holder's svscan socket. If the hand-over fails
// (the taker died), the holder keeps waiting for the next.
func (h *holding) serve() bool {
	c, _, err := unix.Accept4(h.listener, unix.SOCK_CLOEXEC)
	if err != nil {
		return false
	}
	cred, err := unix.GetsockoptUcred(c, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil || int(cred.Uid) != os.Geteuid() {
		unix.Close(c)
		return false
	}
	// Whatever its svscan sent before it died, end of file included, is
	// already queued: take it in before deciding.
	if h.ctl >= 0 && h.readControl() {
		unix.Close(c)
		return true
	}
	if h.ctl >= 0 {
		sendHolderMsg(c, holderMsg{verb: verbBusy}, -1, 0)
		unix.Close(c)
		return false
	}
	tv := unix.NsecToTimeval(holderTimeout.Nanoseconds())
	unix.SetsockoptTimeval(c, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &tv)
	for key, fd := range h.fds {
		if sendHolderMsg(c, holderMsg{verb: verbHeld, key: key}, fd, 0) != nil {
			unix.Close(c)
			return false
		}
	}
	if sendHolderMsg(c, holderMsg{verb: verbEnd}, -1, 0) != nil {
		unix.Close(c)
		return false
	}
	h.ctl = c
	return false
}

// sendHolderMsg sends m on socket s, with descriptor fd unless it is
// negative. A peer that is gone is an error, never a SIGPIPE.
func sendHolderMsg(s int, m holderMsg, fd int, flags int) error {
	var oob []byte
	if fd >= 0 {
		oob = unix.UnixRights(fd)
	}
	b := appendHolderMsg(make([]byte, 0, maxHolderMsg), m)
	for {
		err := unix.Sendmsg(s, b, oob, nil, flags|unix.MSG_NOSIGNAL)
		if err != unix.EINTR {
			return err
		}
	}
}

// recvHolderMsg receives one message from socket s, with its descriptor
// for the verbs that carry one (else fd is -1). End of file is io.EOF; a
// message that is malformed, or comes with the wrong number of
// descriptors, is errHolderMsg, and descriptors that came with it are
// closed.
//
// A non-blocking receive that finds the queue empty and then the peer
// gone reports end of file, even when the peer sent a last message and
// closed while it looked (the kernel does not look again): the holder
// would lose svscan's last "hold", a taker the holder's "busy". The
// message was queued before the close, so once the close is seen a
// second look finds it if there is one.
func recvHolderMsg(s int, flags int) (m holderMsg, fd int, err error) {
	var b [maxHolderMsg + 1]byte
	oob := make([]byte, unix.CmsgSpace(4*4)) // room to see (and close) extra descriptors
	n, oobn, rflags, err := recvmsg(s, b[:], oob, flags)
	if err == nil && n == 0 && oobn == 0 {
		n, oobn, rflags, err = recvmsg(s, b[:], oob, flags)
	}
	if err != nil {
		return holderMsg{}, -1, err
	}
	fds := receivedFds(oob[:oobn])
	if n == 0 && len(fds) == 0 {
		return holderMsg{}, -1, io.EOF
	}
	m, err = parseHolderMsg(b[:n])
	switch {
	case err != nil, rflags&(unix.MSG_TRUNC|unix.MSG_CTRUNC) != 0:
	case m.verb.carriesFd() && len(fds) == 1:
		return m, fds[0], nil
	case !m.verb.carriesFd() && len(fds) == 0:
		return m, -1, nil
	}
	for _, fd := range fds {
		unix.Close(fd)
	}
	return holderMsg{}, -1, errHolderMsg
}

// recvmsg is unix.Recvmsg, again when a signal interrupts it; received
// descriptors are close-on-exec.
func recvmsg(s int, b, oob []byte, flags int) (n, oobn, rflags int, err error) {
	for {
		n, oobn, rflags, _, err = unix.Recvmsg(s, b, oob, flags|unix.MSG_CMSG_CLOEXEC)
		if err != unix.EINTR {
			return n, oobn, rflags, err
		}
	}
}

// receivedFds is every descriptor in the control messages oob.
func receivedFds(oob []byte) []int {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var fds []int
	for _, msg := range msgs {
		if rights, err := unix.ParseUnixRights(&msg); err == nil {
			fds = append(fds, rights...)
		}
	}
	return fds
}
