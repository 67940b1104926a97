package applets

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// runInProcess runs an applet in-process and returns its stdout, stderr and
// exit code as the dispatcher would produce them.
func runInProcess(run func(*Proc, []string) error, name string, args ...string) (string, string, int) {
	var stdout, stderr bytes.Buffer
	p := &Proc{Name: name, Stdout: &stdout, Stderr: &stderr}
	msg, code := Report(name, run(p, args))
	stderr.WriteString(msg)
	return stdout.String(), stderr.String(), code
}

// Usage errors only: past them supervise installs the process's reaper,
// which must not run inside a test binary that starts other children
// (integration/supervise_test.go runs the real thing).
func TestSuperviseAndSvwaitUsage(t *testing.T) {
	const svwaitUsageLine = "svwait: usage: svwait [-u | -U | -d] [-t MILLISECONDS] DIR...\n"
	tests := []struct {
		name   string
		run    func(*Proc, []string) error
		args   []string
		stdout string
		stderr string
		code   int
	}{
		{"supervise", runSupervise, nil, "", "supervise: usage: supervise dir\n", 100},
		{"supervise", runSupervise, []string{"a", "b"}, "", "supervise: usage: supervise dir\n", 100},
		{"svwait", runSvwait, nil, "", svwaitUsageLine, 100},
		{"svwait", runSvwait, []string{"-u"}, "", svwaitUsageLine, 100},
		{"svwait", runSvwait, []string{"-t", "-1", "x"}, "", svwaitUsageLine, 100},
		{"svwait", runSvwait, []string{"-x", "x"}, "", svwaitUsageLine, 100},
		{"svwait", runSvwait, []string{"-h"}, helpFor("svwait"), "", 0},
		{"svwait", runSvwait, []string{"-Ud", "-t5", "/nonexistent"}, "",
			"svwait: fatal: unable to watch /nonexistent/supervise: file does not exist\n", 111},
	}
	for _, tc := range tests {
		stdout, stderr, code := runInProcess(tc.run, tc.name, tc.args...)
		got := []any{stdout, stderr, code}
		if diff := cmp.Diff([]any{tc.stdout, tc.stderr, tc.code}, got); diff != "" {
			t.Errorf("%s %q (-want +got)\n%s", tc.name, tc.args, diff)
		}
	}
}
