package integration

// TERM in the first milliseconds of svscan and supervise (docs/svscan.md,
// docs/supervise.md): caught since the binary's initialisation, it stops
// them in order; only the Go runtime's own start-up remains a window in
// which TERM kills them (status 143).

import (
	"bufio"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// earlyTermCases are the programs under test, each with nothing to
// supervise, so that a try leaves no process behind whatever happens: an
// empty scan directory, and a service that is down.
func earlyTermCases(t *testing.T) map[string][]string {
	scan := t.TempDir()
	sv := filepath.Join(t.TempDir(), "sv")
	writeFiles(t, sv, map[string]string{"down": "", "run": "#!/bin/sh\nexec sleep 1000000\n"})
	must(t, os.Chmod(filepath.Join(sv, "run"), 0o755))
	return map[string][]string{"svscan": {"svscan", scan}, "supervise": {"supervise", sv}}
}

// startEarly starts argv from binDir, with trace under
// GODEBUG=inittrace=1, so that the runtime reports on stderr each package
// it has initialised.
func startEarly(t *testing.T, argv []string, trace bool) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	x := exec.Command(filepath.Join(binDir, argv[0]), argv[1:]...)
	x.Env = hermeticEnv(t, binDir, nil)
	if trace {
		x.Env = append(x.Env, "GODEBUG=inittrace=1")
	}
	stderr, err := x.StderrPipe()
	must(t, err)
	must(t, x.Start())
	t.Cleanup(func() { x.Process.Kill() }) // finish waits for it
	return x, bufio.NewReader(stderr)
}

// finish waits up to 20 s for x to exit and returns its exit code and
// the lines it wrote on stderr that are not the runtime's init trace.
func finish(t *testing.T, x *exec.Cmd, stderr *bufio.Reader) (int, string) {
	t.Helper()
	type outcome struct {
		err  error
		rest string
	}
	done := make(chan outcome, 1)
	go func() {
		var rest strings.Builder
		for {
			line, err := stderr.ReadString('\n')
			if !strings.HasPrefix(line, "init ") {
				rest.WriteString(line)
			}
			if err != nil {
				break
			}
		}
		done <- outcome{x.Wait(), rest.String()}
	}()
	select {
	case o := <-done:
		return exitCode(t, o.err), o.rest
	case <-time.After(20 * time.Second):
		x.Process.Kill()
		t.Fatalf("%v has not exited 20 s after TERM", x.Args)
	}
	return 0, ""
}

// TestEarlyTermOnceCaught: from the moment the runtime reports the
// package that catches the stop signals as initialised — before main
// runs, before any argument is parsed or any file opened — a TERM stops
// svscan and supervise in order (exit 0, nothing on stderr), whenever in
// their start-up it comes. 50 tries each, TERM 0–2 ms after that moment.
func TestEarlyTermOnceCaught(t *testing.T) {
	const marker = "init gotools/applets/earlysignal "
	for name, argv := range earlyTermCases(t) {
		t.Run(name, func(t *testing.T) {
			for try := range 50 {
				x, stderr := startEarly(t, argv, true)
				var trace []string
				for {
					line, err := stderr.ReadString('\n')
					trace = append(trace, line)
					if strings.HasPrefix(line, marker) {
						break
					}
					if err != nil {
						t.Fatalf("try %d: no %q in the init trace:\n%s", try, marker, strings.Join(trace, ""))
					}
				}
				delay := time.Duration(rand.IntN(2000)) * time.Microsecond
				time.Sleep(delay) // the moment under test, not a synchronisation
				must(t, x.Process.Signal(syscall.SIGTERM))
				if code, out := finish(t, x, stderr); code != 0 || out != "" {
					t.Fatalf("try %d, TERM %v after initialisation: exit %d, stderr %q; want 0 and nothing", try, delay, code, out)
				}
			}
		})
	}
}

// TestEarlyTermWindow: TERM 0–3 ms after exec either stops the program in
// order (0) or, while the Go runtime is still starting, kills it (143):
// never another status, never a hang. The tries that got 143 measure the
// window left (logged; BENCHMARKS.md compares it with a Go program that
// does nothing before signal.Notify).
func TestEarlyTermWindow(t *testing.T) {
	for name, argv := range earlyTermCases(t) {
		t.Run(name, func(t *testing.T) {
			var killed []time.Duration
			for try := range 50 {
				x, stderr := startEarly(t, argv, false)
				delay := time.Duration(rand.IntN(3000)) * time.Microsecond
				time.Sleep(delay) // the moment under test, not a synchronisation
				must(t, x.Process.Signal(syscall.SIGTERM))
				switch code, out := finish(t, x, stderr); {
				case code == 143:
					killed = append(killed, delay)
				case code != 0 || out != "":
					t.Fatalf("try %d, TERM %v after exec: exit %d, stderr %q; want 0 and nothing, or 143", try, delay, code, out)
				}
			}
			t.Logf("%s: %d of 50 killed by TERM 0–3 ms after exec, at %v", name, len(killed), killed)
		})
	}
}
