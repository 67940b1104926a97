package supervisor

import (
	"io"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"
)

var holderMsgCmp = cmp.AllowUnexported(holderMsg{}, fileID{})

func TestHolderMsgText(t *testing.T) {
	max := ^uint64(0)
	tests := []struct {
		msg  holderMsg
		text string
	}{
		{holderMsg{verb: verbHold, key: fileID{2049, 1234567}}, "hold 2049 1234567"},
		{holderMsg{verb: verbDrop, key: fileID{0, 0}}, "drop 0 0"},
		{holderMsg{verb: verbHeld, key: fileID{max, max}}, "held 18446744073709551615 18446744073709551615"},
		{holderMsg{verb: verbBye}, "bye"},
		{holderMsg{verb: verbReady}, "ready"},
		{holderMsg{verb: verbFail, errno: syscall.EADDRINUSE}, "fail 98"},
		{holderMsg{verb: verbEnd}, "end"},
		{holderMsg{verb: verbBusy}, "busy"},
	}
	for _, tc := range tests {
		t.Run(tc.text, func(t *testing.T) {
			got := appendHolderMsg(nil, tc.msg)
			if string(got) != tc.text {
				t.Errorf("text %q, want %q", got, tc.text)
			}
			if len(got) > maxHolderMsg {
				t.Errorf("%d bytes, over maxHolderMsg %d", len(got), maxHolderMsg)
			}
			m, err := parseHolderMsg(got)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.msg, m, holderMsgCmp); diff != "" {
				t.Errorf("parsed back (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseHolderMsgRejects(t *testing.T) {
	for _, text := range []string{
		"",
		"hello",
		"HOLD 1 2",
		"hold",
		"hold 1",
		"hold 1 2 3",
		"hold 1  2",
		"hold 1 2 ",
		" hold 1 2",
		"hold 01 2",
		"hold +1 2",
		"hold -1 2",
		"hold 1 0x2",
		"hold 18446744073709551616 1",
		"bye 1",
		"end ",
		"fail",
		"fail 2147483648",
		"fail 1 2",
		"verb9",
		"ready\n",
	} {
		t.Run(text, func(t *testing.T) {
			if m, err := parseHolderMsg([]byte(text)); err == nil {
				t.Errorf("parsed as %+v, want an error", m)
			}
		})
	}
}

// FuzzParseHolderMsg: no input panics, and whatever parses has one
// spelling, which the encoder writes.
func FuzzParseHolderMsg(f *testing.F) {
	for _, s := range []string{"hold 1 2", "drop 3 4", "held 5 6", "bye", "ready", "fail 98", "end", "busy", "hold 01 2", ""} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := parseHolderMsg(b)
		if err != nil {
			return
		}
		if got := appendHolderMsg(nil, m); string(got) != string(b) {
			t.Errorf("%q parsed as %+v, which is written %q", b, m, got)
		}
	})
}

// TestRecvHolderMsgSeesTheLastMessage: a peer that sends a message and
// closes while a non-blocking receive looks must never pass for one that
// closed without it (the holder would lose svscan's last hold).
func TestRecvHolderMsgSeesTheLastMessage(t *testing.T) {
	const rounds = 20000
	lost := 0
	for range rounds {
		fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			t.Fatal(err)
		}
		sent := make(chan error, 1)
		go func() {
			sent <- sendHolderMsg(fds[1], holderMsg{verb: verbBusy}, -1, 0)
			unix.Close(fds[1])
		}()
		m, _, err := recvHolderMsg(fds[0], unix.MSG_DONTWAIT)
		for err == unix.EAGAIN {
			m, _, err = recvHolderMsg(fds[0], unix.MSG_DONTWAIT)
		}
		unix.Close(fds[0])
		if serr := <-sent; serr != nil {
			t.Fatal(serr)
		}
		switch {
		case err == io.EOF:
			lost++
		case err != nil || m.verb != verbBusy:
			t.Fatalf("got %+v, %v; want busy", m, err)
		}
	}
	if lost != 0 {
		t.Errorf("%d of %d last messages lost to a premature end of file", lost, rounds)
	}
}
