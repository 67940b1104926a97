package main

import (
	"bytes"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"gotools/applets"
)

type dispatched struct {
	Code           int
	Stdout, Stderr string
}

// testSystem keeps the filters the dispatch tests run from changing the
// test process's signal dispositions; they need nothing else of a System.
type testSystem struct{ applets.System }

func (testSystem) DefaultSignals(...syscall.Signal) {}

// dispatch runs argv through the dispatcher in-process.
func dispatch(argv []string, env []string, stdin string) dispatched {
	var stdout, stderr bytes.Buffer
	p := &applets.Proc{Stdin: strings.NewReader(stdin), Stdout: &stdout, Stderr: &stderr, Env: env, Sys: testSystem{}}
	code := run(argv, p)
	return dispatched{code, stdout.String(), stderr.String()}
}

func TestDispatch(t *testing.T) {
	usage := "usage: gotools APPLET [ARG...]\n" +
		"       gotools install [-f] DIR\n" +
		"       gotools --list | --help | --version\n" +
		"applets: " + strings.Join(applets.Listed(), " ") + "\n"
	utc := []string{"TZ=UTC0", "TZDIR=" + t.TempDir()}
	const stamp, local = "@400000000000000a00000000 x\n", "1970-01-01 00:00:00.000000000 x\n"
	tests := []struct {
		name  string
		argv  []string
		env   []string
		stdin string
		want  dispatched
	}{
		{"symlink name", []string{"tai64nlocal"}, utc, stamp, dispatched{0, local, ""}},
		{"symlink path", []string{"/usr/local/bin/tai64nlocal"}, utc, stamp, dispatched{0, local, ""}},
		{"gotools APPLET", []string{"gotools", "tai64nlocal"}, utc, stamp, dispatched{0, local, ""}},
		{"gotools by path", []string{"/opt/bin/gotools", "tai64nlocal"}, utc, stamp, dispatched{0, local, ""}},
		{"any other name", []string{"gt", "tai64nlocal"}, utc, stamp, dispatched{0, local, ""}},
		{"applet arguments are the applet's", []string{"tai64n", "--help"}, nil, "", dispatched{0, "", ""}},
		{"gotools APPLET arguments", []string{"gotools", "tai64n", "--version"}, nil, "", dispatched{0, "", ""}},
		{"applet exit code", []string{"readproctitle", "x", "...."}, nil, "", dispatched{100, "", ""}},
		{"gotools applet exit code", []string{"gotools", "readproctitle", "x", "...."}, nil, "", dispatched{100, "", ""}},
		{"unknown applet", []string{"gotools", "nosuch"}, nil, "", dispatched{100, "", "gotools: fatal: unknown applet: nosuch\n"}},
		{"applet names are exact", []string{"gotools", "TAI64N"}, nil, "", dispatched{100, "", "gotools: fatal: unknown applet: TAI64N\n"}},
		{"bare gotools", []string{"gotools"}, nil, "", dispatched{100, "", usage}},
		{"unknown name, no arguments", []string{"/bin/whatever"}, nil, "", dispatched{100, "", usage}},
		{"empty argv", nil, nil, "", dispatched{100, "", usage}},
		{"--help", []string{"gotools", "--help"}, nil, "", dispatched{0, usage, ""}},
		{"-h", []string{"gotools", "-h"}, nil, "", dispatched{0, usage, ""}},
		{"help", []string{"gotools", "help"}, nil, "", dispatched{0, usage, ""}},
		{"--list", []string{"gotools", "--list"}, nil, "", dispatched{0, strings.Join(applets.Listed(), "\n") + "\n", ""}},
		{"--version", []string{"gotools", "--version"}, nil, "", dispatched{0, "gotools dev\n", ""}},
		{"install without DIR", []string{"gotools", "install"}, nil, "", dispatched{100, "", "gotools: usage: gotools install [-f] DIR\n"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, dispatch(tc.argv, tc.env, tc.stdin)); diff != "" {
				t.Errorf("%q (-want +got)\n%s", tc.argv, diff)
			}
		})
	}
}

func TestListHasOneAppletPerLine(t *testing.T) {
	got := strings.Fields(dispatch([]string{"gotools", "--list"}, nil, "").Stdout)
	for _, name := range []string{"readproctitle", "tai64n", "tai64nlocal"} {
		if a, ok := applets.Lookup(name); !ok || a.Name != name {
			t.Errorf("applet %s is not registered", name)
		}
		found := false
		for _, g := range got {
			found = found || g == name
		}
		if !found {
			t.Errorf("--list lacks %s: %q", name, got)
		}
	}
	for _, g := range got {
		if _, ok := applets.Lookup(g); !ok {
			t.Errorf("--list shows %q, which does not run", g)
		}
	}
}
