package privdrop

import (
	"errors"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

// glibcPasswdFile holds lines whose fate was checked against glibc 2.36's
// getpwnam (the file bind-mounted over /etc/passwd in a mount namespace,
// nsswitch "passwd: files"); TestLookup's table records what it returned,
// and integration's TestAccountsLikeGlibc checks it again against Debian's
// envuidgid.
const glibcPasswdFile = "testdata/glibc-passwd"

func readGlibcPasswd(tb testing.TB) string {
	b, err := os.ReadFile(glibcPasswdFile)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func TestLookup(t *testing.T) {
	tests := []struct {
		name string
		want Account
		err  error
	}{
		{"root", Account{0, 0}, nil},
		{"nobody", Account{65534, 65534}, nil},
		{"space", Account{1002, 1002}, nil},
		{" space", Account{}, ErrUnknownAccount},
		{"tab", Account{1003, 1003}, nil},
		{"controls", Account{1004, 1004}, nil},
		{"#comment", Account{}, ErrUnknownAccount},
		{"#indented", Account{}, ErrUnknownAccount},
		{"broken", Account{}, ErrUnknownAccount},
		{"short", Account{}, ErrUnknownAccount},
		{"nogid", Account{}, ErrUnknownAccount},
		{"fourfields", Account{5, 6}, nil},
		{"app", Account{1000, 1001}, nil},
		{"dup", Account{7, 7}, nil},
		{"uidmax", Account{math.MaxUint32, 1}, nil},
		{"uidover", Account{}, ErrUnknownAccount},
		{"gidover", Account{}, ErrUnknownAccount},
		{"plus", Account{7, 8}, nil},
		{"blanks", Account{9, 10}, nil},
		{"trailingblank", Account{}, ErrUnknownAccount},
		{"signspace", Account{}, ErrUnknownAccount},
		{"twosigns", Account{}, ErrUnknownAccount},
		{"minus", Account{}, ErrUnknownAccount},
		{"minuszero", Account{0, 8}, nil},
		{"minuswrap", Account{1, 8}, nil},
		{"minuswrapmax", Account{math.MaxUint32, 1}, nil},
		{"minusover", Account{}, ErrUnknownAccount},
		{"hex", Account{}, ErrUnknownAccount},
		{"octal", Account{7, 8}, nil},
		{"emptyuid", Account{}, ErrUnknownAccount},
		{"cr", Account{14, 14}, nil},
		{"crgid", Account{}, ErrUnknownAccount},
		{"trail", Account{}, ErrUnknownAccount},
		{"trail ", Account{11, 11}, nil},
		{"in ner", Account{12, 12}, nil},
		{"+nis", Account{}, ErrUnknownAccount},
		{"nis", Account{}, ErrUnknownAccount},
		{"-minusnis", Account{}, ErrUnknownAccount},
		{"+", Account{}, ErrUnknownAccount},
		{"-", Account{}, ErrUnknownAccount},
		{"", Account{6, 6}, nil},
		{"nul", Account{}, ErrUnknownAccount},
		{"nulgid", Account{3, 4}, nil},
		{"nuluid", Account{}, ErrUnknownAccount},
		{"nulfirst", Account{}, ErrUnknownAccount},
		{"no colon at all", Account{}, ErrUnknownAccount},
		{"last", Account{20, 20}, nil},
		{"nobody:nogroup", Account{}, ErrUnknownAccount},
		{"x", Account{}, ErrUnknownAccount},
	}
	glibcPasswd := readGlibcPasswd(t)
	for _, tc := range tests {
		t.Run(strconv.Quote(tc.name), func(t *testing.T) {
			// One byte per read, too: an entry split across reads is
			// the same entry.
			for _, r := range []io.Reader{strings.NewReader(glibcPasswd), iotest.OneByteReader(strings.NewReader(glibcPasswd))} {
				got, err := lookupIn(r, tc.name)
				if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
					t.Fatalf("lookup(%q) error %v, want %v", tc.name, err, tc.err)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("lookup(%q) (-want +got)\n%s", tc.name, diff)
				}
			}
		})
	}
}

// TestLookupLongLines: lines of any length are read (glibc's are not
// limited either), before the entry and in it.
func TestLookupLongLines(t *testing.T) {
	long := strings.Repeat("g", 1<<20)
	file := "a:x:1:1:" + long + ":/:\n" +
		long + ":x:2:2\n" +
		"b:" + long + ":3:3::/:\n" +
		"c:x:" + strings.Repeat(" ", 100000) + "0000000000000000000000000000004:5:" + long + "\n"
	tests := []struct {
		name string
		want Account
	}{{"a", Account{1, 1}}, {long, Account{2, 2}}, {"b", Account{3, 3}}, {"c", Account{4, 5}}}
	for _, tc := range tests {
		got, err := lookupIn(strings.NewReader(file), tc.name)
		if err != nil || got != tc.want {
			t.Errorf("lookup(%.10q...) = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}

// TestLookupReadError: a read that fails is reported as such, not as an
// unknown account.
func TestLookupReadError(t *testing.T) {
	r := io.MultiReader(strings.NewReader("root:x:0:0::/:\n"), iotest.ErrReader(unix.EIO))
	_, err := lookupIn(r, "nobody")
	if !errors.Is(err, unix.EIO) || err.Error() != "unable to read /etc/passwd: "+unix.EIO.Error() {
		t.Errorf("error %v, want unable to read /etc/passwd: EIO", err)
	}
	if a, err := lookupIn(r, "root"); err == nil {
		t.Errorf("found %v after a failed read", a)
	}
}

func TestLookupSystemRoot(t *testing.T) {
	a, err := Lookup("root")
	if err != nil || a != (Account{0, 0}) {
		t.Errorf("Lookup(root) = %v, %v", a, err)
	}
}

// FuzzUserSpec checks the streaming reader against referenceLookup, the
// same rules applied to whole lines.
func FuzzUserSpec(f *testing.F) {
	glibcPasswd := readGlibcPasswd(f)
	f.Add(glibcPasswd, "nobody")
	f.Add(glibcPasswd, "minuswrap")
	f.Add("a:b:1:2\n", "a")
	f.Add("::0:0\n", "")
	f.Add(" \n\t x:y:+1:-0\x00z\n", "x")
	f.Fuzz(func(t *testing.T, file, name string) {
		got, err := lookupIn(strings.NewReader(file), name)
		want, found := referenceLookup(file, name)
		if (err == nil) != found || got != want {
			t.Fatalf("lookup(%q) in %q = %v, %v; the reference finds %v, %v", name, file, got, err, want, found)
		}
		if err != nil && !errors.Is(err, ErrUnknownAccount) {
			t.Fatalf("error %v reading a string", err)
		}
	})
}

// referenceLookup applies findEntry's rules to whole lines, the way glibc
// does: split the file into lines, cut each at NUL, trim leading blanks,
// split at ':'.
func referenceLookup(file, name string) (Account, bool) {
	if strings.HasPrefix(name, "+") || strings.HasPrefix(name, "-") {
		return Account{}, false
	}
	for _, line := range strings.Split(file, "\n") {
		line, _, _ = strings.Cut(line, "\x00")
		line = strings.TrimLeft(line, " \t\v\f\r")
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.SplitN(line, ":", 5)
		if len(f) < 4 || f[0] != name {
			continue
		}
		uid, rest, ok := referenceStrtoul(f[2])
		if !ok || rest != "" {
			continue
		}
		gid, rest, ok := referenceStrtoul(f[3])
		if ok && rest == "" {
			return Account{int(uid), int(gid)}, true
		}
	}
	return Account{}, false
}

// referenceStrtoul is strtoul(s, &rest, 10) followed by the 32-bit check,
// with big arithmetic done by strconv.
func referenceStrtoul(s string) (uint64, string, bool) {
	t := strings.TrimLeft(s, " \t\v\f\r")
	negative := strings.HasPrefix(t, "-")
	if negative || strings.HasPrefix(t, "+") {
		t = t[1:]
	}
	n := len(t) - len(strings.TrimLeft(t, "0123456789"))
	if n == 0 {
		return 0, s, false
	}
	v, err := strconv.ParseUint(t[:n], 10, 64)
	switch {
	case err != nil:
		v = math.MaxUint64
	case negative:
		v = -v
	}
	return v, t[n:], v <= math.MaxUint32
}
