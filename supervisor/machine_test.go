package supervisor

import (
	"errors"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"gotools/applets/message"
)

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)

// view is the part of a machine a transition test checks.
type view struct {
	Phase                        phase
	Want                         want
	Pid                          int
	Exit, Paused, Pending, Done  bool
	Ready, Restarting            bool
	Restarts                     int
	FinishBy, KillBy, Changed    time.Time
	LastTry                      time.Time
	ExitCode, ExitSignal, Exited int
	Hosted                       bool
}

func viewOf(m *machine) view {
	v := view{
		Phase: m.phase, Want: m.want, Pid: m.pid, Exit: m.exit, Paused: m.paused,
		Pending: m.pending, Done: m.done, Ready: m.ready, Restarting: m.restarting, Restarts: m.restarts,
		FinishBy: m.finishBy, KillBy: m.killBy, Changed: m.changed, LastTry: m.lastTry, Hosted: m.hosted,
	}
	if m.exited {
		v.ExitCode, v.ExitSignal = finishArgs(m.lastExit)
		v.Exited = 1
	}
	return v
}

var effectOpts = cmp.Options{
	cmp.AllowUnexported(kill{}, startFinish{}, warn{}, notify{}, release{}),
	cmpopts.EquateErrors(),
	cmpopts.EquateEmpty(),
}

// States a service can be in between events (phaseStarting only exists
// within one step). Each starts one minute after t0 and last tried to start
// ./run at t0.
func downWantUp() *machine {
	m := newMachine(t0, wantUp, DefaultStopTimeout)
	m.pending, m.lastTry = true, t0
	return m
}
func downWantDown() *machine { return newMachine(t0, wantDown, DefaultStopTimeout) }
func up() *machine {
	m := newMachine(t0, wantUp, DefaultStopTimeout)
	m.phase, m.pending, m.pid, m.lastTry = phaseUp, false, 100, t0
	return m
}
func finishing() *machine {
	m := up()
	m.phase, m.pid, m.finishBy = phaseFinishing, 200, t0.Add(finishLimit)
	return m
}
func with(m *machine, f func(*machine)) *machine { f(m); return m }

var (
	exitCode3  = syscall.WaitStatus(3 << 8)
	killedTERM = syscall.WaitStatus(syscall.SIGTERM)
	exit125    = syscall.WaitStatus(125 << 8)
	errNoExec  = (&Service{cfg: Config{Name: "s"}}).startError("run", syscall.ENOEXEC)
)

func TestMachineSteps(t *testing.T) {
	now := t0.Add(time.Minute)
	soon := t0.Add(300 * time.Millisecond) // within the throttle
	tests := []struct {
		name string
		m    *machine
		at   time.Time
		ev   event
		want func(*view)
		effs []effect
	}{
		{"down want up: wake starts", downWantUp(), now, evWake{},
			func(v *view) { v.Phase, v.Pending, v.LastTry = phaseStarting, false, now },
			[]effect{startRun{}}},
		{"down want up: wake in the pause waits", downWantUp(), soon, evWake{},
			func(v *view) {}, nil},
		{"starting: started, recorded before released", with(downWantUp(), func(m *machine) { m.phase, m.pending = phaseStarting, false }), now, evStarted{pid: 7},
			func(v *view) { v.Phase, v.Pid, v.Changed, v.Pending = phaseUp, 7, now, false },
			[]effect{announce{}, release{7, "run"}}},
		{"starting: restart counts", with(downWantUp(), func(m *machine) { m.phase, m.pending, m.restarting = phaseStarting, false, true }), now, evStarted{pid: 7},
			func(v *view) {
				v.Phase, v.Pid, v.Changed, v.Pending, v.Restarts, v.Restarting = phaseUp, 7, now, false, 1, true
			},
			[]effect{announce{}, release{7, "run"}}},
		{"up: released", with(up(), func(m *machine) { m.restarting, m.restarts = true, 1 }), now, evReleased{100},
			func(v *view) { v.Restarting = false },
			[]effect{notify{Event{Kind: Started, Pid: 100}}}},
		{"up: released, stale", up(), now, evReleased{99}, func(v *view) {}, nil},
		{"up: exec fails behind the barrier, retried later", up(), now, evExecFailed{100, errNoExec},
			func(v *view) { v.Phase, v.Pid, v.Pending, v.Changed = phaseDown, 0, true, now },
			[]effect{warn{errNoExec}, announce{}}},
		{"up: exec of a restart fails: not counted", with(up(), func(m *machine) { m.restarting, m.restarts = true, 2 }), now, evExecFailed{100, errNoExec},
			func(v *view) { v.Phase, v.Pid, v.Pending, v.Changed, v.Restarts = phaseDown, 0, true, now, 1 },
			[]effect{warn{errNoExec}, announce{}}},
		{"up: exec fails, stale", up(), now, evExecFailed{99, errNoExec}, func(v *view) {}, nil},
		{"starting: exec fails, retried later", with(downWantUp(), func(m *machine) { m.phase, m.pending = phaseStarting, false }), now, evStartFailed{errNoExec},
			func(v *view) { v.Phase, v.Pending, v.Changed = phaseDown, true, now },
			[]effect{warn{errNoExec}, announce{}}},
		{"starting once: exec fails, not retried", with(downWantUp(), func(m *machine) { m.phase, m.pending, m.want = phaseStarting, false, wantOnce }), now, evStartFailed{errNoExec},
			func(v *view) { v.Phase, v.Pending, v.Want, v.Changed = phaseDown, false, wantOnce, now },
			[]effect{warn{errNoExec}, announce{}}},

		{"up: hosted", up(), now, evHosted{orig: 100, pid: 9, procStart: 77},
			func(v *view) { v.Pid, v.Hosted = 9, true }, []effect{announce{}}},
		{"up: hosted, stale", up(), now, evHosted{orig: 99, pid: 9}, func(v *view) {}, nil},
		{"up: hosted twice", with(up(), func(m *machine) { m.pid, m.hosted = 9, true }), now, evHosted{orig: 9, pid: 10},
			func(v *view) {}, nil},
		{"finishing: hosted refused", finishing(), now, evHosted{orig: 200, pid: 9}, func(v *view) {}, nil},
		{"up, hosted: exit of the hosted logger", with(up(), func(m *machine) { m.pid, m.hosted = 9, true }), now, evExit{Exit{9, killedTERM}},
			func(v *view) {
				v.Phase, v.Pid, v.Changed, v.Exited, v.ExitCode, v.ExitSignal, v.Hosted = phaseFinishing, 0, now, 1, 256, 15, false
			},
			[]effect{notify{Event{Kind: Exited, Pid: 9, Status: killedTERM}}, startFinish{256, 15}}},
		{"up, hosted: the exit of the process that handed over is not the logger's", with(up(), func(m *machine) { m.pid, m.hosted = 9, true }), now, evExit{Exit{100, 0}},
			func(v *view) {}, nil},
		{"up, hosted: k goes to the logger's pid", with(up(), func(m *machine) { m.pid, m.hosted = 9, true }), now, evControl{'k'},
			func(v *view) {}, []effect{kill{9, syscall.SIGKILL}}},
		{"up: u", up(), now, evControl{'u'}, func(v *view) {}, []effect{announce{}}},
		{"up: d", with(up(), func(m *machine) { m.paused = true }), now, evControl{'d'},
			func(v *view) { v.Want, v.Paused = wantDown, false },
			[]effect{kill{100, syscall.SIGTERM}, kill{100, syscall.SIGCONT}, announce{}}},
		{"up: o", up(), now, evControl{'o'}, func(v *view) { v.Want = wantOnce }, []effect{announce{}}},
		{"up: x keeps want", up(), now, evControl{'x'}, func(v *view) { v.Exit = true }, []effect{announce{}}},
		{"up: p", up(), now, evControl{'p'}, func(v *view) { v.Paused = true },
			[]effect{kill{100, syscall.SIGSTOP}, announce{}}},
		{"up: c", with(up(), func(m *machine) { m.paused = true }), now, evControl{'c'},
			func(v *view) { v.Paused = false }, []effect{kill{100, syscall.SIGCONT}, announce{}}},
		{"up: h", up(), now, evControl{'h'}, func(v *view) {}, []effect{kill{100, syscall.SIGHUP}}},
		{"up: a", up(), now, evControl{'a'}, func(v *view) {}, []effect{kill{100, syscall.SIGALRM}}},
		{"up: i", up(), now, evControl{'i'}, func(v *view) {}, []effect{kill{100, syscall.SIGINT}}},
		{"up: t", up(), now, evControl{'t'}, func(v *view) {}, []effect{kill{100, syscall.SIGTERM}}},
		{"up: k", up(), now, evControl{'k'}, func(v *view) {}, []effect{kill{100, syscall.SIGKILL}}},
		{"up: q", up(), now, evControl{'q'}, func(v *view) {}, []effect{kill{100, syscall.SIGQUIT}}},
		{"up: 1", up(), now, evControl{'1'}, func(v *view) {}, []effect{kill{100, syscall.SIGUSR1}}},
		{"up: 2", up(), now, evControl{'2'}, func(v *view) {}, []effect{kill{100, syscall.SIGUSR2}}},
		{"up: w", up(), now, evControl{'w'}, func(v *view) {}, []effect{kill{100, syscall.SIGWINCH}}},
		{"up: unknown byte", up(), now, evControl{'Z'}, func(v *view) {}, nil},
		{"up: NUL", up(), now, evControl{0}, func(v *view) {}, nil},
		{"up: exit goes to finish", with(up(), func(m *machine) { m.ready = true }), now, evExit{Exit{100, exitCode3}},
			func(v *view) {
				v.Phase, v.Pid, v.Changed, v.Ready, v.Exited, v.ExitCode = phaseFinishing, 0, now, false, 1, 3
			},
			[]effect{notify{Event{Kind: Exited, Pid: 100, Status: exitCode3}}, startFinish{3, 0}}},
		{"up: killed by signal", up(), now, evExit{Exit{100, killedTERM}},
			func(v *view) {
				v.Phase, v.Pid, v.Changed, v.Exited, v.ExitCode, v.ExitSignal = phaseFinishing, 0, now, 1, 256, 15
			},
			[]effect{notify{Event{Kind: Exited, Pid: 100, Status: killedTERM}}, startFinish{256, 15}}},
		{"up: exit of another pid", up(), now, evExit{Exit{99, exitCode3}}, func(v *view) {}, nil},
		{"up: ready", up(), now, evReady{100}, func(v *view) { v.Ready = true },
			[]effect{announce{}, notify{Event{Kind: Ready, Pid: 100}}}},
		{"up: ready twice", with(up(), func(m *machine) { m.ready = true }), now, evReady{100}, func(v *view) {}, nil},
		{"up: ready from an old run", up(), now, evReady{99}, func(v *view) {}, nil},
		{"up: shutdown", up(), now, evShutdown{},
			func(v *view) { v.Want, v.Exit, v.KillBy = wantDown, true, now.Add(DefaultStopTimeout) },
			[]effect{kill{100, syscall.SIGTERM}, kill{100, syscall.SIGCONT}, announce{}}},
		{"up, stopping: a second shutdown keeps the deadline", with(up(), func(m *machine) { m.want, m.exit, m.killBy = wantDown, true, t0.Add(DefaultStopTimeout) }), now, evShutdown{},
			func(v *view) {}, []effect{kill{100, syscall.SIGTERM}, kill{100, syscall.SIGCONT}, announce{}}},
		{"up: stop deadline", with(up(), func(m *machine) { m.killBy, m.exit = now, true }), now, evWake{},
			func(v *view) { v.KillBy = time.Time{} }, []effect{kill{100, syscall.SIGKILL}}},

		{"down: u starts", downWantDown(), now, evControl{'u'},
			func(v *view) { v.Want, v.Phase, v.LastTry = wantUp, phaseStarting, now },
			[]effect{announce{}, startRun{}}},
		{"down: o starts", downWantDown(), now, evControl{'o'},
			func(v *view) { v.Want, v.Phase, v.LastTry = wantOnce, phaseStarting, now },
			[]effect{announce{}, startRun{}}},
		{"down in the pause: u waits", downWantUp(), soon, evControl{'u'},
			func(v *view) {}, []effect{announce{}}},
		{"down in the pause: d cancels the start", downWantUp(), soon, evControl{'d'},
			func(v *view) { v.Want, v.Pending = wantDown, false }, []effect{announce{}}},
		{"down: x exits", downWantDown(), now, evControl{'x'},
			func(v *view) { v.Exit, v.Done = true, true }, []effect{announce{}}},
		{"down: p is remembered, not sent", downWantDown(), now, evControl{'p'},
			func(v *view) { v.Paused = true }, []effect{announce{}}},
		{"down: signals go nowhere", downWantDown(), now, evControl{'k'}, func(v *view) {}, nil},
		{"down: shutdown", downWantUp(), now, evShutdown{},
			func(v *view) { v.Want, v.Exit, v.Pending, v.Done = wantDown, true, false, true },
			[]effect{announce{}}},
		{"down: stray exit", downWantDown(), now, evExit{Exit{5, exitCode3}}, func(v *view) {}, nil},

		{"finishing: started", with(finishing(), func(m *machine) { m.pid, m.finishBy = 0, time.Time{} }), now, evStarted{pid: 201},
			func(v *view) { v.Pid, v.FinishBy = 201, now.Add(finishLimit) }, []effect{announce{}, release{201, "finish"}}},
		{"finishing: exec of finish fails", finishing(), now, evExecFailed{200, errNoExec},
			func(v *view) {
				v.Phase, v.Pid, v.FinishBy, v.LastTry, v.Restarting = phaseStarting, 0, time.Time{}, now, true
			},
			[]effect{warn{errNoExec}, announce{}, notify{Event{Kind: Down}}, startRun{}}},
		{"finishing: absent finish, restart due", with(finishing(), func(m *machine) { m.pid = 0 }), now, evStartFailed{},
			func(v *view) {
				v.Phase, v.Pid, v.FinishBy, v.LastTry, v.Restarting = phaseStarting, 0, time.Time{}, now, true
			},
			[]effect{announce{}, notify{Event{Kind: Down}}, startRun{}}},
		{"finishing: finish exits in the pause", finishing(), soon, evExit{Exit{200, 0}},
			func(v *view) {
				v.Phase, v.Pid, v.FinishBy, v.Pending, v.Restarting = phaseDown, 0, time.Time{}, true, true
			},
			[]effect{announce{}, notify{Event{Kind: Down}}}},
		{"finishing: u then finish exits: not a restart", with(finishing(), func(m *machine) { m.pending = true }), now, evExit{Exit{200, 0}},
			func(v *view) {
				v.Phase, v.Pid, v.FinishBy, v.Pending, v.LastTry = phaseStarting, 0, time.Time{}, false, now
			},
			[]effect{announce{}, notify{Event{Kind: Down}}, startRun{}}},
		{"finishing: 125 is a permanent failure", finishing(), now, evExit{Exit{200, exit125}},
			func(v *view) { v.Phase, v.Pid, v.FinishBy, v.Want = phaseDown, 0, time.Time{}, wantDown },
			[]effect{announce{}, notify{Event{Kind: Down, Final: true}}}},
		{"finishing want down: down for good", with(finishing(), func(m *machine) { m.want = wantDown }), now, evExit{Exit{200, 0}},
			func(v *view) { v.Phase, v.Pid, v.FinishBy = phaseDown, 0, time.Time{} },
			[]effect{announce{}, notify{Event{Kind: Down, Final: true}}}},
		{"finishing want once: down for good", with(finishing(), func(m *machine) { m.want = wantOnce }), now, evExit{Exit{200, 0}},
			func(v *view) { v.Phase, v.Pid, v.FinishBy = phaseDown, 0, time.Time{} },
			[]effect{announce{}, notify{Event{Kind: Down, Final: true}}}},
		{"finishing: o then finish exits: started again", with(finishing(), func(m *machine) { m.want, m.pending = wantOnce, true }), now, evExit{Exit{200, 0}},
			func(v *view) {
				v.Phase, v.Pid, v.FinishBy, v.Pending, v.LastTry = phaseStarting, 0, time.Time{}, false, now
			},
			[]effect{announce{}, notify{Event{Kind: Down}}, startRun{}}},
		{"finishing: d does not cut it short", finishing(), now, evControl{'d'},
			func(v *view) { v.Want = wantDown }, []effect{announce{}}},
		{"finishing: signals go nowhere", finishing(), now, evControl{'t'}, func(v *view) {}, nil},
		{"finishing: time limit", finishing(), t0.Add(finishLimit), evWake{},
			func(v *view) { v.FinishBy = time.Time{} }, []effect{kill{200, syscall.SIGKILL}}},
		{"finishing: x waits for finish", finishing(), now, evControl{'x'},
			func(v *view) { v.Exit = true }, []effect{announce{}}},
		{"finishing with x: finish exits, done", with(finishing(), func(m *machine) { m.exit = true }), now, evExit{Exit{200, 0}},
			func(v *view) { v.Phase, v.Pid, v.FinishBy, v.Done = phaseDown, 0, time.Time{}, true },
			[]effect{announce{}, notify{Event{Kind: Down}}}},

		{"done: nothing more", with(downWantDown(), func(m *machine) { m.done = true }), now, evControl{'u'},
			func(v *view) {}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := viewOf(tc.m)
			tc.want(&want)
			effs := tc.m.step(tc.at, tc.ev)
			if diff := cmp.Diff(tc.effs, effs, effectOpts); diff != "" {
				t.Errorf("effects (-want +got)\n%s", diff)
			}
			if diff := cmp.Diff(want, viewOf(tc.m)); diff != "" {
				t.Errorf("state (-want +got)\n%s", diff)
			}
		})
	}
}

// TestMachineInvariants runs every event in every state and checks what
// must always hold: signals only go to the running program, a started
// program is released only after the status naming it was written, the
// status shows a pid only while ./run runs, and a finished machine is down.
func TestMachineInvariants(t *testing.T) {
	states := map[string]func() *machine{
		"down want up": downWantUp, "down want down": downWantDown, "up": up, "finishing": finishing,
		"up paused":         func() *machine { return with(up(), func(m *machine) { m.paused = true }) },
		"up exiting":        func() *machine { return with(up(), func(m *machine) { m.exit = true }) },
		"finishing exiting": func() *machine { return with(finishing(), func(m *machine) { m.exit = true }) },
	}
	events := []event{evWake{}, evShutdown{}, evReady{100}, evExit{Exit{100, 0}}, evExit{Exit{200, exit125}},
		evStarted{pid: 300}, evReleased{100}, evExecFailed{100, errNoExec}, evExecFailed{200, errNoExec}}
	for c := 0; c < 256; c++ {
		events = append(events, evControl{byte(c)})
	}
	for name, mk := range states {
		for _, ev := range events {
			for _, at := range []time.Time{t0, t0.Add(time.Minute)} {
				m := mk()
				before := m.pid
				announced := false
				for _, e := range m.step(at, ev) {
					switch e := e.(type) {
					case kill:
						if e.pid != before || before == 0 {
							t.Errorf("%s, %#v: signal to %d while pid was %d", name, ev, e.pid, before)
						}
					case announce:
						announced = true
					case release:
						// The barrier's promise: nothing runs unrecorded.
						if !announced || e.pid != m.pid {
							t.Errorf("%s, %#v: release of %d (announced %v, pid %d)", name, ev, e.pid, announced, m.pid)
						}
					}
				}
				if st := m.status(); (st.Pid != 0) != (m.phase == phaseUp) {
					t.Errorf("%s, %#v: status pid %d in phase %v", name, ev, st.Pid, m.phase)
				}
				if m.done && m.phase != phaseDown {
					t.Errorf("%s, %#v: done in phase %v", name, ev, m.phase)
				}
				if st := m.status(); st.Pid == 0 && st.Paused != 0 {
					t.Errorf("%s, %#v: paused byte without a pid", name, ev)
				}
			}
		}
	}
}

func TestFinishArgs(t *testing.T) {
	for _, tc := range []struct {
		ws        syscall.WaitStatus
		code, sig int
	}{{0, 0, 0}, {exitCode3, 3, 0}, {killedTERM, 256, 15}, {syscall.WaitStatus(syscall.SIGKILL) | 0x80, 256, 9}} {
		code, sig := finishArgs(tc.ws)
		if code != tc.code || sig != tc.sig {
			t.Errorf("finishArgs(%#x) = %d %d, want %d %d", uint32(tc.ws), code, sig, tc.code, tc.sig)
		}
	}
}

func TestStartErrorKeepsErrno(t *testing.T) {
	var e *message.Error
	if !errors.Is(errNoExec, syscall.ENOEXEC) || !errors.As(errNoExec, &e) || e.Level != message.Fatal {
		t.Errorf("start error %#v: want a fatal message.Error that unwraps to its errno", errNoExec)
	}
	if got, want := errNoExec.Error(), "unable to start s/run: "+syscall.ENOEXEC.Error(); got != want {
		t.Errorf("start error reads %q, want %q", got, want)
	}
}
