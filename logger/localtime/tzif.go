package localtime

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"sort"
	"strings"
)

// tzfile is a zone file (TZif, RFC 8536) as glibc keeps it.
type tzfile struct {
	trans  []int64 // transition times, ascending
	idx    []uint8 // the type each transition switches to
	types  []ttinfo
	footer *rules // the footer TZ string's rules; nil when there is none
	stdoff int64  // see lastStdOffset
}

type ttinfo struct {
	offset       int64 // seconds east of UTC
	isdst        bool
	isstd, isgmt bool // transition times are in standard time, in UTC
}

// maxFileSize bounds what is read of a zone file; real ones are a few KiB.
const maxFileSize = 1 << 20

// readFile reads and decodes the zone file name (relative names under tzdir),
// and returns nil when glibc would not use it.
func readFile(name, tzdir string) *tzfile {
	if name == "" {
		return nil
	}
	if name[0] != '/' {
		name = tzdir + "/" + name
	}
	// Devices and FIFOs are not zone files, and opening a FIFO could block.
	if st, err := os.Stat(name); err != nil || !st.Mode().IsRegular() {
		return nil
	}
	fd, err := os.Open(name)
	if err != nil {
		return nil
	}
	defer fd.Close()
	data, err := io.ReadAll(io.LimitReader(fd, maxFileSize))
	if err != nil {
		return nil
	}
	f, leaps, ok := decode(data)
	if !ok {
		return nil
	}
	if leaps {
		// A right/ zone: use its POSIX counterpart, the same path without
		// "right/". zic writes right/ files without the footer rules after
		// the end of the leap-second table, so correcting the transitions
		// alone would freeze the zone then.
		if before, after, found := strings.Cut(name, "/right/"); found {
			if posix := readFile(before+"/"+after, tzdir); posix != nil {
				return posix
			}
		}
	}
	return f
}

// readDefault is glibc's __tzfile_default: for a TZ string naming a DST zone
// without rules, the transitions of the posixrules file, shifted from that
// file's offsets to the given ones. The footer stays the posixrules file's
// own, offsets included, as in glibc.
//
// glibc shifts transitions out of DST by dstoff minus a process-wide value
// that only this function sets (to dstoff, after shifting) and that starts
// at 0; as glibc redoes all this on every localtime call, the first
// conversion of a process sees prevDstoff 0 and the later ones dstoff.
func readDefault(tzdir string, stdoff, dstoff, prevDstoff int64) *tzfile {
	f := readFile(defaultRules, tzdir)
	if f == nil || len(f.types) < 2 {
		return nil
	}
	wasDST := false
	for i, t := range f.trans {
		tt := f.types[f.idx[i]]
		f.idx[i] = 0
		if tt.isdst {
			f.idx[i] = 1
		}
		switch {
		case tt.isgmt:
		case wasDST && !tt.isstd:
			f.trans[i] = t + dstoff - prevDstoff
		default:
			f.trans[i] = t + stdoff - f.stdoff
		}
		wasDST = tt.isdst
	}
	f.types = []ttinfo{{offset: stdoff}, {offset: dstoff, isdst: true}}
	f.stdoff = stdoff
	return f
}

// tzifReader reads big-endian fields and remembers running out of data.
type tzifReader struct {
	data  []byte
	short bool
}

func (r *tzifReader) bytes(n uint64) []byte {
	if r.short || n > uint64(len(r.data)) {
		r.short = true
		return nil
	}
	b := r.data[:n]
	r.data = r.data[n:]
	return b
}

func (r *tzifReader) int32() int64 {
	b := r.bytes(4)
	if b == nil {
		return 0
	}
	return int64(int32(binary.BigEndian.Uint32(b)))
}

func (r *tzifReader) int64() int64 {
	b := r.bytes(8)
	if b == nil {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b))
}

type tzifHeader struct {
	version                                      byte
	isgmt, isstd, leaps, times, typeCount, chars uint64
}

func (r *tzifReader) header() (h tzifHeader, ok bool) {
	b := r.bytes(44)
	if b == nil || string(b[:4]) != "TZif" {
		return h, false
	}
	h.version = b[4]
	counts := [6]*uint64{&h.isgmt, &h.isstd, &h.leaps, &h.times, &h.typeCount, &h.chars}
	for i, c := range counts {
		*c = uint64(binary.BigEndian.Uint32(b[20+4*i:]))
	}
	return h, h.isstd <= h.typeCount && h.isgmt <= h.typeCount
}

// decode parses TZif data with glibc's checks: version 2+ files are read
// from their 64-bit part, types need a 0/1 DST flag and a name index within
// the names, transitions need a valid type. Leap seconds are taken out of
// the transition times, and reported.
func decode(data []byte) (f *tzfile, leaps bool, ok bool) {
	r := &tzifReader{data: data}
	h, ok := r.header()
	if !ok {
		return nil, false, false
	}
	width := uint64(4)
	if h.version != 0 {
		width = 8
		r.bytes(h.times*5 + h.typeCount*6 + h.chars + h.leaps*8 + h.isstd + h.isgmt)
		if h, ok = r.header(); !ok {
			return nil, false, false
		}
	}
	if h.typeCount == 0 {
		return nil, false, false // glibc asserts and aborts
	}
	f = &tzfile{trans: make([]int64, 0, min(h.times, uint64(len(r.data))/width))}
	for range h.times {
		if width == 8 {
			f.trans = append(f.trans, r.int64())
		} else {
			f.trans = append(f.trans, r.int32())
		}
		if r.short {
			return nil, false, false
		}
	}
	f.idx = bytes.Clone(r.bytes(h.times))
	for _, i := range f.idx {
		if uint64(i) >= h.typeCount {
			return nil, false, false
		}
	}
	for range h.typeCount {
		b := r.bytes(6)
		if b == nil || b[4] > 1 || uint64(b[5]) > h.chars {
			return nil, false, false
		}
		f.types = append(f.types, ttinfo{offset: int64(int32(binary.BigEndian.Uint32(b))), isdst: b[4] == 1})
	}
	r.bytes(h.chars)
	type leap struct{ at, correction int64 }
	var leapTable []leap
	for range h.leaps {
		var l leap
		if width == 8 {
			l.at = r.int64()
		} else {
			l.at = r.int32()
		}
		l.correction = r.int32()
		if r.short {
			return nil, false, false
		}
		leapTable = append(leapTable, l)
	}
	for i, b := range r.bytes(h.isstd) {
		f.types[i].isstd = b != 0
	}
	for i, b := range r.bytes(h.isgmt) {
		f.types[i].isgmt = b != 0
	}
	if r.short {
		return nil, false, false
	}
	if width == 8 {
		// "\n" TZ-string "\n"; glibc rejects a file without room for both
		// newlines, and ignores a footer that does not start with one.
		rest := r.data
		if len(rest) < 2 {
			return nil, false, false
		}
		if rest[0] == '\n' {
			spec, _, _ := strings.Cut(string(rest[1:len(rest)-1]), "\x00")
			if spec != "" {
				// A footer naming DST without rules would make glibc load
				// posixrules in the middle of a conversion; zic never
				// writes one, and it gets the US rules here.
				rules, _ := parseTZ(spec, nil)
				f.footer = &rules
			}
		}
	}
	// Leap-second zones count leap seconds in their transition times; take
	// out the correction in force at each.
	for i, t := range f.trans {
		k := sort.Search(len(leapTable), func(k int) bool { return leapTable[k].at > t })
		if k > 0 {
			f.trans[i] = t - leapTable[k-1].correction
		}
	}
	f.stdoff = f.lastStdOffset()
	return f, len(leapTable) > 0, true
}

// lastStdOffset is the offset of the latest standard-time type transitioned
// to, 0 if there is none (glibc's rule_stdoff).
func (f *tzfile) lastStdOffset() int64 {
	if len(f.trans) == 0 {
		return f.types[0].offset
	}
	for i := len(f.trans) - 1; i >= 0; i-- {
		if tt := f.types[f.idx[i]]; !tt.isdst {
			return tt.offset
		}
	}
	return 0
}
