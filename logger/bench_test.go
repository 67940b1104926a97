package logger

import (
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
