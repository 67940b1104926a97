package privdrop

import (
	"syscall"
	"testing"
)

// TestLimitApply changes RLIMIT_CORE of the test process: harmless, and
// restored afterwards.
func TestLimitApply(t *testing.T) {
	var orig syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_CORE, &orig); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Setrlimit(syscall.RLIMIT_CORE, &orig) })
	tests := []struct {
		name string
		soft uint64
		want uint64
	}{
		{"zero", 0, 0},
		{"value", 4096, min(4096, orig.Max)},
		{"to hard", ToHard, orig.Max},
		{"above hard is clamped", orig.Max, orig.Max},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := (Limit{syscall.RLIMIT_CORE, tc.soft}).Apply(); err != nil {
				t.Fatal(err)
			}
			var got syscall.Rlimit
			syscall.Getrlimit(syscall.RLIMIT_CORE, &got)
			if got.Cur != tc.want || got.Max != orig.Max {
				t.Errorf("limit = %d/%d, want %d/%d", got.Cur, got.Max, tc.want, orig.Max)
			}
		})
	}
}
