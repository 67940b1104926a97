package applets

import (
	"fmt"
	"math/big"
	"testing"
)

const softlimitUsageLine = "softlimit: usage: " + softlimitUsage + "\n"

func TestSoftlimit(t *testing.T) {
	env := []string{"PATH=/bin"}
	run := []execCall{{"/bin/true", []string{"true"}, env}}
	const (
		as, core, data, fsize, nofile, stack, cpu = 9, 4, 2, 1, 7, 3, 0
		rss, nproc, memlock                       = 5, 6, 8
	)
	lim := func(res int, v uint64) string { return fmt.Sprintf("setlimit %d %d", res, v) }
	cases := []appletCase{
		{name: "every letter", env: env,
			args:  []string{"-a1", "-c", "2", "-d3", "-f4", "-l5", "-o6", "-p7", "-r8", "-s9", "-t10", "true"},
			execs: run, sys: []string{lim(core, 2), lim(fsize, 4), lim(memlock, 5),
				lim(nofile, 6), lim(nproc, 7), lim(rss, 8), lim(stack, 9), lim(cpu, 10), lim(as, 1), lim(data, 3)}},
		// Address space and data come last, just before the exec (chain.go).
		{name: "-m sets four", env: env, args: []string{"-m", "100000000", "true"}, execs: run,
			sys: []string{lim(stack, 1e8), lim(memlock, 1e8), lim(data, 1e8), lim(as, 1e8)}},
		{name: "deferred limits before each exec", env: []string{"PATH=/a:/b"}, args: []string{"-a", "5", "nope"},
			rec: recorder{NoSuchAll: true}, sys: []string{lim(as, 5), lim(as, 5)},
			execs: []execCall{{"/a/nope", []string{"nope"}, []string{"PATH=/a:/b"}}, {"/b/nope", []string{"nope"}, []string{"PATH=/a:/b"}}},
			want:  outcome{Stderr: "softlimit: fatal: unable to run nope: file does not exist\n", Code: 111}},
		{name: "deferred limits not set on usage error", args: []string{"-m", "5"},
			sys: []string{lim(stack, 5), lim(memlock, 5)}, want: outcome{Stderr: softlimitUsageLine, Code: 100}},
		{name: "= is the hard limit", env: env, args: []string{"-o", "=", "true"}, execs: run,
			sys: []string{lim(nofile, 1<<64-1)}},
		{name: "empty is zero", env: env, args: []string{"-o", "", "true"}, execs: run, sys: []string{lim(nofile, 0)}},
		{name: "repeat re-applies", env: env, args: []string{"-o1", "-o2", "true"}, execs: run,
			sys: []string{lim(nofile, 1), lim(nofile, 2)}},
		{name: "huge wraps like scan_ulong", env: env, args: []string{"-o", "18446744073709551617", "true"}, execs: run,
			sys: []string{lim(nofile, 1)}},
		{name: "dashdash ends options", env: env, args: []string{"--help", "true"}, execs: run},
		{name: "no child", args: []string{"-o1"}, sys: []string{lim(nofile, 1)},
			want: outcome{Stderr: softlimitUsageLine, Code: 100}},
		{name: "bad number", args: []string{"-o", "1k", "true"}, want: outcome{Stderr: softlimitUsageLine, Code: 100}},
		{name: "sign is not a digit", args: []string{"-o", "+1", "true"}, want: outcome{Stderr: softlimitUsageLine, Code: 100}},
		{name: "earlier options act first", args: []string{"-o1", "-c", "x", "true"}, sys: []string{lim(nofile, 1)},
			want: outcome{Stderr: softlimitUsageLine, Code: 100}},
		{name: "bad number before illegal option", args: []string{"-o", "x", "-Z", "true"},
			want: outcome{Stderr: softlimitUsageLine, Code: 100}},
		{name: "illegal option", args: []string{"-o1", "-h", "true"}, sys: []string{lim(nofile, 1)},
			want: outcome{Stderr: "softlimit: illegal option -- h\n" + softlimitUsageLine, Code: 100}},
		{name: "missing argument", args: []string{"-o"},
			want: outcome{Stderr: "softlimit: option requires an argument -- o\n" + softlimitUsageLine, Code: 100}},
		{name: "exec failure", env: env, args: []string{"nope"}, rec: recorder{NoSuchAll: true},
			execs: []execCall{{"/bin/nope", []string{"nope"}, env}},
			want:  outcome{Stderr: "softlimit: fatal: unable to run nope: file does not exist\n", Code: 111}},
	}
	checkApplet(t, "softlimit", cases)
}

func FuzzSoftlimitArg(f *testing.F) {
	for _, s := range []string{"", "=", "0", "100000000", "18446744073709551615", "18446744073709551616", "1k", "-1", "=="} {
		f.Add(s)
	}
	mod := new(big.Int).Lsh(big.NewInt(1), 64)
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseSoftlimitArg(s)
		if s == "=" {
			if !ok || got != 1<<64-1 {
				t.Fatalf("%q = %d, %v", s, got, ok)
			}
			return
		}
		digits := true
		for i := 0; i < len(s); i++ {
			digits = digits && s[i] >= '0' && s[i] <= '9'
		}
		if ok != digits {
			t.Fatalf("%q accepted = %v, want %v", s, ok, digits)
		}
		if !ok {
			return
		}
		want := new(big.Int)
		if s != "" {
			want.SetString(s, 10)
		}
		want.Mod(want, mod)
		if want.Uint64() != got {
			t.Fatalf("%q = %d, want %d", s, got, want.Uint64())
		}
	})
}
