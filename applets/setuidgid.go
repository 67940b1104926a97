package applets

import "gotools/privdrop"

// setuidgid account child...
//
// Runs child as account (COMPAT §7.3): supplementary groups exactly the
// account's gid, then its gid, then its uid, verified before the exec.
// Environment, directory and umask stay as they are. The account is looked
// up in /etc/passwd only (COMPAT §13.12); the whole argument is the name
// ("user:group" is an unknown account, as in 0.76).
//
// Exit codes: the child's; 100 usage; 111 unknown account, failed drop
// ("unable to setgid"/"unable to setuid") or exec failure.
func runSetuidgid(p *Proc, args []string) error {
	if len(args) < 2 {
		return p.Usage("setuidgid account child")
	}
	a, err := privdrop.Lookup(args[0])
	if err != nil {
		return p.Fatal(ExitTemporary, "unknown account "+args[0], nil)
	}
	if err := p.Sys.Drop(a); err != nil {
		return err
	}
	return p.execChild(args[1:], p.Env)
}
