package integration

import (
	"debug/elf"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInstallLinksEveryListedApplet(t *testing.T) {
	list := cmd{}.run(t, gotoolsBin, "--list")
	if list.Code != 0 {
		t.Fatalf("gotools --list: %v", list)
	}
	for _, name := range strings.Fields(list.Stdout) {
		target, err := os.Readlink(filepath.Join(binDir, name))
		if err != nil || target != gotoolsBin {
			t.Errorf("%s: link to %q, %v; want %q", name, target, err, gotoolsBin)
		}
	}
}

func TestInstallIsIdempotentAndRefusesFiles(t *testing.T) {
	dir := t.TempDir()
	for i := 0; i < 2; i++ {
		if r := (cmd{}).run(t, gotoolsBin, "install", dir); r.Code != 0 || r.Stderr != "" {
			t.Fatalf("install #%d: %v", i+1, r)
		}
	}
	names := strings.Fields(cmd{}.run(t, gotoolsBin, "--list").Stdout)
	if len(names) == 0 {
		t.Skip("no applets yet")
	}
	victim := filepath.Join(dir, names[0])
	os.Remove(victim)
	os.WriteFile(victim, []byte("keep"), 0o644)
	r := cmd{}.run(t, gotoolsBin, "install", dir)
	want := "gotools: warning: unable to link " + victim + ": file exists and is not a symlink (use -f)\n"
	if r.Code != 111 || r.Stderr != want {
		t.Errorf("install over a file: %v\nwant exit 111 and %q", r, want)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("install replaced a regular file without -f")
	}
	if r := (cmd{}).run(t, gotoolsBin, "install", "-f", dir); r.Code != 0 {
		t.Errorf("install -f: %v", r)
	}
	if _, err := os.Readlink(victim); err != nil {
		t.Errorf("install -f did not replace the file: %v", err)
	}
}

func TestUnknownApplet(t *testing.T) {
	r := cmd{}.run(t, gotoolsBin, "nosuchapplet")
	if r.Code != 100 || r.Stderr != "gotools: fatal: unknown applet: nosuchapplet\ngotools: hint: gotools --list lists the applets\n" {
		t.Errorf("got %v", r)
	}
	if r := (cmd{}).run(t, gotoolsBin); r.Code != 100 || !strings.Contains(r.Stderr, "usage: gotools") {
		t.Errorf("bare gotools: %v", r)
	}
	if r := (cmd{}).run(t, gotoolsBin, "--help"); r.Code != 0 || !strings.Contains(r.Stdout, "usage: gotools") {
		t.Errorf("gotools --help: %v", r)
	}
}

func TestInstallIntoMissingDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nope")
	r := cmd{}.run(t, gotoolsBin, "install", dir)
	want := "gotools: fatal: unable to install into " + dir + ": file does not exist\n"
	if r.Code != 111 || r.Stderr != want {
		t.Errorf("got %v\nwant exit 111 and %q", r, want)
	}
}

// TestBinaryIsStatic: the one file must run in an image with no libc, so it
// has no ELF interpreter (dynamic loader) and needs no shared library.
func TestBinaryIsStatic(t *testing.T) {
	f, err := elf.Open(gotoolsBin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s has an ELF interpreter: it is dynamically linked", gotoolsBin)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) != 0 {
		t.Errorf("%s needs shared libraries %q", gotoolsBin, libs)
	}
}
