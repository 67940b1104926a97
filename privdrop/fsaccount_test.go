package privdrop

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestFSSwitch creates files as another account and then as the process
// again: owners and modes show whose ids and umask each had.
func TestFSSwitch(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Chmod(dir, 0o777))
	must(os.Chmod(filepath.Dir(dir), 0o755))
	create := func(name string) {
		t.Helper()
		fd, err := unix.Open(filepath.Join(dir, name), unix.O_CREAT|unix.O_WRONLY|unix.O_CLOEXEC, 0o666)
		must(err)
		unix.Close(fd)
	}
	s := ProcessAccount().To(FSAccount{UID: 65534, GID: 65533, Groups: []int{65532}, Umask: 0o27})
	if !s.Permitted() {
		t.Fatal("root may not switch")
	}
	var denied error
	must(s.Do(func() {
		create("as-account")
		// Root's own directory is closed to the account now.
		_, denied = os.ReadDir("/root")
	}))
	create("as-process")
	for name, want := range map[string][3]uint32{
		"as-account": {65534, 65533, 0o640},
		"as-process": {0, uint32(os.Getegid()), 0o666 &^ uint32(processUmask())},
	} {
		var st syscall.Stat_t
		must(syscall.Stat(filepath.Join(dir, name), &st))
		if got := [3]uint32{st.Uid, st.Gid, st.Mode & 0o777}; got != want {
			t.Errorf("%s: uid, gid, mode %o, want %o", name, got, want)
		}
	}
	if fi, err := os.Stat("/root"); err == nil && fi.Mode().Perm()&0o005 == 0 && denied == nil {
		t.Error("the account could read /root")
	}
}
