package supervisor

import (
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// controlPoller reads the supervise/control FIFOs of every Service of a
// svscan with one goroutine, where a Service alone (supervise) blocks a
// goroutine of its own in the read (Service.readControl). A goroutine
// costs at least 8 KiB of stack, and a logged service has two Services:
// with a thousand services that is 16 MB for reads that almost never
// return (BENCHMARKS.md, "Logged trees").
//
// Bytes reach each Service in the order they were written: one goroutine
// reads them and hands them over, waiting for the Service's loop to take
// them (which it does between two events), or for the Service to end.
type controlPoller struct {
	ep int // epoll set of the FIFOs, level-triggered

	mu   sync.Mutex
	subs map[int32]*controlSub // by descriptor
}

// controlSub is one Service's FIFO.
type controlSub struct {
	fd      int
	deliver chan<- []byte
	done    <-chan struct{}
}

// newControlPoller starts the poller's goroutine, which lasts as long as
// the process.
func newControlPoller() (*controlPoller, error) {
	ep, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, err
	}
	p := &controlPoller{ep: ep, subs: make(map[int32]*controlSub)}
	go p.loop()
	return p, nil
}

// watch passes what is written to the FIFO f to deliver until unwatch,
// or until done is closed. f must be non-blocking (lockSupervise opens
// it so) and stay open until unwatch has returned.
func (p *controlPoller) watch(f *os.File, deliver chan<- []byte, done <-chan struct{}) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	fd := -1
	rc.Control(func(d uintptr) { fd = int(d) }) // Fd() would make it blocking
	p.mu.Lock()
	defer p.mu.Unlock()
	if err := unix.EpollCtl(p.ep, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fd)}); err != nil {
		return err
	}
	p.subs[int32(fd)] = &controlSub{fd: fd, deliver: deliver, done: done}
	return nil
}

// unwatch stops reading f's descriptor; once it returns, the poller never
// touches it again, so it may be closed.
func (p *controlPoller) unwatch(f *os.File) {
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	rc.Control(func(d uintptr) {
		unix.EpollCtl(p.ep, unix.EPOLL_CTL_DEL, int(d), nil)
		delete(p.subs, int32(d))
	})
}

func (p *controlPoller) loop() {
	events := make([]unix.EpollEvent, 64)
	buf := make([]byte, 512)
	for {
		n, err := unix.EpollWait(p.ep, events, -1)
		if err != nil {
			continue // EINTR
		}
		for _, ev := range events[:n] {
			sub, b := p.read(ev.Fd, buf)
			if len(b) > 0 {
				select {
				case sub.deliver <- b:
				case <-sub.done:
				}
			}
		}
	}
}

// read takes what the FIFO fd holds (up to len(buf) bytes at a time, as
// Service.readControl reads), if it is still watched.
func (p *controlPoller) read(fd int32, buf []byte) (*controlSub, []byte) {
	p.mu.Lock()
	defer p.mu.Unlock()
	sub := p.subs[fd]
	if sub == nil {
		return nil, nil
	}
	n, err := unix.Read(sub.fd, buf)
	if err != nil || n <= 0 {
		return sub, nil
	}
	return sub, append([]byte(nil), buf[:n]...)
}
