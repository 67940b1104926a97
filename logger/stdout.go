package logger

import "io"

// pipeAtomic is the size up to which a write to a pipe is never mixed with
// other writers' data (PIPE_BUF on Linux).
const pipeAtomic = 4096

// lineWriter is action 1's output. Many loggers usually share one stdout
// (svscan's: a container's log), so it writes whole lines, as many at once
// as fit in pipeAtomic bytes: such a write to a pipe is never interleaved
// with another logger's, so no line is cut in two by another's lines. A
// longer line goes out alone (the kernel may then interleave it), and a
// line still growing beyond readSize bytes goes out in pieces, so memory
// stays bounded.
type lineWriter struct {
	w     io.Writer
	buf   []byte // from lineBufs while it holds bytes or input is handled
	lines int    // buf[:lines] are complete lines
}

func newLineWriter(w io.Writer) *lineWriter { return &lineWriter{w: w} }

// write adds bytes of the current line.
func (lw *lineWriter) write(p []byte) {
	lw.buf = append(lw.buf, p...)
	if len(lw.buf)-lw.lines > readSize {
		lw.out(len(lw.buf))
	}
}

// endLine ends the current line with a newline.
func (lw *lineWriter) endLine() {
	lw.buf = append(lw.buf, '\n')
	if len(lw.buf) > pipeAtomic && lw.lines > 0 {
		lw.out(lw.lines) // the lines before this one fit; this one goes next
	}
	lw.lines = len(lw.buf)
	if lw.lines >= pipeAtomic {
		lw.out(lw.lines)
	}
}

// flush writes the complete lines; the start of a line waits for its end.
func (lw *lineWriter) flush() { lw.out(lw.lines) }

// writeAll writes everything, the start of a line included.
func (lw *lineWriter) writeAll() { lw.out(len(lw.buf)) }

// pending is how many bytes of the current line wait to be written.
func (lw *lineWriter) pending() int { return len(lw.buf) - lw.lines }

// out writes buf[:n]. Errors are dropped, as 0.76 drops what it cannot
// write to stderr: stdout is a copy of the log, not the log.
func (lw *lineWriter) out(n int) {
	if n == 0 {
		return
	}
	lw.w.Write(lw.buf[:n])
	lw.buf = append(lw.buf[:0], lw.buf[n:]...)
	lw.lines = max(lw.lines-n, 0)
}
