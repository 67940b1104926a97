package tai64

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestGolden(t *testing.T) {
	tests := []struct {
		text string
		unix time.Time
	}{
		{"@4000000037c219bf2ef02e94", time.Date(1999, 8, 24, 4, 4, 5, 787492500, time.UTC)},
		{"@400000000000000a00000000", time.Unix(0, 0)},
	}
	for _, tc := range tests {
		n, err := ParseText(tc.text)
		if err != nil {
			t.Fatalf("ParseText(%q): %v", tc.text, err)
		}
		if !n.Time().Equal(tc.unix) {
			t.Errorf("%s.Time() = %v, want %v", tc.text, n.Time().UTC(), tc.unix)
		}
		if got := FromTime(tc.unix).String(); tc.unix.Nanosecond()%1000 == 500 && got != tc.text {
			t.Errorf("FromTime(%v) = %s, want %s", tc.unix, got, tc.text)
		}
	}
}

func TestFromTimeAddsHalfMicrosecond(t *testing.T) {
	n := FromTime(time.Unix(100, 123456789))
	if diff := cmp.Diff(N{Base + 100, 123456500}, n); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func TestParseTextRejects(t *testing.T) {
	for _, s := range []string{"", "@", "@4000000037C219BF2EF02E94", "4000000037c219bf2ef02e94x", "@4000000037c219bf2ef02e9"} {
		if _, err := ParseText(s); err == nil {
			t.Errorf("ParseText(%q) accepted", s)
		}
	}
}

func FuzzTAI64NRoundTrip(f *testing.F) {
	f.Add(uint64(Base), uint32(500))
	f.Add(uint64(1<<64-1), uint32(1<<32-1))
	f.Fuzz(func(t *testing.T, sec uint64, nano uint32) {
		n := N{sec, nano}
		back, err := ParseText(n.String())
		if err != nil || back != n {
			t.Fatalf("text round trip of %#v: %#v, %v", n, back, err)
		}
		back, err = Unpack(n.Pack(nil))
		if err != nil || back != n {
			t.Fatalf("binary round trip of %#v: %#v, %v", n, back, err)
		}
	})
}

// FuzzParseText: any text ParseText accepts is the label's one text form.
func FuzzParseText(f *testing.F) {
	for _, s := range []string{"@4000000037c219bf2ef02e94", "@4000000037C219BF2EF02E94", "@", "", "@4000000037c219bf2ef02e9x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := ParseText(s)
		if err == nil && n.String() != s {
			t.Fatalf("%q parsed as %#v, whose text is %q", s, n, n.String())
		}
	})
}

func TestTextGolden(t *testing.T) {
	tests := []struct {
		n    N
		want string
	}{
		{N{}, "@000000000000000000000000"},
		{N{Base, 0}, "@400000000000000a00000000"},
		{N{0x4000000037c219bf, 0x2ef02e94}, "@4000000037c219bf2ef02e94"},
		{N{1<<64 - 1, 1<<32 - 1}, "@ffffffffffffffffffffffff"},
		{N{0x0123456789abcdef, 0x89abcdef}, "@0123456789abcdef89abcdef"},
	}
	for _, tc := range tests {
		if diff := cmp.Diff(tc.want, string(tc.n.AppendText([]byte{}))); diff != "" {
			t.Errorf("%#v (-want +got)\n%s", tc.n, diff)
		}
	}
	if diff := cmp.Diff("x@000000000000000000000000", string(N{}.AppendText([]byte("x")))); diff != "" {
		t.Errorf("AppendText keeps what is there (-want +got)\n%s", diff)
	}
}

func TestHexValue(t *testing.T) {
	for c := 0; c < 256; c++ {
		want := -1
		switch {
		case '0' <= c && c <= '9':
			want = c - '0'
		case 'a' <= c && c <= 'f':
			want = c - 'a' + 10
		}
		if got := HexValue(byte(c)); got != want {
			t.Errorf("HexValue(%q) = %d, want %d", byte(c), got, want)
		}
	}
}
