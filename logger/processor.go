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
	var fd int
	d.retry("unable to create "+d.path+"/processed", func() (err error) {
		fd, err = d.openAppend("processed")
		return err
	})
	d.retry("unable to write "+d.path+"/processed to disk", func() error { return unix.Fsync(fd) })
	d.retry("unable to set mode of "+d.path+"/processed", func() error { return unix.Fchmod(fd, 0o744) })
	unix.Close(fd)
	d.retry("unable to create "+d.path+"/newstate", func() (err error) {
		fd, err = d.openAppend("newstate")
		return err
	})
	d.retry("unable to write "+d.path+"/newstate to disk", func() error { return unix.Fsync(fd) })
	unix.Close(fd)
	d.retry("unable to remove "+d.path+"/previous", func() error { return unix.Unlinkat(d.fd, "previous", 0) })
	d.retry("unable to rename newstate to state in directory "+d.path,
		func() error { return unix.Renameat(d.fd, "newstate", d.fd, "state") })
	d.archive("processed", "s")
}

// runProcessor runs "/bin/sh -c PROCESSOR" once in the directory with
// previous on fd 0, processed on fd 1, multilog's stderr on fd 2, state on
// fd 4 and newstate on fd 5, and reports whether it exited 0. 0.76 opens
// those files in its forked child; here the parent opens them, and reports a
// failure with the child's message.
func (d *dir) runProcessor() bool {
	files, err := d.processorFiles()
	if err == nil {
		defer closeAll(files)
		var p *os.Process
		p, err = os.StartProcess("/bin/sh", []string{"sh", "-c", d.processor}, &os.ProcAttr{
			// The child starts in the directory through its inherited fd:
			// the working directory is the whole process's, never changed.
			Dir:   fmt.Sprintf("/proc/self/fd/%d", d.fd),
			Env:   d.l.cfg.Env,
			Files: []*os.File{files[0], files[1], d.l.cfg.ProcessorStderr, nil, files[2], files[3]},
		})
		if err == nil {
			return d.waitProcessor(p)
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

func (d *dir) waitProcessor(p *os.Process) bool {
	ps, err := p.Wait()
	if err != nil {
		d.l.warn("wait failed for processor in "+d.path+", pausing", d.l.failed(err))
		d.l.pause()
		return false
	}
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		// 0.76 prints whatever errno was left over here.
		d.l.warn("processor crashed in "+d.path+", pausing", d.l.lastErr)
		d.l.pause()
		return false
	}
	return ps.ExitCode() == 0
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
