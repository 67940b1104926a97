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
