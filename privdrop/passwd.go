package privdrop

import (
	"bufio"
	"io"
	"math"
	"strings"
)

// findEntry returns the ids of the first valid entry called name in the
// passwd file r, judged as glibc's files backend judges it for getpwnam,
// which is what 0.76's setuidgid and envuidgid call (tested against glibc
// 2.36; see docs/setuidgid.md):
//
//   - white space at the start of a line is skipped (" app:x:..." is app);
//     empty lines and lines starting with '#' are skipped;
//   - a NUL byte ends the line, as it ends a C string;
//   - the name is everything before the first ':', inner and trailing
//     blanks included; names starting with '+' or '-' (NIS compat entries)
//     are never found;
//   - uid and gid are read as strtoul reads them: blanks, one sign, one or
//     more decimal digits; the value, negated modulo 2^64 after '-' and
//     saturated on overflow, must fit in 32 bits ("-0" is 0, "-1" is not
//     valid); the uid must end at ':', the gid at ':' or the end of the
//     line;
//   - a line that is not valid is skipped, so a later line with the same
//     name can be the entry. The password field may hold anything but ':',
//     and the fields after the gid are not looked at.
//
// The file is read as a stream: a line of any length (glibc takes any)
// costs no memory, and only the lines that start with name are parsed.
// It returns ErrUnknownAccount, or the error of a read that failed.
func findEntry(r io.Reader, name string) (Account, error) {
	if strings.HasPrefix(name, "+") || strings.HasPrefix(name, "-") {
		return Account{}, ErrUnknownAccount
	}
	p := passwdReader{bufio.NewReaderSize(r, 16384)}
	for {
		a, found, err := p.entry(name)
		switch {
		case found:
			return a, nil
		case err == io.EOF:
			return Account{}, ErrUnknownAccount
		case err != nil:
			return Account{}, err
		}
	}
}

// passwdReader reads passwd lines. Its methods that read a field return
// the byte that ended it (':', '\n', NUL or another byte that made the
// field invalid) and io.EOF at the end of the file.
type passwdReader struct{ *bufio.Reader }

// entry reads one line and reports whether it is name's valid entry.
func (p passwdReader) entry(name string) (a Account, found bool, err error) {
	c, err := p.skipBlanks()
	if err != nil {
		return a, false, err
	}
	if c == '#' || c == 0 {
		return a, false, p.rest(c)
	}
	p.UnreadByte()
	match, end, err := p.name(name)
	if err != nil || !match || end != ':' {
		return a, false, p.restAfter(end, err)
	}
	if end, err = p.skipField(); err != nil || end != ':' {
		return a, false, p.restAfter(end, err)
	}
	uid, ok, end, err := p.number()
	if err != nil || !ok || end != ':' {
		return a, false, p.restAfter(end, err)
	}
	gid, ok, end, err := p.number()
	if err != nil && err != io.EOF {
		return a, false, err
	}
	if !ok || (err == nil && end != ':' && end != '\n' && end != 0) {
		return a, false, p.restAfter(end, err)
	}
	return Account{UID: int(uid), GID: int(gid)}, true, nil
}

// skipBlanks skips white space (C's isspace; newlines too, which also
// skips blank lines) and returns the first other byte.
func (p passwdReader) skipBlanks() (byte, error) {
	for {
		c, err := p.ReadByte()
		if err != nil || !isBlank(c) && c != '\n' {
			return c, err
		}
	}
}

// isBlank is C's isspace, '\n' aside: that one ends the line.
func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r'
}

// name reads the name field and reports whether it is name. It stops at
// the first byte that differs.
func (p passwdReader) name(name string) (match bool, end byte, err error) {
	for i := 0; ; i++ {
		c, err := p.ReadByte()
		if err != nil {
			return false, 0, err
		}
		if c == ':' || c == '\n' || c == 0 {
			return i == len(name), c, nil
		}
		if i >= len(name) || name[i] != c {
			return false, c, nil
		}
	}
}

// skipField reads a field whose content does not matter.
func (p passwdReader) skipField() (end byte, err error) {
	for {
		c, err := p.ReadByte()
		if err != nil || c == ':' || c == '\n' || c == 0 {
			return c, err
		}
	}
}

// number reads a uid or gid field as strtoul(s, &end, 10) reads it, and
// reports whether the value is a valid id (see findEntry).
func (p passwdReader) number() (v uint64, ok bool, end byte, err error) {
	c, err := p.ReadByte()
	for err == nil && isBlank(c) {
		c, err = p.ReadByte()
	}
	negative := false
	if err == nil && (c == '+' || c == '-') {
		negative = c == '-'
		c, err = p.ReadByte()
	}
	digits, overflow := 0, false
	for ; err == nil && '0' <= c && c <= '9'; c, err = p.ReadByte() {
		d := uint64(c - '0')
		if v > (math.MaxUint64-d)/10 {
			overflow = true
		}
		v = v*10 + d
		digits++
	}
	switch {
	case overflow:
		v = math.MaxUint64
	case negative:
		v = -v
	}
	return v, digits > 0 && v <= math.MaxUint32, c, err
}

// restAfter skips the rest of a line after a field that ended with end, or
// with err, which it returns.
func (p passwdReader) restAfter(end byte, err error) error {
	if err != nil {
		return err
	}
	return p.rest(end)
}

// rest skips the rest of a line whose last byte read was c.
func (p passwdReader) rest(c byte) error {
	if c == '\n' {
		return nil
	}
	for {
		_, err := p.ReadSlice('\n')
		if err != bufio.ErrBufferFull {
			return err
		}
	}
}
