package privdrop

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const passwd = `root:x:0:0:root:/root:/bin/bash
broken:x:notanumber:1::/:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
short:x:5
app:x:1000:1001
dup:x:7:7::/:
dup:x:8:8::/:
big:x:4294967295:4294967296::/:
`

func TestLookup(t *testing.T) {
	tests := []struct {
		name string
		want Account
		err  error
	}{
		{"root", Account{0, 0}, nil},
		{"nobody", Account{65534, 65534}, nil},
		{"app", Account{1000, 1001}, nil},
		{"dup", Account{7, 7}, nil},
		{"broken", Account{}, ErrUnknownAccount},
		{"short", Account{}, ErrUnknownAccount},
		{"big", Account{}, ErrUnknownAccount},
		{"nobody:nogroup", Account{}, ErrUnknownAccount},
		{"", Account{}, ErrUnknownAccount},
		{"x", Account{}, ErrUnknownAccount},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := lookupIn(strings.NewReader(passwd), tc.name)
			if !errors.Is(err, tc.err) {
				t.Fatalf("lookup(%q) error %v, want %v", tc.name, err, tc.err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("lookup(%q) (-want +got)\n%s", tc.name, diff)
			}
		})
	}
}

func TestLookupSystemRoot(t *testing.T) {
	a, err := Lookup("root")
	if err != nil || a != (Account{0, 0}) {
		t.Errorf("Lookup(root) = %v, %v", a, err)
	}
}

func FuzzUserSpec(f *testing.F) {
	f.Add(passwd, "nobody")
	f.Add("a:b:1:2\n", "a")
	f.Add("::0:0\n", "")
	f.Fuzz(func(t *testing.T, file, name string) {
		a, err := lookupIn(strings.NewReader(file), name)
		if err != nil {
			if a != (Account{}) {
				t.Fatalf("error %v with account %v", err, a)
			}
			return
		}
		if name == "" || strings.Contains(name, ":") || strings.Contains(name, "\n") {
			t.Fatalf("found %v for impossible name %q", a, name)
		}
		if a.UID < 0 || a.GID < 0 || a.UID > 1<<32-1 || a.GID > 1<<32-1 {
			t.Fatalf("ids out of range: %v", a)
		}
	})
}
