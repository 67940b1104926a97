package applets

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"gotools/docs"
)

// helpFor is what NAME --help prints: the synopsis of docs/NAME.md.
func helpFor(name string) string {
	lines := docs.Synopsis(name)
	if len(lines) == 0 {
		lines = []string{name + " ..."}
	}
	return "usage: " + strings.Join(lines, "\n       ") + "\nsee: gotools help " + name + " (docs/" + name + ".md)\n"
}

func TestNearest(t *testing.T) {
	names := []string{"envdir", "envuidgid", "help", "install", "multilog", "supervise", "svc", "svok", "svscan", "svscanboot", "svstat", "svwait", "tai64n", "tai64nlocal"}
	tests := []struct {
		typed string
		want  []string
	}{
		{"svscn", []string{"svscan"}},
		{"svsacn", []string{"svscan"}}, // swapped letters count once
		{"sv", []string{"svc"}},        // short: one edit only
		{"svcc", []string{"svc"}},
		{"svstats", []string{"svstat"}},
		{"supervisor", []string{"supervise"}}, // two edits in ten letters
		{"svk", []string{"svc", "svok"}},      // ties in alphabetical order
		{"tai64", []string{"tai64n"}},
		{"multilgo", []string{"multilog"}},
		{"instal", []string{"install"}},
		{"sva", []string{"svc"}},
		{"svx", []string{"svc"}},
		{"s", nil},
		{"xyz", nil},
		{"svc", nil}, // an exact name is no suggestion
		{"", nil},
	}
	for _, tc := range tests {
		t.Run(tc.typed, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Nearest(tc.typed, names)); diff != "" {
				t.Errorf("Nearest(%q) (-want +got)\n%s", tc.typed, diff)
			}
		})
	}
}

func TestNearestKeepsThree(t *testing.T) {
	got := Nearest("ab", []string{"ac", "ad", "ae", "af", "a", "b"})
	if diff := cmp.Diff([]string{"a", "ac", "ad"}, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0}, {"svc", "svc", 0}, {"", "svc", 3}, {"svc", "", 3},
		{"svc", "svk", 1}, {"svc", "sv", 1}, {"sv", "svc", 1},
		{"scv", "svc", 1}, {"svscan", "svscanboot", 4}, {"kitten", "sitting", 3},
		{"é", "e", 1}, // runes, not bytes
	}
	for _, tc := range tests {
		if got := editDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// FuzzEditDistance checks the distance's properties on any pair of names
// a user might type: zero exactly for equal strings, symmetric, at most the
// longer length, at least the difference in length; and Nearest offers
// only a candidate that differs from the name.
func FuzzEditDistance(f *testing.F) {
	for _, seed := range [][2]string{{"svscn", "svscan"}, {"", "svc"}, {"é", "e"}, {"ab", "ba"}, {"\xff", "x"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		d := editDistance(a, b)
		la, lb := len([]rune(a)), len([]rune(b))
		// Runes: invalid bytes all read as U+FFFD, as the distance counts them.
		if same := string([]rune(a)) == string([]rune(b)); (d == 0) != same {
			t.Errorf("editDistance(%q, %q) = %d; same runes: %v", a, b, d, same)
		}
		if d != editDistance(b, a) {
			t.Errorf("editDistance(%q, %q) = %d, reversed %d", a, b, d, editDistance(b, a))
		}
		if d > max(la, lb) || d < max(la-lb, lb-la) {
			t.Errorf("editDistance(%q, %q) = %d, outside [%d, %d]", a, b, d, max(la-lb, lb-la), max(la, lb))
		}
		for _, name := range Nearest(a, []string{b}) {
			if name != b || name == a {
				t.Errorf("Nearest(%q, [%q]) = %q", a, b, name)
			}
		}
	})
}
