package applets

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRotateTitle(t *testing.T) {
	tests := []struct {
		name, title, input, want string
	}{
		{"short input", "..........", "ab", "........ab"},
		{"newlines kept", "..........", "a\nb\n", "......a\nb\n"},
		{"NULs dropped", "..........", "a\x00b\x00", "........ab"},
		{"fills the window", "..........", "1234567", "...1234567"},
		{"longer than the window", "..........", "0123456789xyz", "...6789xyz"},
		{"onto earlier text", "...abcdefg", "XY", "...cdefgXY"},
		{"only NULs", "...abcdefg", "\x00\x00", "...abcdefg"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			title := []byte(tc.title)
			rotateTitle(title, []byte(tc.input))
			if diff := cmp.Diff(tc.want, string(title)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// TestRotateTitleIsBytewise checks chunked rotation against 0.76's one
// byte at a time.
func TestRotateTitleIsBytewise(t *testing.T) {
	input := []byte("fatal error xyz\nwarning abc\n\x00more text after a NUL, longer than the title")
	for size := 1; size <= len(input); size++ {
		bytewise, chunked := []byte("....................."), []byte(".....................")
		for i := range input {
			rotateTitle(bytewise, []byte{input[i]})
		}
		for rest := input; len(rest) > 0; rest = rest[min(size, len(rest)):] {
			rotateTitle(chunked, append([]byte(nil), rest[:min(size, len(rest))]...))
		}
		if string(chunked) != string(bytewise) {
			t.Fatalf("chunks of %d: %q, byte by byte: %q", size, chunked, bytewise)
		}
	}
}

func TestReadproctitleExits(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		stdin string
		code  int
	}{
		{"no arguments", nil, "x", 100},
		{"last argument of 4 bytes", []string{"x", "...."}, "x", 100},
		{"empty last argument", []string{"....", ""}, "x", 100},
		{"5 bytes", []string{"....."}, "input", 0},
		{"any text", []string{"service", "errors:", "abcdefghij"}, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := stampRun(runReadproctitle, "readproctitle", nil, strings.NewReader(tc.stdin), tc.args...)
			if diff := cmp.Diff(result{"", "", tc.code}, result{stdout, stderr, code}); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
	if _, stderr, code := stampRun(runReadproctitle, "readproctitle", nil, &brokenReader{"abc"}, "......"); code != 111 || stderr != "" {
		t.Errorf("read error: exit %d, stderr %q; want 111 and nothing", code, stderr)
	}
}

func TestArgvAreaCopiesOtherStrings(t *testing.T) {
	s := strings.Repeat("x", 8)
	b := argvArea(s)
	b[0] = '.'
	if s != "xxxxxxxx" {
		t.Errorf("argvArea wrote into a string that is not an argument: %q", s)
	}
}
