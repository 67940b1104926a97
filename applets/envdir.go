package applets

import "gotools/envdir"

// envdir d child...
//
// Runs child with the environment changed by the files in directory d, as
// 0.76 does (docs/envdir.md): a file's first line (trailing blanks cut, NULs
// turned into newlines) sets the variable named after it, an empty file
// unsets it, dot files are skipped, a dangling symlink reuses the previous
// file's value. Edits are applied as djb's pathexec does (docs/conventions.md), and the
// child is found through the PATH envdir itself was started with.
//
// Exit codes: the child's; 111 on any error, including the usage error
// (envdir is the one 0.76 program whose usage error exits 111).
func runEnvdir(p *Proc, args []string) error {
	if len(args) < 2 {
		e := p.Usage("envdir dir child").(*ExitError)
		e.Code = ExitTemporary
		return e
	}
	edits, err := envdir.Read(args[0])
	if err != nil {
		return err
	}
	return p.execChild(args[1:], envdir.Apply(p.Env, edits))
}
