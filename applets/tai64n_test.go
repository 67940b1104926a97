package applets

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"gotools/logger/tai64"
)

func TestStamperStampsEachLineAtItsFirstByte(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		want   string
	}{
		{"empty", nil, ""},
		{"one line", []string{"a\n"}, "@400000000000000a000001f4 a\n"},
		{"empty lines", []string{"\n\n"}, "@400000000000000a000001f4 \n@400000000000000b000001f4 \n"},
		{"partial last line", []string{"a\nb"}, "@400000000000000a000001f4 a\n@400000000000000b000001f4 b"},
		{"line across chunks", []string{"ab", "c\nd", "", "e\n"},
			"@400000000000000a000001f4 abc\n@400000000000000b000001f4 de\n"},
		{"stamp waits for the byte", []string{"a\n", "", "b\n"},
			"@400000000000000a000001f4 a\n@400000000000000b000001f4 b\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tick := time.Unix(0, 0)
			s := stamper{atLineStart: true, now: func() time.Time {
				now := tick
				tick = tick.Add(time.Second)
				return now
			}}
			var got []byte
			for _, c := range tc.chunks {
				got = s.convert(got, []byte(c))
			}
			if diff := cmp.Diff(tc.want, string(got)); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestTai64n(t *testing.T) {
	before := time.Now().Unix()
	stdout, stderr, code := stampRun(runTai64n, "tai64n", nil, strings.NewReader("a\n\nlast"), "ignored", "-x")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	stamp := `@4[0-9a-f]{15}[0-9a-f]{8} `
	if !regexp.MustCompile(`^` + stamp + `a\n` + stamp + `\n` + stamp + `last$`).MatchString(stdout) {
		t.Fatalf("output %q", stdout)
	}
	n, err := tai64.ParseText(stdout[:25])
	if sec := n.Time().Unix(); err != nil || sec < before || sec > time.Now().Unix() || n.Nano%1000 != 500 {
		t.Errorf("stamp %s (%v) is not now, or not microseconds + 500 ns", stdout[:25], err)
	}
}
