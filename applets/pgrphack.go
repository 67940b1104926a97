package applets

// pgrphack child...
//
// Runs child in a new session, so it is session and process group leader
// (docs/pgrphack.md). setsid's failure (already a group leader) is ignored, as in
// 0.76.
//
// Exit codes: the child's; 100 usage; 111 exec failure.
func runPgrphack(p *Proc, args []string) error {
	if len(args) == 0 {
		return p.Usage("pgrphack child")
	}
	p.Sys.Setsid()
	return p.execChild(args, p.Env)
}
