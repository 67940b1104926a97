package supervisor

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// scanOnce runs a real Scanner on a tree of services (name → ./run;
// "NAME/FILE" entries are other files) with command (nil for none) until
// it returns; stop, if set, is called once Run has started.
func scanOnce(t *testing.T, tree map[string]string, command []string, stop func(*testing.T, *Scanner)) (Ending, error) {
	t.Helper()
	dir := t.TempDir()
	for path, text := range tree {
		if filepath.Base(path) == path {
			path = filepath.Join(path, "run")
		}
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(path)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, path), []byte(text), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	cfg := ScanConfig{
		Dir:         d,
		Env:         []string{"PATH=/usr/bin:/bin"},
		Reaper:      sharedReaper(),
		Warn:        func(err error) { t.Log(err) },
		StopTimeout: 10 * time.Second,
	}
	if command != nil {
		cfg.Command = &Command{Path: command[0], Argv: command}
	}
	s := NewScanner(cfg)
	type result struct {
		ending Ending
		err    error
	}
	done := make(chan result, 1)
	go func() {
		e, err := s.Run()
		done <- result{e, err}
	}()
	defer s.Shutdown(syscall.SIGKILL) // a test that fails on the way stops what it started
	if stop != nil {
		stop(t, s)
	}
	select {
	case r := <-done:
		return r.ending, r.err
	case <-time.After(30 * time.Second):
		s.Shutdown(syscall.SIGKILL)
		t.Fatal("the scanner did not stop")
		return Ending{}, nil
	}
}

const sleeper = "#!/bin/sh\nexec sleep 1000\n"

func TestScannerEnding(t *testing.T) {
	waitFile := func(t *testing.T, path string) {
		waitFor(t, 20*time.Second, path, func() (bool, error) {
			_, err := os.Stat(path)
			return err == nil, err
		})
	}
	flag := filepath.Join(t.TempDir(), "trapped")
	trapper := "trap 'exit 7' INT; trap 'exit 9' USR1; touch " + flag + "; while :; do sleep 0.05; done"
	for _, tc := range []struct {
		name    string
		tree    map[string]string
		command []string
		stop    func(*testing.T, *Scanner)
		want    Ending
	}{
		{"command exits 3", map[string]string{"a": sleeper},
			[]string{"/bin/sh", "-c", "exit 3"}, nil, Ending{Status: 3 << 8}},
		{"command killed by a signal", map[string]string{"a": sleeper},
			[]string{"/bin/sh", "-c", "kill -USR2 $$"}, nil, Ending{Status: syscall.WaitStatus(syscall.SIGUSR2)}},
		{"shutdown signal goes to the command", map[string]string{"a": sleeper},
			[]string{"/bin/sh", "-c", trapper}, func(t *testing.T, s *Scanner) {
				waitFile(t, flag)
				s.Shutdown(syscall.SIGINT)
			}, Ending{Status: 7 << 8}},
		{"forwarded signal", map[string]string{"a": sleeper},
			[]string{"/bin/sh", "-c", trapper}, func(t *testing.T, s *Scanner) {
				waitFile(t, flag)
				s.Forward(syscall.SIGUSR1)
			}, Ending{Status: 9 << 8}},
		{"shutdown without a command", map[string]string{"a": sleeper},
			nil, func(_ *testing.T, s *Scanner) { s.Shutdown(syscall.SIGTERM) }, Ending{}},
		{"essential: finish 125", map[string]string{
			"e": "#!/bin/sh\nexit 4\n", "e/finish": "#!/bin/sh\nexit 125\n", "e/essential": "",
			"a": sleeper,
		}, nil, nil, Ending{Essential: "e", Status: 4 << 8}},
		{"essential logger", map[string]string{
			"e": sleeper, "e/log/run": "#!/bin/sh\nkill -HUP $$\n", "e/log/finish": "#!/bin/sh\nexit 125\n",
			"e/log/essential": "",
		}, nil, nil, Ending{Essential: "e/log", Status: syscall.WaitStatus(syscall.SIGHUP)}},
		{"essential first, command second", map[string]string{
			"e": "#!/bin/sh\nexit 4\n", "e/finish": "#!/bin/sh\nexit 125\n", "e/essential": "",
		}, []string{"/bin/sh", "-c", "trap 'exit 5' TERM; while :; do sleep 0.05; done"}, nil,
			Ending{Essential: "e", Status: 4 << 8}},
		{"not essential: finish 125", map[string]string{
			"e": "#!/bin/sh\nexit 4\n", "e/finish": "#!/bin/sh\ntouch " + flag + "\nexit 125\n",
		}, []string{"/bin/sh", "-c", "while [ ! -e " + flag + " ]; do sleep 0.05; done; sleep 0.5; exit 6"}, nil,
			Ending{Status: 6 << 8}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(flag)
			got, err := scanOnce(t, tc.tree, tc.command, tc.stop)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ending (-want +got)\n%s", diff)
			}
		})
	}
}

func TestScannerCommandStartFailure(t *testing.T) {
	notExec := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tree := range []map[string]string{{"a": sleeper}, {}} {
		start := time.Now()
		_, err := scanOnce(t, tree, []string{notExec}, nil)
		if !errors.Is(err, syscall.EACCES) || !strings.HasPrefix(err.Error(), "unable to run "+notExec+": ") {
			t.Errorf("Run: %v, want unable to run %s: EACCES", err, notExec)
		}
		// Nothing is left to wait for: no scan interval, no deadline.
		if d := time.Since(start); d > ScanInterval/2 {
			t.Errorf("%d services: Run took %v", len(tree), d)
		}
	}
}
