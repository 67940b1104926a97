package applets

import (
	"fmt"
	"os"
	"syscall"
	"testing"
)

func TestErrstr(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{syscall.ENOENT, "file does not exist"},
		{syscall.EAGAIN, "temporary failure"},
		{syscall.EWOULDBLOCK, "temporary failure"},
		{syscall.ENXIO, "device not configured"},
		{syscall.Errno(4000), "unknown error"},
		{fmt.Errorf("unable to start x/run: %w", syscall.EACCES), "unable to start x/run: access denied"},
		{&os.PathError{Op: "open", Path: "x", Err: syscall.ELOOP}, "open x: symbolic link loop"},
		{fmt.Errorf("bad format"), "bad format"},
	}
	for _, tc := range tests {
		if got := Errstr(tc.err); got != tc.want {
			t.Errorf("Errstr(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
