package integration

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gotools/logger/tai64"
)

// Differential tests of tai64n, tai64nlocal and readproctitle against
// Debian's daemontools.

var lineStampRE = regexp.MustCompile(`(?m)^@[0-9a-f]{24} `)

// normaliseStamps replaces each line's TAI64N stamp, which differs between
// runs.
func normaliseStamps(r result) result {
	r.Stdout = lineStampRE.ReplaceAllString(r.Stdout, "@STAMP ")
	return r
}

func TestTai64nDifferential(t *testing.T) {
	requireDebian(t, "tai64n")
	var many strings.Builder
	for i := range 30000 {
		fmt.Fprintf(&many, "line %d %s\n", i, strings.Repeat("x", i%150))
	}
	inputs := map[string]string{
		"lines":             "a\n\nb\n",
		"partial last line": "a\nlast",
		"empty":             "",
		"only newlines":     "\n\n\n",
		"binary":            "\x00\xff\n\r\n",
		"many reads":        many.String(),
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			before := time.Now()
			got := cmd{Stdin: in}.run(t, "tai64n", "ignored", "args")
			after := time.Now()
			want := cmd{Stdin: in, Bin: debianBin}.run(t, "tai64n", "ignored", "args")
			if diff := cmp.Diff(normaliseStamps(want), normaliseStamps(got)); diff != "" {
				t.Fatalf("Debian vs gotools (-want +got)\n%s", diff)
			}
			checkStamps(t, got.Stdout, before, after)
		})
	}
}

// TestTai64nWritesBeforeReading: each line is stamped when it arrives and
// written out before the next read, a partial line included, so a slow
// writer's lines appear at once, each with its own time.
func TestTai64nWritesBeforeReading(t *testing.T) {
	requireDebian(t, "tai64n")
	for _, bin := range []string{debianBin, binDir} {
		t.Run(bin, func(t *testing.T) {
			before := time.Now()
			p := startStamp(t, filepath.Join(bin, "tai64n"), "tai64n")
			for _, step := range []struct{ input, output string }{
				{"first\n", "@STAMP first\n"},
				{"sec", "@STAMP first\n@STAMP sec"},
				{"ond\n", "@STAMP first\n@STAMP second\n"},
				{"\n", "@STAMP first\n@STAMP second\n@STAMP \n"},
			} {
				p.write(t, step.input)
				waitFor(t, patience, fmt.Sprintf("output %q after writing %q", step.output, step.input), func() (bool, error) {
					out := p.stdout.String()
					return normaliseStamps(result{Stdout: out}).Stdout == step.output, fmt.Errorf("output is %q", out)
				})
			}
			if code := p.exit(t); code != 0 {
				t.Errorf("exit %d at end of input, want 0", code)
			}
			// Each line was written only after the previous one came out,
			// so no two share a stamp.
			out := p.stdout.String()
			checkStamps(t, out, before, time.Now())
			stamps := lineStampRE.FindAllString(out, -1)
			for i := 1; i < len(stamps); i++ {
				if stamps[i] == stamps[i-1] {
					t.Errorf("lines written apart got the same stamp: %q", out)
				}
			}
		})
	}
}

// checkStamps checks every line's stamp: the TAI64N text form with
// microseconds + 500 ns as 0.76 writes, taken between before and after, and
// never going back.
func checkStamps(t *testing.T, out string, before, after time.Time) {
	t.Helper()
	var last tai64.N
	for _, loc := range lineStampRE.FindAllStringIndex(out, -1) {
		n, err := tai64.ParseText(out[loc[0] : loc[1]-1])
		if err != nil {
			t.Fatalf("stamp %q: %v", out[loc[0]:loc[1]], err)
		}
		at := n.Time()
		if n.Nano%1000 != 500 || at.Before(before.Truncate(time.Microsecond)) || at.After(after) {
			t.Fatalf("stamp %s = %v, not microseconds + 500 ns between %v and %v", n, at, before, after)
		}
		if n.Sec < last.Sec || n.Sec == last.Sec && n.Nano < last.Nano {
			t.Fatalf("stamp %s goes back from %s", n, last)
		}
		last = n
	}
}

// runFiles runs argv (looked up in bin) with the given descriptors as
// stdin and stdout, and returns its stderr and exit code.
func runFiles(t *testing.T, bin string, stdin, stdout *os.File, argv ...string) (string, int) {
	t.Helper()
	x := exec.Command(filepath.Join(bin, argv[0]), argv[1:]...)
	x.Args[0] = argv[0]
	x.Env = hermeticEnv(t, bin, nil)
	x.Stdin, x.Stdout = stdin, stdout
	var stderr bytes.Buffer
	x.Stderr = &stderr
	code := exitCode(t, x.Run())
	return stderr.String(), code
}

func TestStampIOErrorsDifferential(t *testing.T) {
	requireDebian(t, "tai64n", "tai64nlocal", "readproctitle")
	open := func(path string, flag int) *os.File {
		f, err := os.OpenFile(path, flag, 0)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	input := filepath.Join(t.TempDir(), "input")
	os.WriteFile(input, []byte("@4000000037c219bf2ef02e94 a\n"), 0o644)
	cases := []struct {
		name          string
		stdin, stdout func() *os.File
	}{
		{"stdin is a directory", func() *os.File { return open("/", os.O_RDONLY) }, func() *os.File { return open(os.DevNull, os.O_WRONLY) }},
		{"stdout is full", func() *os.File { return open(input, os.O_RDONLY) }, func() *os.File { return open("/dev/full", os.O_WRONLY) }},
		{"stdout is read-only", func() *os.File { return open(input, os.O_RDONLY) }, func() *os.File { return open(input, os.O_RDONLY) }},
		{"stdout is a pipe nobody reads", func() *os.File { return open(input, os.O_RDONLY) }, func() *os.File {
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			r.Close()
			t.Cleanup(func() { w.Close() })
			return w
		}},
	}
	for _, c := range cases {
		for _, argv := range [][]string{{"tai64n"}, {"tai64nlocal"}, {"readproctitle", "x", "......"}} {
			t.Run(c.name+"/"+argv[0], func(t *testing.T) {
				wantErr, wantCode := runFiles(t, debianBin, c.stdin(), c.stdout(), argv...)
				gotErr, gotCode := runFiles(t, binDir, c.stdin(), c.stdout(), argv...)
				if diff := cmp.Diff(fmt.Sprint(wantCode, wantErr), fmt.Sprint(gotCode, gotErr)); diff != "" {
					t.Errorf("Debian vs gotools (-want +got)\n%s", diff)
				}
			})
		}
	}
}

// stampLine is the TAI64N text of a Unix time.
func stampLine(unix int64, nano uint32, rest string) string {
	return tai64.N{Sec: uint64(unix + tai64.Base), Nano: nano}.String() + rest
}

// localInput is tai64nlocal input both programs convert: docs/tai64nlocal.md's
// examples, plain lines, and stamps across 1700-2300, around this year's
// DST changes and at the first seconds of the epoch.
func localInput() string {
	var b strings.Builder
	b.WriteString("@4000000037c219bf2ef02e94 mark\n@4000000037c219bf2ef02e94X\n" +
		"@400000000000000a00000000 x\n@3fffffffffffffff00000000 x\n" +
		"@4000000037c219bfffffffff nanoseconds over 9 digits\n" +
		"plain line\n @4000000037c219bf2ef02e94 not at the start\n\n" +
		"@0000000000004000000037c219bf2ef02e94 more digits\n")
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b.WriteString(stampLine(rng.Int64N(19e9)-8.5e9, rng.Uint32N(1e9), " random\n"))
	}
	for _, change := range []int64{1772953200, 1793512800, 1774746000, 1792890000, 1775404800, 1791129600} {
		for d := int64(-7200); d <= 7200; d += 600 {
			b.WriteString(stampLine(change+d, 0, " near a change\n"))
		}
	}
	b.WriteString("@400000006a00000000000000 last line without newline")
	return b.String()
}

func TestTai64nlocalDifferential(t *testing.T) {
	requireDebian(t, "tai64nlocal")
	in := localInput()
	// "" is TZ unset: /etc/localtime. Values naming DST without rules take
	// posixrules' transitions, and the first line converts differently.
	for _, tz := range []string{"", "TZ=", "TZ=UTC", "TZ=US/Pacific", "TZ=:US/Pacific", "TZ=Europe/Berlin",
		"TZ=Australia/Sydney", "TZ=Asia/Kolkata", "TZ=/usr/share/zoneinfo/Asia/Tokyo", "TZ=UTC0",
		"TZ=EST5EDT,M3.2.0,M11.1.0", "TZ=JST-9", "TZ=<+0330>-3:30", "TZ=AEST-10AEDT,M10.1.0,M4.1.0/3",
		"TZ=EST5EDT", "TZ=ABC3DEF", "TZ=XXX3YYY,J60/1,300/-26:30", "TZ=EST5,M3.2.0,M11.1.0", "TZ=garbage",
		"TZ=No/Such/Zone"} {
		name := tz
		if tz == "" {
			name = "TZ unset"
		}
		t.Run(name, func(t *testing.T) {
			var env []string
			if tz != "" {
				env = []string{tz}
			}
			want := cmd{Stdin: in, Env: env, Bin: debianBin}.run(t, "tai64nlocal")
			got := cmd{Stdin: in, Env: env}.run(t, "tai64nlocal")
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Debian vs gotools (-want +got)\n%s", diff)
			}
		})
	}
}

// TestTai64nlocalFirstLineDifferential: for a DST zone without rules glibc
// converts its first call differently from the rest; the first line here
// falls where that shows.
func TestTai64nlocalFirstLineDifferential(t *testing.T) {
	requireDebian(t, "tai64nlocal")
	line := stampLine(1793509200, 10, " x\n") // 2026-11-01 05:00 UTC
	for _, tz := range []string{"TZ=ABC3DEF", "TZ=CET+0EST", "TZ=EST5EDT,"} {
		want := cmd{Stdin: line + line, Env: []string{tz}, Bin: debianBin}.run(t, "tai64nlocal")
		got := cmd{Stdin: line + line, Env: []string{tz}}.run(t, "tai64nlocal")
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: Debian vs gotools (-want +got)\n%s", tz, diff)
		}
	}
}

// TestTai64nlocalDocumentedExample is djb's US/Pacific example, as
// Debian prints it: leap seconds not applied (docs/tai64nlocal.md).
func TestTai64nlocalDocumentedExample(t *testing.T) {
	requireDebian(t, "tai64nlocal")
	for _, bin := range []string{debianBin, binDir} {
		got := cmd{Stdin: "@4000000037c219bf2ef02e94 mark\n", Env: []string{"TZ=US/Pacific"}, Bin: bin}.run(t, "tai64nlocal")
		if diff := cmp.Diff(result{Stdout: "1999-08-23 21:04:05.787492500 mark\n"}, got); diff != "" {
			t.Errorf("%s (-want +got)\n%s", bin, diff)
		}
	}
}

// TestTai64nlocalRightZones: right/ zones print as their POSIX
// counterparts (docs/differences.md), where Debian applies leap seconds.
func TestTai64nlocalRightZones(t *testing.T) {
	requireDebian(t, "tai64nlocal")
	in := localInput()
	for _, zone := range []string{"US/Pacific", "Europe/London", "UTC"} {
		if _, err := os.Stat("/usr/share/zoneinfo/right/" + zone); err != nil {
			t.Skipf("no right/%s: %v", zone, err)
		}
		want := cmd{Stdin: in, Env: []string{"TZ=" + zone}, Bin: debianBin}.run(t, "tai64nlocal")
		got := cmd{Stdin: in, Env: []string{"TZ=right/" + zone}}.run(t, "tai64nlocal")
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("gotools TZ=right/%s vs Debian TZ=%s (-want +got)\n%s", zone, zone, diff)
		}
	}
}

// TestTai64nlocalNeverCrashes: where Debian's tai64nlocal segfaults and
// loses its buffered output, gotools copies the line unchanged
// (docs/differences.md).
func TestTai64nlocalNeverCrashes(t *testing.T) {
	requireDebian(t, "tai64nlocal")
	const before = "@400000000000000a00000000 converted before\n"
	for _, line := range []string{"@\n", "@ x\n", "@0 x\n", "@4000000000000000 x\n",
		"@4000000037C219BF2EF02E94 x\n", "@400000003b4a39c2 short\n", "@7fffffffffffffff00000000 far\n"} {
		t.Run(strings.TrimSpace(line), func(t *testing.T) {
			in := before + line + "after\n"
			debian := cmd{Stdin: in, Env: []string{"TZ=UTC"}, Bin: debianBin}.run(t, "tai64nlocal")
			if debian.Code != 128+int(syscall.SIGSEGV) {
				t.Logf("Debian no longer crashes here: %v", debian)
			}
			got := cmd{Stdin: in, Env: []string{"TZ=UTC"}}.run(t, "tai64nlocal")
			want := result{Stdout: "1970-01-01 00:00:00.000000000 converted before\n" + line + "after\n"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// startStamp starts the program at path as argv, fed through a pipe.
func startStamp(t *testing.T, path string, argv ...string) *piped {
	t.Helper()
	x := exec.Command(path, argv[1:]...)
	x.Args[0] = argv[0]
	x.Env = hermeticEnv(t, filepath.Dir(path), nil)
	return startPiped(t, x)
}

// waitCmdline waits until /proc/PID/cmdline ends with want.
func (p *piped) waitCmdline(t *testing.T, want string) {
	t.Helper()
	waitFor(t, patience, fmt.Sprintf("cmdline of %v to end with %q", p.cmd.Args, want), func() (bool, error) {
		got, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p.cmd.Process.Pid))
		if err != nil {
			return false, err
		}
		return strings.HasSuffix(string(got), want), fmt.Errorf("cmdline is %q", got)
	})
}

func TestReadproctitleDifferential(t *testing.T) {
	requireDebian(t, "readproctitle")
	dots := strings.Repeat(".", 20)
	steps := []struct{ input, cmdline string }{
		{"", "readproctitle\x00io\x00errors:\x00" + dots + "\x00"},
		{"fatal error xyz\nwarning abc\n\x00", "readproctitle\x00io\x00errors:\x00... xyz\nwarning abc\n\x00"},
		{"a", "readproctitle\x00io\x00errors:\x00...xyz\nwarning abc\na\x00"},
		{strings.Repeat("0123456789", 5) + "\x00\x00end", "readproctitle\x00io\x00errors:\x00...67890123456789end\x00"},
	}
	for _, bin := range []string{debianBin, binDir} {
		t.Run(bin, func(t *testing.T) {
			p := startStamp(t, filepath.Join(bin, "readproctitle"), "readproctitle", "io", "errors:", dots)
			for _, s := range steps {
				p.write(t, s.input)
				p.waitCmdline(t, s.cmdline)
			}
			if code := p.exit(t); code != 0 {
				t.Errorf("exit %d at end of input, want 0", code)
			}
		})
	}
	t.Run("gotools readproctitle", func(t *testing.T) {
		p := startStamp(t, gotoolsBin, "gotools", "readproctitle", "io", "errors:", dots)
		p.write(t, "fatal error xyz\nwarning abc\n")
		p.waitCmdline(t, "gotools\x00readproctitle\x00io\x00errors:\x00... xyz\nwarning abc\n\x00")
		if code := p.exit(t); code != 0 {
			t.Errorf("exit %d at end of input, want 0", code)
		}
	})
}

func TestReadproctitleArgsDifferential(t *testing.T) {
	requireDebian(t, "readproctitle")
	for _, argv := range [][]string{
		{"readproctitle"},
		{"readproctitle", "...."},
		{"readproctitle", "x", "...."},
		{"readproctitle", ".....", ""},
		{"readproctitle", "....."},
		{"readproctitle", "-h", "x", "anything"},
	} {
		t.Run(strings.Join(argv, " "), func(t *testing.T) {
			want := cmd{Stdin: "input\n", Bin: debianBin}.run(t, argv...)
			got := cmd{Stdin: "input\n"}.run(t, argv...)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Debian vs gotools (-want +got)\n%s", diff)
			}
		})
	}
}

// TestStampAppletsSymlinkVsGotools: "NAME args" through the installed
// symlink and "gotools NAME args" behave identically.
func TestStampAppletsSymlinkVsGotools(t *testing.T) {
	cases := []struct {
		argv  []string
		env   []string
		stdin string
	}{
		{[]string{"tai64n"}, nil, "a\nb"},
		{[]string{"tai64n", "--help"}, nil, ""},
		{[]string{"tai64nlocal"}, []string{"TZ=EST5EDT,M3.2.0,M11.1.0"}, localInput()},
		{[]string{"tai64nlocal", "x"}, nil, "@\n@0 x\n"},
		{[]string{"readproctitle"}, nil, "x"},
		{[]string{"readproctitle", "x", "...."}, nil, "x"},
		{[]string{"readproctitle", "x", "....."}, nil, "x"},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.argv, " "), func(t *testing.T) {
			link := cmd{Stdin: c.stdin, Env: c.env}.run(t, c.argv...)
			multi := cmd{Stdin: c.stdin, Env: c.env}.run(t, append([]string{gotoolsBin}, c.argv...)...)
			if diff := cmp.Diff(normaliseStamps(link), normaliseStamps(multi)); diff != "" {
				t.Errorf("symlink vs gotools NAME (-want +got)\n%s", diff)
			}
		})
	}
}

// TestStampSignalsDifferential: tai64n, tai64nlocal and readproctitle die
// of the signals that end Debian's, also those a Go program would ignore
// (USR1, ALRM, real-time signal 40) or answer with a goroutine dump (QUIT).
func TestStampSignalsDifferential(t *testing.T) {
	requireDebian(t, "tai64n", "tai64nlocal", "readproctitle")
	for _, argv := range [][]string{{"tai64n"}, {"tai64nlocal"}, {"readproctitle", "x", "........"}} {
		for _, sig := range []syscall.Signal{syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGALRM, syscall.SIGTERM, 40} {
			t.Run(argv[0]+"/"+sig.String(), func(t *testing.T) {
				var codes []int
				for _, bin := range []string{debianBin, binDir} {
					p := startStamp(t, filepath.Join(bin, argv[0]), argv...)
					// Once the first input is out, the program is past its
					// start-up and waits for more.
					p.write(t, "ab\n")
					if argv[0] == "readproctitle" {
						p.waitCmdline(t, "ab\n\x00")
					} else {
						waitFor(t, patience, argv[0]+" to copy its first line", func() (bool, error) {
							return strings.Contains(p.stdout.String(), "ab\n"), nil
						})
					}
					p.signal(t, sig)
					codes = append(codes, p.wait(t))
				}
				if codes[0] != codes[1] {
					t.Errorf("exit %d with Debian's, %d with gotools'", codes[0], codes[1])
				}
			})
		}
	}
}
