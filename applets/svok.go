package applets

// svok — check whether supervise is running (docs/svok.md).
//
//	svok dir
//
// Exit 0 if a supervise holds dir/supervise/ok open, 100 (silently) if none
// does or the FIFO does not exist, 111 with a message if dir cannot be
// entered or ok cannot be opened for another reason. Arguments after dir are
// ignored and a leading "-" is part of the name, as in 0.76.

import (
	"errors"

	"golang.org/x/sys/unix"

	"gotools/supervisor"
)

func runSvok(p *Proc, args []string) error {
	if len(args) == 0 {
		return p.Usage("svok dir")
	}
	dir := args[0]
	if err := unix.Chdir(dir); err != nil {
		return p.Unable("chdir to "+dir, err)
	}
	switch err := supervisor.Running("."); {
	case err == nil:
		return nil
	case errors.Is(err, supervisor.ErrNotRunning), errors.Is(err, unix.ENOENT):
		return Exit(ExitUsage)
	default:
		return p.Unable("open "+dir+"/supervise/ok", err)
	}
}
