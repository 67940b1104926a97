package supervisor

import (
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The tests of this package start real children only through this reaper:
// a second one would steal its exits.
var (
	testReaperOnce sync.Once
	testReaper     *Reaper
)

func sharedReaper() *Reaper {
	testReaperOnce.Do(func() { testReaper = NewReaper() })
	return testReaper
}

func waitExit(t *testing.T, exits <-chan Exit) Exit {
	t.Helper()
	select {
	case ex := <-exits:
		return ex
	case <-time.After(20 * time.Second):
		t.Fatal("no exit event")
		return Exit{}
	}
}

// TestReaperRoutesFastExits starts children that exit at once, many times
// over: each exit must reach its owner even when the child is gone before
// Start has returned.
func TestReaperRoutesFastExits(t *testing.T) {
	r := sharedReaper()
	attr := &syscall.ProcAttr{Files: []uintptr{closedFd, closedFd, closedFd}}
	for i := 0; i < 200; i++ {
		exits := make(chan Exit, 1)
		pid, err := r.Start("/bin/sh", []string{"sh", "-c", "exit 7"}, attr, exits)
		if err != nil {
			t.Fatal(err)
		}
		ex := waitExit(t, exits)
		if ex.Pid != pid || ex.Status.ExitStatus() != 7 {
			t.Fatalf("child %d: got exit %+v", pid, ex)
		}
	}
}

func TestReaperExecFailureIsAnError(t *testing.T) {
	r := sharedReaper()
	exits := make(chan Exit, 1)
	_, err := r.Start("/nonexistent/run", []string{"run"}, &syscall.ProcAttr{}, exits)
	if err != syscall.ENOENT {
		t.Errorf("got %v, want ENOENT", err)
	}
}

// TestReaperReapsOrphans makes this process a subreaper, so the
// grandchildren of a child that exits at once become ours: none may stay a
// zombie.
func TestReaperReapsOrphans(t *testing.T) {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		t.Skip("cannot become a subreaper:", err)
	}
	defer unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
	r := sharedReaper()
	exits := make(chan Exit, 1)
	attr := &syscall.ProcAttr{Files: []uintptr{closedFd, closedFd, closedFd}}
	if _, err := r.Start("/bin/sh", []string{"sh", "-c", "sleep 0.2 & sleep 0.2 & exit 0"}, attr, exits); err != nil {
		t.Fatal(err)
	}
	waitExit(t, exits)
	waitFor(t, 20*time.Second, "no children left", func() (bool, error) {
		kids := children(t)
		return kids == "", fmt.Errorf("children left: %s", kids)
	})
}

// children lists this process's children (zombies included).
func children(t *testing.T) string {
	t.Helper()
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, task := range tasks {
		b, _ := os.ReadFile("/proc/self/task/" + task.Name() + "/children")
		all = append(all, strings.Fields(string(b))...)
	}
	return strings.Join(all, " ")
}
