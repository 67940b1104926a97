package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// probe prints everything a chain-loader chain can change, as the final
// program sees it: environment, limits, credentials, session and
// descriptors.
const probe = `env; cat /proc/$$/limits; grep -E '^(Uid|Gid|Groups):' /proc/$$/status
set -- $(cat /proc/$$/stat); [ $1 = $5 ] && echo pgrp leader; [ $1 = $6 ] && echo session leader
cd /proc/$$/fd && for f in *; do echo "$f $(readlink $f)"; done`

// TestChainFusionDifferential runs run-script chains and their permutations
// through Debian's tools and through gotools (where they fuse into one
// process) and compares what the final program sees and every message.
func TestChainFusionDifferential(t *testing.T) {
	a := testAccount(t)
	dir := openDir(t)
	writeFiles(t, dir, map[string]string{
		"E/V":        "from E",
		"E/HOME":     "",
		"E2/W":       "from E2",
		"P/PATH":     "/nonexistent",
		"H/HUGE":     strings.Repeat("h", 200000),
		"busy":       "",
		"lk":         "",
		"noexec":     "#!/bin/sh\n",
		"sub/":       "",
		"loopdir/L":  "->L",
		"E3/A=B":     "v",
		"E3/.hidden": "x",
	})
	os.Chmod(dir, 0o777)
	os.Chmod(filepath.Join(dir, "lk"), 0o666)
	holdLock(t, filepath.Join(dir, "busy"))
	u := a.Name
	// Linux flags a setuid to a user that already has RLIMIT_NPROC
	// processes, and the next execve fails: give the account one.
	sleeper := exec.Command("/usr/bin/setuidgid", u, "sleep", "600")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sleeper.Process.Kill(); sleeper.Wait() })
	sh := []string{"sh", "-c", probe}
	c := cmd{Dir: dir, Env: []string{"V=old", "KEEP=1"}}
	chains := [][]string{
		// the run-script chain and its permutations
		{"softlimit", "-m", "10000000", "envdir", "E", "setuidgid", u},
		{"softlimit", "-m", "100000000", "envdir", "E", "setuidgid", u},
		{"envdir", "E", "setuidgid", u, "softlimit", "-m", "100000000"},
		{"envdir", "E", "softlimit", "-m", "10000000", "setuidgid", u},
		{"setuidgid", u, "softlimit", "-d", "50000000", "-o", "100", "envdir", "E"},
		{"softlimit", "-a", "200000000", "-s", "=", "setlock", "lk", "envdir", "E", "envdir", "E2"},
		{"setlock", "lk", "pgrphack", "envuidgid", u, "setuidgid", u, "softlimit", "-m", "10000000"},
		{"pgrphack", "setlock", "lk", "envdir", "E3", "softlimit", "-t", "100", "-p", "1000"},
		{"envuidgid", "nobody", "setlock", "-nx", "lk", "setlock", "-n", "lk2", "pgrphack"},
		{"softlimit", "-o", "5", "setlock", "lk", "envdir", "E"},
		// errors inside the chain
		{"softlimit", "-m", "10000000", "envdir", "missing", "setuidgid", u},
		{"softlimit", "-m", "10000000", "envdir", "loopdir", "setuidgid", u},
		{"envdir", "E", "setuidgid", "no-such-account"},
		{"envdir", "E", "softlimit", "-o", "x"},
		{"envdir", "E", "softlimit", "-Z"},
		{"envdir", "E", "setuidgid", u},
		{"envdir", "P", "setuidgid", u},
		{"setuidgid", u, "setuidgid", "root"},
		{"setuidgid", u, "setlock", "busy"},
		{"setuidgid", u, "setlock", "lk"},
		{"softlimit", "-p", "0", "setuidgid", u, "envdir", "E"},
		{"softlimit", "-p", "1", "setuidgid", u, "envdir", "E"},
		{"softlimit", "-p", "1", "envdir", "E", "setuidgid", u, "setlock", "lk"},
		{"softlimit", "-p", "0", "envdir", "E", "setuidgid", u, "setlock", "lk"},
		{"softlimit", "-p", "0", "envdir", "E"},
		{"envdir", "H", "setuidgid", u},
		{"setlock", "-n", "busy", "envdir", "E"},
		{"setlock", "-nx", "busy", "envdir", "E"},
		{"softlimit", "-o", "4", "envdir", "E"},
		{"softlimit", "-o", "5", "envdir", "E"},
		{"pgrphack", "envdir"},
	}
	for _, chain := range chains {
		argv := append(append([]string(nil), chain...), sh...)
		t.Run(strings.Join(chain, " "), func(t *testing.T) { differential(t, runs(t, c, argv...)) })
	}
	for _, chain := range [][]string{
		{"softlimit", "-m", "10000000", "envdir", "E", "no-such-program"},
		{"softlimit", "-m", "10000000", "envdir", "E", "./noexec"},
		{"softlimit", "-m", "10000000", "envdir", "E", "./sub"},
		{"envdir", "E", "setlock"},
	} {
		t.Run(strings.Join(chain, " "), func(t *testing.T) { differential(t, runs(t, c, chain...)) })
	}
}

// TestChainFusionUnderAnotherName checks that the gotools binary is known by
// what it is, not by its name: a hard link under another name (dispatching
// on its first argument), a symlink, or its own path fuse too (an unfused Go link would not even start under -m 10000000).
func TestChainFusionUnderAnotherName(t *testing.T) {
	requireDebian(t, "softlimit", "envdir")
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"E/V": "from E"})
	renamed := filepath.Join(dir, "renamed")
	if err := os.Link(gotoolsBin, renamed); err != nil {
		t.Skipf("cannot hard-link the binary: %v", err)
	}
	os.Symlink(gotoolsBin, filepath.Join(dir, "gt"))
	c := cmd{Dir: dir}
	want := normalise(cmd{Dir: dir, Bin: debianBin}.run(t, "softlimit", "-m", "10000000", "envdir", "E", "sh", "-c", probe), debianBin)
	for _, link := range [][]string{{renamed, "envdir"}, {"./gt", "envdir"}, {gotoolsBin, "envdir"}} {
		argv := append(append([]string{"softlimit", "-m", "10000000"}, link...), "E", "sh", "-c", probe)
		t.Run(strings.Join(link, " "), func(t *testing.T) {
			got := normalise(c.run(t, argv...), binDir)
			if got != want {
				t.Errorf("%q:\n%v\nwant (Debian, no renaming)\n%v", argv, got, want)
			}
		})
	}
}

// TestSoftlimitBeforeAGotoolsApplet covers a long-running gotools applet
// after softlimit -m: it runs without the address-space and data limits
// (a Go program cannot start under them), says so, and gets every other
// limit.
func TestSoftlimitBeforeAGotoolsApplet(t *testing.T) {
	r := cmd{}.run(t, "softlimit", "-m", "10000000", "-o", "50", "envdir", ".", "fghack", "sh", "-c", "cat /proc/$$/limits")
	warning := "softlimit: warning: fghack runs without the data and address space limits: gotools cannot start under them\n"
	if r.Code != 0 || r.Stderr != warning {
		t.Fatalf("got %v\nwant exit 0 and %q", r, warning)
	}
	for _, want := range []string{"Max stack size            10000000", "Max open files            50"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("limits lack %q:\n%s", want, r.Stdout)
		}
	}
	if strings.Contains(r.Stdout, "Max address space         10000000") {
		t.Errorf("address space limited, gotools could not have started:\n%s", r.Stdout)
	}
}
