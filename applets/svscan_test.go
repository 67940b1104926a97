package applets

import (
	"errors"
	"fmt"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"gotools/supervisor"
)

// TestSvscanMessage: svscan's own warnings carry its name; what 0.76
// prints from a supervise process keeps supervise's wording.
func TestSvscanMessage(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"own warning", fmt.Errorf("unable to stat x: %w", syscall.ENOENT),
			"svscan: warning: unable to stat x: file does not exist\n"},
		{"start failure", &supervisor.ServiceError{Fatal: true, Err: &supervisor.StartError{Path: "x/run", Err: syscall.EACCES}},
			"supervise: fatal: unable to start x/run: access denied\n"},
		{"lock held", &supervisor.ServiceError{Fatal: true, Err: fmt.Errorf("unable to acquire x/supervise/lock: %w", syscall.EAGAIN)},
			"supervise: fatal: unable to acquire x/supervise/lock: temporary failure\n"},
		{"status warning", &supervisor.ServiceError{Err: fmt.Errorf("unable to open log/supervise/status.new: %w", syscall.ENOSPC)},
			"supervise: warning: unable to open log/supervise/status.new: out of disk space\n"},
		{"Debian's readlink", &supervisor.ServiceError{Fatal: true, Err: &supervisor.BareError{Err: errors.New("unable to readlink ./supervise: unknown error")}},
			"unable to readlink ./supervise: unknown error\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, svscanMessage("svscan", tc.err)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}
