package applets

import (
	"os"
	"syscall"
	"testing"
)

func TestSetuidgid(t *testing.T) {
	env := []string{"PATH=/bin", "A=1"}
	cases := []appletCase{
		{name: "usage", args: []string{"root"}, want: outcome{Stderr: "setuidgid: usage: setuidgid account child\n", Code: 100}},
		{name: "unknown", args: []string{"no-such-account-xyz", "true"},
			want: outcome{Stderr: "setuidgid: fatal: unknown account no-such-account-xyz\n", Code: 111}},
		{name: "user:group is one name", args: []string{"root:root", "true"},
			want: outcome{Stderr: "setuidgid: fatal: unknown account root:root\n", Code: 111}},
		{name: "options are accounts", args: []string{"-s", "true"},
			want: outcome{Stderr: "setuidgid: fatal: unknown account -s\n", Code: 111}},
		{name: "drop then exec", env: env, args: []string{"root", "id", "-u"}, sys: []string{"drop 0 0"},
			execs: []execCall{{"/bin/id", []string{"id", "-u"}, env}}},
		{name: "exec failure", env: env, args: []string{"root", "nope"}, sys: []string{"drop 0 0"},
			rec:   recorder{NoSuchAll: true},
			execs: []execCall{{"/bin/nope", []string{"nope"}, env}},
			want:  outcome{Stderr: "setuidgid: fatal: unable to run nope: file does not exist\n", Code: 111}},
	}
	checkApplet(t, "setuidgid", cases)
}

func TestEnvuidgid(t *testing.T) {
	env := []string{"UID=x", "PATH=/bin", "GID=y", "Z=1"}
	cases := []appletCase{
		{name: "usage", args: []string{"root"}, want: outcome{Stderr: "envuidgid: usage: envuidgid account child\n", Code: 100}},
		{name: "unknown", args: []string{"no-such-account-xyz", "true"},
			want: outcome{Stderr: "envuidgid: fatal: unknown account no-such-account-xyz\n", Code: 111}},
		// GID first: GID=y goes, Z=1 moves into its slot; then UID=x goes
		// and GID=0 moves into its slot.
		{name: "GID then UID", env: env, args: []string{"root", "env"},
			execs: []execCall{{"/bin/env", []string{"env"}, []string{"GID=0", "PATH=/bin", "Z=1", "UID=0"}}}},
	}
	checkApplet(t, "envuidgid", cases)
}

func TestPgrphack(t *testing.T) {
	env := []string{"PATH=/bin"}
	cases := []appletCase{
		{name: "usage", want: outcome{Stderr: "pgrphack: usage: pgrphack child\n", Code: 100}},
		{name: "setsid then exec", env: env, args: []string{"sh", "-c", "x"}, sys: []string{"setsid"},
			execs: []execCall{{"/bin/sh", []string{"sh", "-c", "x"}, env}}},
		{name: "access denied", env: []string{"PATH=/a:/b"}, args: []string{"foo"}, sys: []string{"setsid"},
			rec: recorder{NoSuchAll: true, ExecErrs: map[string]error{"/a/foo": syscall.EACCES}},
			execs: []execCall{{"/a/foo", []string{"foo"}, []string{"PATH=/a:/b"}},
				{"/b/foo", []string{"foo"}, []string{"PATH=/a:/b"}}},
			want: outcome{Stderr: "pgrphack: fatal: unable to run foo: access denied\n", Code: 111}},
	}
	checkApplet(t, "pgrphack", cases)
}

func TestFghackUsage(t *testing.T) {
	checkApplet(t, "fghack", []appletCase{
		{name: "usage", want: outcome{Stderr: "fghack: usage: fghack child\n", Code: 100}},
	})
}

// TestFghack runs real children: fghack forks, so there is no Exec to record.
func TestFghack(t *testing.T) {
	dir := t.TempDir()
	env := []string{"PATH=/usr/bin:/bin"}
	dfl := []string{"defaultsignals"}
	cases := []appletCase{
		{name: "exit code", env: env, args: []string{"sh", "-c", "exit 3"}, want: outcome{Code: 3}, sys: dfl},
		{name: "waits for descendants", env: env,
			args: []string{"sh", "-c", "(sleep 0.2; echo done > " + dir + "/done) & exit 4"}, want: outcome{Code: 4}, sys: dfl},
		{name: "crash", env: env, args: []string{"sh", "-c", "kill -9 $$"}, sys: dfl,
			want: outcome{Stderr: "fghack: fatal: child crashed\n", Code: 111}},
		{name: "missing", env: env, args: []string{"no-such-program-xyz"}, sys: dfl,
			want: outcome{Stderr: "fghack: fatal: unable to run no-such-program-xyz: file does not exist\n", Code: 111}},
	}
	checkApplet(t, "fghack", cases)
	if b, err := os.ReadFile(dir + "/done"); string(b) != "done\n" {
		t.Errorf("fghack returned before the background child finished: %q, %v", b, err)
	}
}
