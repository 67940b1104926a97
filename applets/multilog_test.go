package applets

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// runMultilogIn runs the applet in-process with input from a file and the
// script's paths under dir (absolute, so the test's cwd does not matter).
func runMultilogIn(t *testing.T, input string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	in := filepath.Join(t.TempDir(), "input")
	if err := os.WriteFile(in, []byte(input), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out, errs bytes.Buffer
	r := new(recorder)
	p := &Proc{Name: "multilog", Stdout: &out, Stderr: &errs, Files: [3]*os.File{f, nil, nil}, Sys: r}
	msg, code := Report(p.Name, runMultilog(p, args))
	if diff := cmp.Diff([]string{"defaultsignals, keeping alarm clock"}, r.Sys); diff != "" {
		t.Errorf("process-wide changes (-want +got)\n%s", diff)
	}
	return out.String(), errs.String() + msg, code
}

func TestMultilogApplet(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name           string
		input          string
		args           []string
		stdout, stderr string
		code           int
	}{
		{"e and 1", "one\ntwo", []string{"-two", "e", "1"}, "one\n", "one\n", 0},
		{"nothing", "one\n", nil, "", "", 0},
		{"lock twice", "one\n", []string{dir + "/d", dir + "/d"}, "",
			"multilog: fatal: unable to lock directory " + dir + "/d: temporary failure\n", 111},
		{"status file dir missing", "one\n", []string{"=" + dir + "/no/st"}, "",
			"multilog: fatal: unable to create " + dir + "/no/st: file does not exist\n", 111},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runMultilogIn(t, tc.input, tc.args...)
			if stdout != tc.stdout || stderr != tc.stderr || code != tc.code {
				t.Errorf("got stdout %q stderr %q exit %d; want %q %q %d", stdout, stderr, code, tc.stdout, tc.stderr, tc.code)
			}
		})
	}
}

// TestMultilogAppletCurrentComplete checks the clean-exit marker: current is
// 0744 after end of input, whatever the test process's umask was.
func TestMultilogAppletCurrentComplete(t *testing.T) {
	dir := t.TempDir()
	_, stderr, code := runMultilogIn(t, "", dir+"/d")
	if code != 0 || stderr != "" {
		t.Errorf("empty run: %q, exit %d", stderr, code)
	}
	fi, err := os.Stat(dir + "/d/current")
	if err != nil || fi.Size() != 0 || fi.Mode().Perm() != 0o744 {
		t.Errorf("current: %v %v, want empty with mode 0744", fi, err)
	}
}
