package logger

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// writes records each Write call.
type writes [][]byte

func (w *writes) Write(p []byte) (int, error) {
	*w = append(*w, bytes.Clone(p))
	return len(p), nil
}

// TestLineWriterKeepsLinesWhole: every write ends at a line's end and is
// at most pipeAtomic bytes unless it is one line longer than that; the
// start of a line waits for its end at flush; nothing is lost or
// reordered.
func TestLineWriterKeepsLinesWhole(t *testing.T) {
	line := func(n int) string { return strings.Repeat("x", n-1) + "\n" }
	for _, tc := range []struct {
		name   string
		pieces []string // each ends a line when it ends with "\n"
		flush  bool     // flush (not writeAll) at the end
		want   []string
	}{
		{"short lines in one write", []string{line(10), line(20), line(30)}, false,
			[]string{line(10) + line(20) + line(30)}},
		{"a full pipe buffer", []string{line(2000), line(2000), line(96)}, false,
			[]string{line(2000) + line(2000) + line(96)}},
		{"one byte more", []string{line(2000), line(2000), line(97)}, false,
			[]string{line(2000) + line(2000), line(97)}},
		{"a long line alone", []string{line(10), line(5000), line(10)}, false,
			[]string{line(10), line(5000), line(10)}},
		{"a long line in pieces", []string{"ab", strings.Repeat("c", 3000), strings.Repeat("d", 3000), "\n"}, false,
			[]string{"ab" + strings.Repeat("c", 3000) + strings.Repeat("d", 3000) + "\n"}},
		{"flush holds the start of a line", []string{line(10), "partial"}, true,
			[]string{line(10)}},
		{"writeAll writes it", []string{line(10), "partial"}, false,
			[]string{line(10) + "partial"}},
		{"a runaway line goes out in pieces", []string{line(5), strings.Repeat("y", readSize+1)}, true,
			[]string{line(5) + strings.Repeat("y", readSize+1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w writes
			lw := newLineWriter(&w)
			for _, p := range tc.pieces {
				if s, ok := strings.CutSuffix(p, "\n"); ok {
					lw.write([]byte(s))
					lw.endLine()
				} else {
					lw.write([]byte(p))
				}
			}
			if tc.flush {
				lw.flush()
			} else {
				lw.writeAll()
			}
			got := make([]string, len(w))
			for i, p := range w {
				got[i] = string(p)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("writes (-want +got)\n%s", diff)
			}
		})
	}
}
