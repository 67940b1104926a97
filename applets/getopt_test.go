package applets

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestGetopt(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		spec     string
		opts     []option
		operands []string
		bad      string
	}{
		{"bundle", []string{"-dx", "d"}, "udx", []option{{'d', ""}, {'x', ""}}, []string{"d"}, ""},
		{"dashdash consumed", []string{"-d", "--", "d"}, "d", []option{{'d', ""}}, []string{"d"}, ""},
		{"any -- word ends options", []string{"--up", "x"}, "u", nil, []string{"x"}, ""},
		{"lone dash is operand", []string{"-", "x"}, "u", nil, []string{"-", "x"}, ""},
		{"attached arg", []string{"-o20", "true"}, "o:", []option{{'o', "20"}}, []string{"true"}, ""},
		{"next-word arg", []string{"-o", "20", "true"}, "o:", []option{{'o', "20"}}, []string{"true"}, ""},
		{"empty arg", []string{"-o", "", "true"}, "o:", []option{{'o', ""}}, []string{"true"}, ""},
		{"arg after bundle", []string{"-nxo", "3"}, "nxo:", []option{{'n', ""}, {'x', ""}, {'o', "3"}}, nil, ""},
		{"illegal", []string{"-Z"}, "u", nil, nil, "t: illegal option -- Z\n"},
		{"h is not special", []string{"-h"}, "u", nil, nil, "t: illegal option -- h\n"},
		{"colon is never a letter", []string{"-:"}, "o:", nil, nil, "t: illegal option -- :\n"},
		{"missing arg", []string{"-o"}, "o:", nil, nil, "t: option requires an argument -- o\n"},
		{"options before the bad one", []string{"-o", "1", "-uZ"}, "uo:", []option{{'o', "1"}, {'u', ""}}, nil, "t: illegal option -- Z\n"},
		{"no args", nil, "u", nil, []string{}, ""},
	}
	p := &Proc{Name: "t"}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts, operands, bad := p.getopt(tc.args, tc.spec)
			if diff := cmp.Diff(tc.opts, opts); diff != "" {
				t.Errorf("opts (-want +got)\n%s", diff)
			}
			if bad == "" {
				if diff := cmp.Diff(tc.operands, operands, cmpEmptyEqual); diff != "" {
					t.Errorf("operands (-want +got)\n%s", diff)
				}
			}
			if bad != tc.bad {
				t.Errorf("bad = %q, want %q", bad, tc.bad)
			}
		})
	}
}

var cmpEmptyEqual = cmp.Comparer(func(a, b []string) bool { return cmp.Equal(append([]string{}, a...), append([]string{}, b...)) })

func FuzzGetopt(f *testing.F) {
	f.Add("-dx\x00d", "udx")
	f.Add("-o\x0020\x00true", "o:")
	f.Fuzz(func(t *testing.T, joined, spec string) {
		p := &Proc{Name: "t"}
		args := strings.Split(joined, "\x00")
		opts, operands, bad := p.getopt(args, spec)
		if bad == "" && len(operands) > len(args) {
			t.Fatalf("more operands than args: %q", operands)
		}
		for _, o := range opts {
			if o.Letter == ':' || strings.IndexByte(spec, o.Letter) < 0 {
				t.Fatalf("option %q not in spec %q", o.Letter, spec)
			}
		}
	})
}
