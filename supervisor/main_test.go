package supervisor

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMain runs the start barrier when a test's Service spawns this test
// binary as its own executable (barrier.go), as the gotools binary does
// through its hidden applet.
func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == BarrierApplet {
		os.Exit(RunBarrier(os.Args[1:]))
	}
	os.Exit(m.Run())
}
