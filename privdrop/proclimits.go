package privdrop

import (
	"bufio"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// ProcessLimit is one resource limit of a process.
type ProcessLimit struct {
	Resource  int
	Soft, Max uint64 // unix.RLIM_INFINITY for unlimited
}

// limitNames are the rows of /proc/PID/limits, by resource.
var limitNames = map[string]int{
	"Max cpu time":          unix.RLIMIT_CPU,
	"Max file size":         unix.RLIMIT_FSIZE,
	"Max data size":         unix.RLIMIT_DATA,
	"Max stack size":        unix.RLIMIT_STACK,
	"Max core file size":    unix.RLIMIT_CORE,
	"Max resident set":      unix.RLIMIT_RSS,
	"Max processes":         unix.RLIMIT_NPROC,
	"Max open files":        unix.RLIMIT_NOFILE,
	"Max locked memory":     unix.RLIMIT_MEMLOCK,
	"Max address space":     unix.RLIMIT_AS,
	"Max file locks":        unix.RLIMIT_LOCKS,
	"Max pending signals":   unix.RLIMIT_SIGPENDING,
	"Max msgqueue size":     unix.RLIMIT_MSGQUEUE,
	"Max nice priority":     unix.RLIMIT_NICE,
	"Max realtime priority": unix.RLIMIT_RTPRIO,
	"Max realtime timeout":  unix.RLIMIT_RTTIME,
}

// ProcessLimits are the resource limits of process pid as the kernel
// shows them in /proc/PID/limits, which anyone may read: prlimit(2) on
// another user's process needs CAP_SYS_RESOURCE, which a container may
// not have.
func ProcessLimits(pid int) ([]ProcessLimit, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/limits")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseLimits(f)
}

// parseLimits reads the table of /proc/PID/limits: a name, then the soft
// and hard values ("unlimited" or a number), then units, in columns
// separated by runs of spaces. Unknown rows are skipped.
func parseLimits(r io.Reader) ([]ProcessLimit, error) {
	var limits []ProcessLimit
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		name, rest, ok := strings.Cut(line, "  ")
		res, known := limitNames[name]
		if !ok || !known {
			continue
		}
		f := strings.Fields(rest)
		if len(f) < 2 {
			return nil, errBadLimits
		}
		soft, err1 := limitValue(f[0])
		hard, err2 := limitValue(f[1])
		if err1 != nil || err2 != nil {
			return nil, errBadLimits
		}
		limits = append(limits, ProcessLimit{res, soft, hard})
	}
	return limits, sc.Err()
}

var errBadLimits = &os.SyscallError{Syscall: "limits", Err: unix.EINVAL}

func limitValue(s string) (uint64, error) {
	if s == "unlimited" {
		return unix.RLIM_INFINITY, nil
	}
	return strconv.ParseUint(s, 10, 64)
}

// FormatLimits and ParseLimitsArg carry limits in one argument,
// "RES:SOFT:MAX,..." (decimal), from a supervisor to the start barrier of a
// process it starts.
func FormatLimits(limits []ProcessLimit) string {
	var b []byte
	for i, l := range limits {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(l.Resource), 10)
		b = strconv.AppendUint(append(b, ':'), l.Soft, 10)
		b = strconv.AppendUint(append(b, ':'), l.Max, 10)
	}
	return string(b)
}

// ParseLimitsArg reads an argument of FormatLimits.
func ParseLimitsArg(s string) ([]ProcessLimit, error) {
	var limits []ProcessLimit
	if s == "" {
		return nil, nil
	}
	for _, item := range strings.Split(s, ",") {
		f := strings.Split(item, ":")
		if len(f) != 3 {
			return nil, errBadLimits
		}
		res, err := strconv.Atoi(f[0])
		soft, err1 := strconv.ParseUint(f[1], 10, 64)
		hard, err2 := strconv.ParseUint(f[2], 10, 64)
		if err != nil || err1 != nil || err2 != nil || res < 0 || res > unix.RLIMIT_RTTIME {
			return nil, errBadLimits
		}
		limits = append(limits, ProcessLimit{res, soft, hard})
	}
	return limits, nil
}
