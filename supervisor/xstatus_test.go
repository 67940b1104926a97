package supervisor

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"gotools/logger/tai64"
)

var sampleXStatus = Extended{
	State: "up", Want: "up", Pid: 1234, PidStart: 987654,
	Since: tai64.N{Sec: 0x400000006b04efc3, Nano: 500}, Ready: true,
	ReadySince: tai64.N{Sec: 0x400000006b04efc4, Nano: 1500}, ExitCode: 256, ExitSignal: 15, Restarts: 3,
	DirDev: 2049, DirIno: 1311747, BootID: "3b1f7c2e-8d4a-4c1e-9f0b-6a5d2e7c8b91", Hosted: true,
}

const sampleXStatusText = `state=up
want=up
pid=1234
pidstart=987654
since=@400000006b04efc3000001f4
paused=0
exiting=0
ready=1
readysince=@400000006b04efc4000005dc
exitcode=256
exitsignal=15
restarts=3
dirdev=2049
dirino=1311747
bootid=3b1f7c2e-8d4a-4c1e-9f0b-6a5d2e7c8b91
hosted=1
`

func TestXStatusText(t *testing.T) {
	b, _ := sampleXStatus.MarshalText()
	if diff := cmp.Diff(sampleXStatusText, string(b)); diff != "" {
		t.Errorf("text (-want +got)\n%s", diff)
	}
	var x Extended
	if err := x.UnmarshalText(b); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(sampleXStatus, x); diff != "" {
		t.Errorf("parsed (-want +got)\n%s", diff)
	}
}

// TestXStatusOlderRecord: a record written before the directory and boot
// fields existed still reads, with them zero (adoptable then says no).
func TestXStatusOlderRecord(t *testing.T) {
	old, _, _ := strings.Cut(sampleXStatusText, "dirdev=")
	var x Extended
	if err := x.UnmarshalText([]byte(old)); err != nil {
		t.Fatal(err)
	}
	want := sampleXStatus
	want.DirDev, want.DirIno, want.BootID, want.Hosted = 0, 0, "", false
	if diff := cmp.Diff(want, x); diff != "" {
		t.Errorf("parsed (-want +got)\n%s", diff)
	}
}

func TestXStatusParse(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		ok         bool
	}{
		{"unknown keys are skipped", "state=up\nfuture=thing\n", true},
		{"no final newline", "pid=3", true},
		{"empty", "", true},
		{"line without =", "state up\n", false},
		{"bad number", "pid=x\n", false},
		{"bad flag", "ready=2\n", false},
		{"bad stamp", "since=@40\n", false},
		{"bad inode", "dirino=-1\n", false},
		{"bad device", "dirdev=0x801\n", false},
		{"any boot id", "bootid=not-a-uuid\n", true},
	} {
		var x Extended
		if err := x.UnmarshalText([]byte(tc.text)); (err == nil) != tc.ok {
			t.Errorf("%s: UnmarshalText(%q) = %v", tc.name, tc.text, err)
		}
	}
}

func FuzzXStatusRoundTrip(f *testing.F) {
	f.Add([]byte(sampleXStatusText))
	f.Add([]byte("state=finishing\npid=-1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var x Extended
		if x.UnmarshalText(b) != nil {
			return
		}
		text, _ := x.MarshalText()
		var y Extended
		if err := y.UnmarshalText(text); err != nil {
			t.Fatalf("re-parsing %q: %v", text, err)
		}
		if diff := cmp.Diff(x, y); diff != "" {
			t.Fatalf("round trip (-first +second)\n%s", diff)
		}
	})
}
