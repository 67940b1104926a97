package tai64

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// bracket shows each finished label as [sec.nano|text].
func bracket(dst []byte, sec uint64, nano uint32, text []byte) []byte {
	return fmt.Appendf(dst, "[%x.%d|%s]", sec, nano, text)
}

func TestStreamRewrite(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		{"plain lines", "a\nb\n", "a\nb\n"},
		{"a label", "@400000003b9aca000000000a x\n", "[400000003b9aca00.10|@400000003b9aca000000000a] x\n"},
		{"short label", "@a b\n", "[0.10|@a] b\n"},
		{"no digits", "@ x\n", "[0.0|@] x\n"},
		{"only at a line start", "x @a\n@b\n", "x @a\n[0.11|@b]\n"},
		{"digits beyond 24: the top is dropped", "@1" + "000000000000000000000001\n",
			"[0.1|@1000000000000000000000001]\n"},
		{"uppercase ends it", "@aB\n", "[0.10|@a]B\n"},
		{"cut off at the end", "x\n@4000", "x\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var s Stream
			if diff := cmp.Diff(tc.want, string(s.Rewrite(nil, []byte(tc.in), bracket))); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// FuzzStreamPieces: the output does not depend on how the input is cut.
func FuzzStreamPieces(f *testing.F) {
	f.Add([]byte("@400000003b9aca000000000a x\nplain\n@a"), 3)
	f.Add([]byte("@@\n@\n\n@0"), 1)
	f.Fuzz(func(t *testing.T, in []byte, cut int) {
		var whole, pieces Stream
		want := whole.Rewrite(nil, in, bracket)
		if cut <= 0 {
			cut = 1
		}
		var got []byte
		for b := in; len(b) > 0; {
			n := min(cut, len(b))
			got = pieces.Rewrite(got, b[:n], bracket)
			b = b[n:]
		}
		if string(got) != string(want) {
			t.Errorf("in pieces of %d: %q, whole: %q", cut, got, want)
		}
	})
}
