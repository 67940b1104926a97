package applets

import (
	"strconv"

	"gotools/envdir"
	"gotools/privdrop"
)

// envuidgid account child...
//
// Runs child with GID and UID set to account's numeric ids (in that order,
// replacing existing values as pathexec does, docs/envuidgid.md), without changing
// credentials. The account is looked up in /etc/passwd only (docs/differences.md);
// the whole argument is the name.
//
// Exit codes: the child's; 100 usage; 111 unknown account, unreadable
// /etc/passwd or exec failure.
func runEnvuidgid(p *Proc, args []string) error {
	if len(args) < 2 {
		return p.Usage("envuidgid account child")
	}
	a, err := privdrop.Lookup(args[0])
	if err != nil {
		return accountError(p, args[0], err)
	}
	env := envdir.Apply(p.Env, []envdir.Edit{
		{Name: "GID", Value: strconv.Itoa(a.GID)},
		{Name: "UID", Value: strconv.Itoa(a.UID)},
	})
	return p.execChild(args[1:], env)
}
