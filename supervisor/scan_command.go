package supervisor

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// Command is svscan's foreground command (`svscan DIR -- COMMAND`,
// COMPAT §13.13): the `docker run IMAGE COMMAND` case. It runs with
// Stdin, the scanner's Stdout and Stderr and its environment, in svscan's
// working directory, in a process group of its own; when it exits the
// tree is shut down and svscan exits with its status.
type Command struct {
	Path  string   // the file to execute, already found in PATH
	Argv  []string // its arguments, Argv[0] as the user gave it
	Stdin *os.File // svscan's own stdin; the services get ScanConfig.Stdin
}

// foreground is the running command. Its process group is its pid: the
// signals svscan passes on reach what it started in its group too (the
// parts of a pipeline, say), as a terminal's would.
type foreground struct {
	pid   int
	exits chan Exit
}

// startCommand starts the foreground command. When svscan's stdin is its
// controlling terminal and svscan is in the terminal's foreground process
// group, the command's group takes the foreground, as an interactive
// shell does for a job: Ctrl-C, Ctrl-Z and window size changes go to the
// command, not to svscan (`docker run -it IMAGE sh` then behaves as sh
// alone would). The services have sessions of their own and never get
// the terminal's signals.
func (s *Scanner) startCommand() (*foreground, error) {
	c := s.cfg.Command
	attr := &syscall.ProcAttr{
		Env:   s.cfg.Env,
		Files: make([]uintptr, 3),
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	}
	for i, file := range []*os.File{c.Stdin, s.cfg.Stdout, s.cfg.Stderr} {
		attr.Files[i] = closedFd
		if file != nil {
			attr.Files[i] = file.Fd()
		}
	}
	if tty, ok := foregroundTerminal(c.Stdin); ok {
		attr.Sys.Foreground, attr.Sys.Ctty = true, tty
	}
	exits := make(chan Exit, 1)
	pid, err := s.cfg.Reaper.Start(c.Path, c.Argv, attr, exits)
	if err != nil {
		return nil, fmt.Errorf("unable to run %s: %w", c.Argv[0], err)
	}
	return &foreground{pid, exits}, nil
}

// foregroundTerminal returns f's descriptor if f is this process's
// controlling terminal and our process group is its foreground group.
func foregroundTerminal(f *os.File) (int, bool) {
	if f == nil {
		return 0, false
	}
	fd := int(f.Fd())
	pgrp, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP) // ENOTTY unless f is our controlling terminal
	return fd, err == nil && pgrp == unix.Getpgrp()
}

// commandExits is where the command's exit arrives; nil (never) when
// there is no command running.
func (s *Scanner) commandExits() <-chan Exit {
	if s.command == nil {
		return nil
	}
	return s.command.exits
}

// onCommandExit records the command's status (unless an essential
// service stopped the tree first) and stops the tree. What the command
// left in its process group gets TERM and CONT.
func (s *Scanner) onCommandExit(ex Exit) {
	stopGroup(s.command.pid)
	s.command = nil
	if s.ending.Essential == "" {
		s.ending.Status = ex.Status
	}
	s.beginShutdown(syscall.SIGTERM)
}

// signal sends sig to the command's process group; nothing when there is
// no command or it has been reaped (f is nil then).
func (f *foreground) signal(sig syscall.Signal) {
	if f != nil {
		syscall.Kill(-f.pid, sig)
	}
}
