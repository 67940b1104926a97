package supervisor

import (
	"encoding/binary"
	"os"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"gotools/privdrop"
)

// The start barrier (docs/design.md, "Adoption").
//
// A supervisor that dies between starting ./run and recording its pid in
// supervise/xstatus leaves a ./run that no later supervisor knows of, so
// the next one would start a second. syscall.ForkExec gives no moment
// between fork and exec where the child could wait, and the pid is known
// only once exec has succeeded. So a supervisor does not exec ./run (or
// ./finish) in the child: it execs its own executable as the barrier,
// which waits on a pipe. The supervisor records the barrier's pid and
// start time (they stay the process's own through the second exec), then
// writes one byte: only then does the barrier exec the program, with the
// argv, environment, descriptors, session, directory and signal
// dispositions the child already has. If the supervisor dies first, the
// barrier reads end of file and exits without running anything. An exec
// failure goes back to the supervisor as an errno on a close-on-exec pipe,
// as syscall.ForkExec reports it.

// BarrierApplet is the name under which the gotools binary runs the
// barrier (a hidden applet): argv is
//
//	supervise-start RELEASE-FD REPORT-FD CLOSED [-lLIMITS] PROG [ARG...]
//
// CLOSED is a bit mask of the standard descriptors PROG must get closed
// (the Go runtime opens /dev/null on a closed one at start). LIMITS
// (privdrop.FormatLimits) are resource limits to set right before the
// exec: a hosted logger's processor gets those of the process that
// handed the logger over (hosted.go). PROG never starts with "-": it is
// ./run, ./finish or an absolute path.
const BarrierApplet = "supervise-start"

// selfExe names this process's own executable, in a child forked from it
// too: a binary replaced or removed on disk since svscan started does not
// matter.
const selfExe = "/proc/self/exe"

// notReleased is the barrier's exit code when its supervisor died before
// letting it go; unusable arguments exit with it too.
const notReleased = 111

// RunBarrier is the barrier's side: wait for the release byte, then exec.
// It returns only when it cannot exec; the result is the exit code.
func RunBarrier(args []string) int {
	if len(args) < 4 {
		return notReleased
	}
	release, err1 := strconv.Atoi(args[0])
	report, err2 := strconv.Atoi(args[1])
	closed, err3 := strconv.Atoi(args[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return notReleased
	}
	var limits []privdrop.ProcessLimit
	if spec, ok := strings.CutPrefix(args[3], "-l"); ok {
		var err error
		if limits, err = privdrop.ParseLimitsArg(spec); err != nil || len(args) < 5 {
			return notReleased
		}
		args = args[1:]
	}
	if !awaitRelease(release) {
		return notReleased
	}
	unix.Close(release)
	for fd := 0; fd < 3; fd++ {
		if closed&(1<<fd) != 0 {
			unix.Close(fd)
		}
	}
	unix.CloseOnExec(report)
	err := setLimits(limits)
	if err == nil {
		err = syscall.Exec(args[3], args[3:], os.Environ())
	}
	errno, ok := err.(syscall.Errno)
	if !ok {
		errno = syscall.EINVAL
	}
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], uint32(errno))
	unix.Write(report, b[:])
	return notReleased
}

// setLimits sets each limit but the open files' (which the Go runtime
// puts back to what it found at start when it execs).
func setLimits(limits []privdrop.ProcessLimit) error {
	for _, l := range limits {
		if l.Resource == unix.RLIMIT_NOFILE {
			continue
		}
		if err := unix.Setrlimit(l.Resource, &unix.Rlimit{Cur: l.Soft, Max: l.Max}); err != nil {
			return err
		}
	}
	return nil
}

// awaitRelease reads the release byte; false at end of file (the
// supervisor has died) or on any error.
func awaitRelease(fd int) bool {
	var b [1]byte
	for {
		n, err := unix.Read(fd, b[:])
		if err == unix.EINTR {
			continue
		}
		return n == 1
	}
}

// heldChild is a child waiting at the barrier.
type heldChild struct {
	pid     int
	release int      // write end of the release pipe
	report  *os.File // read end of the report pipe (in the poller)
	token   chan struct{}
}

// startHeld starts argv0 with argv and attr behind the barrier, through
// the reaper. The child's descriptors are attr.Files, then the two pipe
// ends the barrier uses, which it closes before it execs argv0. limits,
// if any, are set right before the exec.
func startHeld(r *Reaper, argv0 string, argv []string, attr *syscall.ProcAttr, limits []privdrop.ProcessLimit, exits chan<- Exit) (*heldChild, error) {
	r.held <- struct{}{}
	var rel, rep [2]int
	if err := unix.Pipe2(rel[:], unix.O_CLOEXEC); err != nil {
		<-r.held
		return nil, err
	}
	if err := unix.Pipe2(rep[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		unix.Close(rel[0])
		unix.Close(rel[1])
		<-r.held
		return nil, err
	}
	closed := 0
	for fd, f := range attr.Files[:3] {
		if f == closedFd {
			closed |= 1 << fd
		}
	}
	n := len(attr.Files)
	child := *attr
	child.Files = append(attr.Files[:n:n], uintptr(rel[0]), uintptr(rep[1]))
	bargv := []string{BarrierApplet, strconv.Itoa(n), strconv.Itoa(n + 1), strconv.Itoa(closed)}
	if len(limits) > 0 {
		bargv = append(bargv, "-l"+privdrop.FormatLimits(limits))
	}
	bargv = append(append(bargv, argv0), argv[1:]...)
	pid, err := r.Start(selfExe, bargv, &child, exits)
	unix.Close(rel[0])
	unix.Close(rep[1])
	if err != nil {
		unix.Close(rel[1])
		unix.Close(rep[0])
		<-r.held
		return nil, err
	}
	return &heldChild{pid: pid, release: rel[1], report: os.NewFile(uintptr(rep[0]), "barrier report"), token: r.held}, nil
}

// let releases the child and waits until it has exec'd its program (nil)
// or failed to (exec's errno).
func (h *heldChild) let() error {
	defer func() {
		h.report.Close()
		<-h.token
	}()
	_, err := unix.Write(h.release, []byte{1})
	unix.Close(h.release)
	if err != nil {
		return err // it has died: its exit is on its way
	}
	var b [4]byte
	n := 0
	for n < len(b) {
		k, err := h.report.Read(b[n:])
		n += k
		if err != nil {
			break
		}
	}
	if n < len(b) {
		return nil // end of file: the exec closed the pipe
	}
	return syscall.Errno(binary.LittleEndian.Uint32(b[:]))
}
