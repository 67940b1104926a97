package integration

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The differential tests run the same scenario with Debian's daemontools
// and with gotools, and compare what they did.

// comparison is one run of a differential test: what it runs (for
// messages), the Debian programs it needs, whether the two runs go at once
// (for scenarios that wait, such as multilog's 5-second retries), and the
// run itself, given the directory of the programs (debianBin or binDir).
type comparison[T any] struct {
	what     string
	needs    []string
	parallel bool
	run      func(t *testing.T, bin string) T
}

// differential runs c with Debian's programs and with gotools' and fails
// unless the outcomes agree; it returns gotools'. Outcomes that show
// seconds (svstat's) can differ because a second boundary passed between
// the two runs: a sequential scenario is then run again, twice at most.
func differential[T any](t *testing.T, c comparison[T]) T {
	t.Helper()
	requireDebian(t, c.needs...)
	bins := [2]string{debianBin, binDir}
	for attempt := 1; ; attempt++ {
		var out [2]T
		if c.parallel {
			var wg sync.WaitGroup
			for i, bin := range bins {
				wg.Go(func() {
					t.Run([2]string{"debian", "gotools"}[i], func(t *testing.T) { out[i] = c.run(t, bin) })
				})
			}
			wg.Wait()
		} else {
			for i, bin := range bins {
				out[i] = c.run(t, bin)
			}
		}
		diff := cmp.Diff(out[0], out[1])
		if diff == "" {
			return out[1]
		}
		if c.parallel || attempt == 3 || !strings.Contains(fmt.Sprintf("%#v", out[0]), " seconds") {
			t.Errorf("%s: Debian vs gotools (-debian +gotools)\n%s", c.what, diff)
			return out[1]
		}
	}
}

// runs is the comparison of running argv with c's settings; c.Dir (a new
// temporary directory if empty) is the same for both runs. The results
// are normalised.
func runs(t *testing.T, c cmd, argv ...string) comparison[result] {
	if c.Dir == "" {
		c.Dir = t.TempDir()
	}
	return comparison[result]{
		what:  fmt.Sprintf("%q", argv),
		needs: []string{filepath.Base(argv[0])},
		run: func(t *testing.T, bin string) result {
			c := c
			c.Bin = bin
			return normalise(c.run(t, argv...), bin)
		},
	}
}

// multilogRuns is a comparison of multilog runs; each run gets a new directory.
func multilogRuns(run func(t *testing.T, bin, dir string) mlOutcome) comparison[mlOutcome] {
	return comparison[mlOutcome]{
		what:     "multilog",
		needs:    []string{"multilog"},
		parallel: true,
		run:      func(t *testing.T, bin string) mlOutcome { return run(t, bin, t.TempDir()) },
	}
}

var (
	homeRE = regexp.MustCompile(`HOME=[^\n]*`)
	pipeRE = regexp.MustCompile(`pipe:\[\d+\]`)
)

// normalise takes out of r what legitimately differs between the two
// runs: the PATH's first directory, HOME, pipe inode numbers, and the
// letters gotools adds to svc's letter list (docs/differences.md, tested
// in TestSvcEncoreLetters).
func normalise(r result, bin string) result {
	n := func(s string) string {
		s = withoutHints(s)
		s = strings.ReplaceAll(s, "PATH="+bin+":/usr/bin:/bin", "PATH=$BIN:/usr/bin:/bin")
		s = homeRE.ReplaceAllString(s, "HOME=$HOME")
		s = strings.Replace(s, "k kill"+encoreLetters+"\n", "k kill\n", 1)
		return pipeRE.ReplaceAllString(s, "pipe")
	}
	return result{n(r.Stdout), n(r.Stderr), r.Code}
}

// withoutHints is out without gotools' hint lines (`NAME: hint: ...`,
// docs/conventions.md): extra lines that Debian never prints, after
// messages that must be 0.76's. Comparisons with Debian drop them; the
// hint tests (hint_test.go) check them.
func withoutHints(out string) string {
	lines := strings.SplitAfter(out, "\n")
	kept := lines[:0]
	for _, l := range lines {
		if name, rest, ok := strings.Cut(l, ": "); !ok || strings.Contains(name, " ") || !strings.HasPrefix(rest, "hint: ") {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "")
}

// runIntoClosedPipe runs x with descriptor fd (1 or 2) writing into a pipe
// whose reader has gone, and returns its exit code (128+N when killed by
// signal N).
func runIntoClosedPipe(t *testing.T, x *exec.Cmd, fd int) int {
	t.Helper()
	r, w, err := os.Pipe()
	must(t, err)
	r.Close()
	defer w.Close()
	if fd == 1 {
		x.Stdout = w
	} else {
		x.Stderr = w
	}
	return runToEnd(t, x)
}
