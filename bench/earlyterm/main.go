// Command earlyterm measures how long after exec a TERM still kills a
// program with the runtime's default action (exit status 143) instead of
// reaching its handler: gotools' svscan (empty scan directory) and
// supervise (a service that is down), against floor, a Go program that
// calls signal.Notify first thing in main. Each program is started -n
// times and sent TERM after a delay drawn uniformly from [0, -max]; the
// share killed times -max estimates the window. Prints a Markdown table:
//
//	make build && go run ./bench/earlyterm [-n 200] [-max 2.5ms] [-gotools ./gotools]
package main

import (
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	n := flag.Int("n", 200, "tries per program")
	max := flag.Duration("max", 2500*time.Microsecond, "largest delay before TERM")
	gotools := flag.String("gotools", "./gotools", "the gotools binary")
	flag.Parse()
	if err := run(*n, *max, *gotools); err != nil {
		fmt.Fprintln(os.Stderr, "earlyterm:", err)
		os.Exit(1)
	}
}

func run(n int, max time.Duration, gotools string) error {
	tmp, err := os.MkdirTemp("", "earlyterm-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	floor := filepath.Join(tmp, "floor")
	build := exec.Command("go", "build", "-o", floor, "./bench/earlyterm/floor")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building floor: %v\n%s", err, out)
	}
	scan, sv := filepath.Join(tmp, "scan"), filepath.Join(tmp, "sv")
	for _, d := range []string{scan, sv} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return err
		}
	}
	if err := os.WriteFile(filepath.Join(sv, "down"), nil, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(sv, "run"), []byte("#!/bin/sh\nexec sleep 1000000\n"), 0o755); err != nil {
		return err
	}
	programs := []struct {
		name string
		argv []string
	}{
		{"floor (signal.Notify first in main)", []string{floor}},
		{"gotools svscan", []string{gotools, "svscan", scan}},
		{"gotools supervise", []string{gotools, "supervise", sv}},
	}
	fmt.Printf("| program | killed by TERM 0–%v after exec | window ≈ |\n|---|---|---|\n", max)
	for _, p := range programs {
		killed, err := tries(p.argv, n, max)
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		window := time.Duration(float64(max) * float64(killed) / float64(n)).Round(10 * time.Microsecond)
		fmt.Printf("| %s | %d of %d | %v |\n", p.name, killed, n, window)
	}
	return nil
}

// tries starts argv n times, sends TERM after a random delay and counts
// the runs it killed; any status but 0 and 143 is an error.
func tries(argv []string, n int, max time.Duration) (killed int, err error) {
	for range n {
		x := exec.Command(argv[0], argv[1:]...)
		if err := x.Start(); err != nil {
			return 0, err
		}
		time.Sleep(rand.N(max + 1))
		x.Process.Signal(syscall.SIGTERM)
		err := x.Wait()
		var exit *exec.ExitError
		switch {
		case err == nil:
		case errors.As(err, &exit) && exit.Sys().(syscall.WaitStatus).Signal() == syscall.SIGTERM:
			killed++
		default:
			return 0, err
		}
	}
	return killed, nil
}
