package integration

import (
	"strings"
	"testing"
)

// TestSoftlimitDifferential compares /proc/self/limits as the child sees it
// and every message with Debian's softlimit.
func TestSoftlimitDifferential(t *testing.T) {
	limits := []string{"cat", "/proc/self/limits"}
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"noexec": "#!/bin/sh\n"})
	for _, opts := range [][]string{
		{},
		{"-m", "100000000"},
		{"-m", "10000000"},
		{"-a", "200000000", "-c", "0", "-d", "300000000", "-f", "1000000", "-l", "65536"},
		{"-o", "64", "-p", "100", "-r", "5000000", "-s", "1000000", "-t", "100"},
		{"-o", "="},
		{"-o20", "-o", "30"},
		{"-s", "="},
		{"-l", "999999999999999"},
		{"-c", "18446744073709551615"},
		{"-c", "18446744073709551617"},
		{"-p0"},
		{"--", "-o", "5"},
		{"--help"},
	} {
		argv := append(append([]string{"softlimit"}, opts...), limits...)
		t.Run(strings.Join(opts, " "), func(t *testing.T) { differential(t, runs(t, cmd{}, argv...)) })
	}
	for _, argv := range [][]string{
		{"softlimit"},
		{"softlimit", "-o", "5"},
		{"softlimit", "-o", "5k", "true"},
		{"softlimit", "-o", "-5", "true"},
		{"softlimit", "-o", " 5", "true"},
		{"softlimit", "-h", "true"},
		{"softlimit", "-Z", "-o", "x", "true"},
		{"softlimit", "-o", "x", "-Z", "true"},
		{"softlimit", "-o"},
		{"softlimit", "-o", "", "true"},
		{"softlimit", "no-such-program"},
		{"softlimit", "./noexec"},
		{"softlimit", "/"},
		{"softlimit", "-o", "3", "sh", "-c", "echo opened 2>/dev/null >/dev/null; echo $?"},
	} {
		t.Run(strings.Join(argv, " "), func(t *testing.T) { differential(t, runs(t, cmd{Dir: dir}, argv...)) })
	}
}
