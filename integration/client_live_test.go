package integration

// svc, svok and svstat against real supervisors, both directions of
// cross-compatibility: gotools' and Debian's clients each drive Debian's
// supervise and gotools' supervise through every 0.76 control letter, and
// every step must look the same from both svstats, both svoks, the status
// bytes and the signals the run script recorded.

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// clientsUnderTest are the directories of the svc/svok/svstat under test.
var clientsUnderTest = map[string]string{"debian": debianBin, "gotools": binDir}

func gotoolsHas(t *testing.T, applet string) bool {
	t.Helper()
	list := cmd{}.run(t, gotoolsBin, "--list")
	return slices.Contains(strings.Fields(list.Stdout), applet)
}

// observed is one service's state as the client tools see it, normalised
// so that runs compare: pids and stamps relative to the previous step,
// pids and seconds in svstat lines replaced by N.
type observed struct {
	Signals string // what ./run recorded since the previous step
	Pid     string // "0", "same" or "new"
	Stamp   string // "same" or "new"
	Paused  byte
	Want    byte
	Svstat  [2]string // gotools' and Debian's line
	Svok    [2]int    // gotools' and Debian's exit code
}

// expect is the observation where both clients agree.
func expect(signals, pid, stamp string, paused, want byte, svstat string, svok int) observed {
	line := svstat + "\n"
	return observed{signals, pid, stamp, paused, want, [2]string{line, line}, [2]int{svok, svok}}
}

// step is one or more svc invocations (their options; the directory is
// appended) and the state they lead to.
type step struct {
	svc  [][]string
	want observed
}

// scenario is a service and the steps it goes through. With unordered, the
// signals of a step are compared sorted (several sent at once reach a shell
// trap in any order).
type scenario struct {
	down      bool // the service has a down file
	unordered bool
	steps     []step
}

// watcher observes the service directory sv under base.
type watcher struct {
	base    string
	signals int    // lines of ./signals seen by the previous step
	status  []byte // status at the previous step
}

// svstatNumbers are the pid and the seconds in an svstat line.
var svstatNumbers = regexp.MustCompile(`\(pid \d+\)|\d+ seconds`)

func normaliseSvstat(line string) string {
	return svstatNumbers.ReplaceAllStringFunc(line, func(s string) string {
		if strings.HasPrefix(s, "(pid") {
			return "(pid N)"
		}
		return "N seconds"
	})
}

func (w *watcher) observe(t *testing.T) observed {
	t.Helper()
	sig, _ := os.ReadFile(filepath.Join(w.base, "sv", "signals"))
	lines := strings.Fields(string(sig))
	status, _ := os.ReadFile(filepath.Join(w.base, "sv", "supervise", "status"))
	var o observed
	o.Signals = strings.Join(lines[min(w.signals, len(lines)):], " ")
	if len(status) == 18 {
		o.Paused, o.Want = status[16], status[17]
		o.Pid, o.Stamp = "new", "new"
		switch {
		case bytes.Equal(status[12:16], []byte{0, 0, 0, 0}):
			o.Pid = "0"
		case len(w.status) == 18 && bytes.Equal(status[12:16], w.status[12:16]):
			o.Pid = "same"
		}
		if len(w.status) == 18 && bytes.Equal(status[:12], w.status[:12]) {
			o.Stamp = "same"
		}
	}
	for i, bin := range []string{binDir, debianBin} {
		r := cmd{Dir: w.base, Bin: bin}.run(t, "svstat", "sv")
		o.Svstat[i] = normaliseSvstat(r.Stdout + r.Stderr)
		o.Svok[i] = cmd{Dir: w.base, Bin: bin}.run(t, "svok", "sv").Code
	}
	return o
}

// next makes the current state the reference for the next step.
func (w *watcher) next(t *testing.T) {
	sig, _ := os.ReadFile(filepath.Join(w.base, "sv", "signals"))
	w.signals = len(strings.Fields(string(sig)))
	w.status, _ = os.ReadFile(filepath.Join(w.base, "sv", "supervise", "status"))
}

// runClientScenario starts the supervise in supBin on a fresh sv, applies
// the steps with the svc in clientBin and returns the supervise process.
func runClientScenario(t *testing.T, supBin, clientBin string, sc scenario) *background {
	t.Helper()
	files := map[string]string{"run*": recorderRun}
	if sc.down {
		files["down"] = ""
	}
	base := serviceTree(t, files)
	b := cmd{Dir: base, Bin: supBin}.startIsolated(t, "supervise", "sv")
	w := &watcher{base: base}
	for i, s := range sc.steps {
		for _, args := range s.svc {
			argv := append(append([]string{"svc"}, args...), "sv")
			if r := (cmd{Dir: base, Bin: clientBin}).run(t, argv...); r != (result{}) {
				t.Fatalf("step %d: %q: %v", i, argv, r)
			}
		}
		waitFor(t, patience, fmt.Sprintf("step %d (svc %q)", i, s.svc), func() (bool, error) {
			got := w.observe(t)
			if sc.unordered {
				words := strings.Fields(got.Signals)
				slices.Sort(words)
				got.Signals = strings.Join(words, " ")
			}
			if diff := cmp.Diff(s.want, got); diff != "" {
				return false, fmt.Errorf("observed (-want +got)\n%s\nsupervise stderr: %q", diff, b.Stderr.String())
			}
			return true, nil
		})
		w.next(t)
	}
	return b
}

func TestClientsDriveSupervisorThroughEveryLetter(t *testing.T) {
	const (
		up   = "sv: up (pid N) N seconds"
		down = "sv: down N seconds, normally up"
		dead = "sv: supervise not running"
	)
	steps := []step{
		{nil, expect("start", "new", "new", 0, 'u', up, 0)},
		{[][]string{{"-h"}}, expect("HUP", "same", "same", 0, 'u', up, 0)},
		{[][]string{{"-a"}}, expect("ALRM", "same", "same", 0, 'u', up, 0)},
		{[][]string{{"-i"}}, expect("INT", "same", "same", 0, 'u', up, 0)},
		{[][]string{{"-p"}}, expect("", "same", "same", 1, 'u', up+", paused", 0)},
		{[][]string{{"-c"}}, expect("CONT", "same", "same", 0, 'u', up, 0)},
		{[][]string{{"-t"}}, expect("TERM", "same", "same", 0, 'u', up, 0)},
		{[][]string{{"-d"}}, expect("TERM CONT", "same", "same", 0, 'd', up+", want down", 0)},
		{[][]string{{"-k"}}, expect("", "0", "new", 0, 'd', down, 0)},
		{[][]string{{"-u"}}, expect("start", "new", "new", 0, 'u', up, 0)},
		{[][]string{{"-o"}}, expect("", "same", "same", 0, 0, up, 0)},
		{[][]string{{"-k"}}, expect("", "0", "new", 0, 0, down, 0)},
		{[][]string{{"-o"}}, expect("start", "new", "new", 0, 0, up, 0)},
		{[][]string{{"-pd"}}, expect("TERM CONT", "same", "same", 0, 'd', up+", want down", 0)},
		{[][]string{{"-x"}, {"-h"}}, expect("HUP", "same", "same", 0, 'd', up+", want down", 0)},
		{[][]string{{"-k"}}, expect("", "0", "new", 0, 'd', dead, 100)},
	}
	requireDebian(t, "supervise", "svc", "svok", "svstat")
	for _, sup := range supervisors {
		for clientName, clientBin := range clientsUnderTest {
			t.Run(sup.name+" supervise, "+clientName+" svc", func(t *testing.T) {
				t.Parallel()
				b := runClientScenario(t, sup.bin, clientBin, scenario{steps: steps})
				if code := b.wait(t); code != 0 {
					t.Errorf("supervise exited %d after svc -x, want 0\nstderr: %s", code, b.Stderr.String())
				}
			})
		}
	}
}

func TestClientsDriveNormallyDownService(t *testing.T) {
	const (
		upNd   = "sv: up (pid N) N seconds, normally down"
		downNd = "sv: down N seconds"
	)
	steps := []step{
		{nil, expect("", "0", "new", 0, 'd', downNd, 0)},
		{[][]string{{"-u"}}, expect("start", "new", "new", 0, 'u', upNd, 0)},
		{[][]string{{"-p"}}, expect("", "same", "same", 1, 'u', upNd+", paused", 0)},
		{[][]string{{"-dx"}}, expect("TERM CONT", "same", "same", 0, 'd', upNd+", want down", 0)},
		{[][]string{{"-k"}}, expect("", "0", "new", 0, 'd', "sv: supervise not running", 100)},
	}
	requireDebian(t, "supervise", "svc", "svok", "svstat")
	for _, sup := range supervisors {
		for clientName, clientBin := range clientsUnderTest {
			t.Run(sup.name+" supervise, "+clientName+" svc", func(t *testing.T) {
				t.Parallel()
				b := runClientScenario(t, sup.bin, clientBin, scenario{down: true, steps: steps})
				if code := b.wait(t); code != 0 {
					t.Errorf("supervise exited %d after svc -dx, want 0\nstderr: %s", code, b.Stderr.String())
				}
			})
		}
	}
}

// TestSvcEncoreLettersReachSupervisor: gotools' svc sends q 1 2 w
// (docs/differences.md); Debian's supervise ignores them, gotools' delivers QUIT, USR1,
// USR2 and WINCH. The h sent after them proves they were processed.
func TestSvcEncoreLettersReachSupervisor(t *testing.T) {
	requireDebian(t, "supervise", "svc", "svok", "svstat")
	for _, sup := range supervisors {
		t.Run(sup.name+" supervise", func(t *testing.T) {
			t.Parallel()
			const up = "sv: up (pid N) N seconds"
			signals := "HUP"
			if sup.name == "gotools" {
				signals = "HUP QUIT USR1 USR2 WINCH" // sorted
			}
			runClientScenario(t, sup.bin, binDir, scenario{unordered: true, steps: []step{
				{nil, expect("start", "new", "new", 0, 'u', up, 0)},
				{[][]string{{"-q12w"}, {"-h"}}, expect(signals, "same", "same", 0, 'u', up, 0)},
			}})
		})
	}
}
