package main

import (
	"bytes"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"gotools/applets"
	"gotools/docs"
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
		"       gotools help [APPLET | PAGE]\n" +
		"       gotools --list | --help | --version\n" +
		"applets: " + strings.Join(applets.Listed(), " ") + "\n" +
		"APPLET --help prints its synopsis; gotools help APPLET its manual page.\n"
	svcUsage := "usage: svc [-udopchaitkxq12w] DIR...\nsee: gotools help svc (docs/svc.md)\n"
	svcPage, _ := docs.Page("svc")
	utc := []string{"TZ=UTC0", "TZDIR=" + t.TempDir()}
	const listHint = "gotools: hint: gotools --list lists the applets\n"
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
		{"applet arguments are the applet's", []string{"tai64n", "--help", "x"}, nil, "", dispatched{0, "", ""}},
		{"--help alone", []string{"svc", "--help"}, nil, "", dispatched{0, svcUsage, ""}},
		{"gotools APPLET --help", []string{"gotools", "svc", "--help"}, nil, "", dispatched{0, svcUsage, ""}},
		{"--help among other arguments", []string{"svc", "--help", "/nonexistent"}, nil, "", dispatched{0, "", "svc: warning: unable to chdir to /nonexistent: file does not exist\n"}},
		{"-h is svc's HUP", []string{"svc", "-h"}, nil, "", dispatched{0, "", ""}},
		{"--help twice", []string{"svc", "--help", "--help"}, nil, "", dispatched{0, "", "svc: warning: unable to chdir to --help: file does not exist\n"}},
		{"gotools APPLET arguments", []string{"gotools", "tai64n", "--version"}, nil, "", dispatched{0, "", ""}},
		{"applet exit code", []string{"readproctitle", "x", "...."}, nil, "", dispatched{100, "", ""}},
		{"gotools applet exit code", []string{"gotools", "readproctitle", "x", "...."}, nil, "", dispatched{100, "", ""}},
		{"unknown applet", []string{"gotools", "nosuch"}, nil, "", dispatched{100, "", "gotools: fatal: unknown applet: nosuch\n" + listHint}},
		{"applet names are exact", []string{"gotools", "TAI64N"}, nil, "", dispatched{100, "", "gotools: fatal: unknown applet: TAI64N\n" + listHint}},
		{"mistyped applet", []string{"gotools", "svscn"}, nil, "", dispatched{100, "", "gotools: fatal: unknown applet: svscn\ngotools: hint: did you mean svscan? gotools --list lists the applets\n"}},
		{"mistyped meta command", []string{"gotools", "instal", "/x"}, nil, "", dispatched{100, "", "gotools: fatal: unknown applet: instal\ngotools: hint: did you mean install? gotools --list lists the applets\n"}},
		{"bare gotools", []string{"gotools"}, nil, "", dispatched{100, "", usage}},
		{"unknown name, no arguments", []string{"/bin/whatever"}, nil, "", dispatched{100, "", usage}},
		{"empty argv", nil, nil, "", dispatched{100, "", usage}},
		{"--help", []string{"gotools", "--help"}, nil, "", dispatched{0, usage, ""}},
		{"-h", []string{"gotools", "-h"}, nil, "", dispatched{0, usage, ""}},
		{"help APPLET", []string{"gotools", "help", "svc"}, nil, "", dispatched{0, svcPage, ""}},
		{"help NOSUCH", []string{"gotools", "help", "svcc"}, nil, "", dispatched{100, "", "gotools: fatal: no help for svcc\ngotools: hint: did you mean svc? gotools help lists the pages\n"}},
		{"help is not for paths", []string{"gotools", "help", "../main.go"}, nil, "", dispatched{100, "", "gotools: fatal: no help for ../main.go\ngotools: hint: gotools help lists the pages\n"}},
		{"help with two names", []string{"gotools", "help", "svc", "svok"}, nil, "", dispatched{100, "", "gotools: usage: gotools help [APPLET | PAGE]\n"}},
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

// TestEveryAppletHasAPage: each applet, hidden ones included, has a page
// docs/NAME.md whose synopsis is what NAME --help prints.
func TestEveryAppletHasAPage(t *testing.T) {
	for _, name := range append(applets.Listed(), "matchtest") {
		t.Run(name, func(t *testing.T) {
			if _, ok := docs.Page(name); !ok {
				t.Fatalf("no docs/%s.md", name)
			}
			if docs.Summary(name) == "" {
				t.Errorf("docs/%s.md has no summary in its title", name)
			}
			synopsis := docs.Synopsis(name)
			if len(synopsis) == 0 {
				t.Fatalf("docs/%s.md has no Synopsis block", name)
			}
			for _, line := range synopsis {
				if !strings.HasPrefix(line, name+" ") && line != name {
					t.Errorf("synopsis line %q does not start with %s", line, name)
				}
			}
			got := dispatch([]string{name, "--help"}, nil, "")
			want := "usage: " + strings.Join(synopsis, "\n       ") + "\n" +
				"see: gotools help " + name + " (docs/" + name + ".md)\n"
			if diff := cmp.Diff(dispatched{0, want, ""}, got); diff != "" {
				t.Errorf("%s --help (-want +got)\n%s", name, diff)
			}
		})
	}
}

// TestHelpListsEveryPage: gotools help names every listed applet and every
// page once, each with the summary from its title.
func TestHelpListsEveryPage(t *testing.T) {
	got := dispatch([]string{"gotools", "help"}, nil, "")
	if got.Code != 0 || got.Stderr != "" {
		t.Fatalf("gotools help: %+v", got)
	}
	lines := strings.Split(got.Stdout, "\n")
	for _, name := range append(applets.Listed(), docs.Names()...) {
		want := strings.TrimSpace(name + " " + docs.Summary(name))
		n := 0
		for _, line := range lines {
			fields := strings.Fields(line)
			if len(fields) > 0 && fields[0] == name && strings.Join(fields, " ") == want {
				n++
			}
		}
		if n != 1 {
			t.Errorf("gotools help shows %q %d times, want once:\n%s", want, n, got.Stdout)
		}
	}
}
