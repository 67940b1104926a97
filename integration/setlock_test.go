package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// listFDs prints the shell's descriptors and what they point to (sh's own
// are the ones it was exec'd with).
const listFDs = `cd /proc/$$/fd && for f in *; do echo "$f $(readlink $f)"; done`

// TestSetlockDifferential compares the descriptors the program gets, the
// lock file's mode and contents, and every message with Debian's setlock.
func TestSetlockDifferential(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "existing"), []byte("keep me\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "busy"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, "noexec"), []byte("#!/bin/sh\n"), 0o644)
	holdLock(t, filepath.Join(dir, "busy"))
	c := cmd{Dir: dir}
	for _, argv := range [][]string{
		{"setlock", "lk", "sh", "-c", listFDs},
		{"setlock", "-n", "existing", "sh", "-c", "cat existing; stat -c %a existing"},
		{"setlock", "-N", "fresh", "sh", "-c", "stat -c '%a %s' fresh"},
		{"setlock", "held", "sh", "-c", "setlock -n held echo inner; echo $?; setlock -nx held echo inner; echo $?"},
		{"setlock", "-n", "busy", "true"},
		{"setlock", "-nx", "busy", "true"},
		{"setlock", "-nxX", "busy", "true"},
		{"setlock", "-xXx", "-n", "busy", "true"},
		{"setlock", "missing/lk", "true"},
		{"setlock", "-x", "missing/lk", "true"},
		{"setlock", ".", "true"},
		{"setlock", "-x", "lk2", "no-such-program"},
		{"setlock", "lk3", "no-such-program"},
		{"setlock", "lk3", "./noexec"},
		{"setlock", "lk3", "/"},
		{"setlock"},
		{"setlock", "lk4"},
		{"setlock", "-q", "lk4", "true"},
		{"setlock", "--", "lk5", "true"},
	} {
		t.Run(strings.Join(argv, " "), func(t *testing.T) { differential(t, runs(t, c, argv...)) })
	}
}

// TestPgrphackDifferential checks that the child leads its own session and
// process group, as with Debian's pgrphack.
func TestPgrphackDifferential(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "foo"), []byte("#!/bin/sh\n"), 0o644)
	leader := `set -- $(cat /proc/$$/stat); [ $1 = $5 ] && echo pgrp leader; [ $1 = $6 ] && echo session leader; true`
	if r := (cmd{}).run(t, "/bin/sh", "-c", leader); r.Stdout != "" {
		t.Fatalf("the test's own shell already leads: %v", r)
	}
	for _, argv := range [][]string{
		{"pgrphack", "sh", "-c", leader},
		{"pgrphack", "pgrphack", "sh", "-c", leader},
		{"pgrphack"},
		{"pgrphack", "no-such-program"},
	} {
		t.Run(strings.Join(argv, " "), func(t *testing.T) { differential(t, runs(t, cmd{}, argv...)) })
	}
	t.Run("access denied", func(t *testing.T) {
		differential(t, runs(t, cmd{Dir: dir, Env: []string{"PATH=" + dir + ":/usr/bin"}}, "pgrphack", "foo"))
	})
}

// TestFghackDifferential compares exit codes, the 31 descriptors, waiting
// for background descendants, and the messages with Debian's fghack.
func TestFghackDifferential(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "noexec"), []byte("#!/bin/sh\n"), 0o644)
	c := cmd{Dir: dir}
	for _, argv := range [][]string{
		{"fghack", "sh", "-c", "exit 3"},
		{"fghack", "sh", "-c", listFDs},
		{"fghack", "sh", "-c", "(sleep 0.3; echo late > late) & exit 4"},
		{"fghack", "sh", "-c", "kill -9 $$"},
		{"fghack"},
		{"fghack", "no-such-program"},
		{"fghack", "./"},
		{"fghack", "./noexec"},
	} {
		t.Run(strings.Join(argv, " "), func(t *testing.T) {
			os.Remove(filepath.Join(dir, "late"))
			differential(t, runs(t, c, argv...))
			if strings.Contains(argv[len(argv)-1], "late") {
				if b, _ := os.ReadFile(filepath.Join(dir, "late")); string(b) != "late\n" {
					t.Errorf("gotools fghack returned before the background job wrote: %q", b)
				}
			}
		})
	}
}

// TestFghackSignalsDifferential: a signal sent to fghack while it waits
// ends it as it ends Debian's, also those a Go program would ignore (USR1,
// ALRM, PIPE, ...) or answer with a goroutine dump (QUIT).
func TestFghackSignalsDifferential(t *testing.T) {
	requireDebian(t, "fghack")
	for _, sig := range []syscall.Signal{syscall.SIGHUP, syscall.SIGINT, syscall.SIGQUIT, syscall.SIGUSR1,
		syscall.SIGUSR2, syscall.SIGPIPE, syscall.SIGALRM, syscall.SIGTERM, syscall.SIGXCPU, syscall.SIGPWR} {
		t.Run(sig.String(), func(t *testing.T) {
			var codes []string
			for _, bin := range []string{debianBin, binDir} {
				dir := t.TempDir()
				x := exec.Command(filepath.Join(bin, "fghack"), "sh", "-c", "echo $$ > pid.new && mv pid.new pid && exec sleep 600")
				x.Dir, x.Env = dir, hermeticEnv(t, bin, nil)
				// A file, not a buffer: the orphaned sleep keeps stderr open,
				// and Wait would wait for a copying goroutine until it exits.
				stderr, err := os.Create(filepath.Join(dir, "stderr"))
				must(t, err)
				defer stderr.Close()
				x.Stderr = stderr
				must(t, x.Start())
				var child int
				waitFor(t, patience, "fghack's child to write its pid", func() (bool, error) {
					b, err := os.ReadFile(filepath.Join(dir, "pid"))
					if err == nil {
						child, err = strconv.Atoi(strings.TrimSpace(string(b)))
					}
					return err == nil, err
				})
				t.Cleanup(func() { syscall.Kill(child, syscall.SIGKILL) })
				must(t, x.Process.Signal(sig))
				waited := make(chan error, 1)
				go func() { waited <- x.Wait() }()
				select {
				case err = <-waited:
				case <-time.After(20 * time.Second):
					// It ignored the signal: end its child so it exits.
					syscall.Kill(child, syscall.SIGKILL)
					err = <-waited
				}
				code := exitCode(t, err)
				msg, _ := os.ReadFile(stderr.Name())
				codes = append(codes, fmt.Sprintf("exit %d, stderr %q", code, msg))
			}
			if codes[0] != codes[1] {
				t.Errorf("Debian: %s\ngotools: %s", codes[0], codes[1])
			}
		})
	}
}
