package supervisor

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"gotools/applets/message"
)

func TestInterpreterHint(t *testing.T) {
	tests := []struct {
		name, head, want string
	}{
		{"CRLF", "#!/bin/sh\r\necho\r\n", `s/run has CRLF line endings, so its interpreter is not found: convert it with sed -i 's/\r$//' s/run`},
		{"CRLF with an argument", "#!/bin/sh -e\r\n", `s/run has CRLF line endings, so its interpreter is not found: convert it with sed -i 's/\r$//' s/run`},
		{"missing interpreter", "#!/opt/none/sh -e\nexec x\n", "s/run names the interpreter /opt/none/sh on its #! line, which does not exist"},
		{"no line end within the head", "#!/opt/none/sh", "s/run names the interpreter /opt/none/sh on its #! line, which does not exist"},
		{"empty #! line", "#!\n", ""},
		{"no #!", "exec sleep 1\n", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, interpreterHint([]byte(tt.head), "s/run")); diff != "" {
				t.Errorf("interpreterHint(%q) (-want +got):\n%s", tt.head, diff)
			}
		})
	}
}

func TestStartHint(t *testing.T) {
	dir := t.TempDir()
	for name, f := range map[string]struct {
		text string
		mode os.FileMode
	}{
		"plain":  {"#!/bin/sh\n", 0o644},
		"crlf":   {"#!/bin/sh\r\n", 0o755},
		"script": {"#!/bin/sh\n", 0o755},
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(f.text), f.mode); err != nil {
			t.Fatal(err)
		}
	}
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	tests := []struct {
		file string
		err  error
		want string
	}{
		{"plain", syscall.EACCES, "s/plain is not executable: chmod +x s/plain"},
		{"script", syscall.EACCES, ""}, // executable: the cause is elsewhere
		{"script", syscall.ENOEXEC, "s/script needs #!/bin/sh (or another interpreter) as its first line"},
		{"crlf", syscall.ENOENT, `s/crlf has CRLF line endings, so its interpreter is not found: convert it with sed -i 's/\r$//' s/crlf`},
		{"missing", syscall.ENOENT, ""},
		{"script", syscall.ENOMEM, ""},
	}
	for _, tt := range tests {
		got := startHint(int(d.Fd()), "s", tt.file, tt.err)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("startHint(%s, %v) (-want +got):\n%s", tt.file, tt.err, diff)
		}
	}
}

func TestParseLockHolder(t *testing.T) {
	locks := "1: POSIX  ADVISORY  WRITE 77 08:01:42 0 EOF\n" +
		"2: FLOCK  ADVISORY  WRITE 1234 08:01:42 0 EOF\n" +
		"2: -> FLOCK  ADVISORY  WRITE 99 08:01:42 0 EOF\n" +
		"3: FLOCK  ADVISORY  WRITE 555 fe:00:7 0 EOF\n"
	tests := []struct {
		file string
		want int
	}{
		{"08:01:42", 1234},
		{"fe:00:7", 555},
		{"08:01:43", 0},
	}
	for _, tt := range tests {
		got := parseLockHolder(bufio.NewScanner(strings.NewReader(locks)), tt.file)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("parseLockHolder(%s) (-want +got):\n%s", tt.file, diff)
		}
	}
}

func FuzzParseLockHolder(f *testing.F) {
	f.Add("2: FLOCK  ADVISORY  WRITE 1234 08:01:42 0 EOF\n", "08:01:42")
	f.Add("2: FLOCK x y -5 08:01:42\n", "08:01:42")
	f.Fuzz(func(t *testing.T, locks, file string) {
		if pid := parseLockHolder(bufio.NewScanner(strings.NewReader(locks)), file); pid < 0 {
			t.Errorf("pid %d", pid)
		}
	})
}

func FuzzInterpreterHint(f *testing.F) {
	f.Add([]byte("#!/bin/sh\r\n"))
	f.Add([]byte("#!\n"))
	f.Fuzz(func(t *testing.T, head []byte) {
		if h := interpreterHint(head, "s/run"); h != "" && !strings.HasPrefix(h, "s/run ") {
			t.Errorf("hint %q does not name s/run", h)
		}
	})
}

// TestStartErrorHintOnce: a hint is printed with the first failure of its
// cause, not with the next ones, and again once another cause came between.
func TestStartErrorHintOnce(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "run"), []byte("echo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	s := &Service{cfg: Config{Name: "log", Label: "s/log"}, dirfd: int(d.Fd())}
	chmod := "s/log/run is not executable: chmod +x s/log/run"
	noSh := "s/log/run needs #!/bin/sh (or another interpreter) as its first line"
	var got []string
	for _, errno := range []syscall.Errno{syscall.EACCES, syscall.EACCES, syscall.ENOEXEC, syscall.ENOEXEC, syscall.EACCES} {
		got = append(got, s.startError("run", errno).(*message.Error).Hint)
	}
	if diff := cmp.Diff([]string{chmod, "", noSh, "", chmod}, got); diff != "" {
		t.Errorf("hints (-want +got):\n%s", diff)
	}
	if text := message.Errstr(s.startError("run", syscall.EACCES)); text != "unable to start log/run: access denied" {
		t.Errorf("message %q does not keep 0.76's log/run", text)
	}
}

func TestScannerHintOnce(t *testing.T) {
	lock := &message.Error{Program: "supervise", Level: message.Fatal, Err: syscall.EAGAIN, Hint: "held"}
	noRunHint := &message.Error{Program: "svscan", Level: message.Hint, Err: errors.New("s has no run file yet")}
	plain := errors.New("unable to read directory")
	s := &Scanner{}
	var got []string
	for _, err := range []error{lock, noRunHint, lock, noRunHint, plain, plain} {
		out := s.hintOnce(err)
		switch m, ok := out.(*message.Error); {
		case out == nil:
			got = append(got, "nothing")
		case ok:
			got = append(got, m.Err.Error()+" hint="+m.Hint)
		default:
			got = append(got, out.Error())
		}
	}
	want := []string{"resource temporarily unavailable hint=held", "s has no run file yet hint=", "resource temporarily unavailable hint=",
		"nothing", "unable to read directory", "unable to read directory"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("hintOnce (-want +got):\n%s", diff)
	}
}
