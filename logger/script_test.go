package logger

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func dirAction(path string, size, num uint64) Action {
	return Action{Kind: Dir, Path: path, Size: size, Num: num}
}

func TestParseScript(t *testing.T) {
	withProc := func(a Action, p string) Action { a.Processor, a.HasProcessor = p, true; return a }
	tests := []struct {
		name string
		args []string
		want Script
	}{
		{"no actions", nil, Script{}},
		{"t first", []string{"t", "./main"}, Script{Timestamp: true, Actions: []Action{dirAction("./main", DefaultSize, DefaultNum)}}},
		{"any t word first", []string{"tfoo"}, Script{Timestamp: true}},
		{"t later is ignored", []string{"e", "t"}, Script{Actions: []Action{{Kind: Stderr}}}},
		{"patterns", []string{"-*", "+one", "-"}, Script{Actions: []Action{
			{Kind: Deselect, Pattern: "*"}, {Kind: Select, Pattern: "one"}, {Kind: Deselect}}}},
		{"e takes no operand", []string{"exyz"}, Script{Actions: []Action{{Kind: Stderr}}}},
		{"status file", []string{"=st", "="}, Script{Actions: []Action{{Kind: Status, Path: "st"}, {Kind: Status}}}},
		{"stdout", []string{"1", "1x"}, Script{Actions: []Action{{Kind: Stdout}, {Kind: Stdout}}}},
		{"ignored", []string{"", "T", "F", "wgz", "x", "2"}, Script{}},
		{"settings apply to later dirs", []string{"./a", "s5000", "n3", "!gzip", "/b", "s1", "n1", "."}, Script{Actions: []Action{
			dirAction("./a", DefaultSize, DefaultNum),
			withProc(dirAction("/b", 5000, 3), "gzip"),
			withProc(dirAction(".", MinSize, MinNum), "gzip"),
		}}},
		{"size digits then junk", []string{"s5000k", "./a"}, Script{Actions: []Action{dirAction("./a", 5000, DefaultNum)}}},
		{"size no digits", []string{"s", "./a"}, Script{Actions: []Action{dirAction("./a", MinSize, DefaultNum)}}},
		{"size too big", []string{"s16777216", "./a"}, Script{Actions: []Action{dirAction("./a", MaxSize, DefaultNum)}}},
		{"size wraps like C", []string{"s18446744073709551617", "./a"}, Script{Actions: []Action{dirAction("./a", MinSize, DefaultNum)}}},
		{"num unbounded above", []string{"n99999999", "./a"}, Script{Actions: []Action{dirAction("./a", DefaultSize, 99999999)}}},
		{"empty processor", []string{"!", "./a"}, Script{Actions: []Action{withProc(dirAction("./a", DefaultSize, DefaultNum), "")}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, ParseScript(tc.args)); diff != "" {
				t.Errorf("ParseScript(%q) (-want +got)\n%s", tc.args, diff)
			}
		})
	}
}

func TestSelect(t *testing.T) {
	tests := []struct {
		args []string
		line string
		want []bool
	}{
		{[]string{"e"}, "x", []bool{true}},
		{[]string{"-*", "e", "+one", "e"}, "one", []bool{false, false, true, true}},
		{[]string{"-*", "+one", "e"}, "two", []bool{false, false, false}},
		{[]string{"-one", "-*", "+*", "./d"}, "one", []bool{false, false, true, true}},
		{[]string{"+never", "1"}, "x", []bool{true, true}},
		{[]string{"-", "e"}, "", []bool{false, false}},
	}
	for _, tc := range tests {
		s := ParseScript(tc.args)
		got := make([]bool, len(s.Actions))
		s.Select([]byte(tc.line), got)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%q on %q (-want +got)\n%s", tc.args, tc.line, diff)
		}
	}
}

func FuzzParseScript(f *testing.F) {
	f.Add("t\x00-*\x00+one\x00e\x00=st\x00s5000\x00n3\x00!gzip\x00./main")
	f.Add("tfoo\x00s\x00n\x00!\x00/x\x001\x00.")
	f.Add("s99999999999999999999999\x00./a")
	f.Fuzz(func(t *testing.T, joined string) {
		args := strings.Split(joined, "\x00")
		s := ParseScript(args)
		dirs := 0
		for _, arg := range args {
			if arg != "" && (arg[0] == '.' || arg[0] == '/') {
				dirs++
			}
		}
		for _, a := range s.Actions {
			if a.Kind == Dir {
				dirs--
				if a.Size < MinSize || a.Size > MaxSize || a.Num < MinNum {
					t.Fatalf("%q: out of bounds %+v", args, a)
				}
			}
		}
		if dirs != 0 {
			t.Fatalf("%q: dir actions do not match the . and / arguments", args)
		}
		if s.Timestamp != (len(args) > 0 && strings.HasPrefix(args[0], "t")) {
			t.Fatalf("%q: Timestamp = %v", args, s.Timestamp)
		}
	})
}
