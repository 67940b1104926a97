package logger

import "bytes"

// Match reports whether pattern accepts the whole line, with 0.76's rules
// (docs/multilog.md): a character matches itself; a * at the end of the pattern
// matches any rest; a * followed by character C skips to the first C of the
// line, without backtracking. The character after * is the stop character
// even when it is itself a *, which then acts as a * again (so ** matches
// any line containing a *).
func Match(pattern string, line []byte) bool {
	p := 0
	for {
		if p == len(pattern) {
			return len(line) == 0
		}
		c := pattern[p]
		p++
		if c == '*' {
			if p == len(pattern) {
				return true
			}
			i := bytes.IndexByte(line, pattern[p])
			if i < 0 {
				return false
			}
			line = line[i:]
			continue
		}
		if len(line) == 0 || line[0] != c {
			return false
		}
		line = line[1:]
	}
}
