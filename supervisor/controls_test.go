package supervisor

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openFIFO makes a FIFO in dir and opens it as lockSupervise opens
// control: read and write, non-blocking.
func openFIFO(t *testing.T, dir, name string) *os.File {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := unix.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Open(path, unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), name)
	t.Cleanup(func() { f.Close() })
	return f
}

// TestControlPoller: bytes written to each FIFO reach its own channel, in
// order; after unwatch nothing is read; a Service that has ended (done)
// does not hold the poller up for the others.
func TestControlPoller(t *testing.T) {
	p, err := newControlPoller()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	a, b, c := openFIFO(t, dir, "a"), openFIFO(t, dir, "b"), openFIFO(t, dir, "c")
	toA, toB, toC := make(chan []byte), make(chan []byte), make(chan []byte)
	never, ended := make(chan struct{}), make(chan struct{})
	for _, w := range []struct {
		f    *os.File
		to   chan []byte
		done chan struct{}
	}{{a, toA, never}, {b, toB, never}, {c, toC, ended}} {
		if err := p.watch(w.f, w.to, w.done); err != nil {
			t.Fatal(err)
		}
	}
	close(ended)
	// c's bytes are dropped: its Service has ended.
	c.Write([]byte("x"))
	receive := func(ch chan []byte, want string) {
		t.Helper()
		var got []byte
		deadline := time.After(10 * time.Second)
		for len(got) < len(want) {
			select {
			case b := <-ch:
				got = append(got, b...)
			case <-deadline:
				t.Fatalf("got %q, want %q", got, want)
			}
		}
		if string(got) != want {
			t.Errorf("got %q, want %q", got, want)
		}
	}
	a.Write([]byte("du"))
	b.Write([]byte("t"))
	a.Write([]byte("x"))
	receive(toA, "dux")
	receive(toB, "t")
	p.unwatch(b)
	b.Write([]byte("k"))
	a.Write([]byte("o"))
	receive(toA, "o")
	// b's byte stays in its FIFO, unread.
	var buf [4]byte
	if n, _ := unix.Read(int(b.Fd()), buf[:]); string(buf[:n]) != "k" {
		t.Errorf("b after unwatch: read %q, want the unread %q", buf[:n], "k")
	}
}
