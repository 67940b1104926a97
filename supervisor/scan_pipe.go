package supervisor

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// logPipe is logPipe for main (its service) with what a dead svscan's
// holder kept: that pipe first (the service may have exited since, and
// only the holder still has it).
func (o *osTree) logPipe(main fileID, mainDir, logDir *os.File) (r, w *os.File, err error) {
	if o.keeper != nil {
		if f := o.keeper.inherited(main); f != nil {
			r, w, ok := reopenPipe(os.Getpid(), int(f.Fd()))
			f.Close()
			if ok {
				return r, w, nil
			}
		}
	}
	return logPipe(mainDir, logDir)
}

// logPipe is the pipe from a service to its logger. Normally it is new.
// When an earlier svscan died and left the pair running, they still share
// their pipe, and the kernel lets us open it again through /proc: from the
// logger's stdin or else from the service's stdout. Taking that pipe keeps
// every byte already in it, and the next start of either side gets the
// same pipe as the one still running (docs/differences.md).
func logPipe(mainDir, logDir *os.File) (r, w *os.File, err error) {
	for _, end := range []struct {
		dir *os.File
		fd  int
	}{{logDir, 0}, {mainDir, 1}} {
		if pid, _ := recordedProcess(int(end.dir.Fd())); pid > 0 {
			if r, w, ok := reopenPipe(pid, end.fd); ok {
				return r, w, nil
			}
		}
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return nil, nil, err
	}
	return os.NewFile(uintptr(p[0]), "log pipe"), os.NewFile(uintptr(p[1]), "log pipe"), nil
}

// reopenPipe opens both ends of the pipe (or FIFO) that is descriptor fd
// of process pid. The read end is opened first, so that opening the write
// end never waits for a reader; both are then blocking, as children
// expect.
func reopenPipe(pid, fd int) (r, w *os.File, ok bool) {
	path := "/proc/" + strconv.Itoa(pid) + "/fd/" + strconv.Itoa(fd)
	rfd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, false
	}
	var st unix.Stat_t
	if unix.Fstat(rfd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFIFO {
		unix.Close(rfd)
		return nil, nil, false
	}
	wfd, err := unix.Open(path, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		unix.Close(rfd)
		return nil, nil, false
	}
	unix.SetNonblock(rfd, false)
	unix.SetNonblock(wfd, false)
	return os.NewFile(uintptr(rfd), "log pipe"), os.NewFile(uintptr(wfd), "log pipe"), true
}
