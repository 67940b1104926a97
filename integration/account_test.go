package integration

// Account lookup in /etc/passwd (docs/setuidgid.md, docs/envuidgid.md):
// each test runs in a private mount namespace where a file of its own is
// bind-mounted over /etc/passwd (and a "files"-only nsswitch.conf over
// /etc/nsswitch.conf, so that Debian's programs ask glibc's files backend
// and nothing else).

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// withPasswd is the sh script that bind-mounts $1 over /etc/passwd and $2
// over /etc/nsswitch.conf, then runs the rest of its arguments.
const withPasswd = `mount --bind "$1" /etc/passwd && mount --bind "$2" /etc/nsswitch.conf && shift 2 && exec "$@"`

// passwdNamespace returns the argv that runs argv with passwd as
// /etc/passwd in a mount namespace of its own.
func passwdNamespace(t *testing.T, passwd string, argv ...string) []string {
	t.Helper()
	requireRoot(t)
	nss := filepath.Join(t.TempDir(), "nsswitch.conf")
	must(t, os.WriteFile(nss, []byte("passwd: files\ngroup: files\n"), 0o644))
	return append([]string{"/usr/bin/unshare", "--mount", "sh", "-c", withPasswd, "sh", passwd, nss}, argv...)
}

// TestAccountsLikeGlibc: for every name of a passwd file full of oddities
// (leading blanks, comments, NIS lines, bad and signed ids, NUL bytes, ...),
// gotools' envuidgid finds what Debian's finds through glibc's getpwnam.
func TestAccountsLikeGlibc(t *testing.T) {
	requireDebian(t, "envuidgid")
	passwd, err := filepath.Abs("../privdrop/testdata/glibc-passwd")
	must(t, err)
	names := []string{"", " space", "space", "tab", "controls", "#comment", "#indented",
		"broken", "short", "nogid", "fourfields", "dup", "uidmax", "uidover", "gidover",
		"plus", "blanks", "trailingblank", "signspace", "twosigns", "minus", "minuszero",
		"minuswrap", "minuswrapmax", "minusover", "hex", "octal", "emptyuid", "cr", "crgid",
		"trail", "trail ", "in ner", "+nis", "nis", "-minusnis", "+", "-", "nul", "nulgid",
		"nuluid", "nulfirst", "no colon at all", "last", "x"}
	// One namespace for all names: a shell loop prints each outcome.
	const loop = `for n; do envuidgid "$n" sh -c 'echo "$UID:$GID"' 2>&1; echo "[$n] exit $?"; done`
	argv := passwdNamespace(t, passwd, append([]string{"sh", "-c", loop, "sh"}, names...)...)
	deb := cmd{Bin: debianBin}.run(t, argv...)
	got := cmd{Bin: binDir}.run(t, argv...)
	if diff := cmp.Diff(strings.Split(deb.Stdout, "\n"), strings.Split(got.Stdout, "\n")); diff != "" || deb.Code != 0 || got.Code != 0 {
		t.Errorf("Debian vs gotools (-want +got)\n%s\nDebian: %v\ngotools: %v", diff, deb, got)
	}
}

// TestAccountsLargePasswd: a 60 MB /etc/passwd is read as a stream.
// Its last line is found; and where /etc/passwd is a FIFO the test writes
// 60 MB of other accounts into, envuidgid's peak RSS (VmHWM, read while it
// waits for more) stays small. It read the whole file before: 204 MB for
// 67 MB; Debian's, through glibc, takes 2.9 MB.
func TestAccountsLargePasswd(t *testing.T) {
	const size = 60 << 20
	dir := t.TempDir()
	passwd := filepath.Join(dir, "passwd")
	f, err := os.Create(passwd)
	must(t, err)
	must(t, writeAccounts(f, size))
	_, err = f.WriteString("target:x:4242:4343::/:\n")
	must(t, err)
	must(t, f.Close())
	r := cmd{}.run(t, passwdNamespace(t, passwd, "envuidgid", "target", "sh", "-c", `echo "$UID:$GID"`)...)
	if want := (result{Stdout: "4242:4343\n"}); r != want {
		t.Errorf("envuidgid target at the end of %d MB:\n%v\nwant\n%v", size>>20, r, want)
	}

	fifo := filepath.Join(dir, "fifo")
	must(t, syscall.Mkfifo(fifo, 0o600))
	argv := passwdNamespace(t, fifo, "envuidgid", "missing", "true")
	x := exec.Command(argv[0], argv[1:]...)
	x.Env = hermeticEnv(t, binDir, nil)
	var stderr strings.Builder
	x.Stderr = &stderr
	must(t, x.Start())
	// unshare and sh exec, so envuidgid has unshare's pid.
	t.Cleanup(func() { x.Process.Kill(); x.Wait() })
	var w *os.File
	waitFor(t, patience, "envuidgid to open /etc/passwd", func() (bool, error) {
		w, err = os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		return err == nil, err
	})
	defer w.Close()
	must(t, writeAccounts(w, size))
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", x.Process.Pid))
	must(t, err)
	if !strings.Contains(string(status), "Name:\tenvuidgid\n") {
		t.Fatalf("the process reading the FIFO:\n%s", status)
	}
	var peak int
	for _, line := range strings.Split(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			fmt.Sscan(v, &peak) // kB
		}
	}
	t.Logf("envuidgid after %d MB of passwd: peak RSS %d KiB", size>>20, peak)
	if peak == 0 || peak > 16<<10 {
		t.Errorf("envuidgid after %d MB of passwd: peak RSS %d KiB, want < 16 MiB", size>>20, peak)
	}
	w.Close()
	err = x.Wait()
	if code := exitCode(t, err); code != 111 || stderr.String() != "envuidgid: fatal: unknown account missing\n" {
		t.Errorf("envuidgid missing: exit %d, stderr %q", code, stderr.String())
	}
}

// writeAccounts writes size bytes of passwd lines, none of them "target"
// or "missing".
func writeAccounts(f *os.File, size int) error {
	w := bufio.NewWriterSize(f, 1<<16)
	for n := 0; n < size; n += 100 {
		fmt.Fprintf(w, "user%010d:x:%010d:%010d:%-56s:/home:/bin/sh\n", n, n%60000, n%60000, "someone")
	}
	return w.Flush()
}

// TestAccountsUnreadablePasswd: an /etc/passwd the account cannot read is
// reported as such, not as an unknown account (which Debian's says).
func TestAccountsUnreadablePasswd(t *testing.T) {
	searchableBin(t)
	passwd := filepath.Join(openDir(t), "passwd")
	b, err := os.ReadFile("/etc/passwd")
	must(t, err)
	must(t, os.WriteFile(passwd, b, 0o600))
	for _, tc := range []struct{ applet, want string }{
		{"envuidgid", "envuidgid: fatal: unable to read /etc/passwd: access denied\n"},
		{"setuidgid", "setuidgid: fatal: unable to read /etc/passwd: access denied\n"},
	} {
		argv := passwdNamespace(t, passwd, "setuidgid", "nobody", tc.applet, "root", "true")
		r := cmd{Dir: openDir(t)}.run(t, argv...)
		if want := (result{Stderr: tc.want, Code: 111}); r != want {
			t.Errorf("%s as nobody with a 0600 /etc/passwd:\n%v\nwant\n%v", tc.applet, r, want)
		}
	}
}
