package privdrop

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
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
func Lookup(name string) (Account, error) {
	f, err := os.Open(PasswdFile)
	if err != nil {
		return Account{}, fmt.Errorf("unable to read %s: %w", PasswdFile, err)
	}
	defer f.Close()
	return lookupIn(f, name)
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
