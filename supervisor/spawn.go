package supervisor

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// spawner starts and signals a service's programs; the Service loop uses it
// for every effect that touches a process, so tests can fake it.
type spawner interface {
	// start runs prog ("./run" or "./finish") with args in the service
	// directory, held at the start barrier (barrier.go): the process
	// exists, with its pid and start time, but runs nothing of prog until
	// release. Its exit will arrive on the service's exit channel.
	start(prog string, args ...string) (pid int, procStart uint64, err error)
	// release lets the process start last exec its program, once its pid
	// is recorded; the error is exec's.
	release(pid int) error
	// hasFinish reports whether ./finish is an executable file.
	hasFinish() bool
	signal(pid int, sig syscall.Signal)
	// runExited closes what belonged to the ./run that exited (its
	// readiness pipe).
	runExited()
}

// forkSpawner starts real processes through the process's Reaper.
type forkSpawner struct {
	name   string
	dirfd  int
	stdio  [3]*os.File // nil entries are closed in the child
	env    []string
	reaper *Reaper
	exits  chan<- Exit
	ready  chan<- int      // pid of a ./run that signalled readiness
	done   <-chan struct{} // closed when the service loop has ended
	warn   func(error)

	notify   *os.File   // read end of the current ./run's readiness pipe
	held     *heldChild // started and not yet released
	heldProg string     // what held execs once released
}

// maxNotificationFd bounds notification-fd to something a child can have.
const maxNotificationFd = 1 << 16

func (f *forkSpawner) start(prog string, args ...string) (int, uint64, error) {
	attr := &syscall.ProcAttr{
		// The service directory is held open, not named: it may be
		// renamed while supervised, and the process's cwd is not ours
		// to change (svscan runs many services).
		Dir:   "/proc/self/fd/" + strconv.Itoa(f.dirfd),
		Env:   f.env,
		Files: childFiles(f.stdio[:]),
		Sys:   &syscall.SysProcAttr{Setsid: !f.exists("no-setsid")},
	}
	var notifyW *os.File
	if prog == runProg {
		var err error
		if notifyW, err = f.readinessPipe(attr); err != nil {
			f.warn(err)
		}
	}
	held, err := startHeld(f.reaper, prog, append([]string{prog}, args...), attr, nil, f.exits)
	if notifyW != nil {
		notifyW.Close()
		if err != nil {
			f.runExited()
		} else {
			go f.awaitReadiness(f.notify, held.pid)
		}
	}
	if err != nil {
		return 0, 0, err
	}
	f.held, f.heldProg = held, prog
	return held.pid, procStartTime(held.pid), nil
}

func (f *forkSpawner) release(pid int) error {
	held, prog := f.held, f.heldProg
	if held == nil || held.pid != pid {
		return nil
	}
	f.held = nil
	err := held.let()
	if err != nil && prog == runProg {
		f.runExited() // no ./run will write to the readiness pipe
	}
	return err
}

// closedFd in ProcAttr.Files makes the child's descriptor closed.
const closedFd = ^uintptr(0)

// childFiles is ProcAttr.Files for files: files[i] becomes the child's
// descriptor i, nil ones are closed. Fd also switches each to blocking
// mode, as a child expects.
func childFiles(files []*os.File) []uintptr {
	fds := make([]uintptr, len(files))
	for i, f := range files {
		fds[i] = closedFd
		if f != nil {
			fds[i] = f.Fd()
		}
	}
	return fds
}

const (
	runProg    = "./run"
	finishProg = "./finish"
)

func (f *forkSpawner) exists(name string) bool {
	var st unix.Stat_t
	return unix.Fstatat(f.dirfd, name, &st, 0) == nil
}

// hasFinish: a directory named finish is searchable, not executable.
func (f *forkSpawner) hasFinish() bool {
	var st unix.Stat_t
	return unix.Fstatat(f.dirfd, "finish", &st, 0) == nil && st.Mode&unix.S_IFMT == unix.S_IFREG &&
		unix.Faccessat(f.dirfd, "finish", unix.X_OK, unix.AT_EACCESS) == nil
}

func (f *forkSpawner) signal(pid int, sig syscall.Signal) {
	syscall.Kill(pid, sig) // ESRCH: it has just exited; its exit event is on its way
}

func (f *forkSpawner) runExited() {
	if f.notify != nil {
		f.notify.Close()
		f.notify = nil
	}
}

// readinessPipe reads DIR/notification-fd and, if it names a descriptor
// N ≥ 3, makes a pipe whose write end the child gets as fd N (s6's
// readiness protocol). It returns the parent's copy of the write end.
func (f *forkSpawner) readinessPipe(attr *syscall.ProcAttr) (*os.File, error) {
	n, err := f.notificationFd()
	if n < 0 || err != nil {
		return nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("unable to create readiness pipe for %s: %w", f.name, bareErrno(err))
	}
	for len(attr.Files) <= n {
		attr.Files = append(attr.Files, closedFd)
	}
	attr.Files[n] = w.Fd()
	f.notify = r
	return w, nil
}

// notificationFd is the number in DIR/notification-fd, or -1 if there is
// no such file.
func (f *forkSpawner) notificationFd() (int, error) {
	fd, err := unix.Openat(f.dirfd, "notification-fd", unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err == unix.ENOENT {
		return -1, nil
	}
	if err != nil {
		return -1, fmt.Errorf("unable to read %s/notification-fd: %w", f.name, err)
	}
	file := os.NewFile(uintptr(fd), "notification-fd")
	defer file.Close()
	b, err := io.ReadAll(io.LimitReader(file, 64))
	if err != nil {
		return -1, fmt.Errorf("unable to read %s/notification-fd: %w", f.name, bareErrno(err))
	}
	n, ok := parseNotificationFd(b)
	if !ok {
		return -1, fmt.Errorf("unable to use %s/notification-fd: not a descriptor number of 3 or more", f.name)
	}
	return n, nil
}

// parseNotificationFd reads the contents of a notification-fd file: a
// decimal descriptor number of 3 or more (below maxNotificationFd), white
// space around it allowed.
func parseNotificationFd(b []byte) (int, bool) {
	n, err := strconv.Atoi(string(bytes.TrimSpace(b)))
	return n, err == nil && n >= 3 && n < maxNotificationFd
}

// bareErrno is the errno in an error of package os, without the system
// call or path Go puts before it: messages name the file themselves.
func bareErrno(err error) error {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return err
}

// awaitReadiness reports pid ready when a newline arrives on r. It ends at
// end of input or when r is closed because ./run exited.
func (f *forkSpawner) awaitReadiness(r *os.File, pid int) {
	buf := make([]byte, 64)
	for {
		n, err := r.Read(buf)
		if bytes.IndexByte(buf[:n], '\n') >= 0 {
			select {
			case f.ready <- pid:
			case <-f.done:
			}
			return
		}
		if err != nil {
			return
		}
	}
}

// procStartTime is field 22 of /proc/PID/stat (start time in clock ticks
// after boot), or 0 if it cannot be read, or if /proc belongs to another
// PID namespace (then /proc/PID is some other process, or none).
func procStartTime(pid int) uint64 {
	if !ownProc() {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	return statStartTime(b)
}

// ownProc reports whether /proc is mounted and shows this process's PID
// namespace: only then does /proc/PID name the process pid.
func ownProc() bool {
	self, err := os.Readlink("/proc/self")
	return err == nil && self == strconv.Itoa(os.Getpid())
}

// statStartTime is field 22 of the text of a /proc/PID/stat, or 0 if it
// has none.
func statStartTime(b []byte) uint64 {
	return statField(b, 22)
}

// statField is field n (n ≥ 3) of the text of a /proc/PID/stat as a
// number, or 0 if it has none.
func statField(b []byte, n int) uint64 {
	// The command name (field 2) may hold spaces and parentheses; the
	// fields after its last ")" are 3, 4, ...
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	fields := bytes.Fields(b[i+1:])
	if len(fields) < n-2 {
		return 0
	}
	v, _ := strconv.ParseUint(string(fields[n-3]), 10, 64)
	return v
}
