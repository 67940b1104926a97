package supervisor

import (
	"fmt"
	"io"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"golang.org/x/sys/unix"
)

// The holder's loop run in the test process (holder.go's holding), fed
// raw messages: what it keeps, what it ignores, when it ends.

// rawMsg is one message as svscan (or anything else) might send it.
type rawMsg struct {
	text string
	fds  int // descriptors sent with it (read ends of new pipes)
}

// runHolding runs a holding of a new scan directory with ctl as its
// svscan's socket; the result comes on the channel once run returns.
func runHolding(t *testing.T) (scanDir fileID, svscan int, result <-chan int) {
	t.Helper()
	scanDir = testScanDir(t)
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	l, err := listenHolder(scanDir)
	if err != nil {
		t.Fatal(err)
	}
	h := &holding{ctl: fds[1], listener: l, fds: make(map[fileID]int)}
	done := make(chan int, 1)
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		code := h.run()
		// What the holder's exit closes.
		unix.Close(h.listener)
		if h.ctl >= 0 {
			unix.Close(h.ctl)
		}
		for _, fd := range h.fds {
			unix.Close(fd)
		}
		done <- code
	}()
	t.Cleanup(func() {
		unix.Close(fds[0])
		endHolding(t, scanDir, ended)
	})
	return scanDir, fds[0], done
}

// endHolding waits for a holding's result; one that is left holding
// pipes is taken over and told bye.
func endHolding(t *testing.T, scanDir fileID, ended <-chan struct{}) {
	t.Helper()
	select {
	case <-ended:
		return
	default:
	}
	s, err := unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(s)
	if err := connectHolder(s, scanDir); err == nil {
		for {
			m, fd, err := recvHolderMsg(s, 0)
			unix.Close(fd)
			if err != nil || m.verb != verbHeld {
				break
			}
		}
		sendHolderMsg(s, holderMsg{verb: verbBye}, -1, 0)
	}
	select {
	case <-ended:
	case <-time.After(holderTimeout):
		t.Fatal("the holding did not end")
	}
}

// sendRaw sends m on s with m.fds new pipe read ends.
func sendRaw(t *testing.T, s int, m rawMsg) {
	t.Helper()
	var rights []int
	for range m.fds {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close(); w.Close() })
		rights = append(rights, int(r.Fd()))
	}
	var oob []byte
	if len(rights) > 0 {
		oob = unix.UnixRights(rights...)
	}
	if err := unix.Sendmsg(s, []byte(m.text), oob, nil, 0); err != nil {
		t.Fatal(err)
	}
}

// handedOver connects to the holder of scanDir and lists the services of
// the pipes it hands over and the verb that ends them, or "none" when it
// has nothing to hand over.
func handedOver(t *testing.T, scanDir fileID) []string {
	t.Helper()
	s, err := unix.Socket(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(s)
	if err := connectHolder(s, scanDir); err == unix.ECONNREFUSED {
		return []string{"none"} // it has exited
	} else if err != nil {
		t.Fatal(err)
	}
	var got []string
	for {
		m, fd, err := recvHolderMsg(s, 0)
		switch {
		case err == io.EOF, err == unix.ECONNRESET:
			return append(got, "none") // it is exiting
		case err != nil:
			t.Fatal(err)
		case m.verb != verbHeld:
			return append(got, m.verb.String())
		}
		unix.Close(fd)
		got = append(got, fmt.Sprintf("%d %d", m.key.dev, m.key.ino))
	}
}

func TestHoldingKeepsWhatItIsSent(t *testing.T) {
	for _, tc := range []struct {
		name string
		msgs []rawMsg
		want []string // services handed over after svscan's death, then the last verb
	}{
		{"hold", []rawMsg{{"hold 1 2", 1}}, []string{"1 2", "end"}},
		{"hold two", []rawMsg{{"hold 1 2", 1}, {"hold 1 3", 1}}, []string{"1 2", "1 3", "end"}},
		{"hold again replaces", []rawMsg{{"hold 1 2", 1}, {"hold 1 2", 1}}, []string{"1 2", "end"}},
		{"drop", []rawMsg{{"hold 1 2", 1}, {"hold 1 3", 1}, {"drop 1 2", 0}}, []string{"1 3", "end"}},
		{"drop unknown", []rawMsg{{"hold 1 2", 1}, {"drop 9 9", 0}}, []string{"1 2", "end"}},
		{"hold without a descriptor", []rawMsg{{"hold 1 2", 1}, {"hold 1 3", 0}}, []string{"1 2", "end"}},
		{"hold with two descriptors", []rawMsg{{"hold 1 2", 1}, {"hold 1 3", 2}}, []string{"1 2", "end"}},
		{"malformed", []rawMsg{{"hold 1 2", 1}, {"hold 1", 1}, {"hello", 0}, {"bye 1", 0}}, []string{"1 2", "end"}},
		{"holder verbs from svscan", []rawMsg{{"hold 1 2", 1}, {"held 1 3", 1}, {"end", 0}, {"ready", 0}}, []string{"1 2", "end"}},
		{"nothing held", []rawMsg{{"hold 1 2", 1}, {"drop 1 2", 0}}, []string{"none"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			scanDir, svscan, result := runHolding(t)
			for _, m := range tc.msgs {
				sendRaw(t, svscan, m)
			}
			if got := handedOver(t, scanDir); !slices.Equal(got, []string{"busy"}) {
				t.Errorf("while svscan lives: %q, want busy", got)
			}
			unix.Close(svscan)
			got := handedOver(t, scanDir)
			if diff := cmp.Diff(tc.want, got, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
				t.Errorf("after svscan's death (-want +got):\n%s", diff)
			}
			if tc.want[0] == "none" {
				if code := <-result; code != 0 {
					t.Errorf("exit code %d, want 0", code)
				}
			}
		})
	}
}

// TestHoldingByeEnds: bye ends the loop with 0 whatever it holds.
func TestHoldingByeEnds(t *testing.T) {
	_, svscan, result := runHolding(t)
	sendRaw(t, svscan, rawMsg{"hold 1 2", 1})
	sendRaw(t, svscan, rawMsg{"bye", 0})
	if code := <-result; code != 0 {
		t.Errorf("exit code %d after bye, want 0", code)
	}
}
