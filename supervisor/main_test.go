package supervisor

import (
	"os"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
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
