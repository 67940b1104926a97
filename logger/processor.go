package logger

import (
	"errors"
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// process runs the directory's processor on previous until it succeeds, then
// makes its output the finished archive and its fd-5 output the new state
// (docs/multilog.md step 6).
func (d *dir) process() {
	for !d.runProcessor() {
		d.l.warn("processor failed in "+d.path+", pausing", nil)
		d.l.pause()
	}
	d.l.asAccount(func() {
		d.complete("processed", true)
		d.complete("newstate", false)
		d.retry("unable to remove "+d.path+"/previous", func() error { return unix.Unlinkat(d.fd, "previous", 0) })
		d.retry("unable to rename newstate to state in directory "+d.path,
			func() error { return unix.Renameat(d.fd, "newstate", d.fd, "state") })
		d.archive("processed", "s")
	})
}

// complete opens a file the processor wrote and gets it to disk, marked
// complete with the owner-execute bit if mark is set.
func (d *dir) complete(name string, mark bool) {
	var fd int
	d.retry("unable to create "+d.path+"/"+name, func() (err error) {
		fd, err = d.openAppend(name)
		return err
	})
	defer unix.Close(fd)
	d.retry("unable to write "+d.path+"/"+name+" to disk", func() error { return unix.Fsync(fd) })
	if mark {
		d.retry("unable to set mode of "+d.path+"/"+name, func() error { return unix.Fchmod(fd, 0o744) })
	}
}

// processorWait is what StartProcessor returns: it waits for the
// processor's end.
type processorWait = func() (syscall.WaitStatus, error)

// runProcessor runs "/bin/sh -c PROCESSOR" once in the directory with
// previous on fd 0, processed on fd 1, multilog's stderr on fd 2, state on
// fd 4 and newstate on fd 5, and reports whether it exited 0. 0.76 opens
// those files in its forked child; here the parent opens them, and reports a
// failure with the child's message.
func (d *dir) runProcessor() bool {
	var files []*os.File
	var err error
	d.l.asAccount(func() { files, err = d.processorFiles() })
	if err == nil {
		var wait processorWait
		wait, err = d.startProcessor(files)
		closeAll(files)
		if err == nil {
			return d.waitProcessor(wait)
		}
	}
	var errno syscall.Errno
	if errors.As(err, &errno) {
		err = errno
	}
	if d.l.cfg.ProcessorError != nil {
		d.l.cfg.ProcessorError("unable to run "+d.processor, err)
	}
	return false
}

// startProcessor starts the processor on its files, through
// Config.StartProcessor if set.
func (d *dir) startProcessor(files []*os.File) (processorWait, error) {
	argv := []string{"sh", "-c", d.processor}
	all := []*os.File{files[0], files[1], d.l.cfg.ProcessorStderr, nil, files[2], files[3]}
	if start := d.l.cfg.StartProcessor; start != nil {
		return start(d.fd, argv, all)
	}
	return startProcess(d.l.cfg.Env, d.fd, argv, all)
}

// startProcess is StartProcessor when Config has none: os.StartProcess,
// with the environment env.
func startProcess(env []string, dir int, argv []string, files []*os.File) (processorWait, error) {
	p, err := os.StartProcess("/bin/sh", argv, &os.ProcAttr{
		// The child starts in the directory through its inherited fd:
		// the working directory is the whole process's, never changed.
		Dir:   fmt.Sprintf("/proc/self/fd/%d", dir),
		Env:   env,
		Files: files,
	})
	if err != nil {
		return nil, err
	}
	return func() (syscall.WaitStatus, error) {
		ps, err := p.Wait()
		if err != nil {
			return 0, err
		}
		ws, _ := ps.Sys().(syscall.WaitStatus)
		return ws, nil
	}, nil
}

// waitProcessor waits for the processor's end, in a goroutine of its own
// so that Abort can end Run meanwhile (the goroutine still reaps it), and
// reports whether it exited 0.
func (d *dir) waitProcessor(wait processorWait) bool {
	type ended struct {
		ws  syscall.WaitStatus
		err error
	}
	done := make(chan ended, 1)
	go func() {
		ws, err := wait()
		done <- ended{ws, err}
	}()
	var e ended
	select {
	case e = <-done:
	case <-d.l.ctl.abort:
		panic(aborting{})
	}
	if e.err != nil {
		d.l.warn("wait failed for processor in "+d.path+", pausing", d.l.failed(e.err))
		d.l.pause()
		return false
	}
	if e.ws.Signaled() {
		// 0.76 prints whatever errno was left over here.
		d.l.warn("processor crashed in "+d.path+", pausing", d.l.lastErr)
		d.l.pause()
		return false
	}
	return e.ws.Exited() && e.ws.ExitStatus() == 0
}

// processorFiles opens previous, processed, state and newstate as 0.76's
// child does.
func (d *dir) processorFiles() ([]*os.File, error) {
	opens := []struct {
		name  string
		flags int
	}{
		{"previous", unix.O_RDONLY},
		{"processed", unix.O_WRONLY | unix.O_TRUNC | unix.O_CREAT},
		{"state", unix.O_RDONLY},
		{"newstate", unix.O_WRONLY | unix.O_TRUNC | unix.O_CREAT},
	}
	var files []*os.File
	for _, o := range opens {
		fd, err := d.openat(o.name, o.flags, 0o644)
		if err != nil {
			closeAll(files)
			return nil, err
		}
		files = append(files, os.NewFile(uintptr(fd), o.name))
	}
	return files, nil
}

func closeAll(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}
