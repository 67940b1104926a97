package supervisor

import (
	"bytes"
	"errors"
	"strconv"

	"golang.org/x/sys/unix"
)

// The handover of a multilog to the svscan that runs it (docs/design.md,
// "Hosted loggers"). A multilog that starts as a direct child of a
// gotools svscan connects to the svscan's socket and sends one message:
// its arguments and environment, with its descriptors 0, 1, 2 and its
// working directory attached. svscan answers with one byte: 'y' (it now
// runs this logger; the process exits 0 and is forgotten) or anything
// else, including nothing (the process runs the logger itself, as
// always). Who the process is (its pid, user, groups, limits) svscan
// learns from the kernel, never from the message.

// hostAddress is the abstract unix socket on which svscan pid takes
// handovers, in slot n. Abstract: nothing on disk to clean up, and gone
// with the process. Anyone may connect; svscan checks who did.
//
// Abstract names are shared by every process of a network namespace, which
// may hold several PID namespaces (containers on the host's network, each
// with an svscan as PID 1), so the same pid may be wanted by several
// svscans: each takes the first free of hostSlots names, and a multilog
// tries them in turn until the socket's owner is its parent (SO_PEERCRED
// names a process of another PID namespace as pid 0). Nothing else
// identifies the svscan without /proc, which a multilog that has become
// another user may not read.
func hostAddress(pid, n int) string {
	a := "@gotools-svscan/" + strconv.Itoa(pid)
	if n > 0 {
		a += "/" + strconv.Itoa(n)
	}
	return a
}

// hostSlots is how many svscans of the same pid a network namespace can
// have hosting loggers.
const hostSlots = 16

// handoverMagic starts every request: a version, so that a binary of
// another gotools version is refused rather than misread.
const handoverMagic = "gotools-multilog-handover-1"

// maxHandover bounds a request: the arguments and environment of one
// multilog.
const maxHandover = 256 << 10

// handoverFiles is how many descriptors a request carries: 0, 1, 2 and
// the working directory.
const handoverFiles = 4

// encodeHandover is a request: the magic, the number of arguments, the
// arguments, then the environment, each ended by a NUL.
func encodeHandover(args, env []string) []byte {
	b := append([]byte(handoverMagic), 0)
	b = append(strconv.AppendInt(b, int64(len(args)), 10), 0)
	for _, s := range append(args[:len(args):len(args)], env...) {
		b = append(append(b, s...), 0)
	}
	return b
}

var errBadHandover = errors.New("malformed handover")

// decodeHandover reads a request of encodeHandover.
func decodeHandover(b []byte) (args, env []string, err error) {
	if len(b) == 0 || b[len(b)-1] != 0 {
		return nil, nil, errBadHandover
	}
	fields := bytes.Split(b[:len(b)-1], []byte{0})
	if len(fields) < 2 || string(fields[0]) != handoverMagic {
		return nil, nil, errBadHandover
	}
	n, err := strconv.Atoi(string(fields[1]))
	if err != nil || n < 0 || n > len(fields)-2 {
		return nil, nil, errBadHandover
	}
	for _, f := range fields[2 : 2+n] {
		args = append(args, string(f))
	}
	for _, f := range fields[2+n:] {
		env = append(env, string(f))
	}
	return args, env, nil
}

// Handover is how a HandOver ended.
type Handover int

const (
	// NotHosted: no gotools svscan is the parent, or it refused: the
	// process runs the logger itself.
	NotHosted Handover = iota
	// Hosted: svscan runs the logger from now on; the process exits 0.
	Hosted
	// Lost: svscan ended before it answered. It may have taken the logger
	// and recorded it as hosted; a process running it now could be one
	// that nobody supervises beside the next svscan's, so the process
	// exits 111 (ErrHandoverLost) and the next svscan starts the logger
	// again.
	Lost
)

// ErrHandoverLost is the failure of a Lost handover.
var ErrHandoverLost = errors.New("svscan ended during the handover")

// HandOver offers this process's multilog (args, env) to the gotools
// svscan whose child it is.
func HandOver(args, env []string) Handover {
	ppid := unix.Getppid()
	msg := encodeHandover(args, env)
	if ppid <= 0 || len(msg) > maxHandover {
		return NotHosted
	}
	fd := connectParent(ppid)
	if fd < 0 {
		return NotHosted
	}
	defer unix.Close(fd)
	cwd, err := unix.Open(".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return NotHosted // multilog itself says why
	}
	defer unix.Close(cwd)
	if unix.Sendmsg(fd, msg, unix.UnixRights(0, 1, 2, cwd), nil, 0) != nil {
		return NotHosted
	}
	var reply [1]byte
	for {
		n, err := unix.Read(fd, reply[:])
		switch {
		case err == unix.EINTR:
			continue
		case n == 1 && reply[0] == 'y':
			return Hosted
		case n == 1:
			return NotHosted
		}
		return Lost
	}
}

// connectParent connects to the handover socket of svscan ppid, and checks
// that the socket is its own: a name in the abstract namespace can be
// taken by anyone. -1 if there is none.
func connectParent(ppid int) int {
	for n := range hostSlots {
		fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return -1
		}
		if unix.Connect(fd, &unix.SockaddrUnix{Name: hostAddress(ppid, n)}) == nil {
			cred, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
			if err == nil && int(cred.Pid) == ppid {
				return fd
			}
		}
		unix.Close(fd)
	}
	return -1
}
