package message

import (
	"errors"
	"fmt"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestLines: the running program's own messages carry its name; what 0.76
// prints from a supervise process keeps supervise's wording and level; a
// hint is a line of its own after 0.76's exact line.
func TestLines(t *testing.T) {
	supervise := func(level Level, err error) error { return &Error{Program: "supervise", Level: level, Err: err} }
	for _, tc := range []struct {
		name  string
		level Level
		err   error
		want  string
	}{
		{"own warning", Warning, fmt.Errorf("unable to stat x: %w", syscall.ENOENT),
			"svscan: warning: unable to stat x: file does not exist\n"},
		{"own fatal", Fatal, errors.New("unable to chdir to x"), "svscan: fatal: unable to chdir to x\n"},
		{"usage", Usage, errors.New("svscan [dir]"), "svscan: usage: svscan [dir]\n"},
		{"start failure", Warning, supervise(Fatal, fmt.Errorf("unable to start x/run: %w", syscall.EACCES)),
			"supervise: fatal: unable to start x/run: access denied\n"},
		{"status warning", Warning, supervise(Warning, fmt.Errorf("unable to open log/supervise/status.new: %w", syscall.ENOSPC)),
			"supervise: warning: unable to open log/supervise/status.new: out of disk space\n"},
		{"Debian's readlink", Fatal, &Error{Level: Bare, Err: errors.New("unable to readlink ./supervise: unknown error")},
			"unable to readlink ./supervise: unknown error\n"},
		{"wrapped", Warning, fmt.Errorf("context: %w", &Error{Level: Fatal, Err: syscall.EPERM}),
			"svscan: fatal: context: permission denied\n"},
		{"hint", Warning, &Error{Program: "supervise", Level: Fatal, Err: fmt.Errorf("unable to start x/run: %w", syscall.EACCES),
			Hint: "make x/run executable (chmod +x x/run)"},
			"supervise: fatal: unable to start x/run: access denied\nsupervise: hint: make x/run executable (chmod +x x/run)\n"},
		{"hint of the running program", Fatal, &Error{Level: Fatal, Err: syscall.ENOENT, Hint: "h"},
			"svscan: fatal: file does not exist\nsvscan: hint: h\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Lines("svscan", tc.level, tc.err)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// TestOfKeepsTheOriginal: Of fills in the program on a copy.
func TestOfKeepsTheOriginal(t *testing.T) {
	e := &Error{Level: Warning, Err: syscall.ENOSPC}
	got := Of("supervise", Fatal, e)
	if got.Program != "supervise" || got.Level != Warning || e.Program != "" {
		t.Errorf("Of = %+v, original now %+v", got, e)
	}
	if !errors.Is(got, &Error{Program: "supervise", Level: Warning, Err: syscall.ENOSPC}) || errors.Is(got, e) {
		t.Error("Is compares every field")
	}
	if !errors.Is(got, syscall.ENOSPC) {
		t.Error("an Error does not unwrap to its errno")
	}
}
