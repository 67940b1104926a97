package applets

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// fghack child...
//
// Runs child and waits until it and every descendant that inherited its
// descriptors are done (docs/fghack.md): the child gets the write end of a pipe
// on 31 descriptors, and fghack reads the pipe until end of file before it
// waits for the child. This defeats programs that put themselves in the
// background. fghack is not a supervisor: it waits for its one child only.
//
// Signals sent to fghack itself act as on 0.76's: USR1, ALRM, QUIT and the
// like kill it (System.DefaultSignals), where a Go program would ignore
// them or dump its goroutines.
//
// Exit codes: the child's; 100 usage; 111 pipe, fork, exec or wait failure,
// or the child was killed by a signal ("child crashed").
func runFghack(p *Proc, args []string) error {
	if len(args) == 0 {
		return p.Usage("fghack child")
	}
	// While it waits, fghack dies of the signals a C program dies of.
	p.Sys.DefaultSignals()
	var pipe [2]int
	if err := syscall.Pipe2(pipe[:], syscall.O_CLOEXEC); err != nil {
		return p.Unable("create pipe", err)
	}
	attr := &syscall.ProcAttr{Env: p.Env, Files: fghackFiles(pipe[1])}
	var pid int
	err := pathexec(args[0], searchPath(p.Env), func(file string) error {
		var err error
		pid, err = syscall.ForkExec(file, args, attr)
		return err
	})
	if err != nil {
		return p.Unable("run "+args[0], err)
	}
	syscall.Close(pipe[1])
	buf := make([]byte, 4096)
	for {
		n, err := syscall.Read(pipe[0], buf)
		if err == syscall.EINTR {
			continue
		}
		if n <= 0 {
			break
		}
	}
	var ws syscall.WaitStatus
	for {
		_, err = syscall.Wait4(pid, &ws, 0, nil)
		if err != syscall.EINTR {
			break
		}
	}
	switch {
	case err != nil:
		return p.Fatal(ExitTemporary, "wait failed", err)
	case ws.Signaled():
		return p.Fatal(ExitTemporary, "child crashed", nil)
	}
	return Exit(ws.ExitStatus())
}

// fghackFiles lays out the child's descriptors as 0.76's pipe + dup(30
// times) does: the write end on the 31 lowest descriptors that are not open
// and inheritable here. Inherited descriptors keep their place; the
// runtime's own are close-on-exec and count as free.
func fghackFiles(w int) []uintptr {
	var files []uintptr
	for copies := 0; copies < 31; {
		fd := len(files)
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err == nil && flags&unix.FD_CLOEXEC == 0 {
			files = append(files, uintptr(fd))
			continue
		}
		files = append(files, uintptr(w))
		copies++
	}
	return files
}
