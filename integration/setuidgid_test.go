package integration

import (
	"strconv"
	"strings"
	"testing"
)

// creds prints what the kernel says the process is.
const creds = `grep -E '^(Uid|Gid|Groups):' /proc/$$/status; id`

// TestSetuidgidDifferential compares uid, gid and groups as the child sees
// them, and every message, with Debian's setuidgid. The account has a
// supplementary group, which setuidgid must not keep (docs/setuidgid.md).
func TestSetuidgidDifferential(t *testing.T) {
	a := testAccount(t)
	dir := openDir(t)
	writeFiles(t, dir, map[string]string{"noexec": "#!/bin/sh\n"})
	c := cmd{Dir: dir, Env: []string{"KEEP=1"}}
	for _, argv := range [][]string{
		{"setuidgid", a.Name, "sh", "-c", creds},
		{"setuidgid", "nobody", "sh", "-c", creds + "; echo $KEEP; umask; pwd"},
		{"setuidgid", "root", "sh", "-c", creds},
		{"setuidgid", a.Name, "setuidgid", "root", "true"},
		{"setuidgid", a.Name, "setuidgid", a.Name, "sh", "-c", creds},
		{"setuidgid", a.Name + ":" + a.Supplementary, "true"},
		{"setuidgid", "no-such-account", "true"},
		{"setuidgid", "-s", "true"},
		{"setuidgid", a.Name},
		{"setuidgid"},
		{"setuidgid", a.Name, "no-such-program"},
		{"setuidgid", a.Name, "./noexec"},
		{"setuidgid", a.Name, "/"},
		{"envuidgid", a.Name, "sh", "-c", "echo $UID $GID; " + creds},
	} {
		t.Run(strings.Join(argv, " "), func(t *testing.T) { differential(t, runs(t, c, argv...)) })
	}
	r := cmd{}.run(t, "setuidgid", a.Name, "sh", "-c", "id -G")
	if want := strconv.Itoa(a.GID) + "\n"; r.Stdout != want {
		t.Errorf("groups %q, want only the primary group %q", r.Stdout, want)
	}
}
