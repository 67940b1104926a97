// Command gotools is daemontools as one static multi-call binary. It runs the
// applet named by basename(argv[0]), or by its first argument when called as
// gotools (or under any name that is not an applet).
//
// Go ≥ 1.25 keeps two cgroup files open for the life of the process to track
// the container's CPU limit. Those descriptors (3 and 4) would push setlock's
// lock descriptor, which 0.76 leaves on the lowest free descriptor, to 5.
// Without container-aware GOMAXPROCS the runtime closes them after start-up.
//
//go:debug containermaxprocs=0
package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"gotools/applets"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args, newProc()))
}

func newProc() *applets.Proc {
	return &applets.Proc{
		Stdin:  os.Stdin,
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		Files:  [3]*os.File{os.Stdin, os.Stdout, os.Stderr},
		Env:    os.Environ(),
		Exec:   unix.Exec,
		Sys:    applets.RealSystem,
		Self:   "/proc/self/exe",
	}
}

// run dispatches argv and returns the exit status.
func run(argv []string, p *applets.Proc) int {
	if a, args, ok := applets.Select(argv); ok {
		return runApplet(a, p, args)
	}
	if len(argv) < 2 {
		usage(p.Stderr)
		return applets.ExitUsage
	}
	p.Name = "gotools"
	switch argv[1] {
	case "--help", "-h":
		usage(p.Stdout)
		return 0
	case "help":
		return report(p, applets.Help(p, argv[2:]))
	case "--list":
		fmt.Fprintln(p.Stdout, strings.Join(applets.Listed(), "\n"))
		return 0
	case "--version":
		fmt.Fprintln(p.Stdout, "gotools", version)
		return 0
	case "install":
		return report(p, applets.Install(p, argv[2:]))
	}
	return report(p, applets.Unknown(p, argv[1]))
}

func runApplet(a applets.Applet, p *applets.Proc, args []string) int {
	p.Name = a.Name
	return report(p, a.Main(p, args))
}

func report(p *applets.Proc, err error) int {
	msg, code := applets.Report(p.Name, err)
	io.WriteString(p.Stderr, msg)
	return code
}

func usage(w io.Writer) {
	fmt.Fprintf(w, `usage: gotools APPLET [ARG...]
       gotools install [-f] DIR
       gotools help [APPLET | PAGE]
       gotools --list | --help | --version
applets: %s
APPLET --help prints its synopsis; gotools help APPLET its manual page.
`, strings.Join(applets.Listed(), " "))
}
