package supervisor

import (
	"fmt"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// Command is svscan's foreground command (`svscan DIR -- COMMAND`,
// docs/svscan.md): the `docker run IMAGE COMMAND` case. It runs with
// Stdin, the scanner's Stdout and Stderr and its environment, in svscan's
// working directory, in a process group of its own; when it exits the
// tree is shut down and svscan exits with its status.
type Command struct {
	Path  string   // the file to execute, already found in PATH
	Argv  []string // its arguments, Argv[0] as the user gave it
	Stdin *os.File // svscan's own stdin; the services get ScanConfig.Stdin
}

// startCommand starts the foreground command. When svscan's stdin is its
// controlling terminal and svscan is in the terminal's foreground process
// group, the command's group takes the foreground, as an interactive
// shell does for a job: Ctrl-C, Ctrl-Z and window size changes go to the
// command, not to svscan (`docker run -it IMAGE sh` then behaves as sh
// alone would). The services have sessions of their own and never get
// the terminal's signals. Its process group is its pid: the signals
// svscan passes on reach what it started in its group too (the parts of
// a pipeline, say), as a terminal's would.
func (o *osTree) startCommand() (int, <-chan Exit, error) {
	c := o.cfg.Command
	attr := &syscall.ProcAttr{
		Env:   o.cfg.Env,
		Files: childFiles([]*os.File{c.Stdin, o.cfg.Stdout, o.cfg.Stderr}),
		Sys:   &syscall.SysProcAttr{Setpgid: true},
	}
	if tty, ok := foregroundTerminal(c.Stdin); ok {
		attr.Sys.Foreground, attr.Sys.Ctty = true, tty
	}
	exits := make(chan Exit, 1)
	pid, err := o.cfg.Reaper.Start(c.Path, c.Argv, attr, exits)
	if err != nil {
		return 0, nil, fmt.Errorf("unable to run %s: %w", c.Argv[0], err)
	}
	return pid, exits, nil
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
