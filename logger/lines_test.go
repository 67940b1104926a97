package logger

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// recorder is a lineSink that writes what it is given as a transcript:
// "H<window>|" for head, "T<bytes>|" for tail, "E|" for end.
type recorder struct{ bytes.Buffer }

func (r *recorder) head(w []byte) { r.WriteString("H" + string(w) + "|") }
func (r *recorder) tail(p []byte) { r.WriteString("T" + string(p) + "|") }
func (r *recorder) end()          { r.WriteString("E|") }
func fixedStamp(b []byte) []byte  { return append(b, "@400000000000000000000000 "...) }
func cut(c *lineCutter, in []string) string {
	var r recorder
	for _, p := range in {
		c.feed([]byte(p), &r)
	}
	c.eof(&r)
	return r.String()
}

func TestLineCutter(t *testing.T) {
	long := strings.Repeat("x", 2499)
	stamp := "@400000000000000000000000 "
	tests := []struct {
		name  string
		stamp bool
		in    []string
		want  string
	}{
		{"empty input", false, nil, ""},
		{"two lines", false, []string{"one\ntwo\n"}, "Hone|E|Htwo|E|"},
		{"split anywhere", false, []string{"o", "ne\nt", "wo", "\n"}, "Hone|E|Htwo|E|"},
		{"empty line", false, []string{"\n"}, "H|E|"},
		{"partial last line", false, []string{"one\ntwo"}, "Hone|E|Htwo|E|"},
		{"999 bytes", false, []string{long[:999] + "\n"}, "H" + long[:999] + "|E|"},
		{"1000 bytes", false, []string{long[:1000] + "\n"}, "H" + long[:1000] + "|E|"},
		{"1001 bytes", false, []string{long[:1001] + "\n"}, "H" + long[:1000] + "|Tx|E|"},
		{"long line in pieces", false, []string{long[:1500], long[1500:] + "\nz\n"},
			"H" + long[:1000] + "|T" + long[1000:1500] + "|T" + long[1500:] + "|E|Hz|E|"},
		{"long partial last line", false, []string{long[:1200]}, "H" + long[:1000] + "|T" + long[1000:1200] + "|E|"},
		{"1000 bytes at eof", false, []string{long[:1000]}, "H" + long[:1000] + "|E|"},
		{"stamped", true, []string{"one\n\n"}, "H" + stamp + "one|E|H" + stamp + "|E|"},
		{"stamp counts in the window", true, []string{long[:975] + "\n"}, "H" + stamp + long[:974] + "|Tx|E|"},
		{"no stamp before input", true, []string{""}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &lineCutter{}
			if tc.stamp {
				c.stamp = fixedStamp
			}
			if diff := cmp.Diff(tc.want, cut(c, tc.in)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// joined is what a log directory receives for the transcript: each line,
// whole, followed by a newline; it also checks the window bound.
type joined struct {
	t *testing.T
	bytes.Buffer
	inLine bool
}

func (j *joined) head(w []byte) {
	if len(w) > Window || j.inLine {
		j.t.Fatalf("head of %d bytes (inLine %v)", len(w), j.inLine)
	}
	j.inLine = true
	j.Write(w)
}
func (j *joined) tail(p []byte) { j.Write(p) }
func (j *joined) end()          { j.WriteByte('\n'); j.inLine = false }

func FuzzLineCutter(f *testing.F) {
	f.Add([]byte("one\ntwo"), uint16(1))
	f.Add(bytes.Repeat([]byte("0123456789"), 250), uint16(700))
	f.Add([]byte("\n\n\n"), uint16(0))
	f.Fuzz(func(t *testing.T, in []byte, step uint16) {
		c := &lineCutter{}
		j := &joined{t: t}
		rest := in
		for len(rest) > 0 {
			n := min(int(step)+1, len(rest))
			c.feed(rest[:n], j)
			rest = rest[n:]
		}
		c.eof(j)
		want := in
		if len(in) > 0 && in[len(in)-1] != '\n' {
			want = append(append([]byte{}, in...), '\n')
		}
		if !bytes.Equal(want, j.Bytes()) {
			t.Fatalf("lines of %q came out as %q", in, j.Bytes())
		}
	})
}
