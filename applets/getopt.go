package applets

import "strings"

// option is one parsed option letter and its argument (if it takes one).
type option struct {
	Letter byte
	Arg    string
}

// getopt parses args the way djb's sgetopt does for svc, softlimit and
// setlock (docs/conventions.md): options end at the first argument that does not
// start with "-", at a lone "-" (kept as an operand) and at any argument
// starting with "--" (consumed); letters bundle; a letter followed by ':' in
// spec takes an argument, attached or as the next word. There is no -h and
// there are no long options. On error, bad is getopt's own line
// ("NAME: illegal option -- c\n"), to be followed by the program's usage,
// and opts holds the options before the bad one: djb's programs act on each
// option as getopt returns it, so an earlier one may fail first (softlimit's
// bad number).
func (p *Proc) getopt(args []string, spec string) (opts []option, operands []string, bad string) {
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if len(a) < 2 || a[0] != '-' {
			break
		}
		if a[1] == '-' {
			i++
			break
		}
		for j := 1; j < len(a); j++ {
			c := a[j]
			k := strings.IndexByte(spec, c)
			if c == ':' || k < 0 {
				return opts, nil, p.Name + ": illegal option -- " + string(c) + "\n"
			}
			if k+1 >= len(spec) || spec[k+1] != ':' {
				opts = append(opts, option{Letter: c})
				continue
			}
			switch {
			case j+1 < len(a):
				opts = append(opts, option{c, a[j+1:]})
			case i+1 < len(args):
				i++
				opts = append(opts, option{c, args[i]})
			default:
				return opts, nil, p.Name + ": option requires an argument -- " + string(c) + "\n"
			}
			break
		}
	}
	return opts, args[i:], ""
}

// optUsage is the usage error after a getopt error: getopt's own line, then
// NAME: usage: SYNOPSIS, exit 100.
func (p *Proc) optUsage(bad, synopsis string) error {
	e := p.Usage(synopsis).(*ExitError)
	e.Msg = bad + e.Msg
	return e
}
