package applets

import (
	"errors"
	"io"
	"os"

	"gotools/applets/message"
	"gotools/privdrop"
)

// Exit codes shared by every daemontools program (docs/conventions.md).
const (
	ExitUsage     = 100 // bad usage, permanent error
	ExitTemporary = 111 // system error: chdir, open, lock, fork, exec failed
)

// Proc is everything an applet may touch of its process. Applets never use
// os.Stdout, os.Environ or os.Args directly, so they can run in-process in tests.
type Proc struct {
	Name   string // canonical applet name, used as the message prefix
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Files are the real descriptors 0, 1, 2 for applets that hand stdio to
	// children; nil entries in unit tests.
	Files [3]*os.File
	Env   []string // KEY=VALUE; applets build new slices, never os.Setenv
	// Exec replaces the process image (unix.Exec in production); tests record.
	Exec func(path string, argv, env []string) error
	// Sys makes the process-wide changes of chain-loaders (limits,
	// credentials, session): RealSystem in production; tests record.
	Sys System
	// Self is the path of the running binary ("/proc/self/exe"). A
	// chain-loader about to exec this same file as another chain-loader runs
	// that applet in-process instead (chain.go); "" never fuses.
	Self string

	selfID   *privdrop.FileID // Self's device and inode, once looked up
	deferred []privdrop.Limit // limits left for the final exec (chain.go)
}

// ExitError carries an exit status and the complete text to print on stderr
// (possibly empty) back to the dispatcher.
type ExitError struct {
	Code int
	Msg  string
}

func (e *ExitError) Error() string { return e.Msg }

// Usage is NAME: usage: NAME SYNOPSIS, exit 100.
func (p *Proc) Usage(synopsis string) error {
	return &ExitError{ExitUsage, message.Lines(p.Name, message.Usage, errors.New(synopsis))}
}

// Fatal is NAME: fatal: TEXT[: ERRSTR] with the given exit code. err may be nil.
func (p *Proc) Fatal(code int, text string, err error) error {
	return p.Fail(code, message.Reason(text, err))
}

// Fail is err as NAME: fatal: ERR, or as err says (a *message.Error: its
// level, program and hint), with the given exit code.
func (p *Proc) Fail(code int, err error) error {
	return &ExitError{code, message.Lines(p.Name, message.Fatal, err)}
}

// Unable is the common NAME: fatal: unable to TEXT: ERRSTR, exit 111.
func (p *Proc) Unable(text string, err error) error {
	return p.Fatal(ExitTemporary, "unable to "+text, err)
}

// Warn prints NAME: warning: TEXT[: ERRSTR] and lets the program go on.
func (p *Proc) Warn(text string, err error) {
	p.Print(message.Warning, message.Reason(text, err))
}

// Print prints err as this program does at level (message.Lines), and
// lets the program go on.
func (p *Proc) Print(level message.Level, err error) {
	io.WriteString(p.Stderr, message.Lines(p.Name, level, err))
}

// Exit ends the applet with a code and no message.
func Exit(code int) error { return &ExitError{Code: code} }

// Report turns an applet's result into the text for stderr and the exit code.
// Unclassified errors become NAME: fatal: ERR with exit 111.
func Report(name string, err error) (msg string, code int) {
	if err == nil {
		return "", 0
	}
	var e *ExitError
	if errors.As(err, &e) {
		return e.Msg, e.Code
	}
	return message.Lines(name, message.Fatal, err), ExitTemporary
}
