package supervisor

import (
	"errors"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Goal is a state Await waits for.
type Goal int

const (
	GoalUp    Goal = iota // ./run has a pid
	GoalReady             // ./run has a pid and signalled readiness (gotools supervise only)
	GoalDown              // no ./run (./finish may still run)
)

// TimeoutError is Await's deadline passing; Dir is a service not there yet.
type TimeoutError struct{ Dir string }

func (e *TimeoutError) Error() string { return "timed out waiting for " + e.Dir }

// Await returns once every dir is in the goal state, reacting to each
// status change as it happens: it watches dir/supervise with inotify for
// the rename of a new status file (and for the lock being closed by an
// exiting supervise), so there is no polling interval. A timeout of 0
// means no limit. A supervise that is not running (or stops) before its
// service gets there is an error, since nothing would change any more.
// Debian's supervise never writes xstatus, so GoalReady waits in vain there.
func Await(dirs []string, goal Goal, timeout time.Duration) error {
	in, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return fmt.Errorf("unable to create inotify instance: %w", err)
	}
	defer unix.Close(in)
	// Watch first, then look: a change between the two is not missed.
	const events = unix.IN_MOVED_TO | unix.IN_CLOSE_WRITE | unix.IN_DELETE_SELF | unix.IN_MOVE_SELF
	for _, dir := range dirs {
		if _, err := unix.InotifyAddWatch(in, dir+"/supervise", events); err != nil {
			return fmt.Errorf("unable to watch %s/supervise: %w", dir, err)
		}
	}
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	buf := make([]byte, 4096)
	for changed := true; ; {
		if !changed {
			if changed, err = waitChange(in, buf, deadline); err != nil {
				return err
			}
			if !deadline.IsZero() && time.Now().After(deadline) && !changed {
				changed = true // look once more, then time out
			}
			continue
		}
		changed = false
		waiting := ""
		for _, dir := range dirs {
			ok, err := reached(dir, goal)
			if err != nil {
				return err
			}
			if !ok {
				waiting = dir
				break
			}
		}
		if waiting == "" {
			return nil
		}
		if !deadline.IsZero() && !time.Now().Before(deadline) {
			return &TimeoutError{waiting}
		}
	}
}

// waitChange waits for inotify events until the deadline (zero: none) and
// reports whether one of them is about a file that matters: a new status
// or xstatus, or the lock closed by an exiting supervise. Our own opening
// of supervise/ok makes events too; they are read and dropped here.
func waitChange(in int, buf []byte, deadline time.Time) (bool, error) {
	ms := -1
	if !deadline.IsZero() {
		ms = max(0, int((time.Until(deadline)+time.Millisecond-1)/time.Millisecond))
	}
	fds := []unix.PollFd{{Fd: int32(in), Events: unix.POLLIN}}
	if _, err := unix.Poll(fds, ms); err != nil && err != unix.EINTR {
		return false, fmt.Errorf("unable to poll inotify: %w", err)
	}
	changed := false
	for {
		n, err := unix.Read(in, buf)
		if err != nil || n <= 0 {
			return changed, nil // EAGAIN: drained
		}
		evs, _ := parseInotify(buf[:n]) // the kernel writes whole records
		for _, ev := range evs {
			switch ev.name {
			case "status", XStatusFile, "lock", "":
				changed = true // "": the directory itself went away
			}
		}
	}
}

// reached reports whether dir's service is in the goal state now, and
// fails if it is not and no supervise is there to change that.
func reached(dir string, goal Goal) (bool, error) {
	var raw [StatusLen]byte
	n, err := ReadStatus(dir, raw[:])
	if err != nil {
		return false, fmt.Errorf("unable to read %s/supervise/status: %w", dir, err)
	}
	var st Status
	if err := st.UnmarshalBinary(raw[:n]); err != nil {
		return false, fmt.Errorf("unable to read %s/supervise/status: %w", dir, err)
	}
	ok := false
	switch goal {
	case GoalUp:
		ok = st.Pid != 0
	case GoalDown:
		ok = st.Pid == 0
	case GoalReady:
		var x Extended
		if b, err := os.ReadFile(dir + "/supervise/" + XStatusFile); err == nil && x.UnmarshalText(b) == nil {
			ok = st.Pid != 0 && x.Ready && x.Pid == int(st.Pid)
		}
	}
	if ok {
		return true, nil
	}
	switch err := Running(dir); {
	case errors.Is(err, ErrNotRunning):
		return false, fmt.Errorf("unable to watch %s: %w", dir, err)
	case err != nil:
		return false, fmt.Errorf("unable to open %s/supervise/ok: %w", dir, err)
	}
	return false, nil
}
