package applets

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

const setlockUsageLine = "setlock: usage: " + setlockUsage + "\n"

func TestSetlockUsage(t *testing.T) {
	cases := []appletCase{
		{name: "nothing", want: outcome{Stderr: setlockUsageLine, Code: 100}},
		{name: "no program", args: []string{"-n", "f"}, want: outcome{Stderr: setlockUsageLine, Code: 100}},
		{name: "illegal", args: []string{"-nq", "f", "true"},
			want: outcome{Stderr: "setlock: illegal option -- q\n" + setlockUsageLine, Code: 100}},
	}
	checkApplet(t, "setlock", cases)
}

func TestSetlock(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "lock")
	if err := os.WriteFile(file, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	held, err := unix.Open(file, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(held)
	if err := unix.Flock(held, unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=/bin"}
	missing := filepath.Join(dir, "no", "lock")
	cases := []appletCase{
		{name: "busy -n", args: []string{"-n", file, "true"},
			want: outcome{Stderr: "setlock: fatal: unable to lock " + file + ": temporary failure\n", Code: 111}},
		{name: "busy -nx is silent", args: []string{"-nx", file, "true"}},
		{name: "busy -nxX is loud", args: []string{"-nxX", file, "true"},
			want: outcome{Stderr: "setlock: fatal: unable to lock " + file + ": temporary failure\n", Code: 111}},
		{name: "open failure", args: []string{missing, "true"},
			want: outcome{Stderr: "setlock: fatal: unable to open " + missing + ": file does not exist\n", Code: 111}},
		{name: "open failure -x", args: []string{"-Xx", missing, "true"}},
		{name: "exec failure ignores -x", env: env, args: []string{"-x", filepath.Join(dir, "new"), "nope"},
			rec:   recorder{NoSuchAll: true},
			execs: []execCall{{"/bin/nope", []string{"nope"}, env}},
			want:  outcome{Stderr: "setlock: fatal: unable to run nope: file does not exist\n", Code: 111}},
	}
	checkApplet(t, "setlock", cases)
	if b, _ := os.ReadFile(file); string(b) != "keep" {
		t.Errorf("setlock truncated the lock file: %q", b)
	}
	if st, err := os.Stat(filepath.Join(dir, "new")); err != nil || st.Mode().Perm()&^0o600 != 0 {
		t.Errorf("created lock file: %v, %v; want mode 0600 or less", st, err)
	}
}

// TestSetlockPassesTheLockedDescriptor checks that the recorded exec sees an
// inheritable descriptor holding the lock.
func TestSetlockPassesTheLockedDescriptor(t *testing.T) {
	file := filepath.Join(t.TempDir(), "lock")
	var inheritable []int
	r := recorder{}
	p := &Proc{Name: "setlock", Env: []string{"PATH=/bin"}, Sys: &r, Exec: func(path string, argv, env []string) error {
		fds, _ := os.ReadDir("/proc/self/fd")
		for _, e := range fds {
			var fd int
			if _, err := fmt.Sscan(e.Name(), &fd); err != nil {
				continue
			}
			if target, _ := os.Readlink("/proc/self/fd/" + e.Name()); target != file {
				continue
			}
			if flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil && flags&unix.FD_CLOEXEC == 0 {
				inheritable = append(inheritable, fd)
			}
		}
		return nil
	}}
	if err := runSetlock(p, []string{file, "true"}); err != nil {
		t.Fatal(err)
	}
	if len(inheritable) != 1 {
		t.Fatalf("inheritable descriptors on the lock file: %v, want one", inheritable)
	}
	defer unix.Close(inheritable[0])
	other, _ := unix.Open(file, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	defer unix.Close(other)
	if err := unix.Flock(other, unix.LOCK_EX|unix.LOCK_NB); err != unix.EWOULDBLOCK {
		t.Errorf("second lock: %v, want EWOULDBLOCK (lock held)", err)
	}
}
