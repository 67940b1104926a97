package applets

import "io"

// filterChunk is the read size of tai64n and tai64nlocal.
const filterChunk = 64 << 10

// filter copies stdin to stdout through convert, which appends the output
// for one chunk of input to dst and keeps whatever state a line spanning
// chunks needs. The output of each read is written before the next read,
// as daemontools' buffers flush stdout before reading stdin. Read and write
// errors end the program with exit 111 and no message (docs/tai64n.md,
// docs/tai64nlocal.md). Memory is allocated only while the output buffer
// grows to the largest chunk's output.
func filter(p *Proc, convert func(dst, src []byte) []byte) error {
	p.Sys.DefaultSignals() // killed by USR1, ALRM, ... as 0.76's filters are
	in := make([]byte, filterChunk)
	out := make([]byte, 0, 2*filterChunk)
	for {
		n, err := p.Stdin.Read(in)
		if n > 0 {
			out = convert(out[:0], in[:n])
			if _, werr := p.Stdout.Write(out); werr != nil {
				return Exit(ExitTemporary)
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return Exit(ExitTemporary)
		}
	}
}
