package supervisor

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestMain runs the start barrier when a test's Service spawns this test
// binary as its own executable (barrier.go), and the descriptor holder
// when a test starts one (holder.go), as the gotools binary does through
// its hidden applets. The tests make a value of a sealed set that
// a switch does not handle panic (unexpected.go).
func TestMain(m *testing.M) {
	switch filepath.Base(os.Args[0]) {
	case BarrierApplet:
		os.Exit(RunBarrier(os.Args[1:]))
	case HolderApplet:
		os.Exit(RunHolder(os.Args[1:]))
	case holderPeerApplet:
		os.Exit(runHolderPeer(os.Args[1:]))
	case fakeSvscanApplet:
		os.Exit(runFakeSvscan(os.Args[1:]))
	}
	panicOnUnexpected = true
	os.Exit(m.Run())
}

// waitFor polls cond every 10 ms until it holds, and fails the test with
// what it was waiting for and the last error once timeout has passed.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, err := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s (last error: %v)", timeout, what, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
