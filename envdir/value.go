package envdir

import (
	"bytes"
	"strings"
)

// Value is the variable's value for a file's contents (docs/envdir.md): the
// bytes before the first newline, without trailing spaces and tabs (only
// those: '\r' stays), with every NUL turned into a newline.
func Value(b []byte) string {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	b = bytes.TrimRight(b, " \t")
	return strings.ReplaceAll(string(b), "\x00", "\n")
}
