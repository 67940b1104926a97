package supervisor

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseNotificationFd(t *testing.T) {
	tests := []struct {
		content string
		n       int
		ok      bool
	}{
		{"3", 3, true},
		{"5\n", 5, true},
		{" 7 \t\n", 7, true},
		{"65535", 65535, true},
		{"65536", 0, false},
		{"2\n", 0, false},
		{"0", 0, false},
		{"-4", 0, false},
		{"", 0, false},
		{"junk\n", 0, false},
		{"5\n6\n", 0, false},
		{"99999999999999999999", 0, false},
	}
	for _, tc := range tests {
		n, ok := parseNotificationFd([]byte(tc.content))
		if ok != tc.ok || ok && n != tc.n {
			t.Errorf("%q = %d, %v; want %d, %v", tc.content, n, ok, tc.n, tc.ok)
		}
	}
}

func FuzzParseNotificationFd(f *testing.F) {
	for _, s := range []string{"3", "5\n", " 7 \t\n", "65536", "2", "+4", "007", "junk", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n, ok := parseNotificationFd(b)
		if !ok {
			return
		}
		if n < 3 || n >= maxNotificationFd {
			t.Fatalf("%q accepted as %d", b, n)
		}
		if m, err := strconv.Atoi(string(bytes.TrimSpace(b))); err != nil || m != n {
			t.Fatalf("%q accepted as %d, but it reads %d (%v)", b, n, m, err)
		}
	})
}

const sampleStat = "359 (cat) R 354 354 31380 0 -1 4194304 100 0 0 0 0 0 0 0 20 0 1 0 586592 3133440 413 18446744073709551615\n"

func TestStatStartTime(t *testing.T) {
	tests := []struct {
		stat string
		want uint64
	}{
		{sampleStat, 586592},
		{"42 (a) b) (c) S 1 42 42 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 77 0 0\n", 77},
		{"42 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18\n", 0},
		{"42 no parenthesis S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21\n", 0},
		{"42 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 notanumber\n", 0},
		{"", 0},
	}
	for _, tc := range tests {
		if got := statStartTime([]byte(tc.stat)); got != tc.want {
			t.Errorf("%q: %d, want %d", tc.stat, got, tc.want)
		}
	}
}

func FuzzStatStartTime(f *testing.F) {
	f.Add([]byte(sampleStat))
	f.Add([]byte("1 ((sd-pam)) S 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		statStartTime(b) // must not panic on any text
	})
}

// TestNotificationFdErrors: messages name the file once, with no Go
// wording around the errno.
func TestNotificationFdErrors(t *testing.T) {
	dir := t.TempDir()
	sp := &forkSpawner{name: "sv", dirfd: openTestDir(t, dir)}
	if n, err := sp.notificationFd(); n != -1 || err != nil {
		t.Errorf("no file: %d, %v; want -1 and no error", n, err)
	}
	if err := os.Mkdir(filepath.Join(dir, "notification-fd"), 0o755); err != nil {
		t.Fatal(err)
	}
	n, err := sp.notificationFd()
	if want := "unable to read sv/notification-fd: is a directory"; n != -1 || err == nil || err.Error() != want || !errors.Is(err, syscall.EISDIR) {
		t.Errorf("a directory: %d, %v; want -1 and %q", n, err, want)
	}
}

func TestHasFinish(t *testing.T) {
	for _, tc := range []struct {
		name string
		make func(path string) error
		want bool
	}{
		{"absent", func(string) error { return nil }, false},
		{"executable", func(p string) error { return os.WriteFile(p, nil, 0o755) }, true},
		{"not executable", func(p string) error { return os.WriteFile(p, nil, 0o644) }, false},
		{"a directory", func(p string) error { return os.Mkdir(p, 0o755) }, false},
		{"a symlink to an executable", func(p string) error {
			if err := os.WriteFile(p+".real", nil, 0o755); err != nil {
				return err
			}
			return os.Symlink("finish.real", p)
		}, true},
		{"a dangling symlink", func(p string) error { return os.Symlink("nowhere", p) }, false},
	} {
		dir := t.TempDir()
		if err := tc.make(filepath.Join(dir, "finish")); err != nil {
			t.Fatal(err)
		}
		sp := &forkSpawner{name: "sv", dirfd: openTestDir(t, dir)}
		if got := sp.hasFinish(); got != tc.want {
			t.Errorf("%s: hasFinish() = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func openTestDir(t *testing.T, dir string) int {
	t.Helper()
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}
