package message

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
		{&os.PathError{Op: "open", Path: "x", Err: syscall.ELOOP}, "symbolic link loop"},
		{fmt.Errorf("unable to read x: %w", &os.SyscallError{Syscall: "pipe2", Err: syscall.EMFILE}), "unable to read x: process cannot open more files"},
		{&os.LinkError{Op: "symlink", Old: "a", New: "b", Err: syscall.EEXIST}, "file already exists"},
		{fmt.Errorf("bad format"), "bad format"},
	}
	for _, tc := range tests {
		if got := Errstr(tc.err); got != tc.want {
			t.Errorf("Errstr(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
