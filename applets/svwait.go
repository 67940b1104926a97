package applets

// svwait — wait until services are up, ready or down (gotools; not in
// daemontools 0.76; modelled on s6-svwait).
//
//	svwait [-u | -U | -d] [-t MILLISECONDS] DIR...
//
// -u (the default) waits until every DIR's ./run has a pid, -U until it has
// also signalled readiness through notification-fd (gotools supervise and
// svscan only), -d until none has a pid; the last of the three given wins.
// -t gives up after MILLISECONDS (0, the default, waits for ever). svwait
// watches each DIR/supervise with inotify and re-reads the status files when
// they are replaced, so it returns as soon as the change happens.
//
// Exit codes: 0 every DIR got there; 1 timed out ("svwait: fatal: timed out
// waiting for DIR"); 100 usage; 111 a DIR cannot be watched or read, or its
// supervise is not running (or stops) while its service is not there yet.

import (
	"errors"
	"io"
	"strconv"
	"time"

	"github.com/spf13/pflag"

	"gotools/applets/message"
	"gotools/supervisor"
)

const svwaitUsage = "svwait [-u | -U | -d] [-t MILLISECONDS] DIR..."

// goalFlag is one of -u, -U, -d: setting it makes its goal the goal.
type goalFlag struct {
	goal *supervisor.Goal
	is   supervisor.Goal
}

func (g goalFlag) String() string     { return strconv.FormatBool(*g.goal == g.is) }
func (g goalFlag) Type() string       { return "bool" }
func (g goalFlag) Set(v string) error { *g.goal = g.is; return nil }

func runSvwait(p *Proc, args []string) error {
	goal, timeout, dirs, err := svwaitArgs(args)
	switch {
	case errors.Is(err, pflag.ErrHelp): // -h, or --help among other arguments
		return p.usageHelp()
	case err != nil:
		return p.Usage(svwaitUsage)
	}
	err = supervisor.Await(dirs, goal, timeout)
	var te *supervisor.TimeoutError
	switch {
	case errors.As(err, &te):
		return p.Fatal(1, err.Error(), nil)
	case err != nil:
		return p.Fatal(ExitTemporary, message.Errstr(err), nil)
	}
	return nil
}

var errNoDirs = errors.New("no directory")

// svwaitArgs parses svwait's arguments: the goal (the last of -u, -U and -d;
// -u when none is given), the timeout (-t, milliseconds; 0 for none,
// durations beyond time.Duration's range as its maximum) and the
// directories, at least one. --help is pflag.ErrHelp.
func svwaitArgs(args []string) (goal supervisor.Goal, timeout time.Duration, dirs []string, err error) {
	goal = supervisor.GoalUp
	fs := pflag.NewFlagSet("svwait", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.SetInterspersed(false)
	fs.SortFlags = false
	for _, f := range []struct {
		name, short, help string
		goal              supervisor.Goal
	}{
		{"up", "u", "wait until up", supervisor.GoalUp},
		{"ready", "U", "wait until up and ready", supervisor.GoalReady},
		{"down", "d", "wait until down", supervisor.GoalDown},
	} {
		fs.VarP(goalFlag{&goal, f.goal}, f.name, f.short, f.help)
		fs.Lookup(f.name).NoOptDefVal = "true"
	}
	ms := fs.Uint64P("timeout", "t", 0, "give up after this many milliseconds")
	if err := fs.Parse(args); err != nil {
		return 0, 0, nil, err
	}
	if fs.NArg() == 0 {
		return 0, 0, nil, errNoDirs
	}
	timeout = time.Duration(min(*ms, uint64(1<<63-1)/uint64(time.Millisecond))) * time.Millisecond
	return goal, timeout, fs.Args(), nil
}
