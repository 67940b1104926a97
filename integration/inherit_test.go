package integration

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// What the small tools pass on that the Go runtime has a say in: signal
// dispositions and closed standard descriptors (README, "Differences from
// daemontools").

// TestIgnoredSignalsPassThrough: a signal ignored when a chain-loader or
// fghack starts is still ignored in the program it runs, as with the C
// tools, for the signals the Go runtime leaves alone when it finds them
// ignored (HUP and INT, as nohup uses, and the job-control stops).
func TestIgnoredSignalsPassThrough(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"E/V": "v"})
	status := []string{"grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status"}
	for _, chain := range [][]string{
		{"envdir", "E"},
		{"envuidgid", "nobody"},
		{"softlimit", "-o", "100"},
		{"setlock", "lk"},
		{"pgrphack"},
		{"fghack"},
		{"envdir", "E", "fghack", "softlimit", "-m", "10000000", "setlock", "lk", "pgrphack"},
	} {
		argv := append(append([]string{"/bin/sh", "-c", `trap "" HUP INT TSTP TTIN TTOU; exec "$@"`, "sh"}, chain...), status...)
		t.Run(strings.Join(chain, " "), func(t *testing.T) {
			requireDebian(t, chain[0])
			want := cmd{Dir: dir, Bin: debianBin}.run(t, argv...)
			got := cmd{Dir: dir}.run(t, argv...)
			if got != want {
				t.Errorf("gotools:\n%v\nDebian:\n%v", got, want)
			}
			// The test's own parent may ignore more (the comparison
			// above covers those); these five must be among them.
			const trapped = 1<<(1-1) | 1<<(2-1) | 1<<(20-1) | 1<<(21-1) | 1<<(22-1)
			if sigIgnOf(got.Stdout)&trapped != trapped {
				t.Errorf("HUP INT TSTP TTIN TTOU are not all ignored:\n%s", got.Stdout)
			}
		})
	}
}

// TestClosedStdioBecomesDevNull pins the difference the README lists: the
// Go runtime opens /dev/null on a standard descriptor that is closed when a
// gotools program starts, so tai64n writes into /dev/null where 0.76 fails
// with exit 111, and a chain-loader's program gets /dev/null where 0.76
// passes the descriptor on closed (setlock's lock then lands above 2).
func TestClosedStdioBecomesDevNull(t *testing.T) {
	requireDebian(t, "tai64n", "setlock")
	dir := t.TempDir()
	stamp := []string{"/bin/sh", "-c", `echo x | tai64n >&-; echo $?`}
	if r := (cmd{Bin: debianBin}).run(t, stamp...); r.Stdout != "111\n" {
		t.Errorf("Debian's tai64n with stdout closed: %v, want 111", r)
	}
	if r := (cmd{}).run(t, stamp...); r.Stdout != "0\n" {
		t.Errorf("gotools' tai64n with stdout closed: %v, want 0 (its output went to /dev/null)", r)
	}
	fds := []string{"/bin/sh", "-c", `exec setlock lk sh -c 'readlink /proc/$$/fd/0; readlink /proc/$$/fd/3' <&-`}
	if r := (cmd{Dir: dir, Bin: debianBin}).run(t, fds...); r.Stdout != filepath.Join(dir, "lk")+"\n" {
		t.Errorf("Debian's setlock with stdin closed: %v, want the lock on descriptor 0 and nothing on 3", r)
	}
	if r := (cmd{Dir: dir}).run(t, fds...); r.Stdout != os.DevNull+"\n"+filepath.Join(dir, "lk")+"\n" {
		t.Errorf("gotools' setlock with stdin closed: %v, want /dev/null on 0 and the lock on 3", r)
	}
}

// TestChainLoadersSymlinkVsGotools: "NAME args" through the installed
// symlink and "gotools NAME args" print the same messages (the applet's
// name, also in getopt's) and exit the same way.
func TestChainLoadersSymlinkVsGotools(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"E/V": "v", "noexec": "#!/bin/sh\n"})
	for _, argv := range [][]string{
		{"envdir"}, {"envdir", "missing", "true"}, {"envdir", "E", "sh", "-c", "echo $V"},
		{"envuidgid"}, {"envuidgid", "no-such-account", "true"}, {"envuidgid", "nobody", "./noexec"},
		{"setuidgid"}, {"setuidgid", "no-such-account", "true"},
		{"softlimit"}, {"softlimit", "-Z", "true"}, {"softlimit", "-o"}, {"softlimit", "-o", "x", "true"},
		{"softlimit", "-m", "10000000", "envdir", "E", "sh", "-c", "echo $V"},
		{"setlock"}, {"setlock", "-q", "lk", "true"}, {"setlock", "missing/lk", "true"},
		{"pgrphack"}, {"pgrphack", "no-such-program"},
		{"fghack"}, {"fghack", "./noexec"}, {"fghack", "sh", "-c", "exit 7"},
	} {
		t.Run(strings.Join(argv, " "), func(t *testing.T) {
			link := cmd{Dir: dir}.run(t, argv...)
			multi := cmd{Dir: dir}.run(t, append([]string{gotoolsBin}, argv...)...)
			if link != multi {
				t.Errorf("symlink:\n%v\ngotools NAME:\n%v", link, multi)
			}
		})
	}
}

// TestRunInheritsLikeDebian: ./run, which gotools starts behind its start
// barrier (docs/design.md, "Adoption"), sees what it sees under Debian's
// supervise: the blocked signals (USR1, WINCH), the ignored ones the Go
// runtime leaves alone (HUP, TSTP), only descriptors 0-2, the soft and
// hard limits (a low soft RLIMIT_NOFILE, which the Go runtime raises for
// itself), umask, directory and environment. (The session differs by
// design: gotools gives ./run its own.)
func TestRunInheritsLikeDebian(t *testing.T) {
	requireDebian(t, "supervise")
	// In perl: a shell would clear its signal mask at start.
	const run = `#!/usr/bin/perl
use Cwd;
sub slurp { open(my $f, "<", $_[0]) or die; local $/; <$f> }
opendir(my $d, "/proc/$$/fd") or die;
my @fds = sort grep { !/^\./ } readdir($d);
closedir($d);
open(my $o, ">", "seen.new") or die;
print $o grep(/^Sig(Blk|Ign)/, split(/^/, slurp("/proc/$$/status"))), "@fds\n", slurp("/proc/$$/limits");
printf $o "%04o %s\n", umask, getcwd();
print $o map { "$_=$ENV{$_}\n" } sort keys %ENV;
close($o);
rename("seen.new", "seen");
exec "sleep", "1000000";
`
	// perl blocks and ignores, then execs supervise under a low soft
	// descriptor limit.
	const setup = `use POSIX (); POSIX::sigprocmask(POSIX::SIG_BLOCK(), POSIX::SigSet->new(10, 28)) or die "sigprocmask: $!";
$SIG{HUP} = $SIG{TSTP} = "IGNORE"; exec @ARGV or die "exec: $!"`
	seen := map[string]string{}
	for impl, bin := range map[string]string{"gotools": binDir, "Debian": debianBin} {
		base := t.TempDir()
		sv := writeService(t, base, "sv", run, "")
		c := cmd{Dir: base, Bin: bin, Env: []string{"MARK=x"}, MountProc: true}
		c.startIsolated(t, "/usr/bin/prlimit", "--nofile=100:4096", "/usr/bin/perl", "-e", setup, filepath.Join(bin, "supervise"), "sv")
		waitFor(t, patience, impl+"'s ./run", func() (bool, error) {
			b, err := os.ReadFile(filepath.Join(sv, "seen"))
			seen[impl] = regexp.MustCompile(`(?m)^(HOME|PATH)=.*$`).ReplaceAllString(strings.ReplaceAll(string(b), base, "BASE"), "$1=...")
			return err == nil, err
		})
	}
	if seen["gotools"] != seen["Debian"] {
		t.Errorf("./run under gotools' supervise:\n%s\nunder Debian's:\n%s", seen["gotools"], seen["Debian"])
	}
	for _, want := range []string{"SigBlk:\t0000000008000200", "Max open files            100                  4096"} {
		if !strings.Contains(seen["gotools"], want) {
			t.Errorf("./run did not see %q:\n%s", want, seen["gotools"])
		}
	}
	// The ignored set may hold more than HUP and TSTP: whatever the test's
	// own parent ignores (signal 32, say) reaches ./run too, as it does
	// under Debian's supervise (compared above).
	const hupTstp = 1<<(1-1) | 1<<(20-1)
	if sigIgnOf(seen["gotools"])&hupTstp != hupTstp {
		t.Errorf("./run does not ignore HUP and TSTP:\n%s", seen["gotools"])
	}
}
