package applets

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// Nearest returns the candidates within typing distance of name, nearest
// first (ties in alphabetical order), at most three. The distance counts
// insertions, deletions, substitutions and swaps of adjacent letters; a
// candidate is near when it is at most a third of name's length away (at
// least 1), so `svscn` finds svscan and `sv` finds svc, but a name that is
// merely short finds nothing.
func Nearest(name string, candidates []string) []string {
	limit := max(1, utf8.RuneCountInString(name)/3)
	type scored struct {
		name     string
		distance int
	}
	var near []scored
	for _, c := range candidates {
		if d := editDistance(name, c); d <= limit && c != name {
			near = append(near, scored{c, d})
		}
	}
	slices.SortFunc(near, func(a, b scored) int {
		if a.distance != b.distance {
			return a.distance - b.distance
		}
		return strings.Compare(a.name, b.name)
	})
	var names []string
	for _, s := range near[:min(len(near), 3)] {
		names = append(names, s.name)
	}
	return names
}

// editDistance is the optimal string alignment distance between a and b,
// counted in runes.
func editDistance(a, b string) int {
	s, t := []rune(a), []rune(b)
	// d[i][j] is the distance between s[:i] and t[:j].
	d := make([][]int, len(s)+1)
	for i := range d {
		d[i] = make([]int, len(t)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(s); i++ {
		for j := 1; j <= len(t); j++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && s[i-1] == t[j-2] && s[i-2] == t[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(s)][len(t)]
}
