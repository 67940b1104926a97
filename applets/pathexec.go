package applets

import (
	"errors"
	"strings"
	"syscall"
)

// pathexec calls try for each file that runs the program named file, in the
// order of djb's pathexec_run (docs/conventions.md), and returns nil as soon as try
// does. A name with a '/' is tried as is. Otherwise each element of path
// (PATH's value; "/bin:/usr/bin" when PATH is unset, an empty element is
// ".") is tried in turn: ENOENT moves on; EACCES, EPERM and EISDIR are
// remembered and move on; any other error stops the walk. At the end the
// remembered error wins over ENOENT.
func pathexec(file string, path string, try func(file string) error) error {
	if strings.Contains(file, "/") {
		return try(file)
	}
	var saved error
	for {
		dir, rest, more := strings.Cut(path, ":")
		if dir == "" {
			dir = "."
		}
		err := try(dir + "/" + file)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.ENOENT) {
			saved = err
			if !errors.Is(err, syscall.EACCES) && !errors.Is(err, syscall.EPERM) && !errors.Is(err, syscall.EISDIR) {
				return err
			}
		}
		if !more {
			if saved != nil {
				return saved
			}
			return err
		}
		path = rest
	}
}

// searchPath is the PATH a program exec'd with env searches: the first
// PATH= entry, or djb's default when there is none. Note that chain-loaders
// search with the environment they were started with, not the one they pass
// on (envdir's PATH file changes the child's PATH, not the lookup).
func searchPath(env []string) string {
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, "PATH="); ok {
			return v
		}
	}
	return "/bin:/usr/bin"
}
