package applets

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestSvscanExitCode(t *testing.T) {
	for _, tc := range []struct {
		ws   syscall.WaitStatus
		want int
	}{
		{0, 0},
		{3 << 8, 3},
		{255 << 8, 255},
		{syscall.WaitStatus(syscall.SIGTERM), 143},
		{syscall.WaitStatus(syscall.SIGKILL) | 0x80, 137}, // core dumped
		{0x7f, ExitTemporary},                             // not known
	} {
		if got := exitCode(tc.ws); got != tc.want {
			t.Errorf("exitCode(%#x) = %d, want %d", int(tc.ws), got, tc.want)
		}
	}
}

// TestSvscanFindsCommand: the foreground command is looked up in PATH as
// execve would judge each file, in pathexec's order.
func TestSvscanFindsCommand(t *testing.T) {
	dir := t.TempDir()
	for name, mode := range map[string]os.FileMode{"a/prog": 0o755, "b/prog": 0o755, "a/plain": 0o644, "b/plain": 0o644} {
		os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), nil, mode); err != nil {
			t.Fatal(err)
		}
	}
	os.Mkdir(filepath.Join(dir, "a", "sub"), 0o755)
	path := "PATH=" + filepath.Join(dir, "a") + ":" + filepath.Join(dir, "b")
	for _, tc := range []struct {
		name, want string
		err        error
	}{
		{"prog", filepath.Join(dir, "a", "prog"), nil},
		{filepath.Join(dir, "b", "prog"), filepath.Join(dir, "b", "prog"), nil},
		{"missing", "", syscall.ENOENT},
		{"plain", "", syscall.EACCES},
		{"sub", "", syscall.EACCES},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := findCommand([]string{tc.name, "arg"}, []string{path})
			if !errors.Is(err, tc.err) || err == nil && c.Path != tc.want {
				t.Errorf("findCommand(%q) = %q, %v; want %q, %v", tc.name, c.Path, err, tc.want, tc.err)
			}
		})
	}
}

func TestSvscanUsage(t *testing.T) {
	want := "svscan: usage: svscan [--stop-timeout=DURATION] [dir [-- program [arg ...]]]\n"
	for _, args := range [][]string{{"--bogus"}, {".", "--"}, {"--stop-timeout=0", "."}} {
		msg, code := Report("svscan", runSvscan(&Proc{Name: "svscan"}, args))
		if code != ExitUsage || msg != want {
			t.Errorf("svscan %q: exit %d, %q; want %d, %q", args, code, msg, ExitUsage, want)
		}
	}
}
