package applets

import (
	"errors"

	"gotools/privdrop"
)

// setuidgid account child...
//
// Runs child as account (docs/setuidgid.md): supplementary groups exactly the
// account's gid, then its gid, then its uid, verified before the exec.
// Environment, directory and umask stay as they are. The account is looked
// up in /etc/passwd only (docs/differences.md); the whole argument is the name
// ("user:group" is an unknown account, as in 0.76).
//
// Exit codes: the child's; 100 usage; 111 unknown account, unreadable
// /etc/passwd, failed drop ("unable to setgid"/"unable to setuid") or exec
// failure.
func runSetuidgid(p *Proc, args []string) error {
	if len(args) < 2 {
		return p.Usage("setuidgid account child")
	}
	a, err := privdrop.Lookup(args[0])
	if err != nil {
		return accountError(p, args[0], err)
	}
	if err := p.Sys.Drop(a); err != nil {
		return err
	}
	return p.execChild(args[1:], p.Env)
}

// accountError words a failed account lookup: 0.76's "unknown account
// NAME", or "unable to read /etc/passwd: ERR" when the file could not be
// read (0.76's getpwnam says nothing about why it found nothing, so 0.76
// prints "unknown account" then too).
func accountError(p *Proc, name string, err error) error {
	if errors.Is(err, privdrop.ErrUnknownAccount) {
		return p.Fatal(ExitTemporary, "unknown account "+name, nil)
	}
	return p.Fail(ExitTemporary, err)
}
