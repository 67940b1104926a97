package logger

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"gotools/logger/tai64"
)

// Sizes of 0.76's buffers that decide where files are cut (docs/multilog.md):
// every log directory has a 512-byte output buffer, and a line that does not
// fit in it goes to the file in pieces of up to 8192 bytes.
const (
	bufSize   = 512
	outSize   = 8192
	readChunk = 1024 // 0.76 reads stdin 1 KiB at a time and flushes before each read
	// outLimit bounds what a directory holds before writing it out: the file
	// gets exactly 0.76's bytes, in fewer and larger writes.
	outLimit = 64 << 10
)

// dir is one log directory (docs/multilog.md).
//
// Where 0.76 rotates depends on where its writes start and end, because a
// write that ends within 2000 bytes of the size limit is cut after its last
// newline and then rotates. dir reproduces those writes exactly (buf is the
// 512-byte buffer, cwrite is 0.76's c_write) but only accumulates their bytes
// in out, which goes to the file before rotating, before the logger waits for
// input, at exit, and whenever it reaches outLimit.
type dir struct {
	l         *Logger
	path      string // as given in the script, for messages
	size, num uint64
	processor string
	hasProc   bool

	fd, lock, current int
	bytes             uint64 // size of current, counting out
	buf, out          []byte // from dirBufs and outBufs while input is handled
	selected          bool   // the line being processed goes here
}

// openDir creates, locks and recovers a log directory, relative to the
// starting directory base. Errors are fatal to multilog (docs/multilog.md).
func (l *Logger) openDir(base int, a *Action) (*dir, error) {
	d := &dir{l: l, path: a.Path, size: a.Size, num: a.Num, processor: a.Processor, hasProc: a.HasProcessor,
		fd: -1, lock: -1, current: -1}
	l.failed(unix.Mkdirat(base, d.path, 0o700))
	var err error
	if d.fd, err = unix.Openat(base, d.path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err != nil {
		return d, fmt.Errorf("unable to open directory %s: %w", d.path, err)
	}
	if d.lock, err = d.openAppend("lock"); err == nil {
		err = unix.Flock(d.lock, unix.LOCK_EX|unix.LOCK_NB)
	}
	if err != nil {
		return d, fmt.Errorf("unable to lock directory %s: %w", d.path, err)
	}
	var st unix.Stat_t
	switch err := l.failed(unix.Fstatat(d.fd, "current", &st, 0)); {
	case err == nil && st.Mode&0o100 != 0:
		// A clean exit left it complete: go on appending.
		if d.current, err = d.openAppend("current"); err != nil {
			return d, fmt.Errorf("unable to append to %s/current: %w", d.path, err)
		}
		if err := unix.Fchmod(d.current, 0o644); err != nil {
			return d, fmt.Errorf("unable to set mode of %s/current: %w", d.path, err)
		}
		d.bytes = uint64(st.Size)
		return d, nil
	case err != nil && err != unix.ENOENT:
		return d, fmt.Errorf("unable to stat %s/current: %w", d.path, err)
	}
	if err := d.recover(); err != nil {
		return d, err
	}
	fd, err := d.openat("state", unix.O_WRONLY|unix.O_NONBLOCK|unix.O_TRUNC|unix.O_CREAT, 0o644)
	if err != nil {
		return d, fmt.Errorf("unable to write to %s/state: %w", d.path, err)
	}
	unix.Close(fd)
	if d.current, err = d.openAppend("current"); err != nil {
		return d, fmt.Errorf("unable to write to %s/current: %w", d.path, err)
	}
	if err := unix.Fchmod(d.current, 0o644); err != nil {
		return d, fmt.Errorf("unable to set mode of %s/current: %w", d.path, err)
	}
	return d, nil
}

// recover archives what a crash (or a first run) left behind: a completed
// processed file as finished, else previous as unfinished, then current as
// unfinished, even when empty.
func (d *dir) recover() error {
	d.l.failed(unix.Unlinkat(d.fd, "state", 0))
	d.l.failed(unix.Unlinkat(d.fd, "newstate", 0))
	var st unix.Stat_t
	err := d.l.failed(unix.Fstatat(d.fd, "processed", &st, 0))
	if err != nil && err != unix.ENOENT {
		return fmt.Errorf("unable to stat %s/processed: %w", d.path, err)
	}
	if err == nil && st.Mode&0o100 != 0 {
		d.l.failed(unix.Unlinkat(d.fd, "previous", 0))
		d.archive("processed", "s")
	} else {
		d.l.failed(unix.Unlinkat(d.fd, "processed", 0))
		d.archive("previous", "u")
	}
	d.archive("current", "u")
	return nil
}

func (d *dir) openat(name string, flags int, mode uint32) (int, error) {
	fd, err := unix.Openat(d.fd, name, flags|unix.O_CLOEXEC, mode)
	return fd, d.l.failed(err)
}

// openAppend is djb's open_append.
func (d *dir) openAppend(name string) (int, error) {
	return d.openat(name, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_APPEND|unix.O_CREAT, 0o600)
}

// retry runs op until it succeeds, warning "TEXT, pausing: ERR" and pausing
// after each failure, as 0.76 does for everything after startup.
func (d *dir) retry(text string, op func() error) {
	for {
		err := d.l.failed(op())
		if err == nil {
			return
		}
		d.l.warn(text+", pausing", err)
		d.l.pause()
	}
}

// put is djb's buffer_put into the 512-byte buffer.
func (d *dir) put(p []byte) {
	if len(p) > bufSize-len(d.buf) {
		d.flushBuf()
		for len(p) > bufSize {
			n := min(outSize, len(p))
			d.allwrite(p[:n])
			p = p[n:]
		}
	}
	d.buf = append(d.buf, p...)
}

// putBytes is djb's buffer_PUTC for each byte of p.
func (d *dir) putBytes(p []byte) {
	for len(p) > bufSize-len(d.buf) {
		n := bufSize - len(d.buf)
		d.buf = append(d.buf, p[:n]...)
		p = p[n:]
		d.flushBuf()
	}
	d.buf = append(d.buf, p...)
}

// flushBuf is djb's buffer_flush: the buffer goes to cwrite.
func (d *dir) flushBuf() {
	d.allwrite(d.buf)
	d.buf = d.buf[:0]
}

func (d *dir) allwrite(p []byte) {
	for len(p) > 0 {
		p = p[d.cwrite(p):]
	}
}

// cwrite is 0.76's c_write: it accepts a prefix of p for current and returns
// its length. A file never exceeds size; within 2000 bytes of size a write
// ends after its last newline, and a write that ends there with a newline
// rotates.
func (d *dir) cwrite(p []byte) int {
	if d.bytes >= d.size {
		d.rotate()
	}
	n := uint64(len(p))
	if d.bytes+n >= d.size {
		n = d.size - d.bytes
	}
	if d.bytes+n >= d.size-2000 {
		if i := bytes.LastIndexByte(p[:n], '\n'); i >= 0 {
			n = uint64(i) + 1
		}
	}
	d.out = append(d.out, p[:n]...)
	d.bytes += n
	if d.bytes >= d.size-2000 && p[n-1] == '\n' {
		d.rotate()
	} else if len(d.out) >= outLimit {
		d.writeOut()
	}
	return int(n)
}

// writeOut writes the accepted bytes to current, retrying every pause on
// failure (disk full, I/O error) so that nothing is lost.
func (d *dir) writeOut() {
	out := d.out
	for len(out) > 0 {
		n, err := unix.Write(d.current, out)
		if n > 0 {
			out = out[n:]
			continue
		}
		if err == nil {
			err = d.l.lastErr
		}
		d.l.failed(err)
		d.l.warn("unable to write to "+d.path+"/current, pausing", err)
		d.l.pause()
	}
	d.out = d.out[:0]
}

// rotate is 0.76's fullcurrent: current becomes previous, a new current is
// started, and previous is processed and archived.
func (d *dir) rotate() {
	d.writeOut()
	d.l.asAccount(func() {
		d.retry("unable to write "+d.path+"/current to disk", func() error { return unix.Fsync(d.current) })
		unix.Close(d.current)
		d.current = -1 // an Abort from here on must not close it again
		d.retry("unable to rename current to previous in directory "+d.path,
			func() error { return unix.Renameat(d.fd, "current", d.fd, "previous") })
		d.retry("unable to create "+d.path+"/current", func() (err error) {
			d.current, err = d.openAppend("current")
			return err
		})
		d.bytes = 0
		d.retry("unable to set mode of "+d.path+"/current", func() error { return unix.Fchmod(d.current, 0o644) })
		d.retry("unable to set mode of "+d.path+"/previous", func() error { return unix.Fchmodat(d.fd, "previous", 0o744, 0) })
		if !d.hasProc {
			d.archive("previous", "s")
		}
	})
	if d.hasProc {
		d.process()
	}
}

// archive is 0.76's finish: link name to @TAI64N.code (unless an interrupted
// run already did, leaving it with two links), remove name, then delete the
// oldest archives until fewer than num remain.
func (d *dir) archive(name, code string) {
	var st unix.Stat_t
	for {
		err := d.l.failed(unix.Fstatat(d.fd, name, &st, 0))
		if err == nil {
			break
		}
		if err == unix.ENOENT {
			return
		}
		d.l.warn("unable to stat "+d.path+"/"+name+", pausing", err)
		d.l.pause()
	}
	if st.Nlink == 1 {
		for {
			to := tai64.FromTime(d.l.now()).String() + "." + code
			err := d.l.failed(unix.Linkat(d.fd, name, d.fd, to, 0))
			if err == nil {
				break
			}
			d.l.warn("unable to link to "+d.path+"/"+to+", pausing", err)
			d.l.pause()
		}
	}
	d.retry("unable to remove "+d.path+"/"+name, func() error { return unix.Unlinkat(d.fd, name, 0) })
	for d.prune() {
	}
}

// prune deletes the oldest archive if there are num or more, and reports
// whether it did. Any name starting with @ and at least 25 bytes long counts;
// the first 25 bytes order them by time.
func (d *dir) prune() bool {
	var names []string
	d.retry("unable to read "+d.path, func() (err error) {
		names, err = d.list()
		return err
	})
	count, oldest := uint64(0), "@z"
	for _, name := range names {
		if isArchive(name) {
			count++
			if name < oldest {
				oldest = name[:25]
			}
		}
	}
	if count < d.num {
		return false
	}
	for _, name := range names {
		if isArchive(name) && strings.HasPrefix(name, oldest) {
			d.retry("unable to remove "+d.path+"/"+name, func() error {
				if err := unix.Unlinkat(d.fd, name, 0); err != unix.ENOENT {
					return err
				}
				return nil
			})
			break
		}
	}
	return true
}

func isArchive(name string) bool { return len(name) >= 25 && name[0] == '@' }

// list reads the directory's names in readdir order.
func (d *dir) list() ([]string, error) {
	fd, err := unix.Openat(d.fd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), d.path)
	defer f.Close()
	names, err := f.Readdirnames(-1)
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return names, err
}

// quit ends the directory at exit, once its buffer is flushed: everything
// written, current on disk and marked complete with the owner-execute bit.
func (d *dir) quit() {
	d.writeOut()
	d.retry("unable to write "+d.path+"/current to disk", func() error { return unix.Fsync(d.current) })
	d.retry("unable to set mode of "+d.path+"/current", func() error { return unix.Fchmod(d.current, 0o744) })
}

func (d *dir) close() {
	for _, fd := range []int{d.current, d.lock, d.fd} {
		if fd >= 0 {
			unix.Close(fd)
		}
	}
}
