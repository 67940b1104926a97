package applets

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/spf13/pflag"

	"gotools/applets/message"
	"gotools/supervisor"
)

// Install implements "gotools install [-f] DIR": one symlink per listed
// applet, each created as a temporary link renamed into place, so a
// supervisor exec'ing during an upgrade always finds the name. Links that
// already point at the binary are left alone; anything that is not a symlink
// is replaced only with -f. Failures are reported per name; exit 111 if any.
func Install(p *Proc, args []string) error {
	const synopsis = "gotools install [-f] DIR"
	fs := pflag.NewFlagSet("install", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	force := fs.BoolP("force", "f", false, "replace files that are not symlinks")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return p.Usage(synopsis)
	}
	dir := fs.Arg(0)
	if fi, err := os.Stat(dir); err != nil {
		return p.Unable("install into "+dir, err)
	} else if !fi.IsDir() {
		return p.Unable("install into "+dir, syscall.ENOTDIR)
	}
	self, err := os.Executable()
	if err == nil {
		self, err = filepath.EvalSymlinks(self)
	}
	if err != nil {
		if !supervisor.ProcMounted() {
			err = &message.Error{Level: message.Fatal, Err: err, Hint: supervisor.ProcHint}
		}
		return p.Unable("find the gotools executable", err)
	}
	target := self
	if absDir, err := filepath.Abs(dir); err == nil {
		if realDir, err := filepath.EvalSymlinks(absDir); err == nil && filepath.Dir(self) == realDir {
			target = filepath.Base(self)
		}
	}
	failed := false
	for _, name := range Listed() {
		if err := installLink(filepath.Join(dir, name), target, *force); err != nil {
			p.Warn("unable to link "+filepath.Join(dir, name), err)
			failed = true
		}
	}
	if failed {
		return Exit(ExitTemporary)
	}
	return nil
}

var errNotSymlink = errors.New("file exists and is not a symlink (use -f)")

func installLink(path, target string, force bool) error {
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&os.ModeSymlink == 0 && !force {
			return errNotSymlink
		}
		if old, err := os.Readlink(path); err == nil && old == target {
			return nil
		}
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".gotools-"+strconv.Itoa(os.Getpid()))
	os.Remove(tmp)
	if err := os.Symlink(target, tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}
