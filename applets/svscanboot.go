package applets

// svscanboot — start svscan at boot with its errors in its process title
// (daemontools 0.76, docs/svscanboot.md).
//
//	svscanboot [dir]
//
// Stops what a previous svscan left supervised, as `svc -dx DIR/* DIR/*/log`
// does, then runs `svscan DIR` with standard input from /dev/null and
// standard output and error into `readproctitle service errors: ` followed
// by 400 dots, so the latest errors show in ps. Both get an environment of
// only PATH, upstream's list. DIR defaults to /service (upstream; Debian's
// script uses /etc/service), docs/differences.md.
//
// Differences from 0.76: svscanboot is not a shell script but this program,
// and it becomes svscan itself (exec) instead of staying as the parent of
// the pipeline, so signals from init reach svscan, which stops the tree in
// order (docs/differences.md); readproctitle is then svscan's child. svscan and
// readproctitle are this same executable, so the one file is enough; PATH
// is searched only when the executable cannot be found through /proc.
// A failure before svscan starts (no /dev/null, no pipe, no readproctitle)
// is reported and exits 111; 0.76's script would have printed nothing.

import (
	"os"
	"sort"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"gotools/supervisor"
)

// bootPath is upstream svscanboot's PATH, the whole environment of svscan
// and readproctitle (and so of every service).
const bootPath = "/command:/usr/local/bin:/usr/local/sbin:/bin:/sbin:/usr/bin:/usr/sbin:/usr/X11R6/bin"

func runSvscanboot(p *Proc, args []string) error {
	if len(args) > 1 {
		return p.Usage("svscanboot [dir]")
	}
	dir := "/service"
	if len(args) == 1 {
		dir = args[0]
	}
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		return p.Unable("open "+os.DevNull, err)
	}
	stopLeftovers(dir)
	r, w, err := os.Pipe()
	if err != nil {
		return p.Unable("create pipe", err)
	}
	env := []string{"PATH=" + bootPath}
	title := []string{"readproctitle", "service", "errors:", strings.Repeat(".", 400)}
	_, err = syscall.ForkExec(selfOrPath("readproctitle"), title, &syscall.ProcAttr{
		Env:   env,
		Files: []uintptr{r.Fd(), null.Fd(), null.Fd()},
	})
	if err != nil {
		return p.Unable("start readproctitle", err)
	}
	r.Close()
	for fd, f := range []*os.File{null, w, w} {
		if err := unix.Dup3(int(f.Fd()), fd, 0); err != nil {
			return p.Unable("set up descriptors", err)
		}
	}
	svscan := selfOrPath("svscan")
	if err := p.Exec(svscan, []string{"svscan", dir}, env); err != nil {
		return p.Unable("run "+svscan, err)
	}
	return nil
}

// stopLeftovers sends d and x to every DIR/NAME, then every DIR/NAME/log,
// NAME not starting with a dot, in the shell's sorted glob order. Errors
// are ignored, as 0.76's script sends svc's to /dev/null.
func stopLeftovers(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	var names []string
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ".") {
			names = append(names, dir+"/"+e.Name())
		}
	}
	sort.Strings(names)
	for _, suffix := range []string{"", "/log"} {
		for _, name := range names {
			supervisor.Control(name+suffix, []byte("dx"))
		}
	}
}

// selfOrPath returns the path to exec applet from this same executable: a
// link named after the applet in bootPath that leads to this executable
// (what "gotools install" makes), so that ps and pgrep show the applet's
// name; else the executable itself; else whatever bootPath holds under
// that name.
func selfOrPath(applet string) string {
	self, selfErr := os.Stat("/proc/self/exe")
	for _, d := range strings.Split(bootPath, ":") {
		path := d + "/" + applet
		if fi, err := os.Stat(path); err == nil && selfErr == nil && os.SameFile(fi, self) {
			return path
		}
	}
	if exe, err := os.Executable(); err == nil {
		return exe
	}
	for _, d := range strings.Split(bootPath, ":") {
		if unix.Access(d+"/"+applet, unix.X_OK) == nil {
			return d + "/" + applet
		}
	}
	return applet
}
