package tai64

import "bytes"

// Stream finds the TAI64N labels that start lines of a text arriving in
// pieces, as tai64nlocal reads it (docs/tai64nlocal.md): a line starting
// with "@" has a label made of every following lowercase hex digit,
// whatever their number; the first other byte ends it. The digits are
// accumulated as 0.76 does: each shifts the 96-bit value sec:nano left by
// 4 bits, dropping the top, so the last 8 are the nanoseconds and the ones
// before them the TAI64 seconds. A label cut off by the end of input is
// never finished. The zero Stream is at the start of a line.
type Stream struct {
	state streamState
	text  []byte // "@" and the digits read so far
	sec   uint64
	nano  uint32
}

type streamState uint8

const (
	atLineStart streamState = iota
	inLabel                 // after "@", reading hex digits
	inLine                  // copying up to the newline
)

// Rewrite appends src to dst with every finished label replaced by what
// label appends for it: its seconds, its nanoseconds and its text ("@"
// and the digits, to copy it unchanged). Everything else is copied. A
// label that goes on past src is finished by a later call.
func (s *Stream) Rewrite(dst, src []byte, label func(dst []byte, sec uint64, nano uint32, text []byte) []byte) []byte {
	for len(src) > 0 {
		switch s.state {
		case atLineStart:
			if src[0] == '@' {
				s.state, s.text, s.sec, s.nano = inLabel, append(s.text[:0], '@'), 0, 0
				src = src[1:]
				continue
			}
			s.state = inLine
		case inLabel:
			n := 0
			for n < len(src) {
				d := HexValue(src[n])
				if d < 0 {
					break
				}
				s.sec = s.sec<<4 + uint64(s.nano>>28)
				s.nano = s.nano<<4 + uint32(d)
				n++
			}
			s.text = append(s.text, src[:n]...)
			src = src[n:]
			if len(src) == 0 {
				return dst // the label may go on in the next piece
			}
			dst = label(dst, s.sec, s.nano, s.text)
			s.state = inLine
		case inLine:
			i := bytes.IndexByte(src, '\n')
			if i < 0 {
				return append(dst, src...)
			}
			dst = append(dst, src[:i+1]...)
			src = src[i+1:]
			s.state = atLineStart
		}
	}
	return dst
}
