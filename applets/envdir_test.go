package applets

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"gotools/envdir"
)

func TestEnvdir(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "SET"), []byte("v\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "PATH"), []byte("/elsewhere"), 0o644)
	os.WriteFile(filepath.Join(dir, "GONE"), nil, 0o644)
	env := []string{"GONE=1", "PATH=/a:/b", "KEEP=1"}
	cases := []appletCase{
		{name: "usage exits 111", args: []string{dir},
			want: outcome{Stderr: "envdir: usage: envdir dir child\n", Code: 111}},
		{name: "no args", want: outcome{Stderr: "envdir: usage: envdir dir child\n", Code: 111}},
		{name: "options are operands", args: []string{"-p", "true"},
			want: outcome{Stderr: "envdir: fatal: unable to switch to directory -p: file does not exist\n", Code: 111}},
		{name: "missing program", args: []string{dir, "nope"}, env: []string{"PATH=/a:/b"}, rec: recorder{NoSuchAll: true},
			want:  outcome{Stderr: "envdir: fatal: unable to run nope: file does not exist\n", Code: 111},
			execs: []execCall{{"/a/nope", []string{"nope"}, applyDir(t, dir, []string{"PATH=/a:/b"})}, {"/b/nope", []string{"nope"}, applyDir(t, dir, []string{"PATH=/a:/b"})}}},
		{name: "lookup uses the old PATH", args: []string{dir, "prog", "-x"}, env: env,
			execs: []execCall{{"/a/prog", []string{"prog", "-x"}, applyDir(t, dir, env)}}},
		{name: "not executable", args: []string{dir, "prog"}, env: []string{"PATH=/a:/b"},
			rec:   recorder{ExecErrs: map[string]error{"/a/prog": syscall.EACCES}, NoSuchAll: true},
			want:  outcome{Stderr: "envdir: fatal: unable to run prog: access denied\n", Code: 111},
			execs: []execCall{{"/a/prog", []string{"prog"}, applyDir(t, dir, []string{"PATH=/a:/b"})}, {"/b/prog", []string{"prog"}, applyDir(t, dir, []string{"PATH=/a:/b"})}}},
	}
	checkApplet(t, "envdir", cases)
	// applyDir is computed with the envdir package; check the effect too.
	r := recorder{}
	runRecorded(t, &r, env, "envdir", dir, "prog")
	if len(r.Execs) != 1 {
		t.Fatalf("execs: %v", r.Execs)
	}
	got := map[string]bool{}
	for _, e := range r.Execs[0].Env {
		got[e] = true
	}
	if len(got) != 3 || !got["KEEP=1"] || !got["SET=v"] || !got["PATH=/elsewhere"] {
		t.Errorf("child env %q, want KEEP=1 SET=v PATH=/elsewhere", r.Execs[0].Env)
	}
}

// applyDir is what envdir dir must make of env.
func applyDir(t *testing.T, dir string, env []string) []string {
	t.Helper()
	edits, err := envdir.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	return envdir.Apply(env, edits)
}
