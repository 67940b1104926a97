package privdrop

import (
	"os"
	"slices"
	"strings"
	"syscall"
	"testing"
)

func TestArgsFit(t *testing.T) {
	big := strings.Repeat("x", 32*os.Getpagesize())
	tests := []struct {
		name string
		argv []string
		env  []string
		want error
	}{
		{"small", []string{"true"}, []string{"A=1"}, nil},
		{"one string too long", []string{"true"}, []string{big}, syscall.E2BIG},
		{"just fits", []string{"true"}, []string{big[1:]}, nil},
		{"too much together", []string{"true"}, slices.Repeat([]string{big[1:]}, 50), syscall.E2BIG},
	}
	for _, tc := range tests {
		if got := ArgsFit("/bin/true", tc.argv, tc.env); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestIdentify(t *testing.T) {
	dir := t.TempDir()
	file := dir + "/f"
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(file, dir+"/link"); err != nil {
		t.Fatal(err)
	}
	a, err1 := Identify(file)
	b, err2 := Identify(dir + "/link")
	c, err3 := Identify(dir)
	if err1 != nil || err2 != nil || err3 != nil || a != b || a == c {
		t.Errorf("Identify: file %v, link %v, dir %v (%v, %v, %v)", a, b, c, err1, err2, err3)
	}
	if _, err := Identify(dir + "/missing"); err == nil {
		t.Error("Identify of a missing file succeeded")
	}
}
