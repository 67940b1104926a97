package integration

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// Helpers for the differential tests of the small tools (envdir, envuidgid,
// setuidgid, softlimit, setlock, pgrphack, fghack) and their fused chains.

// writeFiles creates files under dir: name → content; a content starting
// with "->" makes a symlink to the rest; names ending in "/" are directories.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		switch {
		case strings.HasSuffix(name, "/"):
			err = os.MkdirAll(path, 0o755)
		case strings.HasPrefix(content, "->"):
			err = os.Symlink(content[2:], path)
		default:
			err = os.WriteFile(path, []byte(content), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// openDir is a fresh directory every account can search, for tests that run
// commands as other users.
func openDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for d := dir; d != os.TempDir() && d != "/"; d = filepath.Dir(d) {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// searchableBin lets every account reach binDir, so gotools' programs
// exec'd after a privilege drop are found there (and not Debian's in
// /usr/bin, later in PATH).
func searchableBin(t *testing.T) {
	t.Helper()
	if err := os.Chmod(filepath.Dir(binDir), 0o755); err != nil {
		t.Fatal(err)
	}
}

// account is a throw-away user made by testAccount.
type account struct {
	Name, Supplementary string
	UID, GID            int
}

var accounts atomic.Int32

// testAccount creates a user with its own primary group and one
// supplementary group, removed in cleanup.
func testAccount(t *testing.T) account {
	t.Helper()
	requireRoot(t)
	searchableBin(t)
	suffix := strconv.Itoa(os.Getpid()) + "x" + strconv.Itoa(int(accounts.Add(1)))
	a := account{Name: "gtu" + suffix, Supplementary: "gts" + suffix}
	run := func(argv ...string) {
		t.Helper()
		if out, err := exec.Command(argv[0], argv[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%q: %v\n%s", argv, err, out)
		}
	}
	exec.Command("userdel", a.Name).Run()
	exec.Command("groupdel", a.Name).Run()
	exec.Command("groupdel", a.Supplementary).Run()
	run("groupadd", a.Supplementary)
	t.Cleanup(func() { exec.Command("groupdel", a.Supplementary).Run() })
	run("useradd", "-M", "-U", "-G", a.Supplementary, "-s", "/bin/sh", a.Name)
	t.Cleanup(func() {
		exec.Command("userdel", a.Name).Run()
		exec.Command("groupdel", a.Name).Run()
	})
	out, err := exec.Command("id", "-u", a.Name).Output()
	if err == nil {
		a.UID, err = strconv.Atoi(strings.TrimSpace(string(out)))
	}
	if err == nil {
		out, err = exec.Command("id", "-g", a.Name).Output()
	}
	if err == nil {
		a.GID, err = strconv.Atoi(strings.TrimSpace(string(out)))
	}
	if err != nil {
		t.Fatalf("id %s: %v", a.Name, err)
	}
	return a
}
