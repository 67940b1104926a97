package privdrop

import (
	"fmt"
	"syscall"
)

// ToHard as a soft limit means "as high as the hard limit" (softlimit's "=").
const ToHard = ^uint64(0)

// Limit is one soft-limit setting: Resource is a syscall.RLIMIT_* value.
type Limit struct {
	Resource int
	Soft     uint64
}

// Apply sets l's soft limit, clamped to the current hard limit (so ToHard
// gives the hard limit), and leaves the hard limit alone, as 0.76's softlimit
// does. It goes through syscall.Setrlimit, which also stops the Go runtime
// from restoring its own RLIMIT_NOFILE in children.
func (l Limit) Apply() error {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(l.Resource, &r); err != nil {
		return fmt.Errorf("getrlimit failed: %w", err)
	}
	r.Cur = min(l.Soft, r.Max)
	if err := syscall.Setrlimit(l.Resource, &r); err != nil {
		return fmt.Errorf("setrlimit failed: %w", err)
	}
	return nil
}
