package applets

import (
	"bytes"
	"fmt"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"gotools/privdrop"
)

// execCall is one recorded exec.
type execCall struct {
	Path string
	Argv []string
	Env  []string
}

// recorder stands in for the kernel in applet tests: it records execs and
// process-wide changes instead of making them.
type recorder struct {
	Execs []execCall
	Sys   []string
	// ExecErrs makes Exec fail for these paths; any other path "succeeds"
	// (Exec returns nil, as a test Exec must).
	ExecErrs  map[string]error
	NoSuchAll bool  // every exec fails with ENOENT unless in ExecErrs
	CheckErr  error // what ExecCheck returns once Drop was called
	dropped   bool
	Self      string // the Proc's Self: fusion when set
}

func (r *recorder) exec(path string, argv, env []string) error {
	r.Execs = append(r.Execs, execCall{path, append([]string(nil), argv...), append([]string(nil), env...)})
	if err, ok := r.ExecErrs[path]; ok {
		return err
	}
	if r.NoSuchAll {
		return errENOENT
	}
	return nil
}

func (r *recorder) SetLimit(l privdrop.Limit) error {
	r.Sys = append(r.Sys, fmt.Sprintf("setlimit %d %d", l.Resource, l.Soft))
	return nil
}

func (r *recorder) Drop(a privdrop.Account) error {
	r.Sys = append(r.Sys, fmt.Sprintf("drop %d %d", a.UID, a.GID))
	r.dropped = true
	return nil
}

func (r *recorder) ExecLimited(limits []privdrop.Limit, path string, argv, env []string) error {
	for _, l := range limits {
		r.SetLimit(l)
	}
	return r.exec(path, argv, env)
}

func (r *recorder) Setsid() { r.Sys = append(r.Sys, "setsid") }

func (r *recorder) DefaultSignals(keep ...syscall.Signal) {
	entry := "defaultsignals"
	for _, sig := range keep {
		entry += ", keeping " + sig.String()
	}
	r.Sys = append(r.Sys, entry)
}

func (r *recorder) ExecCheck() error {
	r.Sys = append(r.Sys, "execcheck")
	if !r.dropped {
		return nil
	}
	return r.CheckErr
}

// outcome is what one in-process applet run did.
type outcome struct {
	Stdout, Stderr string
	Code           int
}

// runRecorded runs applet name with args in-process with env, recording
// into r.
func runRecorded(t *testing.T, r *recorder, env []string, name string, args ...string) outcome {
	t.Helper()
	a, ok := Lookup(name)
	if !ok {
		t.Fatalf("no applet %q", name)
	}
	var stdout, stderr bytes.Buffer
	p := &Proc{Name: name, Stdout: &stdout, Stderr: &stderr, Env: env, Exec: r.exec, Sys: r, Self: r.Self}
	msg, code := Report(name, a.Run(p, args))
	stderr.WriteString(msg)
	return outcome{stdout.String(), stderr.String(), code}
}

// appletCase is one in-process run and everything it must do.
type appletCase struct {
	name  string
	args  []string
	env   []string
	rec   recorder // ExecErrs, NoSuchAll, CheckErr, Self
	want  outcome
	execs []execCall
	sys   []string
}

func checkApplet(t *testing.T, applet string, cases []appletCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.rec
			got := runRecorded(t, &r, tc.env, applet, tc.args...)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("outcome (-want +got)\n%s", diff)
			}
			if diff := cmp.Diff(tc.execs, r.Execs); diff != "" {
				t.Errorf("execs (-want +got)\n%s", diff)
			}
			if diff := cmp.Diff(tc.sys, r.Sys); diff != "" {
				t.Errorf("system calls (-want +got)\n%s", diff)
			}
		})
	}
}
