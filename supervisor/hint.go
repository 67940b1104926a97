package supervisor

import (
	"bytes"
	"errors"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"

	"gotools/applets/message"
)

// Hints: the second line after 0.76's message that says why something
// failed where the errno alone points the wrong way (docs/conventions.md,
// "Hints"). Each is worked out from the system when the message is made;
// the Service prints a hint once per cause (Service.hinted).

// ProcHint is what to do when /proc is not mounted: every start needs
// /proc/self/exe (barrier.go) and /proc/self/fd (spawn.go), so without it
// starts fail with "file does not exist" about files that exist.
const ProcHint = "/proc is not mounted: " + mountProc

const mountProc = "mount it with mount -t proc proc /proc"

// ProcMounted reports whether /proc is there to start programs with.
func ProcMounted() bool {
	var st unix.Stat_t
	return unix.Stat(selfExe, &st) == nil
}

// ProcWarning is what svscan and supervise print once at start-up when
// /proc is not mounted; nil when it is. Their start failures then get no
// hint of their own: this one says why.
func ProcWarning() error {
	if ProcMounted() {
		return nil
	}
	return &message.Error{Level: message.Warning,
		Err:  errors.New("/proc is not mounted: no service can be started"),
		Hint: mountProc}
}

// headLimit is how much of a program's start startHint reads: enough for
// any #! line the kernel accepts.
const headLimit = 256

// startHint says why exec of file (run or finish) in the directory dirfd
// failed, naming it label/file; "" where the errno says enough or the
// cause is not knowable.
func startHint(dirfd int, label, file string, err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return ""
	}
	if !ProcMounted() {
		return "" // ProcWarning said it at start-up
	}
	path := label + "/" + file
	switch errno {
	case unix.EACCES:
		var st unix.Stat_t
		if unix.Fstatat(dirfd, file, &st, 0) == nil && st.Mode&unix.S_IFMT == unix.S_IFREG && st.Mode&0o111 == 0 {
			return path + " is not executable: chmod +x " + path
		}
	case unix.ENOEXEC:
		return path + " needs #!/bin/sh (or another interpreter) as its first line"
	case unix.ENOENT:
		return interpreterHint(readHead(dirfd, file), path)
	}
	return ""
}

// interpreterHint explains a "file does not exist" for a program that
// exists (head is its start): the interpreter its #! line names is
// missing, often because of CRLF line endings.
func interpreterHint(head []byte, path string) string {
	if !bytes.HasPrefix(head, []byte("#!")) {
		return ""
	}
	line, _, _ := bytes.Cut(head[2:], []byte("\n"))
	if bytes.HasSuffix(line, []byte("\r")) {
		return path + " has CRLF line endings, so its interpreter is not found: convert it with sed -i 's/\\r$//' " + path
	}
	fields := strings.Fields(string(line))
	if len(fields) == 0 {
		return ""
	}
	return path + " names the interpreter " + fields[0] + " on its #! line, which does not exist"
}

// readHead is the start of file in dirfd; nil if it cannot be read.
func readHead(dirfd int, file string) []byte {
	fd, err := unix.Openat(dirfd, file, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	defer unix.Close(fd)
	b := make([]byte, headLimit)
	n, err := unix.Read(fd, b)
	if err != nil || n < 0 {
		return nil
	}
	return b[:n]
}
