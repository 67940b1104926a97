package supervisor

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/sys/unix"

	"gotools/logger/tai64"
)

// serviceDir makes DIR/supervise/ and returns DIR.
func serviceDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "supervise"), 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

// fifo makes DIR/supervise/NAME; with reader it is opened for reading as
// supervise does and the read end is returned (closed at cleanup).
func fifo(t *testing.T, dir, name string, reader bool) *os.File {
	t.Helper()
	path := filepath.Join(dir, "supervise", name)
	if err := unix.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if !reader {
		return nil
	}
	f, err := os.OpenFile(path, os.O_RDONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestControlWritesCommandsInOneWrite(t *testing.T) {
	for _, cmds := range []string{"dxtuk", "u", ""} {
		t.Run(cmds, func(t *testing.T) {
			dir := serviceDir(t)
			r := fifo(t, dir, "control", true)
			if err := Control(dir, []byte(cmds)); err != nil {
				t.Fatalf("Control: %v", err)
			}
			buf := make([]byte, 64)
			n, _ := unix.Read(int(r.Fd()), buf)
			if diff := cmp.Diff(cmds, string(buf[:max(n, 0)])); diff != "" {
				t.Errorf("FIFO got (-want +got)\n%s", diff)
			}
		})
	}
}

func TestClientErrors(t *testing.T) {
	noReader := func(t *testing.T) string {
		dir := serviceDir(t)
		fifo(t, dir, "control", false)
		fifo(t, dir, "ok", false)
		return dir
	}
	tests := []struct {
		name string
		dir  func(t *testing.T) string
		call func(dir string) error
		want error
	}{
		{"control without reader", noReader, func(d string) error { return Control(d, []byte("u")) }, ErrNotRunning},
		{"ok without reader", noReader, Running, ErrNotRunning},
		{"control missing", serviceDir, func(d string) error { return Control(d, nil) }, unix.ENOENT},
		{"ok missing", serviceDir, Running, unix.ENOENT},
		{"no supervise dir", func(t *testing.T) string { return t.TempDir() }, Running, unix.ENOENT},
		{"status missing", serviceDir, func(d string) error { _, err := ReadStatus(d, make([]byte, StatusLen)); return err }, unix.ENOENT},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(tc.dir(t)); !errors.Is(err, tc.want) {
				t.Errorf("got %v, want %v", err, tc.want)
			}
		})
	}
}

func TestRunningWithReader(t *testing.T) {
	dir := serviceDir(t)
	fifo(t, dir, "ok", true)
	if err := Running(dir); err != nil {
		t.Errorf("Running: %v", err)
	}
}

func TestReadStatus(t *testing.T) {
	encore := append(append([]byte{}, realStatus...), 0, 'u')
	tests := []struct {
		name    string
		content []byte // nil: make status a directory
		want    []byte // what the buffer holds after the read
		readErr error  // wrapped in *ReadError
	}{
		{"0.76 record", realStatus, realStatus, nil},
		{"encore 20 bytes reads 18", encore, realStatus, nil},
		{"short", realStatus[:17], realStatus[:17], nil},
		{"empty", []byte{}, []byte{}, nil},
		{"directory", nil, nil, unix.EISDIR},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := serviceDir(t)
			path := filepath.Join(dir, "supervise", "status")
			var err error
			if tc.content == nil {
				err = os.Mkdir(path, 0o700)
			} else {
				err = os.WriteFile(path, tc.content, 0o644)
			}
			if err != nil {
				t.Fatal(err)
			}
			b := make([]byte, StatusLen)
			n, err := ReadStatus(dir, b)
			var rerr *ReadError
			switch {
			case tc.readErr == nil && err != nil:
				t.Fatalf("ReadStatus: %v", err)
			case tc.readErr != nil && (!errors.As(err, &rerr) || !errors.Is(rerr.Err, tc.readErr)):
				t.Fatalf("got %v, want a ReadError of %v", err, tc.readErr)
			}
			if diff := cmp.Diff(tc.want, b[:n], cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestNormallyUp(t *testing.T) {
	tests := []struct {
		name string
		make func(path string) error
		want bool
	}{
		{"no down file", func(string) error { return nil }, true},
		{"down file", func(p string) error { return os.WriteFile(p, nil, 0o644) }, false},
		{"down directory", func(p string) error { return os.Mkdir(p, 0o755) }, false},
		{"dangling symlink", func(p string) error { return os.Symlink("nowhere", p) }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := tc.make(filepath.Join(dir, "down")); err != nil {
				t.Fatal(err)
			}
			got, err := NormallyUp(dir)
			if err != nil || got != tc.want {
				t.Errorf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := NormallyUp(file); !errors.Is(err, unix.ENOTDIR) {
		t.Errorf("dir is a file: got %v, want ENOTDIR", err)
	}
}

func TestStatusSeconds(t *testing.T) {
	now := time.Unix(1700000000, 999999999)
	tests := []struct {
		name  string
		stamp tai64.N
		want  uint64
	}{
		{"same second", tai64.FromTime(time.Unix(1700000000, 0)), 0},
		{"whole seconds only", tai64.N{Sec: tai64.Base + 1699999999, Nano: 999999999}, 1},
		{"an hour", tai64.FromTime(now.Add(-time.Hour)), 3600},
		{"future", tai64.FromTime(now.Add(time.Hour)), 0},
		// Beyond 2^53 the double rounds: values computed with Python floats.
		{"zero stamp", tai64.N{}, 4611686020127387648},
		{"huge age", tai64.N{Sec: 1000}, 4611686020127386624},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := (Status{Stamp: tc.stamp}).Seconds(now); got != tc.want {
				t.Errorf("got %d, want %d", got, tc.want)
			}
		})
	}
}
