package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// signalledMultilog is a multilog, with action 1 (0.76 ignores it), that
// gets sig once its first line is in current and then one more line and
// the end of its input: its outcome is 128+N when sig killed it, 0 when it
// survived.
func signalledMultilog(sig syscall.Signal) func(t *testing.T, bin, dir string) mlOutcome {
	return func(t *testing.T, bin, dir string) mlOutcome {
		m := startMultilog(t, bin, dir, "1", "./d")
		m.write(t, "ab\n")
		waitContent(t, filepath.Join(dir, "d/current"), "ab\n")
		m.signal(t, sig)
		m.write(t, "cd\n")
		code := m.exit(t)
		return mlOutcome{Code: code, Stderr: m.stderr.String()}
	}
}

// multilogSignalDifferences are the signals of which gotools' multilog
// does not die as 0.76's does, with its exit code and the reason.
var multilogSignalDifferences = map[syscall.Signal]struct {
	code int
	why  string
}{
	syscall.SIGILL:  {2, syncSignal},
	syscall.SIGTRAP: {2, syncSignal},
	syscall.SIGBUS:  {2, syncSignal},
	syscall.SIGFPE:  {2, syncSignal},
	syscall.SIGSEGV: {2, syncSignal},
	syscall.SIGSYS:  {2, syncSignal},
	33:              {0, "the runtime runs a system call on every thread with it (setuid) and ignores it when it is sent"},
}

const syncSignal = "a fault's signal: the runtime keeps its handler for its own faults, and one sent with kill gets a stack dump and exit 2 instead of a core dump"

// TestMultilogSignalsDifferential: multilog dies of every signal that ends
// Debian's (USR1, USR2, QUIT, PIPE, XFSZ, real-time signals, ... as well as
// HUP, INT, KILL), survives those Debian's survives (TERM and ALRM are
// caught; CHLD, CONT, URG and WINCH are ignored by default), and differs
// only as multilogSignalDifferences lists. A PIPE sent with kill kills it
// although action 1 survives a stdout nobody reads
// (TestMultilogStdoutReaderGone). The signals that stop a process are not
// tried.
func TestMultilogSignalsDifferential(t *testing.T) {
	for sig := syscall.Signal(1); sig <= 64; sig++ {
		switch sig {
		case syscall.SIGSTOP, syscall.SIGTSTP, syscall.SIGTTIN, syscall.SIGTTOU:
			continue
		}
		t.Run(fmt.Sprintf("%d %v", int(sig), sig), func(t *testing.T) {
			runs := multilogRuns(signalledMultilog(sig))
			kept, ok := multilogSignalDifferences[sig]
			if !ok {
				differential(t, runs)
				return
			}
			requireDebian(t, "multilog")
			if code := runs.run(t, debianBin).Code; code != 128+int(sig) {
				t.Errorf("Debian's multilog: exit %d, want %d (killed), which the difference (%s) assumes", code, 128+int(sig), kept.why)
			}
			if code := runs.run(t, binDir).Code; code != kept.code {
				t.Errorf("gotools' multilog: exit %d, want %d: %s", code, kept.code, kept.why)
			}
		})
	}
}

// TestMultilogProcessorSignalsDifferential: a processor starts with the
// signal mask and the ignored signals 0.76 gives it (none of either: 0.76
// unblocks TERM and ALRM and takes back its handlers in the child), which
// it prints to multilog's stderr from /proc.
func TestMultilogProcessorSignalsDifferential(t *testing.T) {
	out := differential(t, multilogRuns(fromFile(lines(200, 40), nil,
		"s4096", `!exec grep -E "^Sig(Blk|Ign)" /proc/self/status >&2`, "./d")))
	// Nothing blocked, nothing ignored but what the test's own parent
	// ignores (signal 32, say), which reaches Debian's processors too.
	if !strings.HasPrefix(out.Stderr, "SigBlk:\t0000000000000000\n") || sigIgnOf(out.Stderr)&^sigIgnOf(ownStatus(t)) != 0 {
		t.Errorf("processor printed %q, want SigBlk 0 and SigIgn within the test's own %#x", out.Stderr, sigIgnOf(ownStatus(t)))
	}
}

// sigIgnOf is the first SigIgn mask in a text in the form of
// /proc/PID/status.
func sigIgnOf(status string) uint64 { return statusMask(status, "SigIgn") }

// statusMask is the first hexadecimal mask named field ("SigIgn",
// "SigCgt", ...) in a text in the form of /proc/PID/status.
func statusMask(status, field string) uint64 {
	for _, line := range strings.Split(status, "\n") {
		if hex, ok := strings.CutPrefix(line, field+":\t"); ok {
			mask, _ := strconv.ParseUint(hex, 16, 64)
			return mask
		}
	}
	return 0
}

func ownStatus(t *testing.T) string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
