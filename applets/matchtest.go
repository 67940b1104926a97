package applets

import (
	"io"

	"gotools/logger"
)

// matchtest PATTERN STRING — daemontools' test helper for multilog's pattern
// matcher (docs/matchtest.md): prints "+PATTERN (STRING)" if the pattern accepts
// the whole string, else "-PATTERN (STRING)", and exits 0. Missing arguments
// are empty; extra ones are ignored. Hidden: 0.76 builds but does not install it.
func runMatchtest(p *Proc, args []string) error {
	pattern, s := "", ""
	if len(args) > 0 {
		pattern = args[0]
		if len(args) > 1 {
			s = args[1]
		}
	}
	verdict := "-"
	if logger.Match(pattern, []byte(s)) {
		verdict = "+"
	}
	io.WriteString(p.Stdout, verdict+pattern+" ("+s+")\n")
	return nil
}
