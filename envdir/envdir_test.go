package envdir

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestValue(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", "abc", "abc"},
		{"first line only", "a\nb", "a"},
		{"just newline is empty", "\n", ""},
		{"trailing space and tab trimmed", "a \t \n", "a"},
		{"carriage return kept", "a\r\n", "a\r"},
		{"leading space kept", "  a", "  a"},
		{"NUL becomes newline", "a\x00b", "a\nb"},
		{"trim before NUL conversion", "a\x00 ", "a\n"},
		{"NUL then trailing space", "a \x00", "a \n"},
		{"newline after NUL", "\x00\nx", "\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Value([]byte(tc.in)); got != tc.want {
				t.Errorf("Value(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func FuzzValue(f *testing.F) {
	for _, s := range []string{"", "a", "a\nb", "a \t", "a\x00b", "\r\n", " \x00 \n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v := Value(b)
		if len(v) > len(b) {
			t.Fatalf("value %q longer than input %q", v, b)
		}
		if strings.ContainsRune(v, 0) {
			t.Fatalf("value %q holds a NUL", v)
		}
		if strings.HasSuffix(v, " ") || strings.HasSuffix(v, "\t") {
			t.Fatalf("value %q keeps trailing blanks", v)
		}
		line, _, _ := strings.Cut(string(b), "\n")
		if strings.ReplaceAll(line, "\x00", "\n")[:len(v)] != v {
			t.Fatalf("value %q is not a prefix of the first line %q", v, line)
		}
		if Value([]byte(v)) != v && !strings.Contains(v, "\n") {
			t.Fatalf("Value not idempotent on %q", v)
		}
	})
}

func TestApply(t *testing.T) {
	tests := []struct {
		name  string
		env   []string
		edits []Edit
		want  []string
	}{
		{"set new appends", []string{"A=1", "B=2"}, []Edit{{Name: "C", Value: "3"}}, []string{"A=1", "B=2", "C=3"}},
		{"replace moves last into the slot", []string{"A=1", "B=2", "C=3"}, []Edit{{Name: "A", Value: "x"}},
			[]string{"C=3", "B=2", "A=x"}},
		{"unset moves last into the slot", []string{"A=1", "B=2", "C=3"}, []Edit{{Name: "A", Unset: true}},
			[]string{"C=3", "B=2"}},
		{"only the first match goes", []string{"A=1", "A=2"}, []Edit{{Name: "A", Unset: true}}, []string{"A=2"}},
		{"prefix is not a match", []string{"AB=1", "A"}, []Edit{{Name: "A", Unset: true}}, []string{"AB=1", "A"}},
		{"name with = sets the part before", []string{"A=old"}, []Edit{{Name: "A=B", Value: "v"}}, []string{"A=B=v"}},
		{"unset of A=B sets A=B", []string{"A=old", "Z=1"}, []Edit{{Name: "A=B", Unset: true}}, []string{"Z=1", "A=B"}},
		{"edits in order", []string{"A=1"}, []Edit{{Name: "A", Value: "2"}, {Name: "A", Value: "3"}, {Name: "B", Unset: true}},
			[]string{"A=3"}},
		{"empty value", nil, []Edit{{Name: "A"}}, []string{"A="}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := append([]string(nil), tc.env...)
			got := Apply(env, tc.edits)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Apply (-want +got)\n%s", diff)
			}
			if diff := cmp.Diff(tc.env, env); diff != "" {
				t.Errorf("Apply modified its input (-want +got)\n%s", diff)
			}
		})
	}
}

// dirOrder lists dir in readdir order, which is the order Read must keep.
func dirOrder(t *testing.T, dir string) []string {
	t.Helper()
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestRead(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"PLAIN": "value\nignored",
		"EMPTY": "",
		"NL":    "\n",
		"NUL":   "a\x00b  ",
		"A=B":   "v",
		".HID":  "hidden",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Edit{
		"PLAIN": {Name: "PLAIN", Value: "value"},
		"EMPTY": {Name: "EMPTY", Unset: true},
		"NL":    {Name: "NL", Value: ""},
		"NUL":   {Name: "NUL", Value: "a\nb"},
		"A=B":   {Name: "A=B", Value: "v"},
	}
	var wantEdits []Edit
	for _, name := range dirOrder(t, dir) {
		if e, ok := want[name]; ok {
			wantEdits = append(wantEdits, e)
		}
	}
	if diff := cmp.Diff(wantEdits, got); diff != "" {
		t.Errorf("Read (-want +got)\n%s", diff)
	}
}

// TestReadDanglingReusesPreviousBuffer covers docs/envdir.md's quirk: 0.76 keeps
// the previous entry's NUL-terminated buffer, so the value gains a newline
// (verified: "zz" gives BBB="zz\n"), and alternates if the quirk repeats.
func TestReadDanglingReusesPreviousBuffer(t *testing.T) {
	tests := []struct {
		name     string
		previous string // "" means the dangling link is the first entry
		want     []Edit
	}{
		{"first entry is unset", "", []Edit{{Name: "B", Unset: true}}},
		{"after a value", "zz", []Edit{{Name: "A", Value: "zz"}, {Name: "B", Value: "zz\n"}}},
		{"after a converted NUL", "a\x00b", []Edit{{Name: "A", Value: "a\nb"}, {Name: "B", Value: "a"}}},
		{"after an empty file", "\x00empty", []Edit{{Name: "A", Unset: true}, {Name: "B", Unset: true}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.Symlink("/nonexistent", filepath.Join(dir, "B")); err != nil {
				t.Fatal(err)
			}
			if tc.previous != "" {
				content := tc.previous
				if content == "\x00empty" {
					content = ""
				}
				if err := os.WriteFile(filepath.Join(dir, "A"), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
				if order := dirOrder(t, dir); order[0] != "A" {
					t.Skipf("readdir gives %q first; the quirk needs A before B", order[0])
				}
			}
			got, err := Read(dir)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Read (-want +got)\n%s", diff)
			}
		})
	}
}

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	loop := filepath.Join(dir, "loop")
	os.Symlink(loop, loop)
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o644)
	withSub := filepath.Join(dir, "withsub")
	os.MkdirAll(filepath.Join(withSub, "SUB"), 0o755)
	withLoop := filepath.Join(dir, "withloop")
	os.Mkdir(withLoop, 0o755)
	os.Symlink("L", filepath.Join(withLoop, "L"))
	tests := []struct {
		dir   string
		want  string
		errno syscall.Errno
	}{
		{filepath.Join(dir, "missing"), "unable to switch to directory " + dir + "/missing: ", syscall.ENOENT},
		{loop, "unable to switch to directory " + loop + ": ", syscall.ELOOP},
		{file, "unable to switch to directory " + file + ": ", syscall.ENOTDIR},
		{withSub, "unable to read " + withSub + "/SUB: ", syscall.EISDIR},
		{withLoop, "unable to read " + withLoop + "/L: ", syscall.ELOOP},
	}
	for _, tc := range tests {
		t.Run(filepath.Base(tc.dir), func(t *testing.T) {
			_, err := Read(tc.dir)
			if !errors.Is(err, tc.errno) {
				t.Fatalf("Read(%q) = %v, want errno %v", tc.dir, err, tc.errno)
			}
			if want := tc.want + tc.errno.Error(); err.Error() != want {
				t.Errorf("Read(%q) = %q, want %q", tc.dir, err, want)
			}
		})
	}
}
