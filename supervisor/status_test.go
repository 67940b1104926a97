package supervisor

import (
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"

	"gotools/logger/tai64"
)

// A record captured from Debian's supervise (docs/service-directory.md).
var realStatus = []byte{0x40, 0, 0, 0, 0x6b, 0x04, 0xef, 0xc3, 0x0c, 0x2a, 0x11, 0x2c, 0xb3, 0x36, 0, 0, 0, 0x75}

func TestStatusDecodesRealRecord(t *testing.T) {
	var s Status
	if err := s.UnmarshalBinary(realStatus); err != nil {
		t.Fatal(err)
	}
	want := Status{Stamp: tai64.N{Sec: 0x400000006b04efc3, Nano: 0x0c2a112c}, Pid: 14003, Want: WantUp}
	if diff := cmp.Diff(want, s); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
	b, _ := s.MarshalBinary()
	if !bytes.Equal(b, realStatus) {
		t.Errorf("re-encoded % x, want % x", b, realStatus)
	}
}

func TestStatusShortIsBadFormat(t *testing.T) {
	var s Status
	if err := s.UnmarshalBinary(realStatus[:17]); err != ErrBadFormat {
		t.Errorf("got %v, want ErrBadFormat", err)
	}
}

func FuzzStatusRoundTrip(f *testing.F) {
	f.Add(realStatus)
	f.Fuzz(func(t *testing.T, b []byte) {
		var s Status
		if s.UnmarshalBinary(b) != nil {
			return
		}
		out, _ := s.MarshalBinary()
		if !bytes.Equal(out, b[:StatusLen]) {
			t.Fatalf("round trip % x -> % x", b[:StatusLen], out)
		}
	})
}
