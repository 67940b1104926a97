package applets

import (
	"path/filepath"
	"sort"

	"gotools/supervisor"
)

// Applet is one program of the multi-call binary.
type Applet struct {
	Name string // daemontools name: symlink name and message prefix
	// Hidden applets run when named but are neither listed nor installed
	// (matchtest is a test helper in 0.76 too).
	Hidden bool
	// Chain marks the chain-loaders: a chain-loader about to exec one of
	// them through the gotools binary runs it in-process (chain.go).
	Chain bool
	Run   func(p *Proc, args []string) error // args exclude argv[0]
}

// registry is the table of applets, sorted by name (TestRegistrySorted keeps
// it so). It is a function, not a variable, because the chain-loaders look
// applets up themselves (chain.go): a variable would depend on itself.
func registry() []Applet {
	return []Applet{
		{Name: "envdir", Chain: true, Run: runEnvdir},
		{Name: "envuidgid", Chain: true, Run: runEnvuidgid},
		{Name: "fghack", Run: runFghack},
		{Name: "matchtest", Hidden: true, Run: runMatchtest},
		{Name: "multilog", Run: runMultilog},
		{Name: "pgrphack", Chain: true, Run: runPgrphack},
		{Name: "readproctitle", Run: runReadproctitle},
		{Name: "setlock", Chain: true, Run: runSetlock},
		{Name: "setuidgid", Chain: true, Run: runSetuidgid},
		{Name: "softlimit", Chain: true, Run: runSoftlimit},
		{Name: "supervise", Run: runSupervise},
		{Name: supervisor.BarrierApplet, Hidden: true, Run: runBarrier},
		{Name: "svc", Run: runSvc},
		{Name: "svok", Run: runSvok},
		{Name: "svscan", Run: runSvscan},
		{Name: supervisor.HolderApplet, Hidden: true, Run: runHolder},
		{Name: "svscanboot", Run: runSvscanboot},
		{Name: "svstat", Run: runSvstat},
		{Name: "svwait", Run: runSvwait},
		{Name: "tai64n", Run: runTai64n},
		{Name: "tai64nlocal", Run: runTai64nlocal},
	}
}

// Lookup finds an applet by its exact name.
func Lookup(name string) (Applet, bool) {
	table := registry()
	i := sort.Search(len(table), func(i int) bool { return table[i].Name >= name })
	if i < len(table) && table[i].Name == name {
		return table[i], true
	}
	return Applet{}, false
}

// Select finds the applet argv runs, as the dispatcher does: the one named
// by basename(argv[0]), else the one named by argv[1] (gotools APPLET ...).
// args are the applet's arguments.
func Select(argv []string) (a Applet, args []string, ok bool) {
	if len(argv) == 0 {
		return Applet{}, nil, false
	}
	if a, ok := Lookup(filepath.Base(argv[0])); ok {
		return a, argv[1:], true
	}
	if len(argv) > 1 {
		if a, ok := Lookup(argv[1]); ok {
			return a, argv[2:], true
		}
	}
	return Applet{}, nil, false
}

// Listed returns the names of the applets that are listed and installed.
func Listed() []string {
	var names []string
	for _, a := range registry() {
		if !a.Hidden {
			names = append(names, a.Name)
		}
	}
	return names
}
