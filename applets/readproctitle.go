package applets

// readproctitle — maintain an automatically rotated log in memory for
// inspection by ps (docs/readproctitle.md).
//
//	readproctitle io errors: ..........
//
// The last argument (at least 5 bytes) is overwritten with dots and then
// holds the tail of stdin: every byte read except NUL pushes the argument's
// bytes after the first three to the left and lands at its end, so ps and
// /proc/PID/cmdline show "... " followed by the latest input. Exit 100
// without a message with no argument or a last argument shorter than 5
// bytes; exit 0 at end of input, 111 on a read error.
//
// 0.76 reads one byte per read(2); gotools reads what is available (up to
// the argument's length) and applies it at once, which shows the same text
// once the read is done.

import (
	"io"
	"os"
	"unsafe"
)

func runReadproctitle(p *Proc, args []string) error {
	if len(args) == 0 || len(args[len(args)-1]) < 5 {
		return Exit(ExitUsage)
	}
	p.Sys.DefaultSignals() // killed by USR1, ALRM, ... as 0.76's is
	title := argvArea(args[len(args)-1])
	for i := range title {
		title[i] = '.'
	}
	buf := make([]byte, len(title))
	for {
		n, err := p.Stdin.Read(buf)
		rotateTitle(title, buf[:n])
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return Exit(ExitTemporary)
		}
	}
}

// rotateTitle appends input to title[3:] as 0.76 does one byte at a time:
// NULs are dropped (in place, input is scratch), older bytes move left and
// fall off.
func rotateTitle(title, input []byte) {
	window := title[3:]
	kept := input[:0]
	for _, c := range input {
		if c != 0 {
			kept = append(kept, c)
		}
	}
	input = kept
	if len(input) >= len(window) {
		copy(window, input[len(input)-len(window):])
		return
	}
	copy(window, window[len(input):])
	copy(window[len(window)-len(input):], input)
}

// argvArea returns s's bytes for writing in place when s is one of the
// process's arguments: Go's os.Args strings point into the argv memory the
// kernel shows in /proc/PID/cmdline and ps (DESIGN "Facts that bite"), and
// overwriting them is how readproctitle works. Any other string (an
// in-process test's argument) gets a private copy, so the program behaves
// the same but its title is not visible.
func argvArea(s string) []byte {
	for _, arg := range os.Args {
		if len(arg) == len(s) && len(s) > 0 && unsafe.StringData(arg) == unsafe.StringData(s) {
			return unsafe.Slice(unsafe.StringData(s), len(s))
		}
	}
	return []byte(s)
}
