package applets

import "golang.org/x/sys/unix"

const setlockUsage = "setlock [ -nNxX ] file program [ arg ... ]"

// setlock [-nNxX] file program [arg...]
//
// Opens file (created 0600, appended to, never truncated), takes an
// exclusive flock on it and runs program with the locked descriptor left
// open on the lowest free descriptor, so the lock lasts until every holder
// has closed it (docs/setlock.md). -n: fail at once if the lock is busy
// (-N waits, the default); -x: exit 0 silently if the file cannot be opened
// or locked (-X complains, the default); later letters win.
//
// Exit codes: the program's; 100 usage; 111 open, lock or exec failure
// (0 with -x for open and lock).
func runSetlock(p *Proc, args []string) error {
	opts, operands, bad := p.getopt(args, "nNxX")
	if bad != "" {
		return p.optUsage(bad, setlockUsage)
	}
	noWait, quiet := false, false
	for _, o := range opts {
		switch o.Letter {
		case 'n':
			noWait = true
		case 'N':
			noWait = false
		case 'x':
			quiet = true
		case 'X':
			quiet = false
		}
	}
	if len(operands) < 2 {
		return p.Usage(setlockUsage)
	}
	file := operands[0]
	// open_append; Go's habit of O_CLOEXEC is undone once the lock is held.
	fd, err := unix.Open(file, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_APPEND|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	if err != nil {
		if quiet {
			return Exit(0)
		}
		return p.Unable("open "+file, err)
	}
	how := unix.LOCK_EX
	if noWait {
		how |= unix.LOCK_NB
	}
	for err = unix.Flock(fd, how); err == unix.EINTR; err = unix.Flock(fd, how) {
	}
	if err != nil {
		if quiet {
			return Exit(0)
		}
		return p.Unable("lock "+file, err)
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, 0); err != nil {
		return p.Unable("lock "+file, err)
	}
	return p.execChild(operands[1:], p.Env)
}
