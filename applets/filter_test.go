package applets

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// stampRun runs an applet in-process and returns what it wrote and its
// exit code, as the dispatcher would report them.
func stampRun(run func(*Proc, []string) error, name string, env []string, stdin io.Reader, args ...string) (stdout, stderr string, code int) {
	var out, errOut bytes.Buffer
	p := &Proc{Name: name, Stdin: stdin, Stdout: &out, Stderr: &errOut, Env: env, Sys: &recorder{}}
	msg, code := Report(name, run(p, args))
	errOut.WriteString(msg)
	return out.String(), errOut.String(), code
}

var errBroken = errors.New("broken")

// brokenReader returns some data, then an error.
type brokenReader struct{ data string }

func (r *brokenReader) Read(b []byte) (int, error) {
	if r.data == "" {
		return 0, errBroken
	}
	n := copy(b, r.data)
	r.data = r.data[n:]
	return n, nil
}

type brokenWriter struct{}

func (brokenWriter) Write([]byte) (int, error) { return 0, errBroken }

func TestFilterErrorsExit111Silently(t *testing.T) {
	for _, run := range []func(*Proc, []string) error{runTai64n, runTai64nlocal} {
		if _, stderr, code := stampRun(run, "x", nil, &brokenReader{"a\n"}); code != 111 || stderr != "" {
			t.Errorf("read error: exit %d, stderr %q; want 111 and nothing", code, stderr)
		}
		p := &Proc{Name: "x", Stdin: strings.NewReader("a\n"), Stdout: brokenWriter{}, Stderr: &bytes.Buffer{}, Sys: &recorder{}}
		if msg, code := Report("x", run(p, nil)); code != 111 || msg != "" {
			t.Errorf("write error: exit %d, stderr %q; want 111 and nothing", code, msg)
		}
	}
}
