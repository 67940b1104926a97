package applets

import "gotools/supervisor"

// runHolder is the descriptor holder of supervisor/holder.go, which svscan
// runs as "svscan-holder": it keeps a read end of each log pipe of the
// tree while svscan hosts the loggers, and outlives a svscan that is
// killed. Hidden: it is not a program for people.
func runHolder(p *Proc, args []string) error {
	return Exit(supervisor.RunHolder(args))
}
