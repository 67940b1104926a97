package integration

// Container mode (docs/svscan.md; docs/differences.md): svscan as
// PID 1 of a new PID namespace, with a foreground command, essential
// services and the exit status a runtime reads. Each scenario runs in two
// boxes: a PID namespace on this machine's files, and a minimal root
// filesystem built from examples/container/Dockerfile (Debian's
// busybox-static for /bin/sh and the static gotools binary, nothing else),
// entered with chroot: proof that the one binary is enough.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// box is where a container test runs svscan as PID 1 of a new PID
// namespace: this machine's files (root ""), or a root directory built
// from the example Dockerfile.
type box struct {
	root string
	dir  string // the test's own directory, as seen inside the box
}

// at is where path (as seen inside the box) is from here.
func (b box) at(path string) string { return filepath.Join(b.root, path) }

// inBoxes runs scenario in a namespace on this machine's files and in the
// minimal root filesystem.
func inBoxes(t *testing.T, scenario func(t *testing.T, b box)) {
	t.Run("namespace", func(t *testing.T) {
		t.Parallel()
		scenario(t, box{dir: t.TempDir()})
	})
	t.Run("rootfs", func(t *testing.T) {
		t.Parallel()
		root := exampleImage(t)
		dir, err := os.MkdirTemp(filepath.Join(root, "srv"), "test-")
		must(t, err)
		t.Cleanup(func() { os.RemoveAll(dir) })
		scenario(t, box{root: root, dir: strings.TrimPrefix(dir, root)})
	})
}

// start runs `svscan ARGS...` as PID 1 of a new PID namespace (with its
// own /proc) in the box, stdin as given.
func (b box) start(t *testing.T, stdin string, args ...string) *background {
	t.Helper()
	c := cmd{Dir: b.at(b.dir), MountProc: true, Stdin: stdin}
	argv := append([]string{"svscan"}, args...)
	if b.root != "" {
		c.Unshare = []string{"--root=" + b.root, "--wd=" + b.dir}
		argv = append([]string{"/bin/gotools"}, argv...)
	}
	return c.startIsolated(t, argv...)
}

// service writes a service directory NAME (in the box's directory) from
// files: "run", "log/run", "finish", "essential", ...; scripts are made
// executable.
func (b box) service(t *testing.T, name string, files map[string]string) string {
	t.Helper()
	sv := b.at(filepath.Join(b.dir, "s", name))
	for file, text := range files {
		path := filepath.Join(sv, file)
		must(t, os.MkdirAll(filepath.Dir(path), 0o755))
		mode := os.FileMode(0o644)
		if strings.HasPrefix(text, "#!") {
			mode = 0o755
		}
		must(t, os.WriteFile(path, []byte(text), mode))
	}
	return sv
}

// scanDir is the scan directory as the box sees it (svscan's argument).
func (b box) scanDir() string { return filepath.Join(b.dir, "s") }

// svc runs gotools' svc (from here) on services of the box.
func (b box) svc(t *testing.T, args ...string) {
	t.Helper()
	if r := (cmd{Dir: b.at(b.scanDir())}).run(t, append([]string{"svc"}, args...)...); r != (result{}) {
		t.Fatalf("svc %q: %v", args, r)
	}
}

// Run scripts for busybox's sh and dash alike.
const (
	// chatty writes 500 numbered lines, says ready, and says bye on TERM.
	chattyRun = `#!/bin/sh
exec 2>&1
i=0
while [ $i -lt 500 ]; do i=$((i+1)); echo "line $i"; done
trap 'echo bye; exit 0' TERM
echo ready
while :; do sleep 100 & wait $!; done
`
	stampedLogRun = "#!/bin/sh\nexec multilog t 1 ./main\n"
	upRun         = "#!/bin/sh\necho $$ >> pids\nexec sleep 1000000\n"
)

// chattyLines is what chattyRun logs when it is stopped.
func chattyLines() []string {
	var want []string
	for i := 1; i <= 500; i++ {
		want = append(want, fmt.Sprintf("line %d", i))
	}
	return append(want, "ready", "bye")
}

// stdoutLines are the lines svscan's stdout got from one logger's `1`
// action whose service prefixes nothing: stamps removed, those that
// belong to the given set.
func stdoutLines(out string, belong func(string) bool) []string {
	var lines []string
	for _, line := range strings.Split(out, "\n") {
		if _, rest, ok := strings.Cut(line, " "); ok && strings.HasPrefix(line, "@") && belong(rest) {
			lines = append(lines, rest)
		}
	}
	return lines
}

// TestContainerStop: TERM to svscan as PID 1 stops every service and
// every logger; each logger reads its pipe to the end (no line lost, in
// its log directory and on svscan's stdout through multilog's 1), and
// svscan exits 0 well before a long stop timeout. With a service that
// ignores TERM and a short stop timeout, that service is killed at the
// deadline and svscan still exits 0.
func TestContainerStop(t *testing.T) {
	inBoxes(t, func(t *testing.T, b box) {
		for _, stubborn := range []bool{false, true} {
			t.Run(fmt.Sprintf("stubborn %v", stubborn), func(t *testing.T) {
				b := b
				b.dir = filepath.Join(b.dir, strconv.FormatBool(stubborn))
				names := []string{"a", "b", "c"}
				for _, name := range names {
					b.service(t, name, map[string]string{"run": chattyRun, "log/run": stampedLogRun})
				}
				timeout := "--stop-timeout=60s"
				if stubborn {
					b.service(t, "stubborn", map[string]string{"run": "#!/bin/sh\ntrap '' TERM\necho hi\nexec sleep 1000000\n", "log/run": stampedLogRun})
					timeout = "--stop-timeout=1s"
				}
				tree := b.start(t, "", timeout, b.scanDir())
				for _, name := range names {
					waitLogged(t, b.at(filepath.Join(b.scanDir(), name, "log", "main")), "ready")
				}
				if stubborn {
					waitLogged(t, b.at(filepath.Join(b.scanDir(), "stubborn", "log", "main")), "hi")
				}
				start := time.Now()
				tree.signal(t, syscall.SIGTERM)
				if code := tree.wait(t); code != 0 {
					t.Errorf("svscan exited %d, want 0; stderr %q", code, tree.Stderr.String())
				}
				took := time.Since(start)
				switch {
				case stubborn && took < time.Second:
					t.Errorf("stopped in %v, before the 1 s stop timeout killed the stubborn service", took)
				case !stubborn && took > 20*time.Second:
					t.Errorf("stopped in %v, want far less than the 60 s stop timeout", took)
				}
				want := chattyLines()
				for _, name := range names {
					if got := logged(t, b.at(filepath.Join(b.scanDir(), name, "log", "main"))); !slices.Equal(got, want) {
						t.Errorf("%s's log: %d lines, want the %d written, ending in bye; last: %q", name, len(got), len(want), got[max(0, len(got)-3):])
					}
				}
				// The three loggers copy to one stdout: every line three
				// times, each logger's in order.
				counts := map[string]int{}
				for _, line := range stdoutLines(tree.Stdout.String(), func(string) bool { return true }) {
					counts[line]++
				}
				for _, line := range want {
					if counts[line] != len(names) {
						t.Errorf("%q on svscan's stdout %d times, want %d", line, counts[line], len(names))
						break
					}
				}
			})
		}
	})
}

// TestContainerStopsStragglers: a daemon that left its service's session
// (setsid) is not stopped with the service; once the tree is down, svscan
// as PID 1 sends it TERM and waits for it before exiting, rather than let
// the kernel kill it with SIGKILL.
func TestContainerStopsStragglers(t *testing.T) {
	inBoxes(t, func(t *testing.T, b box) {
		b.service(t, "d", map[string]string{
			"run": `#!/bin/sh
setsid sh -c 'trap "echo bye > ../daemon; exit 0" TERM; echo up > ../daemon; while :; do sleep 0.1; done' &
exec sleep 1000000
`,
		})
		tree := b.start(t, "", b.scanDir())
		daemon := b.at(filepath.Join(b.scanDir(), "daemon"))
		waitFor(t, patience, "the daemon", func() (bool, error) { return slices.Equal(readLines(t, daemon), []string{"up"}), nil })
		tree.signal(t, syscall.SIGTERM)
		if code := tree.wait(t); code != 0 {
			t.Errorf("svscan exited %d, want 0", code)
		}
		if got := readLines(t, daemon); !slices.Equal(got, []string{"bye"}) {
			t.Errorf("the daemon wrote %q, want bye: it did not get TERM", got)
		}
	})
}

// TestContainerReapsOrphans: a service that double-forks children which
// exit leaves no zombie behind svscan as PID 1.
func TestContainerReapsOrphans(t *testing.T) {
	inBoxes(t, func(t *testing.T, b box) {
		b.service(t, "f", map[string]string{
			"run": "#!/bin/sh\nfor i in 1 2 3 4 5; do (sleep 0.2 &); done\necho forked >> forks\nexec sleep 1000000\n",
		})
		tree := b.start(t, "", b.scanDir())
		forks := b.at(filepath.Join(b.scanDir(), "f", "forks"))
		waitFor(t, patience, "the forks", func() (bool, error) { return len(readLines(t, forks)) == 1, nil })
		b.svc(t, "-k", "f")
		waitFor(t, patience, "the second forks", func() (bool, error) { return len(readLines(t, forks)) == 2, nil })
		waitFor(t, patience, "the orphans to be reaped", func() (bool, error) {
			procs := nsProcs(t, tree.innerPid(t))
			sleeps := 0
			for _, p := range procs {
				if p.Name == "sleep" {
					sleeps++
				}
			}
			return sleeps == 1 && len(zombies(t, tree.innerPid(t))) == 0, fmt.Errorf("processes %v", procs)
		})
		tree.signal(t, syscall.SIGTERM)
		if code := tree.wait(t); code != 0 {
			t.Errorf("svscan exited %d, want 0", code)
		}
	})
}

// TestContainerSurvivesSignals: a Go program dies of some signals sent
// to it (ABRT, SEGV, SYS, ...) unless it catches them; as PID 1 svscan
// must survive every signal it does not act on, sent from outside the
// namespace as `docker kill -s` does, and go on supervising.
func TestContainerSurvivesSignals(t *testing.T) {
	inBoxes(t, func(t *testing.T, b box) {
		b.service(t, "a", map[string]string{"run": upRun})
		tree := b.start(t, "", b.scanDir())
		dir := b.at(b.scanDir())
		pid := waitUp(t, dir, "a")
		init := tree.innerPid(t)
		for sig := syscall.Signal(1); sig <= 64; sig++ {
			switch sig {
			case syscall.SIGKILL, syscall.SIGSTOP, syscall.SIGTERM, syscall.SIGINT, syscall.SIGQUIT:
				continue
			}
			if err := syscall.Kill(init, sig); err != nil {
				t.Fatalf("kill %d: %v", sig, err)
			}
		}
		// A round trip through svscan's loop: by then every signal has
		// been delivered.
		b.svc(t, "-k", "a")
		waitNewPid(t, dir, "a", pid)
		select {
		case <-tree.done:
			t.Fatalf("svscan died: %v; stderr %.300q", tree.err, tree.Stderr.String())
		default:
		}
		tree.signal(t, syscall.SIGTERM)
		if code := tree.wait(t); code != 0 {
			t.Errorf("svscan exited %d, want 0; stderr %.300q", code, tree.Stderr.String())
		}
	})
}

// TestContainerCommand: `svscan DIR -- COMMAND` runs COMMAND with
// svscan's stdin and stdout once the tree is up, then stops the tree (the
// logger drains) and exits with COMMAND's status, 128+N for signal N; TERM
// to svscan goes on to COMMAND.
func TestContainerCommand(t *testing.T) {
	inBoxes(t, func(t *testing.T, b box) {
		for _, tc := range []struct {
			name, script string
			stdin        string
			term         bool // TERM to svscan once COMMAND runs
			code         int
			stdout       string
		}{
			{"exit 0", "cat; exit 0", "from stdin\n", false, 0, "from stdin\n"},
			{"exit 3", "exit 3", "", false, 3, ""},
			{"killed by USR1", "kill -USR1 $$", "", false, 128 + 10, ""},
			{"TERM to svscan", "trap 'echo got TERM; exit 42' TERM; echo waiting; touch trapped; while :; do sleep 0.1; done", "", true, 42, "waiting\ngot TERM\n"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				b := b
				b.dir = filepath.Join(b.dir, strings.ReplaceAll(tc.name, " ", "-"))
				b.service(t, "talker", map[string]string{"run": chattyRun, "log/run": "#!/bin/sh\nexec multilog t ./main\n"})
				logdir := b.at(filepath.Join(b.scanDir(), "talker", "log", "main"))
				// COMMAND waits for the service first: the tree is up.
				script := "while [ ! -e " + filepath.Join(b.scanDir(), "talker", "log", "main", "current") + " ]; do sleep 0.05; done; " + tc.script
				tree := b.start(t, tc.stdin, b.scanDir(), "--", "sh", "-c", script)
				if tc.term {
					waitFor(t, patience, "COMMAND's TERM trap", func() (bool, error) {
						_, err := os.Stat(b.at(filepath.Join(b.dir, "trapped")))
						return err == nil, err
					})
					tree.signal(t, syscall.SIGTERM)
				}
				if code := tree.wait(t); code != tc.code {
					t.Errorf("svscan exited %d, want %d; stderr %q", code, tc.code, tree.Stderr.String())
				}
				if got := tree.Stdout.String(); got != tc.stdout {
					t.Errorf("stdout %q, want %q", got, tc.stdout)
				}
				if got := logged(t, logdir); !slices.Equal(got, chattyLines()) {
					t.Errorf("talker's log: %d lines, want %d ending in bye", len(got), len(chattyLines()))
				}
			})
		}
		t.Run("not found", func(t *testing.T) {
			b := b
			b.dir = filepath.Join(b.dir, "not-found")
			b.service(t, "a", map[string]string{"run": upRun})
			tree := b.start(t, "", b.scanDir(), "--", "nonexistent-program")
			if code := tree.wait(t); code != 111 {
				t.Errorf("svscan exited %d, want 111", code)
			}
			if got, want := tree.Stderr.String(), "svscan: fatal: unable to run nonexistent-program: file does not exist\n"; got != want {
				t.Errorf("stderr %q, want %q", got, want)
			}
			if _, err := os.Stat(b.at(filepath.Join(b.scanDir(), "a", "pids"))); err == nil {
				t.Errorf("a was started; the tree should not start without its command")
			}
		})
	})
}

// TestContainerEssential: a service with a file named essential that
// stops for good (svc -d, svc -o, ./finish exiting 125) stops the tree,
// and svscan exits with that ./run's status; restarted as usual while it
// is wanted up.
func TestContainerEssential(t *testing.T) {
	inBoxes(t, func(t *testing.T, b box) {
		for _, tc := range []struct {
			name  string
			files map[string]string
			svc   []string // sent once the service is up
			code  int
		}{
			{"finish 125", map[string]string{"run": "#!/bin/sh\nuntil grep -qs ready ../other/log/main/current; do sleep 0.05; done\nexit 4\n", "finish": "#!/bin/sh\nexit 125\n"}, nil, 4},
			{"svc -d, exits 0 on TERM", map[string]string{"run": "#!/bin/sh\ntrap 'exit 0' TERM\necho $$ >> pids\nwhile :; do sleep 0.1; done\n"}, []string{"-d"}, 0},
			{"svc -d, killed by TERM", map[string]string{"run": upRun}, []string{"-d"}, 128 + 15},
			{"svc -o, then killed", map[string]string{"run": upRun}, []string{"-o", "-k"}, 128 + 9},
		} {
			t.Run(tc.name, func(t *testing.T) {
				b := b
				b.dir = filepath.Join(b.dir, strings.NewReplacer(" ", "-", ",", "").Replace(tc.name))
				tc.files["essential"] = ""
				b.service(t, "e", tc.files)
				b.service(t, "other", map[string]string{"run": chattyRun, "log/run": "#!/bin/sh\nexec multilog t ./main\n"})
				tree := b.start(t, "", b.scanDir())
				dir := b.at(b.scanDir())
				waitLogged(t, filepath.Join(dir, "other", "log", "main"), "ready")
				if tc.svc != nil {
					// Each of these runs has written its pid once its traps are set.
					waitFor(t, patience, "e running", func() (bool, error) {
						return len(readLines(t, filepath.Join(dir, "e", "pids"))) == 1, nil
					})
					for _, c := range tc.svc {
						b.svc(t, c, "e")
					}
				}
				if code := tree.wait(t); code != tc.code {
					t.Errorf("svscan exited %d, want %d; stderr %q", code, tc.code, tree.Stderr.String())
				}
				if got := logged(t, filepath.Join(dir, "other", "log", "main")); !slices.Equal(got, chattyLines()) {
					t.Errorf("other's log: %d lines, want %d ending in bye", len(got), len(chattyLines()))
				}
			})
		}
		t.Run("wanted up", func(t *testing.T) {
			b := b
			b.dir = filepath.Join(b.dir, "wanted-up")
			b.service(t, "e", map[string]string{"run": "#!/bin/sh\necho $$ >> pids\nexit 4\n", "essential": ""})
			tree := b.start(t, "", b.scanDir())
			waitFor(t, patience, "e restarted", func() (bool, error) {
				return len(readLines(t, b.at(filepath.Join(b.scanDir(), "e", "pids")))) >= 2, nil
			})
			tree.signal(t, syscall.SIGTERM)
			if code := tree.wait(t); code != 0 {
				t.Errorf("svscan exited %d, want 0", code)
			}
		})
	})
}

// TestContainerTerminal: with a terminal (a pty as svscan's controlling
// terminal, as `docker run -it` gives PID 1) COMMAND's process group is
// the terminal's foreground: Ctrl-C reaches COMMAND and not svscan, whose
// services go on; COMMAND reads the terminal; its exit status is svscan's.
func TestContainerTerminal(t *testing.T) {
	inBoxes(t, func(t *testing.T, b box) {
		b.service(t, "a", map[string]string{"run": upRun})
		const script = `read a b c d pgrp sess tty tpgid rest < /proc/self/stat
echo "pid=$$ pgrp=$pgrp tpgid=$tpgid"
trap 'echo interrupted' INT
echo ready
while :; do
	if read line; then echo "got $line"; [ "$line" = quit ] && exit 7; fi
done
`
		term := b.startOnTerminal(t, b.scanDir(), "--", "sh", "-c", script)
		term.waitOutput(t, "ready")
		if m := regexp.MustCompile(`pid=(\d+) pgrp=(\d+) tpgid=(\d+)`).FindStringSubmatch(term.output()); m == nil || m[1] != m[2] || m[2] != m[3] {
			t.Errorf("COMMAND's pid, process group, terminal's foreground group: %q, want all equal", m)
		}
		dir := b.at(b.scanDir())
		pid := waitUp(t, dir, "a")
		term.write(t, "\x03")
		term.waitOutput(t, "interrupted")
		term.write(t, "hello\n")
		term.waitOutput(t, "got hello")
		if n := strings.Count(term.output(), "interrupted"); n != 1 {
			t.Errorf("COMMAND interrupted %d times, want once (from the terminal only)", n)
		}
		if got, want := svstatLine(t, cmd{}, dir, "a"), fmt.Sprintf("a: up (pid %d) ", pid); !strings.HasPrefix(got, want) || strings.Contains(got, "want down") {
			t.Errorf("after Ctrl-C: %q, want a still up", got)
		}
		term.write(t, "quit\n")
		if code := term.wait(t); code != 7 {
			t.Errorf("svscan exited %d, want 7; terminal: %q", code, term.output())
		}
	})
}

// terminal is svscan running on a pty.
type terminal struct {
	*background
	master *os.File
	out    lockedBuffer
}

// startOnTerminal runs svscan ARGS... as PID 1 of a new namespace whose
// parent (unshare) is a session leader with a new pty as controlling
// terminal and stdio; svscan is then in the terminal's foreground group.
func (b box) startOnTerminal(t *testing.T, args ...string) *terminal {
	t.Helper()
	requireRoot(t)
	master, slave := openPty(t)
	defer slave.Close()
	argv := []string{"unshare", "--pid", "--fork", "--kill-child", "--mount-proc"}
	if b.root != "" {
		argv = append(argv, "--root="+b.root, "--wd="+b.dir, "/bin/gotools", "svscan")
	} else {
		argv = append(argv, "--wd="+b.dir, filepath.Join(binDir, "svscan"))
	}
	x := exec.Command(argv[0], append(argv[1:], args...)...)
	x.Env = hermeticEnv(t, binDir, nil)
	x.Stdin, x.Stdout, x.Stderr = slave, slave, slave
	x.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	term := &terminal{
		background: &background{Cmd: x, Stdout: nil, Stderr: new(lockedBuffer), done: make(chan struct{})},
		master:     master,
	}
	if err := x.Start(); err != nil {
		t.Fatalf("starting %q: %v", argv, err)
	}
	go func() { term.background.err = x.Wait(); close(term.done) }()
	go io.Copy(&term.out, master) // ends with EIO once every slave is closed
	t.Cleanup(func() {
		syscall.Kill(x.Process.Pid, syscall.SIGKILL)
		<-term.done
		master.Close()
	})
	return term
}

// openPty opens a new pseudo-terminal pair (the master unlocked).
func openPty(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	must(t, err)
	fd := int(master.Fd())
	must(t, unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0))
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	must(t, err)
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	must(t, err)
	return master, slave
}

func (term *terminal) output() string { return term.out.String() }

func (term *terminal) write(t *testing.T, s string) {
	t.Helper()
	if _, err := term.master.WriteString(s); err != nil {
		t.Fatalf("writing to the terminal: %v", err)
	}
}

func (term *terminal) waitOutput(t *testing.T, want string) {
	t.Helper()
	waitFor(t, patience, fmt.Sprintf("%q on the terminal", want), func() (bool, error) {
		return strings.Contains(term.output(), want), fmt.Errorf("terminal: %q", term.output())
	})
}

// TestContainerExample builds examples/container/Dockerfile into a root
// directory and runs its ENTRYPOINT as PID 1 in a private network: both
// example services come up and their lines reach svscan's stdout (what
// docker logs shows); `-- COMMAND` fetches the web service's page; TERM
// (docker stop) ends it all with status 0.
func TestContainerExample(t *testing.T) {
	root := exampleImage(t)
	entry := exampleEntrypoint(t)
	// A copy of the image's /service per run, as a container's writable
	// layer would be; run returns it as seen from here.
	run := func(t *testing.T, args ...string) (*background, string) {
		dir, err := os.MkdirTemp(filepath.Join(root, "srv"), "example-")
		must(t, err)
		t.Cleanup(func() { os.RemoveAll(dir) })
		service := filepath.Join(dir, "service")
		must(t, copyInto(root, filepath.Join(root, "service"), strings.TrimPrefix(service, root)))
		argv := slices.Clone(entry)
		if argv[len(argv)-1] != "/service" {
			t.Fatalf("entrypoint %q does not end in /service", entry)
		}
		argv[len(argv)-1] = strings.TrimPrefix(service, root)
		c := cmd{MountProc: true, Unshare: []string{"--root=" + root, "--net"}}
		return c.startIsolated(t, append(argv, args...)...), service
	}
	t.Run("docker stop", func(t *testing.T) {
		t.Parallel()
		tree, service := run(t)
		for _, sv := range []string{"web", "clock"} {
			// stdout is read only after exit; the same loggers write
			// the log directories.
			waitLogged(t, filepath.Join(service, sv, "log", "main"), map[string]string{
				"web": "web: serving ./www on port 8080", "clock": "clock: starting"}[sv])
		}
		tree.signal(t, syscall.SIGTERM)
		if code := tree.wait(t); code != 0 {
			t.Errorf("exit %d, want 0; stderr %q", code, tree.Stderr.String())
		}
		out := tree.Stdout.String()
		for _, want := range []string{"web: serving ./www on port 8080", "clock: starting", "clock: stopping"} {
			if !strings.Contains(out, want) {
				t.Errorf("stdout lacks %q:\n%s", want, out)
			}
		}
		if s := tree.Stderr.String(); s != "" {
			t.Errorf("stderr %q", s)
		}
	})
	t.Run("foreground command", func(t *testing.T) {
		t.Parallel()
		tree, _ := run(t, "--", "sh", "-c",
			`ip link set lo up && for i in $(seq 100); do wget -q -O - http://127.0.0.1:8080/ && exit 0; sleep 0.1; done; exit 1`)
		if code := tree.wait(t); code != 0 {
			t.Errorf("exit %d, want 0; stderr %q", code, tree.Stderr.String())
		}
		if out := tree.Stdout.String(); !strings.Contains(out, "<p>Hello from a service supervised by gotools.</p>") {
			t.Errorf("stdout lacks the page:\n%s", out)
		}
	})
}

// The example image, built once for all tests.
var (
	imageOnce  sync.Once
	imageRoot  string
	imageEntry []string
	imageErr   error
)

// exampleImage is the root directory built from examples/container/
// Dockerfile, or the test is skipped when busybox-static is missing
// (failed with GOTOOLS_REQUIRE_DEBIAN).
func exampleImage(t *testing.T) string {
	t.Helper()
	requireRoot(t)
	if _, err := os.Stat(busyboxStatic); err != nil {
		if os.Getenv("GOTOOLS_REQUIRE_DEBIAN") != "" {
			t.Fatalf("Debian's busybox-static is not installed (apt-get install busybox-static): %v", err)
		}
		t.Skipf("Debian's busybox-static is not installed (%s): no shell for the minimal root filesystem", busyboxStatic)
	}
	imageOnce.Do(func() {
		imageRoot = filepath.Join(filepath.Dir(gotoolsBin), "image")
		imageEntry, imageErr = buildImage(imageRoot, filepath.Join("..", "examples", "container", "Dockerfile"))
		if imageErr == nil {
			imageErr = runtimeDevices(imageRoot)
		}
	})
	if imageErr != nil {
		t.Fatalf("building the example image: %v", imageErr)
	}
	must(t, os.MkdirAll(filepath.Join(imageRoot, "srv"), 0o755))
	return imageRoot
}

func exampleEntrypoint(t *testing.T) []string {
	exampleImage(t)
	return imageEntry
}

// busyboxStatic is Debian's statically linked busybox, the stand-in for
// the image's FROM busybox.
const busyboxStatic = "/bin/busybox"

// buildImage does what docker build does with the few instructions the
// example uses, in root: FROM busybox (Debian's busybox-static with a
// link per applet in /bin), COPY from the repository (the file gotools is
// the binary under test), RUN and ENTRYPOINT in exec form (JSON). Any
// other instruction is an error, so the example cannot drift from what
// this test proves. It returns the entrypoint.
func buildImage(root, dockerfile string) ([]string, error) {
	f, err := os.Open(dockerfile)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var entry []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		op, arg, _ := strings.Cut(line, " ")
		arg = strings.TrimSpace(arg)
		var err error
		switch op {
		case "FROM":
			err = fromBusybox(root, arg)
		case "COPY":
			from, to, _ := strings.Cut(arg, " ")
			if from == "gotools" {
				from = gotoolsBin
			} else {
				from = filepath.Join("..", from)
			}
			err = copyInto(root, from, to)
		case "RUN":
			var argv []string
			if err = json.Unmarshal([]byte(arg), &argv); err == nil {
				err = runInImage(root, argv...)
			}
		case "ENTRYPOINT":
			err = json.Unmarshal([]byte(arg), &entry)
		default:
			err = fmt.Errorf("unsupported instruction %q", op)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if entry == nil {
		return nil, fmt.Errorf("%s has no ENTRYPOINT", dockerfile)
	}
	return entry, nil
}

// fromBusybox lays out what a busybox image holds: /bin/busybox and a link
// per applet in /bin, and the directories a runtime mounts on (/proc).
func fromBusybox(root, image string) error {
	if !strings.HasPrefix(image, "busybox") {
		return fmt.Errorf("only busybox images are emulated, not %s", image)
	}
	for _, d := range []string{"bin", "proc", "tmp", "srv"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return err
		}
	}
	if err := copyInto(root, busyboxStatic, "/bin/busybox"); err != nil {
		return err
	}
	return runInImage(root, "/bin/busybox", "--install", "-s", "/bin")
}

// runtimeDevices makes the devices every container runtime gives a
// container in /dev, whatever the image: shells need /dev/null (busybox sh
// reads a background job's stdin from it).
func runtimeDevices(root string) error {
	if err := os.MkdirAll(filepath.Join(root, "dev"), 0o755); err != nil {
		return err
	}
	for name, minor := range map[string]int{"null": 3, "zero": 5} {
		path := filepath.Join(root, "dev", name)
		if err := unix.Mknod(path, unix.S_IFCHR|0o666, int(unix.Mkdev(1, uint32(minor)))); err != nil {
			return fmt.Errorf("mknod %s: %v", path, err)
		}
		if err := os.Chmod(path, 0o666); err != nil { // mknod's mode is cut by the umask
			return err
		}
	}
	return nil
}

// runInImage runs argv in root as docker build's RUN does: chroot, with a
// /proc of its own.
func runInImage(root string, argv ...string) error {
	unshare := []string{"--pid", "--fork", "--kill-child", "--mount-proc", "--root=" + root}
	if out, err := exec.Command("unshare", append(unshare, argv...)...).CombinedOutput(); err != nil {
		return fmt.Errorf("%v %s", err, out)
	}
	return nil
}

// copyInto copies the file or directory from (on this machine) to the
// path to inside root, as COPY does.
func copyInto(root, from, to string) error {
	fi, err := os.Stat(from)
	if err != nil {
		return err
	}
	dst := filepath.Join(root, to)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	args := []string{from, dst}
	if fi.IsDir() {
		args = []string{"-R", from, dst}
	}
	if out, err := exec.Command("cp", args...).CombinedOutput(); err != nil {
		return fmt.Errorf("cp %s: %v %s", from, err, out)
	}
	return nil
}
