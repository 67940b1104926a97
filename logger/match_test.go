package logger

import (
	"strings"
	"testing"
)

// matchTable is the truth table of 0.76's rts.tests (docs/multilog.md, docs/matchtest.md),
// plus the ** cases checked against Debian's multilog.
var matchTable = []struct {
	pattern, line string
	want          bool
}{
	{"one", "one", true},
	{"one", "", false},
	{"one", "on", false},
	{"one", "onf", false},
	{"one", "one*", false},
	{"one", "onetwo", false},
	{"", "", true},
	{"", "x", false},
	{"*", "", true},
	{"*", "x", true},
	{"*", "*", true},
	{"*", "one", true},
	{"one*", "one", true},
	{"one*", "one*", true},
	{"one*", "onetwo", true},
	{"one*", "", false},
	{"one*", "x", false},
	{"one*", "on", false},
	{"one*", "onf", false},
	{"* one", " one", true},
	{"* one", "x one", true},
	{"* one", "* one", true},
	{"* one", "xy one", true},
	{"* one", "one", false},
	{"* one", " two", false},
	{"* one", "  one", false},
	{"* one", "xy one ", false},
	{"* * one", "  one", true},
	{"* * one", "x  one", true},
	{"* * one", " y one", true},
	{"* * one", "x y one", true},
	{"* * one", "one", false},
	{"* * one", " one", false},
	{"* * one", "   one", false},
	{"**", "", false},
	{"**", "x", false},
	{"**", "a*b", true},
	{"**x", "a*bx", true},
	{"**x", "a*x", true},
	{"**x", "x", false},
	{"named[*]: Cleaned cache *", "named[123]: Cleaned cache now", true},
	{"named[*]: Cleaned cache *", "named[1]2]: Cleaned cache now", false},
}

func TestMatchTruthTable(t *testing.T) {
	for _, tc := range matchTable {
		if got := Match(tc.pattern, []byte(tc.line)); got != tc.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tc.pattern, tc.line, got, tc.want)
		}
	}
}

// refMatch is an independent statement of the same rules, token by token.
func refMatch(pattern, line string) bool {
	for pattern != "" {
		if pattern[0] != '*' {
			if line == "" || line[0] != pattern[0] {
				return false
			}
			pattern, line = pattern[1:], line[1:]
			continue
		}
		if len(pattern) == 1 {
			return true
		}
		i := strings.IndexByte(line, pattern[1])
		if i < 0 {
			return false
		}
		pattern, line = pattern[1:], line[i:]
	}
	return line == ""
}

func FuzzMatch(f *testing.F) {
	for _, tc := range matchTable {
		f.Add(tc.pattern, tc.line)
	}
	f.Fuzz(func(t *testing.T, pattern, line string) {
		got := Match(pattern, []byte(line))
		if want := refMatch(pattern, line); got != want {
			t.Fatalf("Match(%q, %q) = %v, reference says %v", pattern, line, got, want)
		}
		if strings.Contains(pattern, "*") {
			return
		}
		if got != (pattern == line) {
			t.Fatalf("Match(%q, %q) = %v without wildcards", pattern, line, got)
		}
		if Match(pattern+"*", []byte(line)) != strings.HasPrefix(line, pattern) {
			t.Fatalf("Match(%q*, %q) is not a prefix test", pattern, line)
		}
	})
}
