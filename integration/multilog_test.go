package integration

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Differential tests of multilog: each scenario runs through Debian's
// /usr/bin/multilog and through gotools in separate work directories, and
// what they leave behind is compared after normalising TAI64N stamps.

// mlOutcome is everything a multilog run leaves that a user can see.
type mlOutcome struct {
	Code   int
	Stderr string
	Files  []string // "path mode" and, for regular files, their contents
	Extra  string   // scenario-specific observations
}

var stampRE = regexp.MustCompile(`@[0-9a-f]{24}`)

func normStamps(s string) string { return stampRE.ReplaceAllString(s, "@STAMP") }

// snapshot lists every file under root in time order for archives (their
// names sort by stamp), with modes and normalised contents.
func snapshot(t *testing.T, root string) []string {
	t.Helper()
	var paths []string
	err := filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if p != root {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(paths)
	var out []string
	for _, p := range paths {
		info, err := os.Lstat(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, p)
		entry := fmt.Sprintf("%s %v", normStamps(rel), info.Mode())
		if info.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			entry += fmt.Sprintf(" %q", normStamps(string(b)))
		}
		out = append(out, entry)
	}
	return out
}

// mlCmd builds a multilog command from bin (debianBin or binDir) in dir.
func mlCmd(t *testing.T, bin, dir string, args ...string) *exec.Cmd {
	x := exec.Command(filepath.Join(bin, "multilog"), args...)
	x.Args[0] = "multilog"
	x.Dir, x.Env = dir, hermeticEnv(t, bin, nil)
	return x
}

// mlFromFile is bin's multilog in dir with input read from a regular file,
// so both implementations read it in the same 1 KiB pieces.
func mlFromFile(t *testing.T, bin, dir, input string, args ...string) *exec.Cmd {
	t.Helper()
	in := filepath.Join(t.TempDir(), "input")
	must(t, os.WriteFile(in, []byte(input), 0o644))
	f, err := os.Open(in)
	must(t, err)
	t.Cleanup(func() { f.Close() })
	x := mlCmd(t, bin, dir, args...)
	x.Stdin = f
	return x
}

// runToEnd runs x for up to 120 s and returns its exit code (128+N when
// killed by signal N).
func runToEnd(t *testing.T, x *exec.Cmd) int {
	t.Helper()
	must(t, x.Start())
	done := make(chan error, 1)
	go func() { done <- x.Wait() }()
	select {
	case err := <-done:
		return exitCode(t, err)
	case <-time.After(120 * time.Second):
		x.Process.Kill()
		t.Fatalf("%q did not finish", x.Args)
		return 0
	}
}

// runFromFile runs multilog in dir on input from a regular file.
func runFromFile(t *testing.T, bin, dir, input string, args ...string) (code int, stderr string) {
	t.Helper()
	x := mlFromFile(t, bin, dir, input, args...)
	var errb bytes.Buffer
	x.Stderr = &errb
	return runToEnd(t, x), errb.String()
}

// fromFile is the common scenario: optional setup, one run on input, then
// the files left in the work directory.
func fromFile(input string, setup func(t *testing.T, dir string), args ...string) func(*testing.T, string, string) mlOutcome {
	return func(t *testing.T, bin, dir string) mlOutcome {
		if setup != nil {
			setup(t, dir)
		}
		code, stderr := runFromFile(t, bin, dir, input, args...)
		return mlOutcome{Code: code, Stderr: normStamps(stderr), Files: snapshot(t, dir)}
	}
}

func lines(n, width int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%0*d\n", width-1, i)
	}
	return b.String()
}

func TestMultilogDiffSelection(t *testing.T) {
	long := strings.Repeat("0123456789", 250)
	tests := []struct {
		name  string
		input string
		args  []string
	}{
		{"no actions", "one\ntwo\n", nil},
		{"e", "one\ntwo\n", []string{"e"}},
		{"e e", "one\ntwo\n", []string{"e", "e"}},
		{"partial final line", "one\ntwo", []string{"e"}},
		{"empty input", "", []string{"e", "./d"}},
		{"wildcard -", "one\ntwo\n", []string{"-*", "e"}},
		{"literal +", "one\ntwo\n", []string{"-*", "+one", "e"}},
		{"empty pattern drops empty lines", "a\n\nb\n\n", []string{"-", "e", "./d"}},
		{"first letter decides", "one\ntwo\n", []string{"tfoo", "exyz", "T", "x", "", "F", "w"}},
		{"t elsewhere ignored", "one\n", []string{"e", "t"}},
		{"t stamps", "one\ntwo\n", []string{"t", "e", "./d"}},
		{"e truncation", long[:199] + "\n" + long[:200] + "\n" + long[:201] + "\n", []string{"e"}},
		{"e sees the stamp", long[:180] + "\n", []string{"t", "e"}},
		{"status file", "one\ntwo\n", []string{"=st"}},
		{"status file long line", "one\n" + long + "\n", []string{"=st"}},
		{"status file unselected", "one\n", []string{"-*", "=st"}},
		{"dirs by selection", "one\ntwo\nthree\n", []string{"./all", "-t*", "./not-t", "-*", "+*e", "./e"}},
		{"star star", "a*b\nab\n*\n", []string{"-**", "e"}},
		{"named example", "named[12]: Cleaned cache x\nnamed[1]2]: Cleaned cache x\n", []string{"-named[*]: Cleaned cache *", "e"}},
		{"patterns see 1000 bytes", long + "\n", []string{"-" + long[:1000], "e", "./d"}},
		{"settings before dirs", "x\n", []string{"s5000k", "n", "./a", "!", "s", "./b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			differential(t, multilogRuns(fromFile(tc.input, nil, tc.args...)))
		})
	}
}

func TestMultilogDiffLongLines(t *testing.T) {
	long := strings.Repeat("abcdefghij", 300)
	var input strings.Builder
	for _, n := range []int{999, 1000, 1001, 2499, 974, 975, 3000} {
		input.WriteString(long[:n] + "\n")
	}
	tests := []struct {
		name  string
		input string
		args  []string
	}{
		{"plain", input.String(), []string{"e", "=st", "./d"}},
		{"stamped", input.String(), []string{"t", "e", "=st", "./d"}},
		{"partial long last line", long[:2500], []string{"e", "./d"}},
		{"long lines rotate", strings.Repeat(long+"\n", 10), []string{"s4096", "n5", "./d"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			differential(t, multilogRuns(fromFile(tc.input, nil, tc.args...)))
		})
	}
}

func TestMultilogDiffRotation(t *testing.T) {
	tests := []struct {
		name  string
		input string
		args  []string
	}{
		{"s4096 n3", lines(300, 51), []string{"s4096", "n3", "./d"}},
		{"s4096 n2", lines(300, 51), []string{"s4096", "n2", "./d"}},
		{"n1 means 2", lines(300, 51), []string{"s4096", "n1", "./d"}},
		{"s1 means 4096", lines(300, 51), []string{"s1", "./d"}},
		{"s5000 n4", lines(200, 100), []string{"s5000", "n4", "./d"}},
		{"s10000 n20", lines(1000, 37), []string{"s10000", "n20", "./d"}},
		{"stamped s6000", lines(600, 20), []string{"t", "s6000", "n30", "./d"}},
		{"no newline near the limit", strings.Repeat("y", 9000) + "\n", []string{"s4096", "./d"}},
		{"two dirs", lines(400, 30), []string{"s4096", "n3", "./a", "-*5", "s8000", "n4", "./b"}},
		{"s over max", lines(100, 10), []string{"s16777216", "./d"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			differential(t, multilogRuns(fromFile(tc.input, nil, tc.args...)))
		})
	}
}

func TestMultilogDiffProcessors(t *testing.T) {
	counter := `!n=$(cat <&4); n=$((${n:-0}+1)); echo $n >&5; echo "run $n: $(wc -l) lines"; tr 0 o`
	tests := []struct {
		name  string
		input string
		args  []string
	}{
		{"state chains", lines(300, 51), []string{"s4096", "n5", counter, "./d"}},
		{"empty processor", lines(100, 51), []string{"s4096", "!", "./d"}},
		{"stderr goes through", lines(100, 51), []string{"s4096", "!echo to stderr >&2; cat", "./d"}},
		{"fails once", lines(100, 51), []string{"s4096", `!if [ -e ../failed ]; then cat; else : >../failed; exit 1; fi`, "./d"}},
		{"killed once", lines(100, 51), []string{"s4096", `!if [ -e ../killed ]; then cat; else : >../killed; kill -9 $$; fi`, "./d"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if testing.Short() && strings.HasSuffix(tc.name, "once") {
				t.Skip("waits 5-10 s for 0.76's retry pause")
			}
			differential(t, multilogRuns(fromFile(tc.input, nil, tc.args...)))
		})
	}
}

// TestMultilogDiffRecovery starts on directories left in each state of the
// startup recovery table (docs/multilog.md).
func TestMultilogDiffRecovery(t *testing.T) {
	type file struct {
		name string
		mode os.FileMode
	}
	tests := []struct {
		name  string
		files []file
	}{
		{"clean exit", []file{{"current", 0o744}, {"state", 0o644}}},
		{"crashed", []file{{"current", 0o644}, {"state", 0o644}, {"newstate", 0o644}}},
		{"crashed empty current", []file{{"current", 0o644}}},
		{"processed complete", []file{{"current", 0o644}, {"previous", 0o744}, {"processed", 0o744}, {"newstate", 0o644}}},
		{"processed incomplete", []file{{"current", 0o644}, {"previous", 0o744}, {"processed", 0o644}}},
		{"previous only", []file{{"previous", 0o744}}},
		{"two links", []file{{"current", 0o644}, {"@400000000000000000000000.u", 0o644}}},
		{"prune on recovery", []file{{"current", 0o644}, {"@400000000000000000000001.s", 0o744}, {"@400000000000000000000002.s", 0o744}, {"@400000000000000000000003.x", 0o744}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			setup := func(t *testing.T, dir string) {
				d := filepath.Join(dir, "d")
				if err := os.Mkdir(d, 0o700); err != nil {
					t.Fatal(err)
				}
				for i, f := range tc.files {
					p := filepath.Join(d, f.name)
					content := ""
					if tc.name != "crashed empty current" {
						content = f.name + "\n"
					}
					if tc.name == "two links" && i == 1 {
						if err := os.Link(filepath.Join(d, "current"), p); err != nil {
							t.Fatal(err)
						}
						continue
					}
					if err := os.WriteFile(p, []byte(content), f.mode); err != nil {
						t.Fatal(err)
					}
					if err := os.Chmod(p, f.mode); err != nil {
						t.Fatal(err)
					}
				}
			}
			differential(t, multilogRuns(fromFile("new\n", setup, "n3", "!cat", "./d")))
		})
	}
}

// startMultilog starts bin's multilog in dir, fed through a pipe.
func startMultilog(t *testing.T, bin, dir string, args ...string) *piped {
	t.Helper()
	return startPiped(t, mlCmd(t, bin, dir, args...))
}

// waitContent polls until the file holds want.
func waitContent(t *testing.T, path, want string) {
	t.Helper()
	waitFor(t, patience, path+" to hold "+fmt.Sprintf("%q", want), func() (bool, error) {
		b, err := os.ReadFile(path)
		return string(b) == want, err
	})
}

// waitSyscall waits until a thread of pid is blocked in the system call
// that match accepts, given the fields of /proc/PID/task/TID/syscall
// (number, then arguments in hex).
func waitSyscall(t *testing.T, pid int, what string, match func(f []string) bool) {
	t.Helper()
	waitFor(t, patience, what, func() (bool, error) {
		tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/syscall", pid))
		if err != nil || len(tasks) == 0 {
			return false, err
		}
		for _, task := range tasks {
			b, err := os.ReadFile(task)
			if err != nil {
				return false, err
			}
			if f := strings.Fields(string(b)); len(f) > 3 && match(f) {
				return true, nil
			}
		}
		return false, nil
	})
}

// waitFinishingLine waits until pid, after SIGTERM, waits for the rest of
// the line from its pipe: Debian's multilog in a read of one byte from fd
// 0 (amd64's system call number), gotools' on its input alone.
func waitFinishingLine(t *testing.T, bin string, pid int) {
	t.Helper()
	if bin == debianBin {
		waitSyscall(t, pid, "a read of one byte from stdin", func(f []string) bool {
			return f[0] == "0" && f[1] == "0x0" && f[3] == "0x1"
		})
		return
	}
	waitInputSet(t, pid, "a wait for the input alone", 1)
}

// waitInputSet waits until gotools' multilog pid has the epoll descriptor
// it waits on for its stdin, a pipe, watching n descriptors: stdin and its
// wake-up eventfd (n = 2) until SIGTERM, then, for the rest of the line,
// stdin alone (n = 1). The wait itself parks a goroutine, which no system
// call shows; the set is made before the first wait and changed before the
// wait for the rest of the line.
func waitInputSet(t *testing.T, pid int, what string, n int) {
	t.Helper()
	waitFor(t, patience, what, func() (bool, error) {
		infos, err := filepath.Glob(fmt.Sprintf("/proc/%d/fdinfo/*", pid))
		if err != nil || len(infos) == 0 {
			return false, err
		}
		for _, info := range infos {
			b, err := os.ReadFile(info)
			if err != nil {
				continue // closed meanwhile
			}
			var watched []string
			for _, line := range strings.Split(string(b), "\n") {
				if f := strings.Fields(line); len(f) > 1 && f[0] == "tfd:" {
					watched = append(watched, f[1])
				}
			}
			if len(watched) == n && slices.Contains(watched, "0") {
				return true, nil
			}
		}
		return false, nil
	})
}

func TestMultilogDiffTermMidLine(t *testing.T) {
	requireRoot(t) // reads /proc/PID/task/*/syscall
	if runtime.GOARCH != "amd64" {
		t.Skip("knows read's number on amd64 only")
	}
	differential(t, multilogRuns(func(t *testing.T, bin, dir string) mlOutcome {
		m := startMultilog(t, bin, dir, "./d")
		m.write(t, "one\npartial") // one write: read together
		waitContent(t, filepath.Join(dir, "d/current"), "one\n")
		m.signal(t, syscall.SIGTERM)
		waitFinishingLine(t, bin, m.cmd.Process.Pid)
		m.write(t, " end\nafter\n")
		code := m.wait(t)
		return mlOutcome{Code: code, Stderr: m.stderr.String(), Files: snapshot(t, dir), Extra: "unread: " + m.unread()}
	}))
}

// TestMultilogNonBlockingInput: gotools waits for a non-blocking stdin
// (for a pipe on an epoll descriptor watching it, and its wake-up eventfd
// while no TERM has come) instead of taking an empty read for end of input
// as 0.76 does, both between lines and when finishing a line after SIGTERM.
func TestMultilogNonBlockingInput(t *testing.T) {
	dir := t.TempDir()
	m := startMultilog(t, binDir, dir, "./d")
	must(t, syscall.SetNonblock(int(m.r.Fd()), true)) // the description is the child's stdin too
	pid := m.cmd.Process.Pid
	waitInputSet(t, pid, "multilog waiting for input", 2)
	m.write(t, "one\npartial")
	waitContent(t, filepath.Join(dir, "d/current"), "one\n")
	m.signal(t, syscall.SIGTERM)
	waitInputSet(t, pid, "multilog waiting for the rest of the line", 1)
	m.write(t, " end\nafter\n")
	if code := m.wait(t); code != 0 {
		t.Errorf("exit %d", code)
	}
	if got := m.unread(); got != "after\n" {
		t.Errorf("left unread %q, want %q", got, "after\n")
	}
	waitContent(t, filepath.Join(dir, "d/current"), "one\npartial end\n")
}

// TestMultilogPipeEndsAfterItsWriterLeft: bytes and the end of the pipe
// arrive while multilog is stopped (SIGSTOP) in its wait for input; once
// continued it logs them all and exits 0, although the writer's leaving
// was signalled only once, together with the bytes.
func TestMultilogPipeEndsAfterItsWriterLeft(t *testing.T) {
	dir := t.TempDir()
	m := startMultilog(t, binDir, dir, "./d")
	waitInputSet(t, m.cmd.Process.Pid, "multilog waiting for input", 2)
	m.signal(t, syscall.SIGSTOP)
	input := lines(1000, 40) // 40,000 bytes: more than one read, less than the pipe holds
	m.write(t, input)
	m.w.Close()
	m.signal(t, syscall.SIGCONT)
	if code := m.wait(t); code != 0 {
		t.Errorf("exit %d", code)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "d/current")); string(got) != input {
		t.Errorf("current has %d bytes, want the %d input bytes", len(got), len(input))
	}
}

func TestMultilogDiffTermIdle(t *testing.T) {
	differential(t, multilogRuns(func(t *testing.T, bin, dir string) mlOutcome {
		m := startMultilog(t, bin, dir, "t", "./d")
		m.write(t, "one\n")
		waitFor(t, patience, "the line in current", func() (bool, error) {
			b, err := os.ReadFile(filepath.Join(dir, "d/current"))
			return strings.HasSuffix(string(b), " one\n"), err
		})
		m.signal(t, syscall.SIGTERM)
		code := m.wait(t)
		return mlOutcome{Code: code, Stderr: m.stderr.String(), Files: snapshot(t, dir)}
	}))
}

func TestMultilogDiffAlarm(t *testing.T) {
	differential(t, multilogRuns(func(t *testing.T, bin, dir string) mlOutcome {
		m := startMultilog(t, bin, dir, "./a", "-*", "./b")
		m.write(t, "x\n")
		waitContent(t, filepath.Join(dir, "a/current"), "x\n")
		m.signal(t, syscall.SIGALRM)
		waitContent(t, filepath.Join(dir, "a/current"), "")
		m.write(t, "y\n")
		waitContent(t, filepath.Join(dir, "a/current"), "y\n")
		code := m.exit(t)
		return mlOutcome{Code: code, Stderr: m.stderr.String(), Files: snapshot(t, dir)}
	}))
}

// TestMultilogDiffKillAndRestart kills multilog -9 once its input is in
// current, then starts it again on the same directory.
func TestMultilogDiffKillAndRestart(t *testing.T) {
	differential(t, multilogRuns(func(t *testing.T, bin, dir string) mlOutcome {
		m := startMultilog(t, bin, dir, "n3", "./d")
		m.write(t, "before\n")
		waitContent(t, filepath.Join(dir, "d/current"), "before\n")
		m.signal(t, syscall.SIGKILL)
		killed := m.wait(t)
		code, stderr := runFromFile(t, bin, dir, "after\n", "n3", "./d")
		return mlOutcome{Code: code, Stderr: stderr, Files: snapshot(t, dir), Extra: fmt.Sprint("killed: ", killed)}
	}))
}

// TestMultilogDiffKillDuringProcessor kills multilog -9 while its processor
// runs (previous, a half-written processed, newstate and state are left),
// then starts it again on the same directory: recovery archives previous
// and current as unfinished.
func TestMultilogDiffKillDuringProcessor(t *testing.T) {
	differential(t, multilogRuns(func(t *testing.T, bin, dir string) mlOutcome {
		args := []string{"n5", "!echo partial; echo $$ >../procpid; exec sleep 1000", "./d"}
		m := startMultilog(t, bin, dir, args...)
		m.write(t, "one\ntwo\n")
		waitContent(t, filepath.Join(dir, "d/current"), "one\ntwo\n")
		m.signal(t, syscall.SIGALRM)
		var pid int
		waitFor(t, patience, "the processor's pid", func() (bool, error) {
			b, err := os.ReadFile(filepath.Join(dir, "procpid"))
			_, scanErr := fmt.Sscan(string(b), &pid)
			return err == nil && scanErr == nil, err
		})
		t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL) })
		m.signal(t, syscall.SIGKILL)
		// The processor holds multilog's stderr: Wait returns once it is gone.
		must(t, syscall.Kill(pid, syscall.SIGKILL))
		killed := m.wait(t)
		must(t, os.Remove(filepath.Join(dir, "procpid")))
		left := snapshot(t, dir)
		code, stderr := runFromFile(t, bin, dir, "new\n", args...)
		return mlOutcome{Code: code, Stderr: stderr, Files: append(left, snapshot(t, dir)...), Extra: fmt.Sprint("killed: ", killed)}
	}))
}

func TestMultilogDiffStartupErrors(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		args  []string
	}{
		{"same dir twice", nil, []string{"./d", "./d"}},
		{"dir is a file", func(t *testing.T, dir string) { os.WriteFile(filepath.Join(dir, "f"), nil, 0o644) }, []string{"./f"}},
		{"dir in missing parent", nil, []string{"./no/d"}},
		{"status file in missing dir", nil, []string{"./d", "=no/st"}},
		{"status fifo without reader", func(t *testing.T, dir string) { syscall.Mkfifo(filepath.Join(dir, "ff"), 0o600) }, []string{"=ff"}},
		{"status file is a dir", func(t *testing.T, dir string) { os.Mkdir(filepath.Join(dir, "sd"), 0o755) }, []string{"=sd"}},
		{"current is a dir", func(t *testing.T, dir string) { os.MkdirAll(filepath.Join(dir, "d/current"), 0o755) }, []string{"./d"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			differential(t, multilogRuns(func(t *testing.T, bin, dir string) mlOutcome {
				if tc.setup != nil {
					tc.setup(t, dir)
				}
				// Input waits in a pipe: a startup failure must leave it unread.
				m := startMultilog(t, bin, dir, tc.args...)
				m.write(t, "unread\n")
				code := m.wait(t)
				return mlOutcome{Code: code, Stderr: m.stderr.String(), Files: snapshot(t, dir), Extra: "unread: " + m.unread()}
			}))
		})
	}
}

// TestMultilogDiffStatusFileFails: a = file that cannot be rewritten is
// warned about (and retried every 5 s, which the logger's tests time) with
// 0.76's words: a full device, a FIFO that cannot seek.
func TestMultilogDiffStatusFileFails(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns the = file
	}{
		{"full device", func(t *testing.T, dir string) string { return "/dev/full" }},
		{"fifo", func(t *testing.T, dir string) string {
			p := filepath.Join(dir, "ff")
			must(t, syscall.Mkfifo(p, 0o600))
			r, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
			must(t, err)
			t.Cleanup(func() { r.Close() })
			return "ff"
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			differential(t, multilogRuns(func(t *testing.T, bin, dir string) mlOutcome {
				m := startMultilog(t, bin, dir, "="+tc.setup(t, dir))
				m.write(t, "x\n")
				waitFor(t, patience, "a warning", func() (bool, error) { return strings.Contains(m.stderr.String(), "\n"), nil })
				m.signal(t, syscall.SIGKILL)
				code := m.wait(t)
				first, _, _ := strings.Cut(m.stderr.String(), "\n")
				return mlOutcome{Code: code, Stderr: first}
			}))
		})
	}
}

func TestMultilogDiffLockHeld(t *testing.T) {
	differential(t, multilogRuns(func(t *testing.T, bin, dir string) mlOutcome {
		holdLock(t, filepath.Join(dir, "d/lock"))
		code, stderr := runFromFile(t, bin, dir, "x\n", "./d")
		return mlOutcome{Code: code, Stderr: stderr, Files: snapshot(t, dir)}
	}))
}

// TestMultilogStdoutAction is gotools' action 1 (docs/differences.md): each
// selected line, whole, to stdout.
func TestMultilogStdoutAction(t *testing.T) {
	long := strings.Repeat("z", 3000)
	r := cmd{Stdin: "one\n" + long + "\ntwo\npartial"}.run(t, "multilog", "-two", "1", "e")
	if want := "one\n" + long + "\npartial\n"; r.Code != 0 || r.Stdout != want {
		t.Errorf("multilog 1: %v\nwant stdout %q", r, want)
	}
	if want := "one\n" + long[:200] + "...\npartial\n"; r.Stderr != want {
		t.Errorf("stderr = %q, want %q", r.Stderr, want)
	}
}

// TestMultilogStdoutReaderGone: when nothing reads stdout any more, action
// 1's copies are dropped and the log directory still gets every line;
// multilog is not killed by SIGPIPE.
func TestMultilogStdoutReaderGone(t *testing.T) {
	dir := t.TempDir()
	if code := runIntoClosedPipe(t, mlFromFile(t, binDir, dir, "one\ntwo\n", "1", "./d"), 1); code != 0 {
		t.Errorf("exit %d, want 0", code)
	}
	if diff := cmp.Diff([]string{"d drwx------", `d/current -rwxr--r-- "one\ntwo\n"`, `d/lock -rw------- ""`, `d/state -rw-r--r-- ""`},
		snapshot(t, dir)); diff != "" {
		t.Errorf("files (-want +got)\n%s", diff)
	}
}

// TestMultilogDiffStderrReaderGone: a closed stderr pipe kills multilog by
// SIGPIPE at its first e line, as it kills 0.76.
func TestMultilogDiffStderrReaderGone(t *testing.T) {
	differential(t, multilogRuns(func(t *testing.T, bin, dir string) mlOutcome {
		code := runIntoClosedPipe(t, mlFromFile(t, bin, dir, "one\ntwo\n", "./d", "e"), 2)
		return mlOutcome{Code: code, Files: snapshot(t, dir)}
	}))
}

// TestMatchtestTruthTable runs the hidden matchtest applet over 0.76's
// truth table and checks each verdict against Debian's multilog, whose -
// action uses the same matcher (Debian does not ship matchtest).
func TestMatchtestTruthTable(t *testing.T) {
	cases := []struct {
		pattern, s string
		match      bool
	}{
		{"one", "one", true}, {"one", "", false}, {"one", "on", false}, {"one", "onf", false},
		{"one", "one*", false}, {"one", "onetwo", false},
		{"", "", true}, {"", "x", false},
		{"*", "", true}, {"*", "x", true}, {"*", "*", true}, {"*", "one", true},
		{"one*", "one", true}, {"one*", "one*", true}, {"one*", "onetwo", true}, {"one*", "", false},
		{"one*", "x", false}, {"one*", "on", false}, {"one*", "onf", false},
		{"* one", " one", true}, {"* one", "x one", true}, {"* one", "* one", true}, {"* one", "xy one", true},
		{"* one", "one", false}, {"* one", " two", false}, {"* one", "  one", false}, {"* one", "xy one ", false},
		{"* * one", "  one", true}, {"* * one", "x  one", true}, {"* * one", " y one", true},
		{"* * one", "x y one", true}, {"* * one", "one", false}, {"* * one", " one", false},
		{"* * one", "   one", false},
		{"**", "a*b", true}, {"**", "ab", false}, {"**x", "a*bx", true},
	}
	debian := true
	if _, err := os.Stat(filepath.Join(debianBin, "multilog")); err != nil {
		debian = false
	}
	for _, tc := range cases {
		r := cmd{}.run(t, gotoolsBin, "matchtest", tc.pattern, tc.s)
		verdict := map[bool]string{true: "+", false: "-"}[tc.match]
		if want := verdict + tc.pattern + " (" + tc.s + ")\n"; r.Code != 0 || r.Stdout != want || r.Stderr != "" {
			t.Errorf("matchtest %q %q: %v, want %q", tc.pattern, tc.s, r, want)
		}
		if !debian {
			continue
		}
		d := cmd{Bin: debianBin, Stdin: tc.s + "\n"}.run(t, "multilog", "-"+tc.pattern, "e")
		if deselected := d.Stderr == ""; deselected != tc.match {
			t.Errorf("Debian's multilog -%q on %q: stderr %q, but the table says match=%v", tc.pattern, tc.s, d.Stderr, tc.match)
		}
	}
	if r := (cmd{}).run(t, gotoolsBin, "matchtest"); r.Stdout != "+ ()\n" {
		t.Errorf("matchtest without arguments: %v", r)
	}
}

// TestMultilogDiskFull fills a small tmpfs under a running multilog: it must
// warn and retry every 5 s, and once space is freed every line must be in the
// log exactly once. Debian's multilog runs the same scenario beside it; the
// warning lines must be the same.
func TestMultilogDiskFull(t *testing.T) {
	requireRoot(t)
	if testing.Short() {
		t.Skip("waits for 0.76's 5-second retry pause")
	}
	differential(t, multilogRuns(func(t *testing.T, bin, dir string) mlOutcome {
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", dir).CombinedOutput(); err != nil {
			t.Skipf("cannot mount tmpfs: %v %s", err, out)
		}
		t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
		m := startMultilog(t, bin, dir, "s16777215", "./log")
		waitContent(t, filepath.Join(dir, "log/current"), "")
		filler := filepath.Join(dir, "filler")
		fill(t, filler)
		input := lines(3000, 40) // 120 KB: more than the pipe holds
		wrote := make(chan error, 1)
		go func() { _, err := m.w.WriteString(input); wrote <- err }()
		warning := "multilog: warning: unable to write to ./log/current, pausing: out of disk space\n"
		waitFor(t, patience, "the disk-full warning", func() (bool, error) {
			return strings.Contains(m.stderr.String(), warning), nil
		})
		if err := os.Remove(filler); err != nil {
			t.Fatal(err)
		}
		if err := <-wrote; err != nil {
			t.Fatal(err)
		}
		code := m.exit(t)
		got, err := os.ReadFile(filepath.Join(dir, "log/current"))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != input {
			t.Errorf("current has %d bytes, want the %d input bytes exactly once", len(got), len(input))
		}
		// How many warnings appear depends on timing; their text must not.
		warnings := strings.Split(strings.TrimSuffix(m.stderr.String(), "\n"), "\n")
		for _, w := range warnings {
			if w+"\n" != warning {
				t.Errorf("unexpected stderr line %q", w)
			}
		}
		return mlOutcome{Code: code, Stderr: warning, Files: snapshot(t, filepath.Join(dir, "log"))}
	}))
}

// fill writes to path until the file system is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	block := make([]byte, 4096)
	for {
		if _, err := f.Write(block); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				return
			}
			t.Fatal(err)
		}
	}
}
