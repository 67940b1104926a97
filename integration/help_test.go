package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gotools/docs"
)

// TestHelpForEveryApplet walks every applet the binary lists, and the
// hidden matchtest: docs/NAME.md exists, `gotools help NAME` prints it as it
// is, and `NAME --help` (through the installed link) and `gotools NAME
// --help` print its synopsis, all with exit 0.
func TestHelpForEveryApplet(t *testing.T) {
	list := cmd{}.run(t, gotoolsBin, "--list")
	names := strings.Fields(list.Stdout)
	if list.Code != 0 || len(names) == 0 {
		t.Fatalf("gotools --list: %v", list)
	}
	for _, name := range append(names, "matchtest") {
		t.Run(name, func(t *testing.T) {
			page, err := os.ReadFile(filepath.Join("..", "docs", name+".md"))
			if err != nil {
				t.Fatalf("no page for %s: %v", name, err)
			}
			synopsis := docs.Synopsis(name)
			if len(synopsis) == 0 {
				t.Fatalf("docs/%s.md has no Synopsis block", name)
			}
			if r := (cmd{}).run(t, gotoolsBin, "help", name); r != (result{Stdout: string(page)}) {
				t.Errorf("gotools help %s: %v\nwant docs/%s.md as it is", name, r, name)
			}
			usage := result{Stdout: "usage: " + strings.Join(synopsis, "\n       ") + "\n" +
				"see: gotools help " + name + " (docs/" + name + ".md)\n"}
			argvs := [][]string{{gotoolsBin, name, "--help"}}
			if name != "matchtest" { // hidden: not installed
				argvs = append(argvs, []string{name, "--help"})
			}
			for _, argv := range argvs {
				if r := (cmd{}).run(t, argv...); r != usage {
					t.Errorf("%q: %v\nwant %v", argv, r, usage)
				}
			}
		})
	}
}

// TestHelpInsideAFusedChain: a chain-loader that runs the next link
// in-process gives --help the same meaning as the exec'd link would.
func TestHelpInsideAFusedChain(t *testing.T) {
	alone := cmd{}.run(t, "envdir", "--help")
	if alone.Code != 0 || !strings.HasPrefix(alone.Stdout, "usage: envdir ") {
		t.Fatalf("envdir --help: %v", alone)
	}
	for _, argv := range [][]string{
		{"softlimit", "-o", "100", "envdir", "--help"},
		{"pgrphack", "setuidgid", "--help"},
	} {
		name := argv[len(argv)-2]
		want := cmd{}.run(t, name, "--help")
		if r := (cmd{}).run(t, argv...); r != want {
			t.Errorf("%q: %v\nwant what %s --help prints: %v", argv, r, name, want)
		}
	}
}

// TestHelpOnlyWhenAlone: --help among other arguments keeps daemontools
// 0.76's meaning, so each of these behaves exactly as Debian's program.
// (svc, svok and svstat are in TestClientDifferentialArguments, softlimit
// in its own tests.)
func TestHelpOnlyWhenAlone(t *testing.T) {
	for _, argv := range [][]string{
		{"envdir", "--help", "x"},
		{"envuidgid", "--help", "true"},
		{"setuidgid", "--help", "true"},
		{"pgrphack", "--help", "x"},
		{"fghack", "--help", "x"},
		{"setlock", "--help", "lk"},
		{"setlock", "--help", "lk", "true"},
		{"supervise", "--help", "x"},
		{"readproctitle", "--help", "x"},
		{"tai64n", "--help", "x"},
		{"tai64nlocal", "--help", "x"},
		{"multilog", "--help", "e"},
	} {
		stdin := "line\n"
		if argv[0] == "tai64n" {
			stdin = "" // no stamps to tell apart
		}
		t.Run(strings.Join(argv, " "), func(t *testing.T) { differential(t, runs(t, cmd{Stdin: stdin}, argv...)) })
	}
}

// TestMistypedApplet: the fatal line stays, and a hint names the nearest
// applets.
func TestMistypedApplet(t *testing.T) {
	r := cmd{}.run(t, gotoolsBin, "svscn")
	want := result{Code: 100, Stderr: "gotools: fatal: unknown applet: svscn\n" +
		"gotools: hint: did you mean svscan? gotools --list lists the applets\n"}
	if r != want {
		t.Errorf("gotools svscn: %v\nwant %v", r, want)
	}
	r = cmd{}.run(t, gotoolsBin, "help", "svscn")
	if r.Code != 100 || !strings.Contains(r.Stderr, "did you mean svscan?") {
		t.Errorf("gotools help svscn: %v", r)
	}
}
