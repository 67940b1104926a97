package supervisor

import (
	"net"
	"os"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"

	"gotools/privdrop"
)

// LoggerHost takes the handovers of one svscan's loggers (handover.go):
// it listens on the svscan's socket, learns from the kernel which process
// connected, and passes the request to the Service that runs that
// process as its ./run, which alone decides (Service.takeHandover).
type LoggerHost struct {
	ln     *net.UnixListener
	reaper *Reaper
	// shown is the process svstat names for a hosted logger: the tree's
	// descriptor holder (docs/design.md, "Hosted loggers"); 0 while there
	// is none, and then nothing is taken.
	shown func() (pid int, procStart uint64)

	// stdout and stderr are duplicates of this process's descriptors 1
	// and 2, which most loggers were handed too (a hosted logger uses the
	// one copy rather than keep a pair of its own: descriptors are what a
	// large tree runs out of first); nil if they could not be made.
	stdout, stderr *os.File
	// self is this process's own account, from which a hosted logger's
	// file operations switch to its account's (read once: svscan's ids,
	// groups and umask do not change).
	self privdrop.FSAccount

	mu     sync.Mutex
	byPid  map[int]*Service      // loggers' ./run processes that may hand over
	hosted map[*Service]struct{} // Services whose logger runs here
}

// handover is one request, on its way to a Service.
type handover struct {
	pid, uid, gid int
	args, env     []string
	files         []*os.File // 0, 1, 2 and the working directory
	reply         chan bool
}

// newLoggerHost listens on the first free handover address of this
// process's pid.
func newLoggerHost(r *Reaper, shown func() (int, uint64)) (*LoggerHost, error) {
	var ln *net.UnixListener
	var err error
	for n := range hostSlots {
		if ln, err = net.ListenUnix("unixpacket", &net.UnixAddr{Name: hostAddress(os.Getpid(), n), Net: "unixpacket"}); err == nil {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	h := &LoggerHost{ln: ln, reaper: r, shown: shown, byPid: make(map[int]*Service), hosted: make(map[*Service]struct{}),
		stdout: dupFile(1), stderr: dupFile(2), self: privdrop.ProcessAccount()}
	go h.serve()
	return h, nil
}

// dupFile is a close-on-exec duplicate of descriptor fd, nil if it cannot
// be made.
func dupFile(fd int) *os.File {
	d, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return nil
	}
	return os.NewFile(uintptr(d), "standard descriptor")
}

// shared returns the host's own copy of f's open file (stdout or
// stderr) and closes f, when f is that very open file (kcmp(2), so that
// offsets and flags are the same too); else f.
func (h *LoggerHost) shared(f *os.File) (file *os.File, owned bool) {
	for _, own := range []*os.File{h.stdout, h.stderr} {
		if own != nil && sameOpenFile(f, own) {
			f.Close()
			return own, false
		}
	}
	return f, true
}

// sameOpenFile reports whether a and b are descriptors of one open file
// description; false where kcmp(2) is not allowed.
func sameOpenFile(a, b *os.File) bool {
	fa, fb := rawFd(a), rawFd(b)
	if fa < 0 || fb < 0 {
		return false
	}
	pid := uintptr(os.Getpid())
	r, _, errno := unix.Syscall6(unix.SYS_KCMP, pid, pid, kcmpFile, uintptr(fa), uintptr(fb), 0)
	return errno == 0 && r == 0
}

// rawFd is f's descriptor, without the switch to blocking mode of Fd;
// -1 if f is closed.
func rawFd(f *os.File) int {
	rc, err := f.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	rc.Control(func(d uintptr) { fd = int(d) })
	return fd
}

// kcmpFile is kcmp(2)'s KCMP_FILE.
const kcmpFile = 0

// close stops taking handovers; hosted loggers go on.
func (h *LoggerHost) close() { h.ln.Close() }

func (h *LoggerHost) serve() {
	for {
		c, err := h.ln.AcceptUnix()
		if err != nil {
			return // closed
		}
		go h.take(c)
	}
}

// register makes pid, a logger's ./run just started by s, one that may
// hand over; unregister forgets it once it has exited.
func (h *LoggerHost) register(pid int, s *Service) {
	h.mu.Lock()
	h.byPid[pid] = s
	h.mu.Unlock()
}

func (h *LoggerHost) unregister(pid int) {
	h.mu.Lock()
	delete(h.byPid, pid)
	h.mu.Unlock()
}

// hosting records whether s runs a hosted logger.
func (h *LoggerHost) hosting(s *Service, on bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if on {
		h.hosted[s] = struct{}{}
	} else {
		delete(h.hosted, s)
	}
}

// holderLost ends, as killed, every hosted logger whose status names pid,
// a holder that has died: the pid is no longer theirs to show.
func (h *LoggerHost) holderLost(pid int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.hosted {
		go s.holderLost(pid)
	}
}

// take answers one connection: 'y' if a Service took the logger, else 'n'.
func (h *LoggerHost) take(c *net.UnixConn) {
	defer c.Close()
	req, err := readHandover(c)
	ok := false
	if err == nil {
		h.mu.Lock()
		s := h.byPid[req.pid]
		h.mu.Unlock()
		ok = s != nil && s.offer(req)
		if !ok {
			closeFiles(req.files)
		}
	}
	answer := byte('n')
	if ok {
		answer = 'y'
	}
	c.Write([]byte{answer})
}

// readHandover reads a request and who sent it, as the kernel says.
func readHandover(c *net.UnixConn) (*handover, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return nil, err
	}
	var cred *unix.Ucred
	var credErr error
	rc.Control(func(fd uintptr) { cred, credErr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED) })
	if credErr != nil {
		return nil, credErr
	}
	size, err := peekSize(rc)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, size)
	oob := make([]byte, unix.CmsgSpace(handoverFiles*4))
	n, oobn, flags, _, err := c.ReadMsgUnix(buf, oob)
	if err != nil {
		return nil, err
	}
	files, err := receivedFiles(oob[:oobn])
	if err != nil {
		return nil, err
	}
	if flags&(unix.MSG_CTRUNC|unix.MSG_TRUNC) != 0 || len(files) != handoverFiles {
		closeFiles(files)
		return nil, errBadHandover
	}
	args, env, err := decodeHandover(buf[:n])
	if err != nil {
		closeFiles(files)
		return nil, err
	}
	return &handover{pid: int(cred.Pid), uid: int(cred.Uid), gid: int(cred.Gid), args: args, env: env, files: files, reply: make(chan bool, 1)}, nil
}

// peekSize is the size of the request waiting on the connection, at most
// maxHandover (a larger one is then read truncated, and refused).
// Requests are a few KiB, and allocating the most for each of a thousand
// loggers handing over at once would leave svscan that much bigger for
// good: the Go runtime gives freed memory back to the system slowly.
func peekSize(rc syscall.RawConn) (int, error) {
	size := 0
	var err error
	readErr := rc.Read(func(fd uintptr) bool {
		var b [1]byte
		size, _, err = unix.Recvfrom(int(fd), b[:], unix.MSG_PEEK|unix.MSG_TRUNC)
		return err != unix.EAGAIN
	})
	if readErr != nil {
		return 0, readErr
	}
	if err != nil {
		return 0, err
	}
	return min(max(size, 1), maxHandover), nil
}

// receivedFiles are the descriptors of SCM_RIGHTS messages. Package net
// receives them close-on-exec already on Linux; set again for any other.
func receivedFiles(oob []byte) ([]*os.File, error) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil, err
	}
	var files []*os.File
	for _, m := range msgs {
		fds, err := unix.ParseUnixRights(&m)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			unix.CloseOnExec(fd)
			files = append(files, os.NewFile(uintptr(fd), "handed over"))
		}
	}
	return files, nil
}

func closeFiles(files []*os.File) {
	for _, f := range files {
		if f != nil {
			f.Close()
		}
	}
}
