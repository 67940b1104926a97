package privdrop

import (
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The exec mechanics of chain fusion (docs/design.md): a chain-loader about
// to exec the gotools binary itself as another chain-loader runs that link
// in-process instead, so it must first fail wherever the execve would
// (ExecCheck, ArgsFit); and the address-space and data limits, which no Go
// runtime can start under, are set only immediately before the final,
// real execve (ExecLimited).

// LimitError is a failure to set a limit for ExecLimited: Op is
// "getrlimit" or "setrlimit".
type LimitError struct {
	Op  string
	Err error
}

func (e *LimitError) Error() string { return e.Op + " failed: " + e.Err.Error() }
func (e *LimitError) Unwrap() error { return e.Err }

// ExecLimited execs path with argv and env, with limits set immediately
// before the execve and taken back if it fails, so that no Go code runs
// under limits the runtime cannot live with. Everything the execve needs
// is prepared first, because between setting the limits and the execve
// nothing may allocate: a Go heap that needs more address space under a
// small RLIMIT_AS dies with "fatal error: runtime: cannot allocate
// memory". It returns only on failure: a *LimitError, or the execve's
// errno.
func ExecLimited(limits []Limit, path string, argv, env []string) error {
	pathp, err := syscall.BytePtrFromString(path)
	if err != nil {
		return err
	}
	argvp, err := syscall.SlicePtrFromStrings(argv)
	if err != nil {
		return err
	}
	envp, err := syscall.SlicePtrFromStrings(env)
	if err != nil {
		return err
	}
	saved := make([]syscall.Rlimit, len(limits))
	want := make([]syscall.Rlimit, len(limits))
	// The runtime raises its own RLIMIT_NOFILE at start-up and syscall.Exec
	// gives the program the original back. Exec'ing "" does just that and
	// then fails (ENOENT) before the kernel looks at anything else.
	syscall.Exec("", nil, nil)
	restore := func(n int) {
		for i := n - 1; i >= 0; i-- {
			syscall.Setrlimit(limits[i].Resource, &saved[i])
		}
	}
	for i, l := range limits {
		if err := syscall.Getrlimit(l.Resource, &saved[i]); err != nil {
			restore(i)
			return &LimitError{"getrlimit", err}
		}
		want[i] = syscall.Rlimit{Cur: min(l.Soft, saved[i].Max), Max: saved[i].Max}
		if err := syscall.Setrlimit(l.Resource, &want[i]); err != nil {
			restore(i)
			return &LimitError{"setrlimit", err}
		}
	}
	_, _, errno := syscall.RawSyscall(syscall.SYS_EXECVE, uintptr(unsafe.Pointer(pathp)),
		uintptr(unsafe.Pointer(&argvp[0])), uintptr(unsafe.Pointer(&envp[0])))
	restore(len(limits))
	return errno
}

// ExecCheck returns the error an execve would fail with before it even
// looks at the program: EAGAIN after a setuid that went over RLIMIT_NPROC.
// It asks the kernel itself: execveat with an invalid directory descriptor
// passes execve's RLIMIT_NPROC check (the flag a setuid sets when the new
// user has too many processes) and then fails with EBADF without touching
// any file. Like a real exec, passing the check clears the flag.
func ExecCheck() error {
	name := []byte("gotools-exec-check\x00")
	nilv := []*byte{nil}
	_, _, errno := unix.Syscall6(unix.SYS_EXECVEAT, ^uintptr(0),
		uintptr(unsafe.Pointer(&name[0])), uintptr(unsafe.Pointer(&nilv[0])),
		uintptr(unsafe.Pointer(&nilv[0])), 0, 0)
	if errno == unix.EAGAIN {
		return errno
	}
	return nil
}

// ArgsFit returns E2BIG where execve would (fs/exec.c): a string longer
// than 32 pages, or all strings (the file name included) plus a pointer
// each beyond a quarter of the stack limit, which counts as at least 128
// KiB and at most 6 MiB.
func ArgsFit(file string, argv, env []string) error {
	page := uint64(os.Getpagesize())
	var stack syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_STACK, &stack); err != nil {
		return err
	}
	room := max(min(stack.Cur/4, 6<<20), 128<<10)
	used := uint64(max(len(argv), 1)+len(env)) * 8
	for _, list := range [][]string{{file}, argv, env} {
		for _, s := range list {
			n := uint64(len(s)) + 1
			if n > 32*page {
				return syscall.E2BIG
			}
			used += n
		}
	}
	if used > room {
		return syscall.E2BIG
	}
	return nil
}

// FileID identifies a file by device and inode: a fused link is one whose
// program is the running binary, whatever its name or path.
type FileID struct{ dev, ino uint64 }

// Identify stats path (following symlinks).
func Identify(path string) (FileID, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return FileID{}, err
	}
	return FileID{st.Dev, st.Ino}, nil
}
