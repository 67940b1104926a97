package applets

// svstat — print the status of services monitored by supervise (docs/svstat.md).
//
//	svstat dir ...
//
// One line per dir on stdout, errors included ("DIR: unable to chdir: ERR"),
// through a 1 KiB buffer flushed at the end; exit 0 whatever happened. Only
// losing the working directory is fatal (111, and like 0.76 the buffered
// lines are then lost). The line for a supervised service is
//
//	DIR: up (pid PID) SECS seconds[, normally down][, paused][, want down]
//	DIR: down SECS seconds[, normally up][, want up]
//
// where "normally" reflects the down file now, SECS is computed through a
// double as in 0.76 (an all-zero status shows about 2^62 seconds), and only
// the first 18 bytes of a longer (encore) status file count. A status that
// cannot be read (a directory, an I/O error) is shown with the bytes of the
// previous directory's status, or zeros, exactly as 0.76 does.

import (
	"bufio"
	"errors"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"gotools/applets/message"
	"gotools/supervisor"
)

func runSvstat(p *Proc, args []string) error {
	out := bufio.NewWriterSize(p.Stdout, 1024)
	orig, err := openWorkDir()
	if err != nil {
		return p.Unable("open current directory", err)
	}
	defer orig.close()
	// One status buffer for all directories, as in 0.76, where a failed
	// read goes unnoticed (it compares -1 with an unsigned size) and the
	// line shows what the buffer held from the previous directory.
	var raw [supervisor.StatusLen]byte
	for _, dir := range args {
		out.WriteString(dir + ": " + svstatDir(dir, raw[:]) + "\n")
		if err := orig.restore(); err != nil {
			return p.Unable("set directory", err)
		}
	}
	out.Flush() // 0.76 ignores a failed flush too: exit 0
	return nil
}

// svstatDir chdirs into dir and describes it, reading the status into raw;
// the first failing step decides the text, in 0.76's order.
func svstatDir(dir string, raw []byte) string {
	if err := unix.Chdir(dir); err != nil {
		return "unable to chdir: " + message.Errstr(err)
	}
	normallyUp, err := supervisor.NormallyUp(".")
	if err != nil {
		return "unable to stat down: " + message.Errstr(err)
	}
	if err := supervisor.Running("."); errors.Is(err, supervisor.ErrNotRunning) {
		return err.Error()
	} else if err != nil {
		return "unable to open supervise/ok: " + message.Errstr(err)
	}
	n, err := supervisor.ReadStatus(".", raw)
	var rerr *supervisor.ReadError
	switch {
	case errors.As(err, &rerr):
		n = len(raw)
	case err != nil:
		return "unable to open supervise/status: " + message.Errstr(err)
	}
	var st supervisor.Status
	if err := st.UnmarshalBinary(raw[:n]); err != nil {
		return "unable to read supervise/status: " + message.Errstr(err)
	}
	return svstatLine(st, normallyUp, time.Now())
}

// svstatLine is the description of a supervised service at now; suffixes
// come in 0.76's order: normally, paused, want.
func svstatLine(st supervisor.Status, normallyUp bool, now time.Time) string {
	b := make([]byte, 0, 80)
	up := st.Pid != 0
	if up {
		b = append(b, "up (pid "...)
		b = strconv.AppendUint(b, uint64(st.Pid), 10)
		b = append(b, ") "...)
	} else {
		b = append(b, "down "...)
	}
	b = strconv.AppendUint(b, st.Seconds(now), 10)
	b = append(b, " seconds"...)
	if up && !normallyUp {
		b = append(b, ", normally down"...)
	}
	if !up && normallyUp {
		b = append(b, ", normally up"...)
	}
	if up && st.Paused != 0 {
		b = append(b, ", paused"...)
	}
	if !up && st.Want == supervisor.WantUp {
		b = append(b, ", want up"...)
	}
	if up && st.Want == supervisor.WantDown {
		b = append(b, ", want down"...)
	}
	return string(b)
}
