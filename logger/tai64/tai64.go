// Package tai64 encodes and decodes TAI64N labels as daemontools writes them:
// seconds are 2^62 + 10 + unix seconds (no leap-second table), and the
// nanoseconds of a stamp taken from the clock are microseconds*1000 + 500,
// because 0.76 reads the time with gettimeofday (docs/conventions.md).
package tai64

import (
	"encoding/binary"
	"errors"
	"time"
)

// Base is the TAI64 label of the Unix epoch as daemontools computes it.
const Base = 1<<62 + 10

// Len is the size of a packed TAI64N label; TextLen of its "@hex" form.
const (
	Len     = 12
	TextLen = 25
)

// N is a TAI64N label.
type N struct {
	Sec  uint64
	Nano uint32
}

// FromTime returns the label 0.76 would write for t.
func FromTime(t time.Time) N {
	return N{Sec: uint64(Base + t.Unix()), Nano: uint32(t.Nanosecond()/1000*1000 + 500)}
}

// Now is FromTime(time.Now()).
func Now() N { return FromTime(time.Now()) }

// Time converts the label back to a time, ignoring leap seconds as 0.76 does.
func (n N) Time() time.Time {
	return time.Unix(int64(n.Sec-Base), int64(n.Nano))
}

// Pack appends the 12-byte big-endian form.
func (n N) Pack(b []byte) []byte {
	b = binary.BigEndian.AppendUint64(b, n.Sec)
	return binary.BigEndian.AppendUint32(b, n.Nano)
}

// Unpack reads a label from the first 12 bytes of b.
func Unpack(b []byte) (N, error) {
	if len(b) < Len {
		return N{}, errShort
	}
	return N{binary.BigEndian.Uint64(b), binary.BigEndian.Uint32(b[8:])}, nil
}

const hexDigits = "0123456789abcdef"

// AppendText appends "@" and 24 lowercase hex digits. It fills a fixed
// array first: tai64n calls it once per line.
func (n N) AppendText(b []byte) []byte {
	var text [TextLen]byte
	text[0] = '@'
	sec, nano := n.Sec, n.Nano
	for i := 16; i >= 1; i-- {
		text[i] = hexDigits[sec&15]
		sec >>= 4
	}
	for i := TextLen - 1; i >= 17; i-- {
		text[i] = hexDigits[nano&15]
		nano >>= 4
	}
	return append(b, text[:]...)
}

// String is the 25-character text form.
func (n N) String() string { return string(n.AppendText(make([]byte, 0, TextLen))) }

var (
	errShort = errors.New("tai64: label too short")
	errText  = errors.New("tai64: not an @ followed by 24 lowercase hex digits")
)

// ParseText parses exactly the 25-character text form.
func ParseText(s string) (N, error) {
	if len(s) != TextLen || s[0] != '@' {
		return N{}, errText
	}
	var v [2]uint64
	for i := 1; i < TextLen; i++ {
		d := HexValue(s[i])
		if d < 0 {
			return N{}, errText
		}
		k := 0
		if i > 16 {
			k = 1
		}
		v[k] = v[k]<<4 | uint64(d)
	}
	return N{Sec: v[0], Nano: uint32(v[1])}, nil
}

// HexValue is the value of a lowercase hex digit, or -1.
func HexValue(c byte) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	}
	return -1
}
