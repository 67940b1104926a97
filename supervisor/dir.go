package supervisor

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"gotools/applets/message"
)

// OpenDir opens a service directory for a supervisor to hold for as long as
// it runs. It fails where 0.76's chdir would, with its wording ("unable to
// chdir to DIR"); the descriptor is O_PATH, so it needs no read permission.
func OpenDir(path string) (*os.File, error) { return openDirAt(unix.AT_FDCWD, path) }

// openDirAt opens the directory name under dirfd as OpenDir does; messages
// name it as given (svscan's "unable to chdir to log", as 0.76's log
// supervise prints it).
func openDirAt(dirfd int, name string) (*os.File, error) {
	fd, err := unix.Openat(dirfd, name, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err == nil {
		if err = unix.Faccessat(fd, ".", unix.X_OK, unix.AT_EACCESS); err != nil {
			unix.Close(fd)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("unable to chdir to %s: %w", name, err)
	}
	return os.NewFile(uintptr(fd), name), nil
}

// superviseFiles are the descriptors a running supervisor holds in
// DIR/supervise (docs/supervise.md), all close-on-exec.
type superviseFiles struct {
	lock int
	// control is open for reading and writing: being a writer itself, its
	// reads never see end of input (0.76 holds a second, write-only
	// descriptor for that; one descriptor fewer per service under svscan).
	control *os.File
	// controlPolled says control is not a FIFO (a regular file, or a
	// symlink to a device such as /dev/zero): such a file is always
	// readable, so it is read once per controlPollInterval instead of as
	// fast as the kernel answers (readControl).
	controlPolled bool
	ok            int
}

// bare is an error Debian's supervise prints without its "supervise:
// fatal: " prefix: its readlink of a supervise symlink (docs/supervise.md).
func bare(err error) error { return &message.Error{Level: message.Bare, Err: err} }

// makeSuperviseDir creates DIR/supervise (0700). As Debian's supervise does,
// a supervise symlink whose target is missing gets its target created.
func makeSuperviseDir(dirfd int) error {
	if unix.Mkdirat(dirfd, "supervise", 0o700) == nil {
		return nil
	}
	buf := make([]byte, 256)
	n, err := unix.Readlinkat(dirfd, "supervise", buf)
	switch {
	case err == unix.ENOENT || err == unix.EINVAL:
		return nil
	case err != nil:
		return bare(fmt.Errorf("unable to readlink ./supervise: %w", err))
	case n >= len(buf):
		return bare(errors.New("unable to readlink ./supervise: unknown error"))
	}
	unix.Mkdirat(dirfd, string(buf[:n]), 0o700) // errors show up at the lock
	return nil
}

// lockSupervise opens and locks DIR/supervise/lock, then opens the control
// FIFO both ways: steps 5 and 6 of supervise's startup (docs/supervise.md),
// in that order. The read-only open comes first so that a FIFO we may read
// but not write fails with 0.76's "unable to write" message.
//
// label is how a hint names the directory (Config.Label).
func lockSupervise(dirfd int, name, label string) (*superviseFiles, error) {
	const appendFlags = unix.O_WRONLY | unix.O_NONBLOCK | unix.O_APPEND | unix.O_CREAT | unix.O_CLOEXEC
	lock, err := unix.Openat(dirfd, "supervise/lock", appendFlags, 0o600)
	if err != nil {
		return nil, fmt.Errorf("unable to acquire %s/supervise/lock: %w", name, err)
	}
	if err = unix.Flock(lock, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		err = withLockHint(fmt.Errorf("unable to acquire %s/supervise/lock: %w", name, err), label, lock)
		unix.Close(lock)
		return nil, err
	}
	files := &superviseFiles{lock: lock, ok: -1}
	unix.Mkfifoat(dirfd, "supervise/control", 0o600) // EEXIST is fine; other errors show at open
	r, err := unix.Openat(dirfd, "supervise/control", unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		files.close()
		return nil, fmt.Errorf("unable to read %s/supervise/control: %w", name, err)
	}
	rw, err := unix.Openat(dirfd, "supervise/control", unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	unix.Close(r)
	if err != nil {
		files.close()
		return nil, fmt.Errorf("unable to write %s/supervise/control: %w", name, err)
	}
	var st unix.Stat_t
	files.controlPolled = unix.Fstat(rw, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO
	files.control = os.NewFile(uintptr(rw), name+"/supervise/control")
	return files, nil
}

// openOk creates and opens DIR/supervise/ok for reading (step 8), after the
// first status is written: "svok says yes" implies a valid status file.
func (f *superviseFiles) openOk(dirfd int, name string) error {
	unix.Mkfifoat(dirfd, "supervise/ok", 0o600)
	fd, err := unix.Openat(dirfd, "supervise/ok", unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("unable to read %s/supervise/ok: %w", name, err)
	}
	f.ok = fd
	return nil
}

// close releases everything, the lock last.
func (f *superviseFiles) close() {
	if f.control != nil {
		f.control.Close()
	}
	for _, fd := range []int{f.ok, f.lock} {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
}

// errPartialWrite is a short write of a status file.
var errPartialWrite = errors.New("partial write")

// writeStatusFile replaces DIR/supervise/NAME with data the way 0.76 writes
// status: NAME.new (0644 before umask), then rename. Errors are 0.76's
// warning texts.
//
// Unlike 0.76's open_trunc, NAME.new is always a file created here: were it
// opened as found, a symlink (or hard link) planted under that name would
// have its target overwritten. Whatever is there (normally nothing: the
// last write renamed it away) is removed first.
func writeStatusFile(dirfd int, dir, name string, data []byte) error {
	tmp := "supervise/" + name + ".new"
	const create = unix.O_WRONLY | unix.O_NONBLOCK | unix.O_CREAT | unix.O_EXCL | unix.O_NOFOLLOW | unix.O_CLOEXEC
	fd, err := unix.Openat(dirfd, tmp, create, 0o644)
	if err == unix.EEXIST {
		if err = unix.Unlinkat(dirfd, tmp, 0); err == nil {
			fd, err = unix.Openat(dirfd, tmp, create, 0o644)
		}
	}
	if err != nil {
		return fmt.Errorf("unable to open %s/%s: %w", dir, tmp, err)
	}
	n, err := unix.Write(fd, data)
	if err == nil && n < len(data) {
		err = errPartialWrite
	}
	if cerr := unix.Close(fd); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("unable to write %s/%s: %w", dir, tmp, err)
	}
	if err := unix.Renameat(dirfd, tmp, dirfd, "supervise/"+name); err != nil {
		return fmt.Errorf("unable to rename %s/%s to %s: %w", dir, tmp, name, err)
	}
	return nil
}
