package supervisor

import (
	"os"
	"testing"
)

func TestMain(m *testing.M) {
	panicOnUnexpected = true
	os.Exit(m.Run())
}
