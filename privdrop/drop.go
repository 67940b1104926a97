package privdrop

import (
	"fmt"
	"slices"
	"syscall"
)

// Drop makes the whole process run as a: supplementary groups exactly
// {a.GID} (what 0.76's setuidgid leaves, docs/setuidgid.md), then gid, then uid,
// then checks the result. It uses syscall's wrappers, which change every
// thread of the process (x/sys/unix.Setgroups changes only one); the caller
// should also lock its goroutine to the thread that will exec.
//
// Errors read like setuidgid's: "unable to setgid: ERR" (setgroups or setgid
// failed), "unable to setuid: ERR", or a verification failure.
func Drop(a Account) error {
	if err := syscall.Setgroups([]int{a.GID}); err != nil {
		return fmt.Errorf("unable to setgid: %w", err)
	}
	if err := syscall.Setgid(a.GID); err != nil {
		return fmt.Errorf("unable to setgid: %w", err)
	}
	if err := syscall.Setuid(a.UID); err != nil {
		return fmt.Errorf("unable to setuid: %w", err)
	}
	return verify(a)
}

// verify checks that the drop took: real and effective IDs, the group list,
// and, for a non-root target, that root cannot be regained.
func verify(a Account) error {
	groups, err := syscall.Getgroups()
	if err != nil {
		return fmt.Errorf("unable to verify credentials: %w", err)
	}
	uid, euid, gid, egid := syscall.Getuid(), syscall.Geteuid(), syscall.Getgid(), syscall.Getegid()
	if uid != a.UID || euid != a.UID || gid != a.GID || egid != a.GID || !slices.Equal(groups, []int{a.GID}) {
		return fmt.Errorf("unable to verify credentials: uid %d/%d gid %d/%d groups %v after the drop", uid, euid, gid, egid, groups)
	}
	if a.UID != 0 && syscall.Setuid(0) == nil {
		return fmt.Errorf("unable to verify credentials: uid 0 can be regained")
	}
	return nil
}
