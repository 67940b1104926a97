package supervisor

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"

	"gotools/logger/tai64"
)

// XStatusFile is gotools' extended status, beside the 18-byte
// supervise/status that 0.76's tools read (docs/differences.md).
const XStatusFile = "xstatus"

// Extended is the supervise/xstatus record: what 0.76's 18 bytes cannot say.
//
// The file is text, one "key=value" line per field in a fixed order, values
// without spaces or quotes: grep, awk, a shell's "." and a ten-line parser
// all read it, and appending a field later breaks no reader (readers ignore
// keys they do not know). It is rewritten whole (xstatus.new + rename) with
// supervise/status.
type Extended struct {
	State string // "down", "up" (./run runs) or "finishing" (./finish runs)
	Want  string // "up", "down" or "once"
	// Pid is ./run while up, ./finish while finishing, else 0. PidStart is
	// its start time in clock ticks since boot (/proc/PID/stat field 22):
	// with Pid it identifies the process even after the pid is reused.
	Pid      int
	PidStart uint64
	Since    tai64.N // last start or exit of ./run (the stamp of supervise/status)
	Paused   bool
	Exiting  bool // svc -x received: supervision ends once down
	// Ready: ./run wrote a newline to its notification-fd, at ReadySince.
	Ready      bool
	ReadySince tai64.N
	// ExitCode and ExitSignal are the last exit of ./run, as ./finish gets
	// them: the code, or 256 and the signal number. ExitCode is -1 before
	// the first exit.
	ExitCode   int
	ExitSignal int
	Restarts   int // automatic restarts of ./run after it exited
	// DirDev and DirIno are the device and inode of the service directory
	// the record was written for, and BootID the kernel's boot id
	// (/proc/sys/kernel/random/boot_id) when it was written: a copy of
	// the directory, or a record from an earlier boot, names no process
	// of this one (adopt.go). Zero and empty in records of older gotools.
	DirDev, DirIno uint64
	BootID         string
	// Hosted: ./run is a logger that runs inside the supervising process
	// (a hosted multilog); Pid is then the tree's descriptor holder, not
	// the logger, and nothing is to be adopted.
	Hosted bool
}

// MarshalText renders the record as key=value lines.
func (x Extended) MarshalText() ([]byte, error) {
	var b []byte
	add := func(k, v string) { b = append(append(append(append(b, k...), '='), v...), '\n') }
	num := func(k string, v int64) { add(k, strconv.FormatInt(v, 10)) }
	add("state", x.State)
	add("want", x.Want)
	num("pid", int64(x.Pid))
	add("pidstart", strconv.FormatUint(x.PidStart, 10))
	add("since", x.Since.String())
	num("paused", boolInt(x.Paused))
	num("exiting", boolInt(x.Exiting))
	num("ready", boolInt(x.Ready))
	add("readysince", x.ReadySince.String())
	num("exitcode", int64(x.ExitCode))
	num("exitsignal", int64(x.ExitSignal))
	num("restarts", int64(x.Restarts))
	add("dirdev", strconv.FormatUint(x.DirDev, 10))
	add("dirino", strconv.FormatUint(x.DirIno, 10))
	add("bootid", x.BootID)
	num("hosted", boolInt(x.Hosted))
	return b, nil
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

var errXStatus = errors.New("bad format")

// UnmarshalText parses key=value lines; unknown keys are skipped, a line
// without "=" or a malformed value is an error.
func (x *Extended) UnmarshalText(text []byte) error {
	*x = Extended{}
	for line := range bytes.Lines(text) {
		line = bytes.TrimSuffix(line, []byte("\n"))
		k, v, ok := bytes.Cut(line, []byte("="))
		if !ok {
			return errXStatus
		}
		if err := x.set(string(k), string(v)); err != nil {
			return fmt.Errorf("%s: %w", k, errXStatus)
		}
	}
	return nil
}

func (x *Extended) set(k, v string) error {
	var err error
	switch k {
	case "state":
		x.State = v
	case "want":
		x.Want = v
	case "pid":
		x.Pid, err = strconv.Atoi(v)
	case "pidstart":
		x.PidStart, err = strconv.ParseUint(v, 10, 64)
	case "since":
		x.Since, err = tai64.ParseText(v)
	case "paused":
		x.Paused, err = parseFlag(v)
	case "exiting":
		x.Exiting, err = parseFlag(v)
	case "ready":
		x.Ready, err = parseFlag(v)
	case "readysince":
		x.ReadySince, err = tai64.ParseText(v)
	case "exitcode":
		x.ExitCode, err = strconv.Atoi(v)
	case "exitsignal":
		x.ExitSignal, err = strconv.Atoi(v)
	case "restarts":
		x.Restarts, err = strconv.Atoi(v)
	case "dirdev":
		x.DirDev, err = strconv.ParseUint(v, 10, 64)
	case "dirino":
		x.DirIno, err = strconv.ParseUint(v, 10, 64)
	case "bootid":
		x.BootID = v
	case "hosted":
		x.Hosted, err = parseFlag(v)
	}
	return err
}

func parseFlag(v string) (bool, error) {
	switch v {
	case "0":
		return false, nil
	case "1":
		return true, nil
	}
	return false, errXStatus
}

// status is the 18-byte record for the machine's state.
func (m *machine) status() Status {
	s := Status{Stamp: tai64.FromTime(m.changed), Want: m.want.statusByte()}
	if m.phase == phaseUp {
		s.Pid = uint32(m.pid)
		if m.paused {
			s.Paused = 1
		}
	}
	return s
}

// extended is the xstatus record for the machine's state.
func (m *machine) extended() Extended {
	x := Extended{
		State:    phaseDown.String(),
		Want:     m.want.String(),
		Since:    tai64.FromTime(m.changed),
		Exiting:  m.exit,
		ExitCode: -1,
		Restarts: m.restarts,
	}
	switch m.phase {
	case phaseUp, phaseFinishing:
		x.State, x.Pid, x.PidStart = m.phase.String(), m.pid, m.procStart
	}
	if m.phase == phaseUp {
		x.Paused, x.Ready, x.Hosted = m.paused, m.ready, m.hosted
		if m.ready {
			x.ReadySince = tai64.FromTime(m.readySince)
		}
	}
	if m.exited {
		x.ExitCode, x.ExitSignal = finishArgs(m.lastExit)
	}
	return x
}
