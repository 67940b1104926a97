package supervisor

import (
	"encoding/binary"
	"errors"

	"gotools/logger/tai64"
)

// StatusLen is the size of supervise/status in daemontools 0.76.
const StatusLen = 18

// Want bytes of supervise/status (docs/service-directory.md).
const (
	WantUp   = 'u'
	WantDown = 'd'
	WantOnce = 0 // after svc -o
)

// Status is the 18-byte supervise/status record.
type Status struct {
	Stamp  tai64.N // last pid change
	Pid    uint32  // running ./run, 0 if none
	Paused byte    // forced to 0 when Pid is 0 by the writer
	Want   byte    // WantUp, WantDown or WantOnce
}

// ErrBadFormat is a status file shorter than 18 bytes (svstat: "bad format").
var ErrBadFormat = errors.New("bad format")

// MarshalBinary returns the exact 18 bytes: stamp big-endian, pid
// little-endian, paused, want.
func (s Status) MarshalBinary() ([]byte, error) {
	b := s.Stamp.Pack(make([]byte, 0, StatusLen))
	b = binary.LittleEndian.AppendUint32(b, s.Pid)
	return append(b, s.Paused, s.Want), nil
}

// UnmarshalBinary reads the first 18 bytes; longer (encore) files are fine.
func (s *Status) UnmarshalBinary(b []byte) error {
	if len(b) < StatusLen {
		return ErrBadFormat
	}
	stamp, _ := tai64.Unpack(b)
	*s = Status{Stamp: stamp, Pid: binary.LittleEndian.Uint32(b[12:]), Paused: b[16], Want: b[17]}
	return nil
}
