package integration

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// killLines and killCount size TestMultilogKillLosesNoLine: enough input
// for a few hundred rotations, and kills while it flows.
const (
	killLines = 100_000
	killCount = 25
	killLine  = "%07d xxxxxxxxxxxxxxxxxxxxxxxx\n" // 33 bytes
)

var killLineRE = regexp.MustCompile(`^([0-9]{7}) x{24}$`)

// killTally is what a kill run left in the log directory.
type killTally struct {
	lost, duplicated, extra int
}

func (k killTally) String() string {
	return fmt.Sprintf("%d of %d lines lost, %d logged more than once, %d other lines", k.lost, killLines, k.duplicated, k.extra)
}

// TestMultilogKillLosesNoLine: a writer sends numbered lines through a pipe
// into "multilog s20000 n1000 ./d" (and with a slow processor), while the
// logger is killed with SIGKILL (with its process group: its processor) at
// random moments and started again on the same pipe and directory, as a
// supervisor restarts a logger. gotools consumes its pipe only once the
// bytes are in current, so it must lose no line; Debian's multilog loses
// what it had read and not yet written, reported only. Duplicates (the last
// piece written before a kill is logged again) are reported.
//
// Counting: a number is logged when a newline-terminated line of the log
// (archives and current) is exactly its line. A killed multilog can leave
// the start of a line at the end of its file and the next one log the rest
// as a line of its own; neither piece counts (they are "other lines"), so
// such a cut line is lost unless it is logged whole elsewhere. gotools
// never cuts a line of this input: it consumes none of a line before the
// line is written.
//
// The kill moments come from a seeded source; the seed is logged, and
// GOTOOLS_KILL_SEED=N repeats a run's moments.
func TestMultilogKillLosesNoLine(t *testing.T) {
	requireDebian(t, "multilog")
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("GOTOOLS_KILL_SEED"); s != "" {
		var err error
		seed, err = strconv.ParseUint(s, 10, 64)
		must(t, err)
	}
	t.Logf("seed %d", seed)
	for _, variant := range []struct {
		name string
		args []string
		// Kills come at most this long after a start: the whole input
		// takes about half a second without a processor, more than ten
		// with one.
		maxDelay time.Duration
	}{
		{"no processor", []string{"s20000", "n1000", "./d"}, 15 * time.Millisecond},
		{"processor", []string{"s20000", "n1000", "!cat; sleep 0.05", "./d"}, 200 * time.Millisecond},
	} {
		for _, impl := range []struct{ name, bin string }{{"debian", debianBin}, {"gotools", binDir}} {
			t.Run(variant.name+"/"+impl.name, func(t *testing.T) {
				t.Parallel()
				got := killRun(t, impl.bin, rand.New(rand.NewPCG(seed, 0)), variant.maxDelay, variant.args)
				t.Logf("%s %q, %d kills: %v", impl.name, variant.args, killCount, got)
				if impl.bin == binDir && got.lost > 0 {
					t.Errorf("gotools: %v (seed %d)", got, seed)
				}
			})
		}
	}
}

// killRun feeds killLines lines through one pipe into bin's multilog,
// killing it killCount times at random moments, and counts the log. The
// pipe is closed (the last multilog's end of input) after the last kill.
func killRun(t *testing.T, bin string, rnd *rand.Rand, maxDelay time.Duration, args []string) killTally {
	dir := t.TempDir()
	r, w, err := os.Pipe()
	must(t, err)
	defer r.Close()
	written := make(chan error, 1)
	go func() {
		bw := bufio.NewWriterSize(w, 4096) // its writes cut lines anywhere
		for i := 1; i <= killLines; i++ {
			fmt.Fprintf(bw, killLine, i)
		}
		written <- bw.Flush()
	}()
	defer w.Close()
	idle := 0 // kills after the writer was done
	for range killCount {
		m := startLogger(t, bin, dir, r, args)
		time.Sleep(time.Duration(rnd.Int64N(int64(maxDelay)))) // the random kill moment
		if len(written) > 0 {
			idle++
		}
		must(t, syscall.Kill(-m.cmd.Process.Pid, syscall.SIGKILL))
		m.wait(t)
	}
	m := startLogger(t, bin, dir, r, args)
	if err := <-written; err != nil {
		t.Fatalf("writer: %v", err)
	}
	w.Close()
	if code := m.wait(t); code != 0 {
		t.Errorf("last multilog: exit %d", code)
	}
	t.Logf("%d of %d kills came after the writer was done", idle, killCount)
	return tallyKillLog(t, filepath.Join(dir, "d"))
}

// killedLogger is a multilog in its own process group.
type killedLogger struct {
	cmd  *exec.Cmd
	done chan error
}

func startLogger(t *testing.T, bin, dir string, in *os.File, args []string) *killedLogger {
	t.Helper()
	x := mlCmd(t, bin, dir, args...)
	x.Stdin = in
	x.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	must(t, x.Start())
	m := &killedLogger{cmd: x, done: make(chan error, 1)}
	go func() { m.done <- x.Wait() }()
	t.Cleanup(func() { syscall.Kill(-x.Process.Pid, syscall.SIGKILL) })
	return m
}

// wait waits up to 60 s for the logger to exit and returns its exit code.
func (m *killedLogger) wait(t *testing.T) int {
	t.Helper()
	select {
	case err := <-m.done:
		return exitCode(t, err)
	case <-time.After(60 * time.Second):
		t.Fatalf("%q did not exit", m.cmd.Args)
		return 0
	}
}

// tallyKillLog counts the numbered lines in the archives and current of
// a log directory.
func tallyKillLog(t *testing.T, logdir string) killTally {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(logdir, "@*"))
	must(t, err)
	seen := make([]int, killLines+1)
	var k killTally
	for _, f := range append(files, filepath.Join(logdir, "current")) {
		b, err := os.ReadFile(f)
		must(t, err)
		complete := strings.Split(string(b), "\n")
		for _, line := range complete[:len(complete)-1] {
			m := killLineRE.FindStringSubmatch(line)
			if m == nil {
				k.extra++
				continue
			}
			n, _ := strconv.Atoi(m[1])
			if n < 1 || n > killLines {
				k.extra++
				continue
			}
			seen[n]++
		}
	}
	for _, c := range seen[1:] {
		switch {
		case c == 0:
			k.lost++
		case c > 1:
			k.duplicated++
		}
	}
	return k
}
