// Package message owns how an error becomes lines of output
// (docs/conventions.md): the prefix (`NAME: fatal: `, `NAME: warning: `,
// `NAME: usage: ` or none), djb's errno wording (Errstr), and an optional
// second line `NAME: hint: ...` after 0.76's exact line.
//
// Domain packages tag an error with its Level (and the program that
// prints it, where that is not the running one) by returning an *Error;
// the applets print every message through Lines. It prints nothing itself.
package message

import (
	"errors"
	"fmt"
)

// Level is how a message is printed.
type Level int

const (
	Fatal   Level = iota // NAME: fatal: TEXT
	Warning              // NAME: warning: TEXT
	Usage                // NAME: usage: TEXT
	Bare                 // TEXT alone (Debian's supervise prints its readlink failure so)
	// Hint is NAME: hint: TEXT alone, where 0.76 prints nothing but the
	// cause is worth a word (svscan's directory without ./run).
	Hint
)

func (l Level) String() string { return [...]string{"fatal", "warning", "usage", "bare", "hint"}[l] }

// Error is an error with the way a daemontools program prints it.
type Error struct {
	// Program is whose line it is; "" for the running program. svscan
	// supervises in-process, and prints what 0.76 prints from a supervise
	// process as "supervise".
	Program string
	Level   Level
	Err     error
	// Hint, if set, is printed on a line of its own after the message:
	// NAME: hint: HINT.
	Hint string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Is makes two Errors with the same fields equal for errors.Is.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && *t == *e
}

// Of is err as printed by program at level, unless err is (or wraps) an
// *Error, whose own level and program win (program fills an empty one).
func Of(program string, level Level, err error) *Error {
	var e *Error
	if !errors.As(err, &e) {
		return &Error{Program: program, Level: level, Err: err}
	}
	c := *e
	if c.Program == "" {
		c.Program = program
	}
	return &c
}

// Reason is TEXT, or TEXT: ERR when err is not nil: the body of
// daemontools' "unable to ..." messages.
func Reason(text string, err error) error {
	if err == nil {
		return errors.New(text)
	}
	return fmt.Errorf("%s: %w", text, err)
}

// Lines words err as program prints it at level (Of), with Errstr's
// wording: 0.76's exact line, then the hint line if there is one.
func Lines(program string, level Level, err error) string {
	e := Of(program, level, err)
	line := e.Program + ": " + e.Level.String() + ": " + Errstr(err) + "\n"
	if e.Level == Bare {
		line = Errstr(err) + "\n"
	}
	if e.Hint != "" {
		line += e.Program + ": hint: " + e.Hint + "\n"
	}
	return line
}
