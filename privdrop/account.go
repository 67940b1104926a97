package privdrop

import (
	"errors"
	"fmt"
	"io"

	"golang.org/x/sys/unix"
)

// ErrUnknownAccount is returned when no passwd entry has the name.
var ErrUnknownAccount = errors.New("unknown account")

// Account is the numeric identity of a passwd entry.
type Account struct {
	UID, GID int
}

// PasswdFile is where Lookup reads accounts.
const PasswdFile = "/etc/passwd"

// Lookup finds the account called name in /etc/passwd, as glibc's getpwnam
// finds it there (see findEntry). The whole argument is the name, as 0.76
// takes it: "user:group" is not split and matches nothing.
//
// A file that cannot be opened or read is an error of its own, "unable to
// read /etc/passwd: ERR", not ErrUnknownAccount. The file is read as a
// stream: its size does not matter.
func Lookup(name string) (Account, error) {
	fd, err := unix.Open(PasswdFile, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return Account{}, fmt.Errorf("unable to read %s: %w", PasswdFile, err)
	}
	defer unix.Close(fd)
	return lookupIn(fdReader(fd), name)
}

// lookupIn is Lookup on the passwd file r.
func lookupIn(r io.Reader, name string) (Account, error) {
	a, err := findEntry(r, name)
	if err != nil && err != ErrUnknownAccount {
		return Account{}, fmt.Errorf("unable to read %s: %w", PasswdFile, err)
	}
	return a, err
}

// fdReader reads a descriptor with raw system calls: os.Open would start
// the runtime's poller, whose descriptors stay open for good and would
// shift the descriptor a later setlock hands on in a fused chain.
type fdReader int

func (fd fdReader) Read(p []byte) (int, error) {
	for {
		n, err := unix.Read(int(fd), p)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return 0, err
		case n == 0:
			return 0, io.EOF
		}
		return n, nil
	}
}
