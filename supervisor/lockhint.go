package supervisor

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"gotools/applets/message"
)

// withLockHint adds to a failure to take label's supervise/lock (fd lock
// still open, or -1) a hint when another supervisor holds it: the service
// is supervised there, and not here, which "temporary failure" does not
// say.
func withLockHint(err error, label string, lock int) error {
	if !errors.Is(err, unix.EWOULDBLOCK) {
		return err
	}
	holder := "another supervisor"
	if pid := lockHolder(lock); pid > 0 {
		holder += " (pid " + strconv.Itoa(pid) + ")"
	}
	return &message.Error{Level: message.Fatal, Err: err,
		Hint: fmt.Sprintf("%s holds %s/supervise/lock: %s is supervised there, not here", holder, label, label)}
}

// lockHolder is the pid /proc/locks gives for the flock on the file open
// as fd, or 0 if it cannot tell (no /proc, a holder in another PID
// namespace).
func lockHolder(fd int) int {
	var st unix.Stat_t
	if fd < 0 || unix.Fstat(fd, &st) != nil {
		return 0
	}
	f, err := os.Open("/proc/locks")
	if err != nil {
		return 0
	}
	defer f.Close()
	return parseLockHolder(bufio.NewScanner(f), fmt.Sprintf("%02x:%02x:%d", unix.Major(st.Dev), unix.Minor(st.Dev), st.Ino))
}

// parseLockHolder finds in the lines of /proc/locks
// ("1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF") the pid of the
// FLOCK on file (MAJOR:MINOR:INODE); 0 if none.
func parseLockHolder(sc *bufio.Scanner, file string) int {
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 6 || f[1] != "FLOCK" || f[5] != file {
			continue
		}
		if pid, err := strconv.Atoi(f[4]); err == nil && pid > 0 {
			return pid
		}
	}
	return 0
}
