package applets

import "sort"

// Applet is one program of the multi-call binary.
type Applet struct {
	Name string // daemontools name: symlink name and message prefix
	// Hidden applets run when named but are neither listed nor installed
	// (matchtest is a test helper in 0.76 too).
	Hidden bool
	Run    func(p *Proc, args []string) error // args exclude argv[0]
}

// registry is sorted by name; TestRegistrySorted keeps it so.
var registry = []Applet{
	{Name: "readproctitle", Run: runReadproctitle},
	{Name: "tai64n", Run: runTai64n},
	{Name: "tai64nlocal", Run: runTai64nlocal},
}

// Lookup finds an applet by its exact name.
func Lookup(name string) (Applet, bool) {
	i := sort.Search(len(registry), func(i int) bool { return registry[i].Name >= name })
	if i < len(registry) && registry[i].Name == name {
		return registry[i], true
	}
	return Applet{}, false
}

// Listed returns the names of the applets that are listed and installed.
func Listed() []string {
	var names []string
	for _, a := range registry {
		if !a.Hidden {
			names = append(names, a.Name)
		}
	}
	return names
}
