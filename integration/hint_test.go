package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Hints (docs/conventions.md, "Hints"): after 0.76's exact line, a
// `supervise: hint:` line says why a start failed, once per service and
// cause, while 0.76's line goes on once a second.

// hintCase is a service whose start fails, the 0.76 line svscan prints
// for it each second, and the hint it prints once.
type hintCase struct {
	name  string
	files map[string]string // file → content; a name ending in "*" is executable
	line  string
	hint  string
}

var startHintCases = []hintCase{
	{"noexec", map[string]string{"run": "#!/bin/sh\nexec sleep 1000000\n"},
		"supervise: fatal: unable to start noexec/run: access denied",
		"supervise: hint: noexec/run is not executable: chmod +x noexec/run"},
	{"nosh", map[string]string{"run*": "exec sleep 1000000\n"},
		"supervise: fatal: unable to start nosh/run: exec format error",
		"supervise: hint: nosh/run needs #!/bin/sh (or another interpreter) as its first line"},
	{"crlf", map[string]string{"run*": "#!/bin/sh\r\nexec sleep 1000000\r\n"},
		"supervise: fatal: unable to start crlf/run: file does not exist",
		`supervise: hint: crlf/run has CRLF line endings, so its interpreter is not found: convert it with sed -i 's/\r$//' crlf/run`},
	{"nointerp", map[string]string{"run*": "#!/nonexistent/sh\nexec sleep 1000000\n"},
		"supervise: fatal: unable to start nointerp/run: file does not exist",
		"supervise: hint: nointerp/run names the interpreter /nonexistent/sh on its #! line, which does not exist"},
	// 0.76's logger supervise runs in NAME and says log/run; the hint
	// names the service.
	{"web", map[string]string{"run*": "#!/bin/sh\nexec sleep 1000000\n", "log/run": "#!/bin/sh\nexec cat\n"},
		"supervise: fatal: unable to start log/run: access denied",
		"supervise: hint: web/log/run is not executable: chmod +x web/log/run"},
}

// writeHintService makes dir with files (see hintCase.files).
func writeHintService(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		exe := strings.HasSuffix(name, "*")
		name = strings.TrimSuffix(name, "*")
		writeFiles(t, dir, map[string]string{name: content})
		if exe {
			must(t, os.Chmod(filepath.Join(dir, name), 0o755))
		}
	}
}

// countLines is how many lines of out are exactly line.
func countLines(out, line string) int {
	n := 0
	for _, l := range strings.Split(out, "\n") {
		if l == line {
			n++
		}
	}
	return n
}

// awaitRepeated waits until line has been printed at least three times
// (two retries) by b, then checks that hint was printed exactly once,
// right after the first.
func awaitRepeated(t *testing.T, b *background, line, hint string) {
	t.Helper()
	waitFor(t, patience, fmt.Sprintf("three times %q", line), func() (bool, error) {
		return countLines(b.Stderr.String(), line) >= 3, nil
	})
	out := b.Stderr.String()
	if n := countLines(out, hint); n != 1 {
		t.Errorf("hint %q printed %d times, want once; stderr:\n%s", hint, n, out)
	}
	if !strings.Contains(out, line+"\n"+hint+"\n") {
		t.Errorf("hint %q does not follow %q; stderr:\n%s", hint, line, out)
	}
}

func TestHintStart(t *testing.T) {
	base := t.TempDir()
	scan := filepath.Join(base, "s")
	for _, c := range startHintCases {
		writeHintService(t, filepath.Join(scan, c.name), c.files)
	}
	b := cmd{Dir: base, MountProc: true}.startIsolated(t, "svscan", "s")
	for _, c := range startHintCases {
		t.Run(c.name, func(t *testing.T) { awaitRepeated(t, b, c.line, c.hint) })
	}
}

// TestHintStartDebianLines checks that the lines the hints follow are
// 0.76's: Debian's svscan prints them (without hints).
func TestHintStartDebianLines(t *testing.T) {
	requireDebian(t, "svscan", "supervise")
	base := t.TempDir()
	scan := filepath.Join(base, "s")
	for _, c := range startHintCases {
		if c.name != "nointerp" { // 0.76 says the same as for crlf
			writeHintService(t, filepath.Join(scan, c.name), c.files)
		}
	}
	b := cmd{Dir: base, Bin: debianBin, MountProc: true}.startIsolated(t, "svscan", "s")
	for _, c := range startHintCases {
		if c.name == "nointerp" {
			continue
		}
		waitFor(t, patience, fmt.Sprintf("Debian's %q", c.line), func() (bool, error) {
			return countLines(b.Stderr.String(), c.line) >= 1, nil
		})
	}
}

// TestHintScan: hints for what svscan finds at each scan, printed once
// for its life: a supervise/lock another process holds (after 0.76's
// line, which comes back each scan) and directories without ./run (0.76
// says nothing).
func TestHintScan(t *testing.T) {
	base := t.TempDir()
	scan := filepath.Join(base, "s")
	writeHintService(t, filepath.Join(scan, "locked"), map[string]string{"run*": "#!/bin/sh\nexec sleep 1000000\n"})
	writeHintService(t, filepath.Join(scan, "web"), map[string]string{"run*": "#!/bin/sh\nexec sleep 1000000\n", "log/": ""})
	must(t, os.MkdirAll(filepath.Join(scan, "norun"), 0o755))
	holdLock(t, filepath.Join(scan, "locked", "supervise", "lock"))
	// The host's /proc: the holder (this test) has a pid there.
	b := cmd{Dir: base}.startIsolated(t, "svscan", "s")
	awaitRepeated(t, b, "supervise: fatal: unable to acquire locked/supervise/lock: temporary failure",
		fmt.Sprintf("supervise: hint: another supervisor (pid %d) holds locked/supervise/lock: locked is supervised there, not here", os.Getpid()))
	out := b.Stderr.String()
	for _, hint := range []string{
		"svscan: hint: norun has no run file yet: it is supervised once norun/run exists",
		"svscan: hint: web/log has no run file yet: it is supervised once web/log/run exists",
	} {
		if n := countLines(out, hint); n != 1 {
			t.Errorf("hint %q printed %d times, want once; stderr:\n%s", hint, n, out)
		}
	}
}

// TestHintNoProc: in a root without /proc mounted, svscan says so once at
// start-up, with how to mount it, and names the directory it cannot
// watch; the services' start failures (0.76's line each second) get no
// hint of their own. gotools install's failure carries the same hint.
func TestHintNoProc(t *testing.T) {
	root := exampleImage(t)
	dir, err := os.MkdirTemp(filepath.Join(root, "srv"), "test-")
	must(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	inside := strings.TrimPrefix(dir, root)
	writeHintService(t, filepath.Join(dir, "s", "clock"), map[string]string{"run*": "#!/bin/sh\nexec sleep 1000000\n"})
	must(t, os.Mkdir(filepath.Join(dir, "bin"), 0o755))

	install := exec.Command("unshare", "--root="+root, "--wd="+inside, "/bin/gotools", "install", "-f", "bin")
	var stderr strings.Builder
	install.Stderr = &stderr
	if code := exitCode(t, install.Run()); code != 111 || stderr.String() != "gotools: fatal: unable to find the gotools executable: file does not exist\n"+
		"gotools: hint: /proc is not mounted: mount it with mount -t proc proc /proc\n" {
		t.Errorf("gotools install without /proc: exit %d, stderr %q", code, stderr.String())
	}

	b := cmd{Dir: dir, Unshare: []string{"--root=" + root, "--wd=" + inside}}.startIsolated(t, "/bin/gotools", "svscan", "s")
	line := "supervise: fatal: unable to start clock/run: file does not exist"
	waitFor(t, patience, fmt.Sprintf("three times %q", line), func() (bool, error) {
		return countLines(b.Stderr.String(), line) >= 3, nil
	})
	out := b.Stderr.String()
	for _, want := range []string{
		"svscan: warning: /proc is not mounted: no service can be started",
		"svscan: hint: mount it with mount -t proc proc /proc",
		"svscan: warning: unable to watch directory s: file does not exist",
	} {
		if n := countLines(out, want); n != 1 {
			t.Errorf("%q printed %d times, want once; stderr:\n%s", want, n, out)
		}
	}
	if strings.Contains(out, "supervise: hint:") {
		t.Errorf("a start failure without /proc has a hint of its own; stderr:\n%s", out)
	}
}

// TestHintSupervise: supervise alone gives the same hint once, again only
// after the cause went away (a start succeeded) and came back; a second
// supervise on the directory says who holds the lock.
func TestHintSupervise(t *testing.T) {
	parent := serviceTree(t, map[string]string{"run": "#!/bin/sh\necho >> started\nsleep 0.1\n"})
	b := cmd{Dir: parent, MountProc: true}.startIsolated(t, "supervise", "sv")
	line := "supervise: fatal: unable to start sv/run: access denied"
	hint := "supervise: hint: sv/run is not executable: chmod +x sv/run"
	awaitRepeated(t, b, line, hint)

	run := filepath.Join(parent, "sv", "run")
	must(t, os.Chmod(run, 0o755))
	waitFor(t, patience, "./run to start", func() (bool, error) {
		_, err := os.Stat(filepath.Join(parent, "sv", "started"))
		return err == nil, err
	})
	must(t, os.Chmod(run, 0o644))
	before := countLines(b.Stderr.String(), line)
	waitFor(t, patience, "the hint again once the cause came back", func() (bool, error) {
		return countLines(b.Stderr.String(), hint) == 2, nil
	})
	waitFor(t, patience, "two more failures", func() (bool, error) {
		return countLines(b.Stderr.String(), line) >= before+3, nil
	})
	if n := countLines(b.Stderr.String(), hint); n != 2 {
		t.Errorf("hint printed %d times, want twice; stderr:\n%s", n, b.Stderr.String())
	}

	r := cmd{Dir: parent}.run(t, "supervise", "sv")
	want := "supervise: fatal: unable to acquire sv/supervise/lock: temporary failure\n" +
		"supervise: hint: another supervisor (pid " // the pid is the namespace's supervise, seen from here
	if r.Code != 111 || !strings.HasPrefix(r.Stderr, want) || !strings.HasSuffix(r.Stderr, ") holds sv/supervise/lock: sv is supervised there, not here\n") {
		t.Errorf("second supervise: %v", r)
	}
}
