package applets

import (
	"golang.org/x/sys/unix"

	"gotools/privdrop"
)

const softlimitUsage = "softlimit [-a allbytes] [-c corebytes] [-d databytes] [-f filebytes] [-l lockbytes] [-m membytes] [-o openfiles] [-p processes] [-r residentbytes] [-s stackbytes] [-t cpusecs] child"

// softlimit [-a n] [-c n] [-d n] [-f n] [-l n] [-m n] [-o n] [-p n] [-r n] [-s n] [-t n] child...
//
// Sets soft resource limits, in command-line order, and runs child
// (docs/softlimit.md). Only soft limits change; a value above the hard limit is
// clamped to it and "=" means the hard limit. -m sets data, stack, locked
// memory and address space. The address-space and data limits are set
// immediately before the final exec, after any gotools chain-loaders fused
// into this process (chain.go).
//
// Exit codes: the child's; 100 usage (also for a value that is not a
// number); 111 getrlimit/setrlimit or exec failure.
func runSoftlimit(p *Proc, args []string) error {
	opts, operands, bad := p.getopt(args, "a:c:d:f:l:m:o:p:r:s:t:")
	// Like 0.76, act on each option before looking at the next one.
	for _, o := range opts {
		soft, ok := parseSoftlimitArg(o.Arg)
		if !ok {
			return p.Usage(softlimitUsage)
		}
		for _, resource := range softlimitResources(o.Letter) {
			l := privdrop.Limit{Resource: resource, Soft: soft}
			if resource == unix.RLIMIT_AS || resource == unix.RLIMIT_DATA {
				p.deferLimit(l) // the Go runtime cannot run under them: chain.go
				continue
			}
			if err := p.Sys.SetLimit(l); err != nil {
				return err
			}
		}
	}
	if bad != "" {
		return p.optUsage(bad, softlimitUsage)
	}
	if len(operands) == 0 {
		return p.Usage(softlimitUsage)
	}
	return p.execChild(operands, p.Env)
}

// parseSoftlimitArg reads a limit as 0.76 does: "=" is the hard limit
// (privdrop.ToHard), otherwise only decimal digits, the empty string being 0
// and overflow wrapping modulo 2^64 like djb's scan_ulong.
func parseSoftlimitArg(s string) (uint64, bool) {
	if s == "=" {
		return privdrop.ToHard, true
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		n = n*10 + uint64(c)
	}
	return n, true
}

// softlimitResources is what each option letter limits, in 0.76's order.
func softlimitResources(letter byte) []int {
	switch letter {
	case 'a':
		return []int{unix.RLIMIT_AS}
	case 'c':
		return []int{unix.RLIMIT_CORE}
	case 'd':
		return []int{unix.RLIMIT_DATA}
	case 'f':
		return []int{unix.RLIMIT_FSIZE}
	case 'l':
		return []int{unix.RLIMIT_MEMLOCK}
	case 'm':
		return []int{unix.RLIMIT_DATA, unix.RLIMIT_STACK, unix.RLIMIT_MEMLOCK, unix.RLIMIT_AS}
	case 'o':
		return []int{unix.RLIMIT_NOFILE}
	case 'p':
		return []int{unix.RLIMIT_NPROC}
	case 'r':
		return []int{unix.RLIMIT_RSS}
	case 's':
		return []int{unix.RLIMIT_STACK}
	case 't':
		return []int{unix.RLIMIT_CPU}
	}
	return nil
}
