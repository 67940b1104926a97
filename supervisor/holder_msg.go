package supervisor

import (
	"bytes"
	"errors"
	"strconv"
	"syscall"
)

// Messages between svscan and its descriptor holder (holder.go). Each is
// one SOCK_SEQPACKET record, so the socket keeps their boundaries and a
// descriptor (SCM_RIGHTS) travels with the one message it belongs to. The
// text is a verb, then for hold, drop and held the service's key as two
// decimal numbers (device and inode of the service directory), for fail
// an errno:
//
//	svscan → holder:  hold DEV INO (+ fd) | drop DEV INO | bye
//	holder → svscan:  ready | fail ERRNO            (once, at start)
//	holder → taker:   held DEV INO (+ fd) ... end   (a hand-over)
//	                  busy                          (its svscan is alive)
type holderMsg struct {
	verb  holderVerb
	key   fileID        // hold, drop, held
	errno syscall.Errno // fail
}

// holderVerb is what a holder message asks or tells.
type holderVerb uint8

const (
	verbHold  holderVerb = iota + 1 // keep this descriptor for the key (replacing one kept)
	verbDrop                        // close the key's descriptor
	verbBye                         // svscan ends normally: exit now
	verbReady                       // the holder listens on its name
	verbFail                        // the holder could not start
	verbHeld                        // one kept descriptor, handed over
	verbEnd                         // the hand-over is complete
	verbBusy                        // the holder's svscan is alive: nothing to take over
)

var holderVerbs = [...]string{
	verbHold:  "hold",
	verbDrop:  "drop",
	verbBye:   "bye",
	verbReady: "ready",
	verbFail:  "fail",
	verbHeld:  "held",
	verbEnd:   "end",
	verbBusy:  "busy",
}

func (v holderVerb) String() string {
	if int(v) < len(holderVerbs) && holderVerbs[v] != "" {
		return holderVerbs[v]
	}
	return "verb" + strconv.Itoa(int(v))
}

// keyed reports whether messages with verb v carry a service key.
func (v holderVerb) keyed() bool {
	return v == verbHold || v == verbDrop || v == verbHeld
}

// carriesFd reports whether messages with verb v come with one descriptor.
func (v holderVerb) carriesFd() bool {
	return v == verbHold || v == verbHeld
}

// maxHolderMsg bounds a message's text: a verb and two 20-digit numbers.
const maxHolderMsg = 64

// errHolderMsg is any message that is not one of the above.
var errHolderMsg = errors.New("malformed holder message")

// appendHolderMsg appends the text of m to b.
func appendHolderMsg(b []byte, m holderMsg) []byte {
	b = append(b, m.verb.String()...)
	switch {
	case m.verb.keyed():
		b = append(b, ' ')
		b = strconv.AppendUint(b, m.key.dev, 10)
		b = append(b, ' ')
		b = strconv.AppendUint(b, m.key.ino, 10)
	case m.verb == verbFail:
		b = append(b, ' ')
		b = strconv.AppendUint(b, uint64(m.errno), 10)
	}
	return b
}

// parseHolderMsg reads one message's text. Numbers are plain decimal
// without sign or leading zeros, so each message has one spelling.
func parseHolderMsg(b []byte) (holderMsg, error) {
	fields := bytes.Split(b, []byte{' '})
	var m holderMsg
	for v := range holderVerbs {
		if v != 0 && string(fields[0]) == holderVerbs[v] {
			m.verb = holderVerb(v)
		}
	}
	var nums []uint64
	for _, f := range fields[1:] {
		n, ok := parseDecimal(f)
		if !ok {
			return holderMsg{}, errHolderMsg
		}
		nums = append(nums, n)
	}
	switch {
	case m.verb == 0:
		return holderMsg{}, errHolderMsg
	case m.verb.keyed() && len(nums) == 2:
		m.key = fileID{nums[0], nums[1]}
	case m.verb == verbFail && len(nums) == 1 && nums[0] <= 1<<31-1:
		m.errno = syscall.Errno(nums[0])
	case m.verb.keyed() || m.verb == verbFail || len(nums) != 0:
		return holderMsg{}, errHolderMsg
	}
	return m, nil
}

// parseDecimal is strconv.ParseUint in base 10 without leading zeros
// ("007" would be a second spelling of 7).
func parseDecimal(b []byte) (uint64, bool) {
	if len(b) == 0 || (b[0] == '0' && len(b) > 1) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b), 10, 64)
	return n, err == nil
}
