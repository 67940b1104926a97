package supervisor

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// Holder tests with other processes: this test binary re-executed in the
// roles below (main_test.go), as another user, or as a svscan that is
// killed.

const (
	// holderPeerApplet connects to the holder of scan directory DEV INO
	// and writes the verb of the first message it gets, or "eof".
	holderPeerApplet = "holder-test-peer"
	// fakeSvscanApplet starts a holder of scan directory DEV INO, gives
	// it descriptor 3 as service 7:1000, writes the holder's pid and
	// waits on its standard input.
	fakeSvscanApplet = "holder-test-svscan"
)

func runHolderPeer(args []string) int {
	dev, _ := strconv.ParseUint(args[0], 10, 64)
	ino, _ := strconv.ParseUint(args[1], 10, 64)
	s, err := unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err == nil {
		err = connectHolder(s, fileID{dev, ino})
	}
	if err != nil {
		os.Stdout.WriteString("connect: " + err.Error() + "\n")
		return 1
	}
	m, _, err := recvHolderMsg(s, 0)
	switch {
	case err == io.EOF:
		os.Stdout.WriteString("eof\n")
	case err != nil:
		os.Stdout.WriteString(err.Error() + "\n")
	default:
		os.Stdout.WriteString(m.verb.String() + "\n")
	}
	return 0
}

func runFakeSvscan(args []string) int {
	dev, _ := strconv.ParseUint(args[0], 10, 64)
	ino, _ := strconv.ParseUint(args[1], 10, 64)
	h, err := startHolder(NewReaper(), fileID{dev, ino}, make(chan Exit, 1))
	if err != nil {
		os.Stdout.WriteString(err.Error() + "\n")
		return 1
	}
	if err := h.hold(fileID{7, 1000}, os.NewFile(3, "log pipe")); err != nil {
		os.Stdout.WriteString(err.Error() + "\n")
		return 1
	}
	os.Stdout.WriteString(strconv.Itoa(h.pid) + "\n")
	io.Copy(io.Discard, os.Stdin)
	return 0
}

// binaryForOthers is a copy of this test binary that other users may run
// (the build directory is root's own).
func binaryForOthers(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "holder-test")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "supervisor.test")
	if err := os.WriteFile(path, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// nobody is the uid and gid the privileged tests run others as.
const nobody = 65534

// runAs runs prog with argv as uid and gid nobody and returns its output.
func runAs(t *testing.T, prog string, argv []string) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	exits := make(chan Exit, 1)
	attr := &syscall.ProcAttr{
		Dir:   "/",
		Files: []uintptr{closedFd, w.Fd(), 2},
		Sys:   &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}},
	}
	_, err = sharedReaper().Start(prog, argv, attr, exits)
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	out, _ := io.ReadAll(r)
	waitExit(t, exits)
	return strings.TrimSpace(string(out))
}

// TestHolderRefusesAnotherUid: a process of another user that connects
// to a holder left by a dead svscan gets nothing (SO_PEERCRED), and the
// holder still hands everything to its own user.
func TestHolderRefusesAnotherUid(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to connect as another user")
	}
	scanDir, _, pipes := orphanedHolder(t, 2)

	if got := runAs(t, binaryForOthers(t), append([]string{holderPeerApplet}, scanDirArgs(scanDir)...)); got != "eof" {
		t.Errorf("uid %d got %q from root's holder, want eof (refused)", nobody, got)
	}
	_, got, _ := takeOverOK(t, scanDir)
	checkTaken(t, pipes, got)
}

// TestTakeOverRefusesAnotherUidsHolder: a holder name bound by another
// user (anyone may bind any abstract name) is not taken over: its
// descriptors would be that user's choice.
func TestTakeOverRefusesAnotherUidsHolder(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to start a holder as another user")
	}
	scanDir := testScanDir(t)
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	exits := make(chan Exit, 1)
	attr := &syscall.ProcAttr{
		Dir:   "/",
		Files: []uintptr{closedFd, closedFd, 2, uintptr(fds[1])},
		Sys:   &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}},
	}
	pid, err := sharedReaper().Start(binaryForOthers(t), append([]string{HolderApplet}, scanDirArgs(scanDir)...), attr, exits)
	unix.Close(fds[1])
	if err != nil {
		unix.Close(fds[0])
		t.Fatal(err)
	}
	killAtEnd(t, pid)
	h, err := newHolder(fds[0], pid)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.awaitReady(); err != nil {
		t.Fatal(err)
	}
	holdAll(t, h, newLogPipes(t, 1))
	h.conn.Close()

	h, got, err := takeOver(scanDir, make(chan Exit, 1), nil)
	if err != (foreignHolderError{nobody}) || h != nil || got != nil {
		t.Errorf("take over from uid %d's holder: %v, %v, %v; want %v", nobody, h, got, err, foreignHolderError{nobody})
	}
}

// TestHolderOutlivesKilledSvscan: a svscan SIGKILLed while its holder
// keeps a log pipe; the holder, now not our child, is taken over with
// the pipe and its bytes, is watched through a pidfd, and its death (it
// is SIGKILLed in turn) comes on the exits given to takeOver.
func TestHolderOutlivesKilledSvscan(t *testing.T) {
	// The orphaned holder becomes ours, so the reaper reaps it as soon as
	// it dies and the pidfd tells its status at once.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Skip("cannot become a subreaper:", err)
	}
	t.Cleanup(func() { unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0) })
	scanDir := testScanDir(t)
	pipes := newLogPipes(t, 1)
	out, outW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	in, inW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer inW.Close()
	exits := make(chan Exit, 1)
	attr := &syscall.ProcAttr{Files: []uintptr{in.Fd(), outW.Fd(), 2, pipes[0].r.Fd()}}
	svscan, err := sharedReaper().Start(selfExe, append([]string{fakeSvscanApplet}, scanDirArgs(scanDir)...), attr, exits)
	in.Close()
	outW.Close()
	pipes[0].r.Close()
	if err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	holderPid, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil {
		unix.Kill(svscan, unix.SIGKILL)
		waitExit(t, exits)
		t.Fatalf("fake svscan: %q", line)
	}
	killAtEnd(t, holderPid) // the fake svscan's child, not reaped: it is alive

	unix.Kill(svscan, unix.SIGKILL)
	if ex := waitExit(t, exits); ex.Status.Signal() != unix.SIGKILL {
		t.Fatalf("fake svscan's exit %v, want SIGKILL", ex.Status)
	}

	h, got, holderExits := takeOverOK(t, scanDir)
	if h.pid != holderPid {
		t.Errorf("took over pid %d, want the holder %d", h.pid, holderPid)
	}
	checkTaken(t, pipes, got)

	unix.Kill(holderPid, unix.SIGKILL) // not reaped before holderExits has its exit
	ex := waitExit(t, holderExits)
	if ex.Pid != holderPid || ex.Status.Signal() != unix.SIGKILL {
		t.Errorf("exit of %d: %v; want the holder's %d killed by SIGKILL", ex.Pid, ex.Status, holderPid)
	}
}
