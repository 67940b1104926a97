package envdir

import (
	"bytes"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// Read reads the environment directory dir into edits, one per entry not
// starting with '.', in readdir order, with envdir's messages as error text
// (the path exactly as given, errno wrapped):
//
//   - unable to switch to current directory: ERR (the cwd cannot be opened,
//     as envdir opens it to come back);
//   - unable to switch to directory DIR: ERR (what chdir would fail with);
//   - unable to read directory DIR: ERR;
//   - unable to read DIR/NAME: ERR.
//
// A file of 0 bytes unsets its variable; otherwise the value is [Value] of the
// file. An entry that vanished or is a dangling symlink (ENOENT) reuses the
// buffer of the previous entry, as 0.76 does (docs/envdir.md).
//
// Files are read with raw system calls, so no descriptor stays open
// afterwards (os.Open would start the runtime poller and keep its epoll
// descriptors, shifting the descriptor setlock hands on in a fused chain).
func Read(dir string) ([]Edit, error) {
	// 0.76 holds the starting directory open while it works; so do we, so
	// that under a small RLIMIT_NOFILE the same step runs out.
	cwd, err := unix.Open(".", unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("unable to switch to current directory: %w", err)
	}
	defer unix.Close(cwd)
	if err := checkChdir(dir); err != nil {
		return nil, fmt.Errorf("unable to switch to directory %s: %w", dir, err)
	}
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("unable to read directory %s: %w", dir, err)
	}
	defer unix.Close(fd)
	names, err := readNames(fd)
	if err != nil {
		return nil, fmt.Errorf("unable to read directory %s: %w", dir, err)
	}
	var edits []Edit
	var buf []byte // djb's buffer, kept across entries
	for _, name := range names {
		if name[0] == '.' {
			continue
		}
		data, err := readFile(fd, name)
		switch {
		case errors.Is(err, unix.ENOENT):
		case err != nil:
			return nil, fmt.Errorf("unable to read %s/%s: %w", dir, name, err)
		default:
			buf = data
		}
		if len(buf) == 0 {
			edits = append(edits, Edit{Name: name, Unset: true})
			continue
		}
		v := Value(buf)
		edits = append(edits, Edit{Name: name, Value: v})
		// 0.76 NUL-terminates the buffer in place; a reused buffer keeps
		// that NUL, which Value turns into a newline.
		buf = append([]byte(v), 0)
	}
	return edits, nil
}

// checkChdir fails as chdir(dir) would, without changing directory or
// using a descriptor: "dir/." resolves only if dir is a directory that may
// be searched, and X_OK on it is chdir's own permission check.
func checkChdir(dir string) error {
	if dir == "" {
		return unix.ENOENT
	}
	return unix.Faccessat(unix.AT_FDCWD, dir+"/.", unix.X_OK, unix.AT_EACCESS)
}

// readNames lists a directory in readdir order, without "." and "..".
func readNames(fd int) ([]string, error) {
	var names []string
	buf := make([]byte, 8192)
	for {
		n, err := unix.ReadDirent(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return names, nil
		}
		_, _, names = unix.ParseDirent(buf[:n], -1, names)
	}
}

// readFile reads name in dir up to its first newline (all envdir keeps), or
// to its end. It opens as 0.76's open_read does: read-only, non-blocking,
// following symlinks.
func readFile(dir int, name string) ([]byte, error) {
	fd, err := unix.Openat(dir, name, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var data []byte
	chunk := make([]byte, 4096)
	for {
		n, err := unix.Read(fd, chunk)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		if n <= 0 {
			return data, nil
		}
		data = append(data, chunk[:n]...)
		if bytes.IndexByte(chunk[:n], '\n') >= 0 {
			return data, nil
		}
	}
}
