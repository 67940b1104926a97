package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEnvdirDifferential compares the environment the child sees (in
// order: the edit order permutes it) and every message with Debian's envdir.
func TestEnvdirDifferential(t *testing.T) {
	dir := openDir(t)
	writeFiles(t, dir, map[string]string{
		"E/PLAIN":      "value\nsecond line",
		"E/EMPTY":      "",
		"E/NL":         "\n",
		"E/NUL":        "a\x00b \t\n",
		"E/CR":         "x\r\n",
		"E/LEAD":       "  lead",
		"E/A=B":        "v",
		"E/X=Y":        "",
		"E/.hidden":    "no",
		"E/DANGLING":   "->/nonexistent",
		"E/LINKED":     "->PLAIN",
		"E/HOME":       "",
		"E/KEEPME":     "kept",
		"big/BIG":      strings.Repeat("b", 100000),
		"huge/HUGE":    strings.Repeat("h", 200000),
		"sub/D/":       "",
		"loopy/L":      "->L",
		"file":         "not a directory",
		"nested/Inner": "",
		"outer/Inner":  "outer value",
		"pathdir/PATH": "/nonexistent",
	})
	os.Symlink("loop", filepath.Join(dir, "loop"))
	c := cmd{Dir: dir, Env: []string{"EMPTY=1", "A=old", "Z=last", "X"}}
	for _, argv := range [][]string{
		{"envdir", "E", "env"},
		{"envdir", "./E/", "env"},
		{"envdir", "big", "sh", "-c", "echo ${#BIG}"},
		{"envdir", "huge", "env"},
		{"envdir", "pathdir", "env"},
		{"envdir", "outer", "envdir", "nested", "sh", "-c", "echo \"[${Inner-unset}]\""},
		{"envdir"},
		{"envdir", "E"},
		{"envdir", "-p", "env"},
		{"envdir", "missing", "env"},
		{"envdir", "file", "env"},
		{"envdir", "loop", "env"},
		{"envdir", "sub", "env"},
		{"envdir", "loopy", "env"},
		{"envdir", "E", "no-such-program"},
		{"envdir", "E", "./file"},
		{"envdir", "E", "/"},
		{"envdir", "E", ""},
	} {
		t.Run(strings.Join(argv, " "), func(t *testing.T) { differential(t, runs(t, c, argv...)) })
	}
}

// TestEnvdirPermissions runs envdir as an unprivileged account, where
// directory permissions count: no x on the directory fails like chdir, no r
// fails like opendir, an unreadable file and an unreadable current
// directory each have their message.
func TestEnvdirPermissions(t *testing.T) {
	requireRoot(t)
	searchableBin(t)
	dir := openDir(t)
	writeFiles(t, dir, map[string]string{
		"noexec/A":   "1",
		"noread/A":   "1",
		"badfile/A":  "1",
		"badfile/B":  "1",
		"cwd/":       "",
		"ok/A":       "1",
		"noexecprog": "#!/bin/sh\necho hi\n",
		"garbage":    "\x7fELF garbage",
	})
	os.Chmod(filepath.Join(dir, "noexec"), 0o644)
	os.Chmod(filepath.Join(dir, "noread"), 0o311)
	os.Chmod(filepath.Join(dir, "badfile/B"), 0o600)
	os.Chmod(filepath.Join(dir, "cwd"), 0o311)
	os.Chmod(filepath.Join(dir, "garbage"), 0o755)
	c := cmd{Dir: dir}
	for _, argv := range [][]string{
		{"setuidgid", "nobody", "envdir", "noexec", "true"},
		{"setuidgid", "nobody", "envdir", "noread", "true"},
		{"setuidgid", "nobody", "envdir", "badfile", "true"},
		{"setuidgid", "nobody", "envdir", "ok", "./noexecprog"},
		{"setuidgid", "nobody", "envdir", "ok", "./garbage"},
	} {
		t.Run(strings.Join(argv, " "), func(t *testing.T) { differential(t, runs(t, c, argv...)) })
	}
	t.Run("unreadable cwd", func(t *testing.T) {
		differential(t, runs(t, cmd{Dir: filepath.Join(dir, "cwd")}, "setuidgid", "nobody", "envdir", "../ok", "true"))
	})
}

// TestEnvuidgidDifferential compares UID and GID as the child sees them.
func TestEnvuidgidDifferential(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"noexec": "#!/bin/sh\n"})
	c := cmd{Dir: dir, Env: []string{"UID=x", "GID=y", "Z=1"}}
	for _, argv := range [][]string{
		{"envuidgid", "nobody", "env"},
		{"envuidgid", "root", "env"},
		{"envuidgid", "nobody"},
		{"envuidgid"},
		{"envuidgid", "no-such-account", "env"},
		{"envuidgid", "nobody:nogroup", "env"},
		{"envuidgid", "nobody", "no-such-program"},
		{"envuidgid", "nobody", "./noexec"},
		{"envuidgid", "nobody", "/"},
	} {
		t.Run(strings.Join(argv, " "), func(t *testing.T) { differential(t, runs(t, c, argv...)) })
	}
}
