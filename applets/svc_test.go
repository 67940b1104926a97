package applets

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSvcArgs(t *testing.T) {
	tests := []struct {
		args []string
		cmds string
		dirs []string
		bad  string
	}{
		{[]string{"-dxdtu", "-k", "--", "d"}, "dxtuk", []string{"d"}, ""},
		{[]string{"-p", "-c", "d"}, "pc", []string{"d"}, ""},
		{[]string{"d"}, "", []string{"d"}, ""},
		{[]string{"-u", "a", "-d", "b"}, "u", []string{"a", "-d", "b"}, ""},
		{[]string{"-uuuu", "-u", "x"}, "u", []string{"x"}, ""},
		{[]string{"-udopchaitkxq12w", "x"}, "udopchaitkxq12w", []string{"x"}, ""},
		{[]string{"-wq21", "x"}, "wq21", []string{"x"}, ""},
		{[]string{"--help"}, "", []string{}, ""},
		{[]string{"--up", "x"}, "", []string{"x"}, ""},
		{[]string{"-", "x"}, "", []string{"-", "x"}, ""},
		{[]string{""}, "", []string{""}, ""},
		{nil, "", []string{}, ""},
		{[]string{"-uZ", "x"}, "", nil, "svc: illegal option -- Z\n"},
		{[]string{"-h", "x"}, "h", []string{"x"}, ""},
		{[]string{"-3", "x"}, "", nil, "svc: illegal option -- 3\n"},
	}
	p := &Proc{Name: "svc"}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			cmds, dirs, bad := p.svcArgs(tc.args)
			if tc.bad != "" || bad != "" {
				if bad != tc.bad {
					t.Errorf("bad = %q, want %q", bad, tc.bad)
				}
				return
			}
			if diff := cmp.Diff(tc.cmds, string(cmds)); diff != "" {
				t.Errorf("commands (-want +got)\n%s", diff)
			}
			if diff := cmp.Diff(tc.dirs, dirs, cmpEmptyEqual); diff != "" {
				t.Errorf("dirs (-want +got)\n%s", diff)
			}
		})
	}
}

func TestSvcUsage(t *testing.T) {
	tests := []struct {
		args []string
		msg  string
	}{
		{[]string{"-Z", "x"}, "svc: illegal option -- Z\n" + svcOptions},
		{[]string{"-u", "-v"}, "svc: illegal option -- v\n" + svcOptions},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			msg, code := Report("svc", runSvc(&Proc{Name: "svc"}, tc.args))
			if diff := cmp.Diff(tc.msg, msg); diff != "" || code != ExitUsage {
				t.Errorf("exit %d (want 100), message (-want +got)\n%s", code, diff)
			}
		})
	}
	want := "svc options: u up, d down, o once, x exit, p pause, c continue, h hup, a alarm, " +
		"i interrupt, t term, k kill, q quit, 1 usr1, 2 usr2, w winch\n"
	if diff := cmp.Diff(want, svcOptions); diff != "" {
		t.Errorf("letter list (-want +got)\n%s", diff)
	}
}

// FuzzSvcArgs checks svc's argument handling against a model: the commands
// are the letters of the leading option words in first-seen order without
// repeats, and the directories are the words after them.
func FuzzSvcArgs(f *testing.F) {
	for _, s := range []string{"-dxdtu\x00-k\x00--\x00d", "-p\x00-c\x00d", "d", "--help", "-\x00x", "-Z", "", "-u\x00\x00-d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00")
		p := &Proc{Name: "svc"}
		cmds, dirs, bad := p.svcArgs(args)
		var letters []byte
		i := 0
		for ; i < len(args); i++ {
			a := args[i]
			if len(a) < 2 || a[0] != '-' {
				break
			}
			if a[1] == '-' {
				i++
				break
			}
			for _, c := range []byte(a[1:]) {
				if !strings.ContainsRune(svcLetters, rune(c)) {
					if want := "svc: illegal option -- " + string(c) + "\n"; bad != want {
						t.Fatalf("%q: bad = %q, want %q", args, bad, want)
					}
					return
				}
				if !strings.ContainsRune(string(letters), rune(c)) {
					letters = append(letters, c)
				}
			}
		}
		if bad != "" {
			t.Fatalf("%q: unexpected error %q", args, bad)
		}
		if string(cmds) != string(letters) {
			t.Fatalf("%q: commands %q, want %q", args, cmds, letters)
		}
		if diff := cmp.Diff(args[i:], dirs, cmpEmptyEqual); diff != "" {
			t.Fatalf("%q: dirs (-want +got)\n%s", args, diff)
		}
	})
}
