// Command stop-bench measures stop latency: the time from the signal that
// stops a supervision tree to the end of its last process, for gotools'
// svscan, runit's runsvdir and s6-svscan in the same run, and prints a
// Markdown table:
//
//	make build && go run ./bench/stop [-n 10] [-services 20] [-gotools ./gotools]
//
// Each tree supervises N services whose ./run is `exec sleep`, which dies at
// once on TERM; a second round gives every service a logger, each suite its
// own (gotools' multilog, runit's svlogd, s6-log), which must read its pipe
// to the end. This program makes itself a child subreaper and starts the
// supervisor as its child, so every process of the tree ends up its child:
// the measurement ends when wait4 says there are no children left, with no
// polling. Each tree is stopped the way its suite documents:
//
//   - gotools svscan: TERM (it stops everything, loggers drained, then exits);
//   - s6-svscan: TERM (s6-svscanctl -t: services get TERM, loggers run to
//     end of input, s6-svscan waits for them);
//   - runsvdir: HUP (it sends TERM to every runsv and exits; each runsv
//     stops its service and logger, then exits). TERM would make runsvdir
//     exit alone and leave the services running.
//
// A last row runs gotools' svscan as PID 1 of a new PID namespace (unshare),
// the container case, with TERM to svscan; it ends when unshare has exited.
// Root is needed for that row only.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	n := flag.Int("n", 10, "stops measured per row")
	services := flag.Int("services", 20, "services per tree")
	gotools := flag.String("gotools", "./gotools", "the gotools binary")
	flag.Parse()
	if err := run(*n, *services, *gotools); err != nil {
		fmt.Fprintln(os.Stderr, "stop-bench:", err)
		os.Exit(1)
	}
}

// suite is one supervision tree program and how to stop it.
type suite struct {
	name   string
	argv   func(dir string) []string // the supervisor on scan directory dir
	stop   syscall.Signal
	logger string // log/run's command
	pid1   bool   // the supervisor runs as PID 1 under unshare
}

func run(n, services int, gotools string) error {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "stop-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "bin")
	os.Mkdir(bin, 0o755)
	if out, err := exec.Command(gotools, "install", bin).CombinedOutput(); err != nil {
		return fmt.Errorf("gotools install: %v %s", err, out)
	}
	svscan := filepath.Join(bin, "svscan")
	suites := []suite{
		{"gotools svscan", func(d string) []string { return []string{svscan, d} }, syscall.SIGTERM,
			filepath.Join(bin, "multilog") + " t ./main", false},
		{"s6-svscan 2.11", func(d string) []string { return []string{"/usr/bin/s6-svscan", d} }, syscall.SIGTERM,
			"/usr/bin/s6-log t ./main", false},
		{"runit runsvdir 2.1.2", func(d string) []string { return []string{"/usr/bin/runsvdir", d} }, syscall.SIGHUP,
			"mkdir -p main && exec /usr/bin/svlogd -tt ./main", false},
	}
	if os.Geteuid() == 0 {
		suites = append(suites, suite{"gotools svscan as PID 1 (unshare)", func(d string) []string {
			return []string{"/usr/bin/unshare", "--pid", "--fork", "--kill-child", "--mount-proc", svscan, d}
		}, syscall.SIGTERM, filepath.Join(bin, "multilog") + " t ./main", true})
	}
	fmt.Printf("Stop latency, %d services, median (max) of %d stops, ms:\n\n", services, n)
	fmt.Println("| supervisor | services | services + loggers |")
	fmt.Println("|---|---|---|")
	for k, s := range suites {
		if _, err := os.Stat(s.argv("")[0]); err != nil {
			fmt.Fprintf(os.Stderr, "stop-bench: skipping %s: %v\n", s.name, err)
			continue
		}
		var cells []string
		for _, logged := range []bool{false, true} {
			var times []time.Duration
			for i := range n {
				dir := filepath.Join(tmp, fmt.Sprintf("%d-%v-%d", k, logged, i))
				d, err := measure(s, dir, services, logged)
				if err != nil {
					return fmt.Errorf("%s: %w", s.name, err)
				}
				times = append(times, d)
			}
			slices.Sort(times)
			cells = append(cells, fmt.Sprintf("%.1f (%.1f)", ms(times[len(times)/2]), ms(times[len(times)-1])))
		}
		fmt.Printf("| %s | %s | %s |\n", s.name, cells[0], cells[1])
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// measure builds a tree in dir, starts s on it, waits until every service
// (and logger) runs, then stops it and times the end of its last process.
func measure(s suite, dir string, services int, logged bool) (time.Duration, error) {
	for i := range services {
		sv := filepath.Join(dir, fmt.Sprintf("s%02d", i))
		if err := os.MkdirAll(sv, 0o755); err != nil {
			return 0, err
		}
		write(filepath.Join(sv, "run"), "#!/bin/sh\necho $$ > up\nexec sleep 100000\n")
		if logged {
			os.Mkdir(filepath.Join(sv, "log"), 0o755)
			write(filepath.Join(sv, "log", "run"), "#!/bin/sh\necho $$ > up\n"+s.logger+"\n")
		}
	}
	argv := s.argv(dir)
	null, err := os.Open(os.DevNull)
	if err != nil {
		return 0, err
	}
	defer null.Close()
	pid, err := syscall.ForkExec(argv[0], argv, &syscall.ProcAttr{
		Dir:   dir,
		Env:   []string{"PATH=/usr/bin:/bin"},
		Files: []uintptr{null.Fd(), null.Fd(), os.Stderr.Fd()},
		Sys:   &syscall.SysProcAttr{Setsid: true},
	})
	if err != nil {
		return 0, err
	}
	defer killAll(pid)
	if err := untilUp(dir, services, logged); err != nil {
		return 0, err
	}
	target := pid
	if s.pid1 {
		if target, err = onlyChild(pid); err != nil {
			return 0, err
		}
	}
	start := time.Now()
	if err := syscall.Kill(target, s.stop); err != nil {
		return 0, err
	}
	var late atomic.Bool
	limit := time.AfterFunc(stopLimit, func() { late.Store(true); killChildren() })
	defer limit.Stop()
	for {
		_, err := syscall.Wait4(-1, nil, 0, nil)
		switch {
		case errors.Is(err, syscall.ECHILD) && late.Load():
			return 0, fmt.Errorf("the tree in %s did not stop within %v", dir, stopLimit)
		case errors.Is(err, syscall.ECHILD):
			return time.Since(start), nil
		case err != nil && !errors.Is(err, syscall.EINTR):
			return 0, err
		}
	}
}

// stopLimit bounds a stop: a tree still running then is killed and the
// measurement fails.
const stopLimit = 60 * time.Second

func write(path, text string) {
	if err := os.WriteFile(path, []byte(text), 0o755); err != nil {
		panic(err)
	}
}

// untilUp waits until every ./run (and log/run) has written its up file,
// just before its exec, then lets the tree settle for settle.
func untilUp(dir string, services int, logged bool) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		up := 0
		for i := range services {
			sv := filepath.Join(dir, fmt.Sprintf("s%02d", i))
			if exists(filepath.Join(sv, "up")) && (!logged || exists(filepath.Join(sv, "log", "up"))) {
				up++
			}
		}
		if up == services {
			time.Sleep(settle)
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("services not up within 60 s in %s", dir)
}

// settle is the pause between the last up file and the stop signal: the
// scripts have exec'd their programs, and the supervisors are idle.
const settle = 300 * time.Millisecond

func exists(file string) bool {
	_, err := os.Stat(file)
	return err == nil
}

// onlyChild is the one child of pid (unshare's: the namespace's PID 1).
func onlyChild(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b))
	if len(f) != 1 {
		return 0, fmt.Errorf("unshare has children %q", f)
	}
	return strconv.Atoi(f[0])
}

// killAll ends whatever is left after a failed measurement: the
// supervisor's session and then every child of ours, until none is left.
func killAll(pid int) {
	syscall.Kill(-pid, syscall.SIGKILL)
	for {
		if _, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil); err != nil {
			return
		}
		killChildren()
		time.Sleep(time.Millisecond)
	}
}

// killChildren sends SIGKILL to every child of this process (whatever
// was reparented to it included).
func killChildren() {
	tasks, _ := filepath.Glob("/proc/self/task/*/children")
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		for _, k := range strings.Fields(string(b)) {
			if p, err := strconv.Atoi(k); err == nil {
				syscall.Kill(p, syscall.SIGKILL)
			}
		}
	}
}
