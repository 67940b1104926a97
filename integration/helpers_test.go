package integration

import (
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Small helpers shared by the tests of several programs.

// recorderRun is a ./run that appends "start" and then the name of every
// signal it gets to ./signals; TERM does not stop it (so svc -d leaves it
// up, as with 0.76), KILL does.
const recorderRun = `#!/bin/sh
for s in HUP ALRM INT TERM CONT QUIT USR1 USR2 WINCH; do trap "echo $s >> signals" $s; done
echo start >> signals
while :; do sleep 1000 & wait $!; done
`

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// exitCode is the exit code in the error of an exec.Cmd's Run or Wait:
// 0 for nil, 128+N for a program killed by signal N. Any other error
// (the program did not run) fails the test.
func exitCode(t *testing.T, err error) int {
	t.Helper()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return exit.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

// holdLock creates path (and its directory) if needed and holds an
// exclusive flock on it until the test ends, as a running supervise,
// multilog or setlock would.
func holdLock(t *testing.T, path string) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Dir(path), 0o700))
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o600)
	must(t, err)
	t.Cleanup(func() { f.Close() })
	must(t, syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB))
}

// piped is a running program whose stdin is a pipe the test writes to.
// The test keeps the pipe's read end too, to see what was left unread.
type piped struct {
	cmd            *exec.Cmd
	r, w           *os.File
	stdout, stderr *lockedBuffer
	done           chan struct{} // closed once the program has been waited for
	err            error
}

// startPiped starts x with the pipe as stdin and buffers as stdout and
// stderr; cleanup kills it if it is still running.
func startPiped(t *testing.T, x *exec.Cmd) *piped {
	t.Helper()
	r, w, err := os.Pipe()
	must(t, err)
	p := &piped{cmd: x, r: r, w: w, stdout: new(lockedBuffer), stderr: new(lockedBuffer), done: make(chan struct{})}
	x.Stdin, x.Stdout, x.Stderr = r, p.stdout, p.stderr
	if err := x.Start(); err != nil {
		t.Fatalf("starting %q: %v", x.Args, err)
	}
	go func() { p.err = x.Wait(); close(p.done) }()
	t.Cleanup(func() {
		x.Process.Kill()
		<-p.done
		r.Close()
		w.Close()
	})
	return p
}

func (p *piped) write(t *testing.T, s string) {
	t.Helper()
	if _, err := io.WriteString(p.w, s); err != nil {
		t.Fatalf("writing to %v: %v", p.cmd.Args, err)
	}
}

func (p *piped) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	must(t, p.cmd.Process.Signal(sig))
}

// wait waits up to 60 s for the program to exit and returns its exit code
// (128+N when killed by signal N).
func (p *piped) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(60 * time.Second):
		t.Fatalf("%v did not exit", p.cmd.Args)
	}
	return exitCode(t, p.err)
}

// exit ends the input and waits for the program to exit.
func (p *piped) exit(t *testing.T) int {
	t.Helper()
	p.w.Close()
	return p.wait(t)
}

// unread is what the program left unread in the pipe, once it has exited.
func (p *piped) unread() string {
	p.w.Close()
	left := make([]byte, 100)
	n, _ := p.r.Read(left)
	return string(left[:n])
}
