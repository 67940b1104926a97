package logger

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// BenchmarkRun measures the whole path from input file to log directory,
// per 100-byte line.
func BenchmarkRun(b *testing.B) {
	for _, stamp := range []string{"t", "no t"} {
		b.Run(stamp, func(b *testing.B) {
			root := b.TempDir()
			in := root + "/input"
			line := strings.Repeat("x", 99) + "\n"
			if err := os.WriteFile(in, []byte(strings.Repeat(line, b.N)), 0o644); err != nil {
				b.Fatal(err)
			}
			args := []string{stamp, "s16777215", "n3", root + "/d"}
			f, err := os.Open(in)
			if err != nil {
				b.Fatal(err)
			}
			defer f.Close()
			l, err := Open(Config{Script: ParseScript(args), Now: time.Now})
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			b.SetBytes(int64(len(line)))
			b.ResetTimer()
			l.Run(f)
		})
	}
}

// BenchmarkRunPipe measures the path a logger under svscan takes: 100-byte
// lines written to a pipe (teed, then consumed once written), 40 lines a
// write (a writer's full stdio buffer) or one (a writer flushing each
// line, which makes the logger wait for input before each line).
func BenchmarkRunPipe(b *testing.B) {
	for _, perWrite := range []int{40, 1} {
		b.Run(fmt.Sprintf("%d lines a write", perWrite), func(b *testing.B) {
			root := b.TempDir()
			line := strings.Repeat("x", 99) + "\n"
			l, err := Open(Config{Script: ParseScript([]string{"t", "s16777215", "n3", root + "/d"}), Now: time.Now})
			if err != nil {
				b.Fatal(err)
			}
			defer l.Close()
			r, w, err := os.Pipe()
			if err != nil {
				b.Fatal(err)
			}
			defer r.Close()
			chunk := []byte(strings.Repeat(line, perWrite))
			b.SetBytes(int64(len(line)))
			b.ResetTimer()
			go func() {
				for i := 0; i < b.N; i += perWrite {
					w.Write(chunk[:len(line)*min(perWrite, b.N-i)])
				}
				w.Close()
			}()
			l.Run(r)
		})
	}
}
