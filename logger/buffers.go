package logger

import "sync"

// The buffers a Logger needs only while it has input to handle come from
// these pools and go back before every wait for input, when they are empty
// (everything is written out first, but for the start of a line action 1
// waits for; a pipe's kept bytes are teed again). So an idle logger holds
// none of them, which matters when one process hosts a thousand mostly
// idle loggers; a busy one takes them from the pools again at each read,
// which allocates nothing. The pools are the package's only globals.
const inBufSize = 2 * readSize // the most a teeInput peeks at once

var (
	inBufs   = sync.Pool{New: func() any { return new([inBufSize]byte) }}
	outBufs  = sync.Pool{New: func() any { return new([outLimit + outSize]byte) }}
	dirBufs  = sync.Pool{New: func() any { return new([bufSize]byte) }}
	lineBufs = sync.Pool{New: func() any { return new([pipeAtomic]byte) }}
)

// getInBuf returns an input buffer of n <= inBufSize bytes.
func getInBuf(n int) []byte { return inBufs.Get().(*[inBufSize]byte)[:n] }

// putInBuf gives *b back, if it has one, and clears it.
func putInBuf(b *[]byte) {
	if *b != nil {
		inBufs.Put((*[inBufSize]byte)((*b)[:inBufSize]))
		*b = nil
	}
}

// acquire gives the directory its buffers, if it has none.
func (d *dir) acquire() {
	if d.out == nil {
		d.out = outBufs.Get().(*[outLimit + outSize]byte)[:0]
		d.buf = dirBufs.Get().(*[bufSize]byte)[:0]
	}
}

// release gives the directory's buffers back: empty, unless Abort dropped
// what they held.
func (d *dir) release() {
	if d.out != nil {
		outBufs.Put((*[outLimit + outSize]byte)(d.out[:outLimit+outSize]))
		dirBufs.Put((*[bufSize]byte)(d.buf[:bufSize]))
		d.out, d.buf = nil, nil
	}
}

// acquire gives the writer a buffer, if it has none.
func (lw *lineWriter) acquire() {
	if lw.buf == nil {
		lw.buf = lineBufs.Get().(*[pipeAtomic]byte)[:0]
	}
}

// release gives the writer's buffer back if it holds nothing (the start of
// a line waits there for its end) and has not grown for a long line (it
// is kept for the next one).
func (lw *lineWriter) release() {
	if len(lw.buf) == 0 && cap(lw.buf) == pipeAtomic {
		lineBufs.Put((*[pipeAtomic]byte)(lw.buf[:pipeAtomic]))
		lw.buf = nil
	}
}
