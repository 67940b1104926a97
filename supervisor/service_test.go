package supervisor

import (
	"fmt"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"

	"gotools/logger/tai64"
)

// fakeSpawner records what the Service asks for; pids count up from 1.
type fakeSpawner struct {
	mu      sync.Mutex
	t0      time.Time
	pid     int
	starts  []string // "+1.5s ./finish 3 0"
	kills   []string // "+7s 1 killed"
	finish  bool
	failRun error
	// failExec makes the release of ./run fail: the exec behind the
	// barrier did not work.
	failExec error
	released []int
}

func (f *fakeSpawner) start(prog string, args ...string) (int, uint64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.starts = append(f.starts, fmt.Sprint("+", time.Since(f.t0), " ", prog, args))
	if prog == runProg && f.failRun != nil {
		return 0, 0, f.failRun
	}
	f.pid++
	return f.pid, uint64(1000 + f.pid), nil
}

func (f *fakeSpawner) release(pid int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.released = append(f.released, pid)
	if f.failExec != nil && strings.Contains(f.starts[len(f.starts)-1], runProg) {
		return f.failExec
	}
	return nil
}

func (f *fakeSpawner) hasFinish() bool { return f.finish }

func (f *fakeSpawner) signal(pid int, sig syscall.Signal) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.kills = append(f.kills, fmt.Sprint("+", time.Since(f.t0), " ", pid, " ", sig))
}

func (f *fakeSpawner) runExited() {}

func (f *fakeSpawner) record() (starts, kills []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.starts...), append([]string(nil), f.kills...)
}

// fakeService runs a Service on a fake spawner inside the current synctest
// bubble. done is closed when Run returns.
type fakeService struct {
	*Service
	sp   *fakeSpawner
	done chan struct{}
	mu   sync.Mutex
	last Extended
	warn []string
}

func startFake(w want, sp *fakeSpawner) *fakeService {
	sp.t0 = time.Now()
	f := &fakeService{sp: sp, done: make(chan struct{})}
	f.Service = newService(Config{Name: "s"}, newMachine(time.Now(), w, DefaultStopTimeout))
	f.Service.sp = sp
	f.store = func(_ Status, x Extended) { f.mu.Lock(); f.last = x; f.mu.Unlock() }
	f.cfg.Warn = func(err error) { f.mu.Lock(); f.warn = append(f.warn, err.Error()); f.mu.Unlock() }
	go func() { f.Run(); close(f.done) }()
	synctest.Wait()
	return f
}

func (f *fakeService) xstatus() Extended {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last
}

// send delivers control bytes and lets the loop act on them.
func (f *fakeService) send(cmds string) {
	f.control <- []byte(cmds)
	synctest.Wait()
}

func (f *fakeService) exit(pid int, ws syscall.WaitStatus) {
	f.exits <- Exit{pid, ws}
	synctest.Wait()
}

// stop ends the service: x, then the exit of whatever runs.
func (f *fakeService) stop(t *testing.T, pids ...int) {
	t.Helper()
	f.send("dx")
	for _, pid := range pids {
		f.exit(pid, syscall.WaitStatus(syscall.SIGTERM))
	}
	select {
	case <-f.done:
	default:
		t.Fatal("Run did not return after dx")
	}
}

func checkRecord(t *testing.T, sp *fakeSpawner, wantStarts, wantKills []string) {
	t.Helper()
	starts, kills := sp.record()
	if diff := cmp.Diff(wantStarts, starts); diff != "" {
		t.Errorf("starts (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff(wantKills, kills); diff != "" {
		t.Errorf("signals (-want +got)\n%s", diff)
	}
}

func TestServiceThrottlesRestarts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sp := &fakeSpawner{}
		f := startFake(wantUp, sp)
		f.exit(1, 0) // exits at once
		time.Sleep(999 * time.Millisecond)
		synctest.Wait()
		checkRecord(t, sp, []string{"+0s ./run[]"}, nil)
		time.Sleep(time.Millisecond)
		synctest.Wait()
		checkRecord(t, sp, []string{"+0s ./run[]", "+1s ./run[]"}, nil)
		// A run that lasted longer than the pause restarts at once.
		time.Sleep(5 * time.Second)
		f.exit(2, 0)
		checkRecord(t, sp, []string{"+0s ./run[]", "+1s ./run[]", "+6s ./run[]"}, nil)
		if got := f.xstatus().Restarts; got != 2 {
			t.Errorf("restarts = %d, want 2", got)
		}
		f.stop(t, 3)
	})
}

func TestServiceDownDuringPauseCancelsStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sp := &fakeSpawner{}
		f := startFake(wantUp, sp)
		f.exit(1, 0)
		time.Sleep(500 * time.Millisecond)
		f.send("d")
		time.Sleep(10 * time.Second)
		synctest.Wait()
		checkRecord(t, sp, []string{"+0s ./run[]"}, nil)
		if x := f.xstatus(); x.State != "down" || x.Want != "down" {
			t.Errorf("xstatus %+v, want down, want down", x)
		}
		f.send("u") // long after the pause: at once
		checkRecord(t, sp, []string{"+0s ./run[]", "+10.5s ./run[]"}, nil)
		f.stop(t, 2)
	})
}

func TestServiceControlActsDuringPause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sp := &fakeSpawner{}
		f := startFake(wantUp, sp)
		time.Sleep(100 * time.Millisecond)
		// 0.76 would hold these bytes until its one-second sleep ends.
		f.send("ht")
		checkRecord(t, sp, []string{"+0s ./run[]"}, []string{"+100ms 1 hangup", "+100ms 1 terminated"})
		f.stop(t, 1)
	})
}

func TestServiceFinishTimeLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sp := &fakeSpawner{finish: true}
		f := startFake(wantUp, sp)
		time.Sleep(2 * time.Second)
		f.exit(1, syscall.WaitStatus(3<<8))
		if x := f.xstatus(); x.State != "finishing" || x.Pid != 2 || x.ExitCode != 3 {
			t.Errorf("xstatus while finishing: %+v", x)
		}
		time.Sleep(time.Second)
		f.send("d") // does not cut ./finish short
		time.Sleep(4 * time.Second)
		synctest.Wait()
		checkRecord(t, sp, []string{"+0s ./run[]", "+2s ./finish[3 0]"}, []string{"+7s 2 killed"})
		f.exit(2, syscall.WaitStatus(syscall.SIGKILL))
		if x := f.xstatus(); x.State != "down" || x.Want != "down" {
			t.Errorf("xstatus after finish: %+v", x)
		}
		f.stop(t)
	})
}

func TestServiceNextStartWaitsForFinish(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sp := &fakeSpawner{finish: true}
		f := startFake(wantUp, sp)
		time.Sleep(2 * time.Second)
		f.exit(1, syscall.WaitStatus(syscall.SIGTERM))
		time.Sleep(3 * time.Second)
		f.exit(2, 0)
		checkRecord(t, sp, []string{"+0s ./run[]", "+2s ./finish[256 15]", "+5s ./run[]"}, nil)
		f.stop(t, 3, 4)
	})
}

func TestServiceFinish125IsPermanent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sp := &fakeSpawner{finish: true}
		f := startFake(wantUp, sp)
		f.exit(1, syscall.WaitStatus(1<<8))
		f.exit(2, syscall.WaitStatus(125<<8))
		time.Sleep(time.Minute)
		synctest.Wait()
		checkRecord(t, sp, []string{"+0s ./run[]", "+0s ./finish[1 0]"}, nil)
		if x := f.xstatus(); x.Want != "down" {
			t.Errorf("want %q after finish exit 125, want down", x.Want)
		}
		f.stop(t)
	})
}

func TestServiceShutdownKillsAtDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sp := &fakeSpawner{}
		f := startFake(wantUp, sp)
		f.Shutdown()
		synctest.Wait()
		// A second TERM to supervise repeats the stop, not the deadline.
		time.Sleep(5 * time.Second)
		f.Shutdown()
		synctest.Wait()
		time.Sleep(DefaultStopTimeout - 5*time.Second)
		synctest.Wait()
		checkRecord(t, sp, []string{"+0s ./run[]"}, []string{"+0s 1 terminated", "+0s 1 continued",
			"+5s 1 terminated", "+5s 1 continued", "+7s 1 killed"})
		select {
		case <-f.done:
			t.Fatal("Run returned while ./run was still there")
		default:
		}
		f.exit(1, syscall.WaitStatus(syscall.SIGKILL))
		<-f.done
	})
}

func TestServiceRetriesFailedExecOncePerSecond(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sp := &fakeSpawner{failRun: syscall.ENOEXEC}
		f := startFake(wantUp, sp)
		time.Sleep(3500 * time.Millisecond)
		synctest.Wait()
		checkRecord(t, sp, []string{"+0s ./run[]", "+1s ./run[]", "+2s ./run[]", "+3s ./run[]"}, nil)
		f.mu.Lock()
		warned := append([]string(nil), f.warn...)
		f.mu.Unlock()
		if len(warned) != 4 || warned[0] != "unable to start s/run: exec format error" {
			t.Errorf("warnings %q", warned)
		}
		f.stop(t)
	})
}

func TestServiceReadiness(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sp := &fakeSpawner{}
		f := startFake(wantUp, sp)
		time.Sleep(1500 * time.Millisecond)
		f.ready <- 1
		synctest.Wait()
		x := f.xstatus()
		if !x.Ready || x.ReadySince != tai64.FromTime(sp.t0.Add(1500*time.Millisecond)) {
			t.Errorf("after readiness: %+v", x)
		}
		f.exit(1, 0)
		if x := f.xstatus(); x.Ready || x.Pid != 2 {
			t.Errorf("after ./run exited and restarted: %+v", x)
		}
		f.stop(t, 2)
	})
}

func TestServiceObserver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var events []string
		sp := &fakeSpawner{}
		sp.t0 = time.Now()
		f := &fakeService{sp: sp, done: make(chan struct{})}
		f.Service = newService(Config{Name: "s", Observe: func(ev Event) {
			events = append(events, fmt.Sprint(ev.Kind, " ", ev.Pid, " ", ev.Status))
		}}, newMachine(time.Now(), wantUp, DefaultStopTimeout))
		f.Service.sp = sp
		f.store = func(Status, Extended) {}
		go func() { f.Run(); close(f.done) }()
		synctest.Wait()
		f.ready <- 1
		synctest.Wait()
		f.exit(1, syscall.WaitStatus(2<<8))
		f.stop(t)
		want := []string{"started 1 0", "ready 1 0", "exited 1 512", "down 0 0"}
		if diff := cmp.Diff(want, events); diff != "" {
			t.Errorf("events (-want +got)\n%s", diff)
		}
	})
}
