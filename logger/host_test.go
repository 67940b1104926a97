package logger

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// TestBase: with Config.Base, = files and log directories are relative to
// it, not to the working directory, and the caller's file stays open.
func TestBase(t *testing.T) {
	h := newHarness(t)
	base, err := os.Open(h.root)
	if err != nil {
		t.Fatal(err)
	}
	defer base.Close()
	h.tweak = func(c *Config) { c.Base = base }
	name := "base-test-" + filepath.Base(h.root) // not in the working directory
	l, err := Open(h.config(ParseScript([]string{"./" + name, "=" + name + ".st"})))
	if err != nil {
		t.Fatal(err)
	}
	l.Run(h.input("one\n"))
	l.Close()
	if got := h.read(name + "/current"); got != "one\n" {
		t.Errorf("current = %q, want %q", got, "one\n")
	}
	if got := h.read(name + ".st"); !strings.HasPrefix(got, "one\n") {
		t.Errorf("the = file starts %q, want %q", got[:min(len(got), 10)], "one\n")
	}
	for _, p := range []string{name, name + ".st"} {
		if _, err := os.Lstat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s in the working directory: %v", p, err)
		}
	}
	if _, err := base.Readdirnames(-1); err != nil {
		t.Errorf("Base after Close: %v", err)
	}
}

// TestAsAccount changes the file-system uid and gid inside AsAccount, so
// every file the logger makes outside it would belong to root: none may.
// It also counts the calls: one for Open, three a rotation with a
// processor (the rotation, the processor's files, its results), one for
// the end of Run.
func TestAsAccount(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("changing the file-system uid needs root")
	}
	const account = 65534
	h := newHarness(t)
	for _, dir := range []string{filepath.Dir(h.root), h.root} {
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chown(h.root, account, account); err != nil {
		t.Fatal(err)
	}
	base, err := os.Open(h.root)
	if err != nil {
		t.Fatal(err)
	}
	defer base.Close()
	calls := 0
	h.tweak = func(c *Config) {
		c.Base = base
		c.StartProcessor = startNoEnv
		c.AsAccount = func(f func()) {
			calls++
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			unix.Setfsgid(account)
			unix.Setfsuid(account)
			defer unix.Setfsgid(0)
			defer unix.Setfsuid(0)
			f()
		}
	}
	h.run(numbered(300, 51), "s4096", "n100", "!cat", "DIR:d", "=FILE:st")
	rotations := len(h.archives("d"))
	type result struct {
		Calls     int
		RootOwned []string
	}
	got := result{Calls: calls}
	err = filepath.WalkDir(h.root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		var st unix.Stat_t
		if err := unix.Lstat(path, &st); err != nil {
			return err
		}
		if name, _ := filepath.Rel(h.root, path); st.Uid != account && name != "input" {
			got.RootOwned = append(got.RootOwned, name)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rotations < 3 {
		t.Errorf("%d rotations, want 3 or more", rotations)
	}
	if diff := cmp.Diff(result{Calls: 1 + 3*rotations + 1}, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

// TestStartProcessor runs processors through Config.StartProcessor: its
// arguments, and 0.76's retries when the start or the wait fails.
func TestStartProcessor(t *testing.T) {
	for _, tc := range []struct {
		name                string
		startErrs, waitErrs []error // what the first calls return
		warns, procErrs     []string
	}{
		{"started", nil, nil, nil, nil},
		{"start fails once", []error{unix.ENOMEM}, nil,
			[]string{"processor failed in D, pausing"}, []string{"unable to run cat: " + unix.ENOMEM.Error()}},
		{"wait fails once", nil, []error{unix.ECHILD},
			[]string{"wait failed for processor in D, pausing: " + unix.ECHILD.Error(), "processor failed in D, pausing"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			var st unix.Stat_t
			type call struct {
				Argv     []string
				InDir    bool
				Nil      []bool // which of files are nil
				Waits    int
				Reported bool
			}
			var calls []call
			var procErrs []string
			startErrs, waitErrs := tc.startErrs, tc.waitErrs
			h.tweak = func(c *Config) {
				c.ProcessorError = func(text string, err error) { procErrs = append(procErrs, text+": "+err.Error()) }
				c.StartProcessor = func(dir int, argv []string, files []*os.File) (func() (syscall.WaitStatus, error), error) {
					var dst unix.Stat_t
					unix.Fstat(dir, &dst)
					var nils []bool
					for _, f := range files {
						nils = append(nils, f == nil)
					}
					calls = append(calls, call{Argv: argv, InDir: dst.Ino == st.Ino && dst.Dev == st.Dev, Nil: nils})
					me := &calls[len(calls)-1]
					if len(startErrs) > 0 {
						err := startErrs[0]
						startErrs = startErrs[1:]
						return nil, err
					}
					wait, err := startNoEnv(dir, argv, files)
					if err != nil {
						return nil, err
					}
					return func() (syscall.WaitStatus, error) {
						me.Waits++
						ws, err := wait()
						if len(waitErrs) > 0 {
							err = waitErrs[0]
							waitErrs = waitErrs[1:]
						}
						return ws, err
					}, nil
				}
			}
			if err := os.Mkdir(h.path("d"), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := unix.Stat(h.path("d"), &st); err != nil {
				t.Fatal(err)
			}
			input := numbered(60, 51) // one rotation, within 2000 bytes of 4096
			h.run(input, "s4096", "!cat", "DIR:d")
			nils := []bool{false, false, true, true, false, false}
			want := []call{}
			for range tc.startErrs {
				want = append(want, call{Argv: []string{"sh", "-c", "cat"}, InDir: true, Nil: nils})
			}
			for range len(tc.waitErrs) + 1 {
				want = append(want, call{Argv: []string{"sh", "-c", "cat"}, InDir: true, Nil: nils, Waits: 1})
			}
			if diff := cmp.Diff(want, calls); diff != "" {
				t.Errorf("calls (-want +got)\n%s", diff)
			}
			var warns []string
			for _, w := range tc.warns {
				warns = append(warns, strings.ReplaceAll(w, "D", h.path("d")))
			}
			if diff := cmp.Diff(warns, h.warns); diff != "" {
				t.Errorf("warnings (-want +got)\n%s", diff)
			}
			if diff := cmp.Diff(tc.procErrs, procErrs); diff != "" {
				t.Errorf("processor errors (-want +got)\n%s", diff)
			}
			if got := strings.Join(append(h.archives("d"), h.read("d/current")), ""); got != input {
				t.Errorf("the log has %d bytes, want the %d input bytes", len(got), len(input))
			}
		})
	}
}
