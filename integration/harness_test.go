// Package integration drives the real static gotools binary, installed by
// "gotools install" into a temporary bin directory, and compares it with
// Debian's daemontools binaries in /usr/bin where they are installed.
package integration

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	// binDir holds one symlink per applet, made by "gotools install".
	binDir string
	// gotoolsBin is the static binary under test.
	gotoolsBin string
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "gotools-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	// Programs that become another account (setuidgid nobody multilog)
	// must still find the binaries under test.
	if err := os.Chmod(tmp, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	binDir = filepath.Join(tmp, "bin")
	gotoolsBin = filepath.Join(tmp, "gotools")
	args := []string{"build", "-trimpath", "-o", gotoolsBin}
	if os.Getenv("GOCOVERDIR") != "" {
		args = append(args, "-cover")
	}
	build := exec.Command("go", append(args, "..")...)
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building gotools: %v\n%s", err, out)
		return 1
	}
	if err := os.Mkdir(binDir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if out, err := exec.Command(gotoolsBin, "install", binDir).CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "gotools install: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// result is what one command did.
type result struct {
	Stdout, Stderr string
	Code           int
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout: %q\nstderr: %q", r.Code, r.Stdout, r.Stderr)
}

// cmd describes one command run: argv[0] is looked up in PATH, which is
// hermetic (see env) and starts with the directory given by bin.
type cmd struct {
	Dir   string   // working directory; "" means a fresh temp dir
	Env   []string // extra KEY=VALUE entries after the hermetic ones
	Stdin string
	Bin   string // directory put first in PATH: binDir or debianBin
	// MountProc gives startIsolated's namespace its own /proc, so that
	// pids read there are the namespace's (adoption needs it).
	MountProc bool
	// Unshare are more options for startIsolated's unshare (--root=DIR
	// for a chroot, --net, ...).
	Unshare []string
}

// debianBin is where Debian's daemontools package puts its programs.
const debianBin = "/usr/bin"

// hermeticEnv is the whole environment a command under test sees.
func hermeticEnv(t *testing.T, bin string, extra []string) []string {
	return append([]string{"PATH=" + bin + ":/usr/bin:/bin", "HOME=" + t.TempDir(), "LC_ALL=C"}, extra...)
}

// run executes argv with c's settings and a 60 s limit.
func (c cmd) run(t *testing.T, argv ...string) result {
	t.Helper()
	bin := c.Bin
	if bin == "" {
		bin = binDir
	}
	dir := c.Dir
	if dir == "" {
		dir = t.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	env := hermeticEnv(t, bin, c.Env)
	path := argv[0]
	if !strings.Contains(path, "/") {
		path = filepath.Join(bin, path)
	}
	x := exec.CommandContext(ctx, path, argv[1:]...)
	x.Args[0] = argv[0]
	x.Dir, x.Env = dir, env
	x.Stdin = strings.NewReader(c.Stdin)
	var stdout, stderr bytes.Buffer
	x.Stdout, x.Stderr = &stdout, &stderr
	code := exitCode(t, x.Run())
	return result{stdout.String(), stderr.String(), code}
}

// requireDebian skips the test when Debian's program is missing, unless
// GOTOOLS_REQUIRE_DEBIAN is set (CI sets it: there a missing package is a bug).
func requireDebian(t *testing.T, names ...string) {
	t.Helper()
	for _, name := range names {
		if _, err := os.Stat(filepath.Join(debianBin, name)); err != nil {
			if os.Getenv("GOTOOLS_REQUIRE_DEBIAN") != "" {
				t.Fatalf("Debian's %s is not installed (apt-get install daemontools)", name)
			}
			t.Skipf("Debian's %s is not installed", name)
		}
	}
}

// requireRoot skips tests that need root (CI runs as root).
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
}

// patience is how long a test waits for what should happen at once: long
// enough for a busy 2-core machine.
const patience = 20 * time.Second

// waitFor polls cond until it holds, and fails the test with what it was
// waiting for and the last error once timeout has passed. It polls every
// 10 ms, or 1/300 of a timeout longer than a minute: so long a wait is for
// heavy work, which the polling must not slow down.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	interval := 10 * time.Millisecond
	if timeout > time.Minute {
		interval = timeout / 300
	}
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s (last error: %v)", timeout, what, err)
		}
		time.Sleep(interval)
	}
}

// background is a long-running command (supervise, svscan, multilog) started
// by startIsolated.
type background struct {
	Cmd    *exec.Cmd
	Stdout *bytes.Buffer // read only after Wait
	Stderr *lockedBuffer
	done   chan struct{}
	err    error
}

// startIsolated starts argv inside a new PID namespace
// (unshare --pid --fork --kill-child) in its own process group, so every
// service it spawns, whatever session it makes, dies in cleanup when the
// namespace's init is killed. Falls back to a plain process group when
// unshare is not allowed, which the test then reports by skipping.
func (c cmd) startIsolated(t *testing.T, argv ...string) *background {
	t.Helper()
	requireRoot(t)
	bin := c.Bin
	if bin == "" {
		bin = binDir
	}
	path := argv[0]
	if !strings.Contains(path, "/") {
		path = filepath.Join(bin, path)
	}
	full := []string{"unshare", "--pid", "--fork", "--kill-child"}
	if c.MountProc {
		full = append(full, "--mount-proc")
	}
	full = append(append(append(full, c.Unshare...), path), argv[1:]...)
	x := exec.Command(full[0], full[1:]...)
	x.Dir, x.Env = c.Dir, hermeticEnv(t, bin, c.Env)
	x.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	b := &background{Cmd: x, Stdout: new(bytes.Buffer), Stderr: new(lockedBuffer), done: make(chan struct{})}
	x.Stdout, x.Stderr = b.Stdout, b.Stderr
	if c.Stdin != "" {
		x.Stdin = strings.NewReader(c.Stdin)
	}
	if err := x.Start(); err != nil {
		t.Fatalf("starting %q: %v", argv, err)
	}
	go func() { b.err = x.Wait(); close(b.done) }()
	t.Cleanup(func() { b.kill() })
	return b
}

// kill ends the namespace (SIGKILL to unshare kills its init, and with it
// every process in the namespace) and waits for it.
func (b *background) kill() {
	syscall.Kill(-b.Cmd.Process.Pid, syscall.SIGKILL)
	<-b.done
}

// signal sends sig to the program under unshare (the namespace's init).
func (b *background) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	pid := b.innerPid(t)
	if err := syscall.Kill(pid, sig); err != nil {
		t.Fatalf("kill %d: %v", pid, err)
	}
}

// innerPid is the pid (in our namespace) of the program unshare started.
func (b *background) innerPid(t *testing.T) int {
	t.Helper()
	var pid int
	waitFor(t, patience, "the namespace's init to start", func() (bool, error) {
		kids, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", b.Cmd.Process.Pid, b.Cmd.Process.Pid))
		if err != nil {
			return false, err
		}
		_, err = fmt.Sscan(string(kids), &pid)
		return err == nil, err
	})
	return pid
}

// wait waits up to 30 s for the program to exit and returns its exit code
// (128+N when killed by signal N).
func (b *background) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-b.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("%v did not exit", b.Cmd.Args)
	}
	return exitCode(t, b.err)
}

// lockedBuffer is a bytes.Buffer safe to read while a process writes to it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
