package applets

import (
	"errors"
	"io"

	"golang.org/x/sys/unix"

	"gotools/applets/message"
	"gotools/privdrop"
)

// Chain fusion (docs/design.md). A run script such as
//
//	exec softlimit -m 10000000 envdir ./env setuidgid app ./daemon
//
// execs four programs. When a chain-loader is about to exec the gotools
// binary itself (the same file as /proc/self/exe, whatever its name or path)
// as another chain-loader, it runs that applet in this process instead, and
// so on down the chain: one Go start-up instead of one per link, and no Go
// runtime ever starting under a small RLIMIT_AS or RLIMIT_DATA, which it
// cannot do. Everything else happens in order, exactly as in the exec chain:
// environment, credentials and groups, lock descriptor, session, messages
// (with each link's name) and exit codes. Before running a link the checks
// execve would make first are made: RLIMIT_NPROC after a setuid
// (System.ExecCheck) and the size of the arguments (privdrop.ArgsFit).
//
// The address-space and data limits are the exception: softlimit leaves them
// in p.deferred and they are set immediately before the final, real exec
// (System.ExecLimited). If that exec is the gotools binary itself (a
// long-running applet such as multilog), they are not set at all, with a
// warning: see the README.

// execChild replaces the process with the program argv[0], found by
// pathexec, with argv and env, or runs it in-process when it is a gotools
// chain-loader. It returns only on failure (or when a test's Exec records
// and returns nil): NAME: fatal: unable to run PROG: ERR, exit 111, or the
// fused applet's own result.
func (p *Proc) execChild(argv, env []string) error {
	var fused error
	ran := false
	err := pathexec(argv[0], searchPath(p.Env), func(file string) error {
		self := p.isSelf(file)
		if a, args, ok := Select(argv); self && ok && a.Chain && executable(file) {
			if err := p.Sys.ExecCheck(); err != nil {
				return err
			}
			if err := privdrop.ArgsFit(file, argv, env); err != nil {
				return err
			}
			ran, fused = true, p.runLink(a, args, env)
			return nil
		}
		return p.execve(argv[0], file, argv, env, self)
	})
	var exit *ExitError
	switch {
	case ran:
		return fused
	case err == nil:
		return nil
	case errors.As(err, &exit):
		return exit
	}
	return p.Unable("run "+argv[0], err)
}

// isSelf reports whether file is the running gotools binary.
func (p *Proc) isSelf(file string) bool {
	if p.Self == "" {
		return false
	}
	if p.selfID == nil {
		id, err := privdrop.Identify(p.Self)
		if err != nil {
			p.Self = "" // no /proc: never fuse
			return false
		}
		p.selfID = &id
	}
	id, err := privdrop.Identify(file)
	return err == nil && id == *p.selfID
}

// executable reports whether execve would be allowed to run file, as far as
// permissions go (mode bits for the effective ids, noexec mounts).
func executable(file string) bool {
	return unix.Faccessat(unix.AT_FDCWD, file, unix.X_OK, unix.AT_EACCESS) == nil
}

// runLink runs the next chain-loader in this process, as if exec'd with env,
// and returns its result with its own name in any message.
func (p *Proc) runLink(a Applet, args, env []string) error {
	next := *p
	next.Name = a.Name
	next.Env = env
	err := a.Main(&next, args)
	if err == nil {
		return nil
	}
	msg, code := Report(a.Name, err)
	return &ExitError{code, msg}
}

// deferLimit keeps a limit the Go runtime cannot run under for the final
// exec.
func (p *Proc) deferLimit(l privdrop.Limit) {
	p.deferred = append(p.deferred, l)
}

// execve is one real exec attempt of prog as file. Deferred limits are set
// for it alone; when file is gotools itself, a Go program that would die at
// start-up under them, they are not set, and softlimit says so.
func (p *Proc) execve(prog, file string, argv, env []string, self bool) error {
	switch {
	case len(p.deferred) == 0:
		return p.Exec(file, argv, env)
	case self:
		io.WriteString(p.Stderr, message.Lines("softlimit", message.Warning,
			errors.New(prog+" runs without the data and address space limits: gotools cannot start under them")))
		return p.Exec(file, argv, env)
	}
	return p.Sys.ExecLimited(p.deferred, file, argv, env)
}
