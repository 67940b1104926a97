// Command supervise-bench measures one supervise process, Debian's and
// gotools', in the same run, and prints a Markdown table:
//
//	make build && go run ./bench/supervise [-n 20] [-gotools ./gotools]
//
// Latencies run Debian's svc (the same exec cost for both) and watch
// supervise/status in a tight loop (every 100 µs); each supervise runs as
// PID 1 of its own PID namespace (unshare, root needed) so nothing leaks.
//
//   - up: from starting `svc -u` on a down service to a pid in the status
//     and ./run running (its `exec sleep` done: gotools records the pid
//     before ./run runs, behind its start barrier), more than a second
//     after the previous start;
//   - restart: from the exit of ./run (SIGKILL sent by the benchmark itself,
//     so no svc start-up is counted) to the new pid in the status and the
//     new ./run running, more than a second after the previous start
//     (beyond the restart throttle);
//   - PSS: proportional set size of the supervise process, with ./run up,
//     after a few control commands.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	n := flag.Int("n", 20, "iterations per latency measurement")
	gotools := flag.String("gotools", "./gotools", "the gotools binary")
	flag.Parse()
	if err := run(*n, *gotools); err != nil {
		fmt.Fprintln(os.Stderr, "supervise-bench:", err)
		os.Exit(1)
	}
}

func run(n int, gotools string) error {
	tmp, err := os.MkdirTemp("", "supervise-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "bin")
	os.Mkdir(bin, 0o755)
	if out, err := exec.Command(gotools, "install", bin).CombinedOutput(); err != nil {
		return fmt.Errorf("gotools install: %v %s", err, out)
	}
	fmt.Println("| supervise | svc -u → ./run runs (median, µs) | exit → ./run runs again (median, µs) | PSS (KiB) |")
	fmt.Println("|---|---|---|---|")
	for _, impl := range []struct{ name, supervise string }{
		{"Debian 0.76", "/usr/bin/supervise"},
		{"gotools", filepath.Join(bin, "supervise")},
	} {
		up, err := measure(tmp, impl.supervise, true, func(s *service) (time.Duration, error) { return s.upLatency(n) })
		if err != nil {
			return err
		}
		restart, err := measure(tmp, impl.supervise, false, func(s *service) (time.Duration, error) { return s.restartLatency(n) })
		if err != nil {
			return err
		}
		pss, err := measure(tmp, impl.supervise, false, func(s *service) (time.Duration, error) { return s.pss() })
		if err != nil {
			return err
		}
		fmt.Printf("| %s | %d | %d | %d |\n", impl.name, up.Microseconds(), restart.Microseconds(), int64(pss))
	}
	return nil
}

// service is one supervise of PARENT/sv, running "exec sleep 1000".
type service struct {
	parent string
	cmd    *exec.Cmd
}

// measure runs f on a fresh service; PSS comes back as a Duration of KiB.
func measure(tmp, supervise string, down bool, f func(*service) (time.Duration, error)) (time.Duration, error) {
	parent, err := os.MkdirTemp(tmp, "sv-")
	if err != nil {
		return 0, err
	}
	sv := filepath.Join(parent, "sv")
	os.Mkdir(sv, 0o755)
	os.WriteFile(filepath.Join(sv, "run"), []byte("#!/bin/sh\nexec sleep 1000\n"), 0o755)
	if down {
		os.WriteFile(filepath.Join(sv, "down"), nil, 0o644)
	}
	c := exec.Command("unshare", "--pid", "--fork", "--kill-child", supervise, "sv")
	c.Dir = parent
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	c.Stderr = os.Stderr
	if err := c.Start(); err != nil {
		return 0, err
	}
	defer func() {
		syscall.Kill(-c.Process.Pid, syscall.SIGKILL)
		c.Wait()
	}()
	s := &service{parent, c}
	if err := s.until("supervise/ok", func() bool {
		_, err := os.Stat(filepath.Join(sv, "supervise/ok"))
		return err == nil
	}); err != nil {
		return 0, err
	}
	return f(s)
}

func (s *service) pid() uint32 {
	b, err := os.ReadFile(filepath.Join(s.parent, "sv/supervise/status"))
	if err != nil || len(b) < 18 {
		return 0
	}
	return uint32(b[12]) | uint32(b[13])<<8 | uint32(b[14])<<16 | uint32(b[15])<<24
}

func (s *service) until(what string, cond func() bool) error {
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Microsecond)
	}
	return nil
}

func (s *service) svc(opt string) error {
	c := exec.Command("/usr/bin/svc", opt, "sv")
	c.Dir = s.parent
	if out, err := c.CombinedOutput(); err != nil || len(out) > 0 {
		return fmt.Errorf("svc %s: %v %s", opt, err, out)
	}
	return nil
}

func (s *service) upLatency(n int) (time.Duration, error) {
	var times []time.Duration
	for range n {
		if err := s.svc("-d"); err != nil {
			return 0, err
		}
		if err := s.until("down", func() bool { return s.pid() == 0 }); err != nil {
			return 0, err
		}
		// Both start ./run at most once a second (Debian sleeps after each
		// start, gotools defers a start that comes sooner): measure beyond.
		time.Sleep(1100 * time.Millisecond)
		start := time.Now()
		if err := s.svc("-u"); err != nil {
			return 0, err
		}
		if err := s.until("up", func() bool { return s.pid() != 0 && s.runs() }); err != nil {
			return 0, err
		}
		times = append(times, time.Since(start))
	}
	return median(times), nil
}

func (s *service) restartLatency(n int) (time.Duration, error) {
	var times []time.Duration
	for range n {
		if err := s.until("up", func() bool { return s.pid() != 0 }); err != nil {
			return 0, err
		}
		old := s.pid()
		time.Sleep(1100 * time.Millisecond) // beyond the restart throttle
		run, err := s.supervisePid()
		if err == nil {
			run, err = onlyChild(run)
		}
		if err != nil {
			return 0, err
		}
		start := time.Now()
		if err := syscall.Kill(run, syscall.SIGKILL); err != nil {
			return 0, err
		}
		if err := s.until("restart", func() bool { p := s.pid(); return p != 0 && p != old && s.runs() }); err != nil {
			return 0, err
		}
		times = append(times, time.Since(start))
	}
	return median(times), nil
}

func (s *service) pss() (time.Duration, error) {
	if err := s.until("up", func() bool { return s.pid() != 0 }); err != nil {
		return 0, err
	}
	for _, opt := range []string{"-h", "-p", "-c"} {
		if err := s.svc(opt); err != nil {
			return 0, err
		}
	}
	time.Sleep(1100 * time.Millisecond) // Debian's post-start sleep, then the commands
	sup, err := s.supervisePid()
	if err != nil {
		return 0, err
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", sup))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "Pss:" {
			kib, err := strconv.Atoi(f[1])
			return time.Duration(kib), err
		}
	}
	return 0, fmt.Errorf("no Pss line")
}

// runs reports whether supervise's one child is ./run's sleep: the
// program itself runs (not a shell, nor gotools' start barrier).
func (s *service) runs() bool {
	sup, err := s.supervisePid()
	if err != nil {
		return false
	}
	run, err := onlyChild(sup)
	if err != nil {
		return false
	}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", run))
	return err == nil && string(comm) == "sleep\n"
}

// supervisePid is the supervise process (unshare's child), as we see it.
func (s *service) supervisePid() (int, error) {
	return onlyChild(s.cmd.Process.Pid)
}

// onlyChild is the one child of pid, as we see it. Each thread has its own
// list of children (a Go program forks from any of its threads).
func onlyChild(pid int) (int, error) {
	tasks, err := os.ReadDir(fmt.Sprintf("/proc/%d/task", pid))
	if err != nil {
		return 0, err
	}
	var kids []string
	for _, task := range tasks {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", pid, task.Name()))
		if err != nil {
			return 0, err
		}
		kids = append(kids, strings.Fields(string(b))...)
	}
	if len(kids) != 1 {
		return 0, fmt.Errorf("children of %d: %q", pid, kids)
	}
	return strconv.Atoi(kids[0])
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}
