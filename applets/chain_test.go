package applets

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// fakeInstall makes a stand-in gotools binary with chain-loader links, a
// link under another name and a copy (another file).
func fakeInstall(t *testing.T) (self, bin string) {
	t.Helper()
	dir := t.TempDir()
	self = filepath.Join(dir, "gotools")
	bin = filepath.Join(dir, "bin")
	os.Mkdir(bin, 0o755)
	if err := os.WriteFile(self, []byte("#!/bin/false\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"envdir", "envuidgid", "setuidgid", "softlimit", "setlock", "pgrphack", "fghack", "gt"} {
		if err := os.Symlink(self, filepath.Join(bin, name)); err != nil {
			t.Fatal(err)
		}
	}
	os.WriteFile(filepath.Join(bin, "copy"), []byte("#!/bin/false\n"), 0o755)
	return self, bin
}

func TestChainFusion(t *testing.T) {
	self, bin := fakeInstall(t)
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "E"), 0o755)
	os.WriteFile(filepath.Join(dir, "E", "V"), []byte("1"), 0o644)
	os.Mkdir(filepath.Join(dir, "H"), 0o755)
	os.WriteFile(filepath.Join(dir, "H", "HUGE"), []byte(strings.Repeat("h", 200000)), 0o644)
	E, H := filepath.Join(dir, "E"), filepath.Join(dir, "H")
	env := []string{"PATH=" + bin + ":/usr/bin"}
	withV := []string{env[0], "V=1"}
	const stack, memlock, data, as, nproc = "setlimit 3 5", "setlimit 8 5", "setlimit 2 5", "setlimit 9 5", "setlimit 6 0"
	fused := recorder{Self: self}
	cases := []appletCase{
		{name: "softlimit envdir setuidgid", env: env, rec: fused,
			args:  []string{"-m", "5", "envdir", E, "setuidgid", "root", "/usr/bin/env"},
			sys:   []string{stack, memlock, "execcheck", "execcheck", "drop 0 0", data, as},
			execs: []execCall{{"/usr/bin/env", []string{"/usr/bin/env"}, withV}}},
		{name: "not fused without Self", env: env, rec: recorder{},
			args:  []string{"-m", "5", "envdir", E, "true"},
			sys:   []string{stack, memlock, data, as},
			execs: []execCall{{bin + "/envdir", []string{"envdir", E, "true"}, env}}},
		{name: "gotools under another name", env: env, rec: fused,
			args:  []string{"-m", "5", "gt", "envdir", E, "/usr/bin/env"},
			sys:   []string{stack, memlock, "execcheck", data, as},
			execs: []execCall{{"/usr/bin/env", []string{"/usr/bin/env"}, withV}}},
		{name: "gotools by path", env: env, rec: fused,
			args:  []string{"-m", "5", self, "envdir", E, "/usr/bin/env"},
			sys:   []string{stack, memlock, "execcheck", data, as},
			execs: []execCall{{"/usr/bin/env", []string{"/usr/bin/env"}, withV}}},
		{name: "another file is exec'd", env: env, rec: fused,
			args:  []string{"-m", "5", "copy", "envdir", E, "/usr/bin/env"},
			sys:   []string{stack, memlock, data, as},
			execs: []execCall{{bin + "/copy", []string{"copy", "envdir", E, "/usr/bin/env"}, env}}},
		{name: "gotools applet that is not a chain-loader", env: env, rec: fused,
			args:  []string{"-m", "5", "fghack", "true"},
			sys:   []string{stack, memlock},
			execs: []execCall{{bin + "/fghack", []string{"fghack", "true"}, env}},
			want:  outcome{Stderr: "softlimit: warning: fghack runs without the data and address space limits: gotools cannot start under them\n"}},
		{name: "error inside the chain has the link's name", env: env, rec: fused,
			args: []string{"-o", "5", "envdir", filepath.Join(dir, "missing"), "true"},
			sys:  []string{"setlimit 7 5", "execcheck"},
			want: outcome{Stderr: "envdir: fatal: unable to switch to directory " + dir + "/missing: file does not exist\n", Code: 111}},
		{name: "usage inside the chain", env: env, rec: fused,
			args: []string{"pgrphack", "setuidgid", "root"},
			sys:  []string{"execcheck", "setsid", "execcheck"},
			want: outcome{Stderr: "setuidgid: usage: setuidgid account child\n", Code: 100}},
		{name: "getopt error inside the chain", env: env, rec: fused,
			args: []string{"-o1", "softlimit", "-Z", "true"},
			sys:  []string{"setlimit 7 1", "execcheck"},
			want: outcome{Stderr: "softlimit: illegal option -- Z\n" + softlimitUsageLine, Code: 100}},
		{name: "missing final program", env: env, rec: recorder{Self: self, NoSuchAll: true},
			args:  []string{"-p", "0", "envdir", E, "nope"},
			sys:   []string{nproc, "execcheck"},
			execs: []execCall{{bin + "/nope", []string{"nope"}, withV}, {"/usr/bin/nope", []string{"nope"}, withV}},
			want:  outcome{Stderr: "envdir: fatal: unable to run nope: file does not exist\n", Code: 111}},
		{name: "RLIMIT_NPROC after setuid", env: env, rec: recorder{Self: self, CheckErr: syscall.EAGAIN},
			args: []string{"-p", "0", "setuidgid", "root", "envdir", E, "true"},
			sys:  []string{nproc, "execcheck", "drop 0 0", "execcheck"},
			want: outcome{Stderr: "setuidgid: fatal: unable to run envdir: temporary failure\n", Code: 111}},
		{name: "--help alone is help inside the chain too", env: env, rec: fused,
			args: []string{"-o", "5", "envdir", "--help"},
			sys:  []string{"setlimit 7 5", "execcheck"},
			want: outcome{Stdout: helpFor("envdir")}},
		{name: "argument list too long", env: env, rec: fused,
			args: []string{"envdir", H, "setuidgid", "root", "true"},
			sys:  []string{"execcheck", "execcheck"},
			want: outcome{Stderr: "envdir: fatal: unable to run setuidgid: argument list too long\n", Code: 111}},
	}
	checkApplet(t, "softlimit", cases)
}
