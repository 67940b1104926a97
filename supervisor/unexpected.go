package supervisor

import "fmt"

// unexpected is what the state machines and their executors do with an
// event or effect of a type their switch does not know: a bug, since the
// sets are sealed and every member has a case. A supervisor must outlive
// its own bugs (a panic in svscan would orphan every service of the
// tree), so in production the bug is reported through Warn and the value
// is dropped; the package's tests set panicOnUnexpected, so a missing
// case fails the test that reaches it.
func unexpected(v any) error {
	if panicOnUnexpected {
		panic(fmt.Sprintf("unexpected %T", v))
	}
	return fmt.Errorf("internal error: unexpected %T ignored", v)
}

// panicOnUnexpected is set by the tests only (main_test.go).
var panicOnUnexpected = false
