package supervisor

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// TestWriteStatusFileNeverWritesThrough: whatever is found under
// supervise/status.new — a symlink or hard link to a file elsewhere, a FIFO,
// a leftover — is replaced, never written through; the outside file keeps
// its content and status gets the record. A directory there is 0.76's
// "is a directory" warning.
func TestWriteStatusFileNeverWritesThrough(t *testing.T) {
	const outside = "not to be overwritten\n"
	tests := []struct {
		name    string
		plant   func(tmp, target string) error
		wantErr error
	}{
		{"nothing", func(string, string) error { return nil }, nil},
		{"leftover", func(tmp, _ string) error { return os.WriteFile(tmp, []byte("old"), 0o644) }, nil},
		{"symlink", func(tmp, target string) error { return os.Symlink(target, tmp) }, nil},
		{"dangling symlink", func(tmp, target string) error { return os.Symlink(target+".missing", tmp) }, nil},
		{"hard link", func(tmp, target string) error { return os.Link(target, tmp) }, nil},
		{"fifo", func(tmp, _ string) error { return unix.Mkfifo(tmp, 0o600) }, nil},
		{"directory", func(tmp, _ string) error { return os.Mkdir(tmp, 0o700) }, unix.EISDIR},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir, elsewhere := t.TempDir(), t.TempDir()
			target := filepath.Join(elsewhere, "target")
			if err := os.WriteFile(target, []byte(outside), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(filepath.Join(dir, "supervise"), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := tc.plant(filepath.Join(dir, "supervise/status.new"), target); err != nil {
				t.Fatal(err)
			}
			fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer unix.Close(fd)
			err = writeStatusFile(fd, "sv", "status", []byte("record"))
			if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Fatalf("writeStatusFile: %v, want %v", err, tc.wantErr)
			}
			if b, _ := os.ReadFile(target); string(b) != outside {
				t.Errorf("the planted file's target now holds %q", b)
			}
			if _, err := os.Stat(target + ".missing"); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a dangling symlink's target was created (%v)", err)
			}
			if tc.wantErr != nil {
				if want := "unable to open sv/supervise/status.new: is a directory"; err.Error() != want {
					t.Errorf("error %q, want %q", err, want)
				}
				return
			}
			got, err := os.ReadFile(filepath.Join(dir, "supervise/status"))
			if diff := cmp.Diff("record", string(got)); diff != "" || err != nil {
				t.Errorf("status (-want +got) %v\n%s", err, diff)
			}
		})
	}
}
