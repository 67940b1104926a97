package privdrop

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

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

// Lookup finds the account called name in /etc/passwd. The whole argument is
// the name, as getpwnam takes it in 0.76: "user:group" is not split and
// matches nothing.
//
// The file is read with raw system calls: os.Open would start the runtime's
// poller, whose descriptors stay open for good and would shift the
// descriptor a later setlock hands on in a fused chain.
func Lookup(name string) (Account, error) {
	data, err := readFile(PasswdFile)
	if err != nil {
		return Account{}, fmt.Errorf("unable to read %s: %w", PasswdFile, err)
	}
	return lookupIn(bytes.NewReader(data), name)
}

// readFile reads a whole file without the runtime poller.
func readFile(path string) ([]byte, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	var data []byte
	chunk := make([]byte, 16384)
	for {
		n, err := unix.Read(fd, chunk)
		switch {
		case err == unix.EINTR:
			continue
		case err != nil:
			return nil, err
		case n <= 0:
			return data, nil
		}
		data = append(data, chunk[:n]...)
	}
}

// lookupIn returns the first well-formed entry of a passwd file called name.
// Lines that do not parse are skipped, as glibc's files backend does.
func lookupIn(r io.Reader, name string) (Account, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if a, ok := parsePasswdLine(sc.Text(), name); ok {
			return a, nil
		}
	}
	if err := sc.Err(); err != nil {
		return Account{}, fmt.Errorf("unable to read %s: %w", PasswdFile, err)
	}
	return Account{}, ErrUnknownAccount
}

// parsePasswdLine reports whether line is name's entry
// (name:password:uid:gid:gecos:home:shell) and its numeric IDs.
func parsePasswdLine(line, name string) (Account, bool) {
	f := strings.SplitN(line, ":", 5)
	if len(f) < 4 || f[0] != name || name == "" {
		return Account{}, false
	}
	uid, err1 := parseID(f[2])
	gid, err2 := parseID(f[3])
	if err1 != nil || err2 != nil {
		return Account{}, false
	}
	return Account{UID: uid, GID: gid}, true
}

// parseID accepts a decimal uid or gid that fits the kernel's 32 bits.
func parseID(s string) (int, error) {
	n, err := strconv.ParseUint(s, 10, 32)
	return int(n), err
}
