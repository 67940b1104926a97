package privdrop

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"runtime"
	"slices"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// FSAccount is who a process hosted in this one would have been to the
// file system: its file-system user and group ids, supplementary groups
// and umask. FSSwitch.Do runs code as that account without changing the
// process:
// svscan hosts loggers of many accounts at once (docs/design.md, "Hosted
// loggers").
//
// On Linux, file-system ids, supplementary groups and (after
// unshare(CLONE_FS)) the umask are each thread's own, and the raw system
// calls change only the calling thread: Go's syscall.Setgroups and
// friends would change every thread of the process, which is why the
// calls here are golang.org/x/sys/unix's raw ones.
type FSAccount struct {
	UID, GID int
	Groups   []int
	Umask    int
}

// ErrNotPermitted is Do's error when this process cannot take the
// account's ids (it is not root and the account is not its own).
var ErrNotPermitted = errors.New("cannot take the account's file-system ids")

// FSSwitch runs code as an account (Do), switching from self, the
// process's own account (ProcessAccount).
type FSSwitch struct{ self, to FSAccount }

// To is a switch from self, the process's account, to a.
func (self FSAccount) To(a FSAccount) FSSwitch {
	slices.Sort(a.Groups)
	return FSSwitch{self, a}
}

// Do runs f with the account's file-system ids, groups and umask, on a
// thread of its own for the time of f, and puts the thread back as it was.
// Nothing of f's may start goroutines that touch files: they would run on
// other threads, as the process. If the thread cannot be put back, it is
// never given back to the runtime (it ends with the goroutine). f does not
// run if the account cannot be taken.
func (s FSSwitch) Do(f func()) error {
	if s.to.sameAs(s.self) {
		f()
		return nil
	}
	runtime.LockOSThread()
	// Deferred, so that a panic or Goexit in f leaves no goroutine of the
	// process on a thread with the account's ids.
	defer func() {
		if s.self.enter(s.to) == nil {
			runtime.UnlockOSThread()
		}
	}()
	if err := s.to.enter(s.self); err != nil {
		return err
	}
	f()
	return nil
}

// Permitted reports whether Do can take the account: its ids are the
// process's own, or the process is root.
func (s FSSwitch) Permitted() bool {
	return s.self.UID == 0 || s.sameIDs()
}

// Credential is the account's ids for a child process
// (syscall.SysProcAttr), nil when they are the process's own.
func (s FSSwitch) Credential() *syscall.Credential {
	if s.sameIDs() {
		return nil
	}
	groups := make([]uint32, len(s.to.Groups))
	for i, g := range s.to.Groups {
		groups[i] = uint32(g)
	}
	return &syscall.Credential{Uid: uint32(s.to.UID), Gid: uint32(s.to.GID), Groups: groups}
}

func (s FSSwitch) sameIDs() bool {
	a, self := s.to, s.self
	return a.UID == self.UID && a.GID == self.GID && slices.Equal(a.Groups, self.Groups)
}

func (a FSAccount) sameAs(b FSAccount) bool {
	return FSSwitch{b, a}.sameIDs() && a.Umask == b.Umask
}

// enter switches the calling (locked) thread from account from to a.
// Groups first and the user last: setfsuid away from 0 drops the
// capabilities the other changes need.
func (a FSAccount) enter(from FSAccount) error {
	if a.Umask != from.Umask {
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			return err
		}
		unix.Umask(a.Umask)
	}
	if !slices.Equal(a.Groups, from.Groups) {
		if err := unix.Setgroups(a.Groups); err != nil {
			return err
		}
	}
	if a.GID != from.GID {
		unix.Setfsgid(a.GID)
		if got, _ := unix.SetfsgidRetGid(-1); got != a.GID {
			return ErrNotPermitted
		}
	}
	if a.UID != from.UID {
		unix.Setfsuid(a.UID)
		if got, _ := unix.SetfsuidRetUid(-1); got != a.UID {
			return ErrNotPermitted
		}
	}
	return nil
}

// ProcessAccount is the process's own file-system account: its effective
// ids (what file access uses unless a thread changed its fs ids), groups
// and umask. It reads /proc: read it once and switch from it to each
// account (To).
func ProcessAccount() FSAccount {
	groups, _ := unix.Getgroups()
	slices.Sort(groups)
	return FSAccount{UID: unix.Geteuid(), GID: unix.Getegid(), Groups: groups, Umask: processUmask()}
}

// processUmask reads the umask from /proc/self/status, because reading it
// with umask(2) means setting it, for a moment, for every thread. Without
// /proc it is taken to be 022 (what multilog sets for itself).
func processUmask() int {
	if v, ok := statusField("/proc/self/status", "Umask"); ok {
		if u, err := strconv.ParseInt(v, 8, 32); err == nil {
			return int(u)
		}
	}
	return 0o22
}

// ProcessGroups is the supplementary group list of process pid as the
// kernel has it (/proc/PID/status, "Groups:").
func ProcessGroups(pid int) ([]int, error) {
	v, ok := statusField("/proc/"+strconv.Itoa(pid)+"/status", "Groups")
	if !ok {
		return nil, errors.New("no group list for process " + strconv.Itoa(pid))
	}
	var groups []int
	for _, f := range bytes.Fields([]byte(v)) {
		g, err := strconv.Atoi(string(f))
		if err != nil {
			return nil, err
		}
		groups = append(groups, g)
	}
	slices.Sort(groups)
	return groups, nil
}

// statusField is the value of "NAME:\tVALUE" in a /proc status file.
func statusField(path, name string) (string, bool) {
	f, err := os.Open(path)
	if err != nil {
		return "", false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	prefix := name + ":"
	for sc.Scan() {
		if v, ok := bytes.CutPrefix(sc.Bytes(), []byte(prefix)); ok {
			return string(bytes.TrimSpace(v)), true
		}
	}
	return "", false
}
