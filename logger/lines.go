package logger

import "bytes"

// Window is how much of a line 0.76 holds in memory (docs/multilog.md): patterns,
// e and = see only these first bytes, stamp included; log directories and
// stdout get the whole line.
const Window = 1000

// lineSink receives lines as lineCutter finds them: head once per line with
// its window, then tail with the bytes beyond the window of a long line (as
// they arrive), then end.
type lineSink interface {
	head(window []byte)
	tail(more []byte)
	end()
}

// lineCutter cuts a byte stream into lines the way 0.76's multilog reads it,
// without ever holding more than one window: a line is stamped when its first
// byte is read, its window is complete at the newline, at 1000 bytes, or at
// end of input, and a partial last line ends as if it had a newline.
type lineCutter struct {
	// stamp appends the "@tai64n " prefix; nil when t is off.
	stamp func([]byte) []byte
	win   [Window]byte
	n     int  // bytes of win in use
	open  bool // a byte of the current line has been read
	long  bool // the window was full and passed on; the rest is tail
	in    int  // input bytes of the current line so far
}

// feed processes the next bytes of input.
func (c *lineCutter) feed(p []byte, s lineSink) {
	for len(p) > 0 {
		if c.long {
			i := bytes.IndexByte(p, '\n')
			if i < 0 {
				c.in += len(p)
				s.tail(p)
				return
			}
			if i > 0 {
				s.tail(p[:i])
			}
			p = p[i+1:]
			c.open, c.long = false, false
			s.end()
			continue
		}
		if !c.open {
			c.open, c.n, c.in = true, 0, 0
			if c.stamp != nil {
				c.n = len(c.stamp(c.win[:0]))
			}
		}
		chunk := p[:min(Window-c.n, len(p))]
		if i := bytes.IndexByte(chunk, '\n'); i >= 0 {
			c.n += copy(c.win[c.n:], chunk[:i])
			p = p[i+1:]
			c.open = false
			s.head(c.win[:c.n])
			s.end()
			continue
		}
		c.n += copy(c.win[c.n:], chunk)
		c.in += len(chunk)
		p = p[len(chunk):]
		if c.n == Window {
			c.long = true
			s.head(c.win[:Window])
		}
	}
}

// eof ends a partial last line as if its newline had arrived.
func (c *lineCutter) eof(s lineSink) {
	if !c.open {
		return
	}
	if !c.long {
		s.head(c.win[:c.n])
	}
	c.open, c.long = false, false
	s.end()
}
