package supervisor

import (
	"encoding/binary"
	"errors"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// inotify lets the scanner notice a new service directory, and the ./run
// of a directory that has none yet, at once instead of at the next scan
// (docs/differences.md). The periodic scan stays: it is the fallback when inotify
// is unavailable or its queue overflows, and what notices symlinks whose
// target appears later.

// Watch masks: entries appearing in the scan directory, and ./run
// appearing (or becoming executable, or written) in a service directory.
const (
	scanDirEvents    = unix.IN_CREATE | unix.IN_MOVED_TO | unix.IN_ONLYDIR
	serviceDirEvents = unix.IN_CREATE | unix.IN_MOVED_TO | unix.IN_ATTRIB | unix.IN_CLOSE_WRITE | unix.IN_ONLYDIR
)

// inotifyEvent is one record read from an inotify descriptor.
type inotifyEvent struct {
	wd   int32
	mask uint32
	name string
}

// inotifyHeader is the size of struct inotify_event before its name.
const inotifyHeader = unix.SizeofInotifyEvent

var errShortEvent = errors.New("truncated inotify event")

// parseInotify splits what one read of an inotify descriptor returned into
// records: struct inotify_event (wd, mask, cookie, len, in host byte order)
// followed by len bytes of name padded with NULs.
func parseInotify(b []byte) ([]inotifyEvent, error) {
	var evs []inotifyEvent
	for len(b) > 0 {
		if len(b) < inotifyHeader {
			return evs, errShortEvent
		}
		ev := inotifyEvent{
			wd:   int32(binary.NativeEndian.Uint32(b[0:])),
			mask: binary.NativeEndian.Uint32(b[4:]),
		}
		n := binary.NativeEndian.Uint32(b[12:])
		b = b[inotifyHeader:]
		if uint64(n) > uint64(len(b)) {
			return evs, errShortEvent
		}
		name := b[:n]
		for len(name) > 0 && name[len(name)-1] == 0 {
			name = name[:len(name)-1]
		}
		ev.name = string(name)
		b = b[n:]
		evs = append(evs, ev)
	}
	return evs, nil
}

// dirWatch is an inotify descriptor. Its reader goroutine owns reads; the
// scanner adds and removes watches through SyscallConn, never Fd (which
// would switch it to blocking mode and wedge the reader on Close).
type dirWatch struct {
	f *os.File
}

func newDirWatch() (*dirWatch, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, err
	}
	return &dirWatch{os.NewFile(uintptr(fd), "inotify")}, nil
}

// add watches the directory dir is open on (a watch follows the directory
// when it is renamed) and returns the watch descriptor.
func (w *dirWatch) add(dir *os.File, mask uint32) (int32, error) {
	path := "/proc/self/fd/" + strconv.Itoa(int(dir.Fd()))
	var wd int
	err := w.control(func(fd int) (err error) {
		wd, err = unix.InotifyAddWatch(fd, path, mask)
		return err
	})
	return int32(wd), err
}

func (w *dirWatch) remove(wd int32) {
	w.control(func(fd int) error {
		_, err := unix.InotifyRmWatch(fd, uint32(wd))
		return err
	})
}

func (w *dirWatch) control(call func(fd int) error) error {
	rc, err := w.f.SyscallConn()
	if err != nil {
		return err
	}
	var callErr error
	if err := rc.Control(func(fd uintptr) { callErr = call(int(fd)) }); err != nil {
		return err
	}
	return callErr
}

// read passes batches of events to out until the descriptor is closed or
// done is closed. A queue overflow arrives as an event with IN_Q_OVERFLOW.
func (w *dirWatch) read(out chan<- []inotifyEvent, done <-chan struct{}) {
	buf := make([]byte, 64*(inotifyHeader+unix.NAME_MAX+1))
	for {
		n, err := w.f.Read(buf)
		if err != nil {
			return
		}
		evs, _ := parseInotify(buf[:n]) // the kernel writes whole records
		select {
		case out <- evs:
		case <-done:
			return
		}
	}
}

func (w *dirWatch) close() { w.f.Close() }
