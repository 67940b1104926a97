package applets

import (
	"bytes"
	"testing"
)

func TestMatchtest(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "+ ()\n"},
		{[]string{"one"}, "-one ()\n"},
		{[]string{"one*", "onetwo"}, "+one* (onetwo)\n"},
		{[]string{"* one", "  one", "extra"}, "-* one (  one)\n"},
	}
	for _, tc := range tests {
		var out, errs bytes.Buffer
		p := &Proc{Name: "matchtest", Stdout: &out, Stderr: &errs}
		if err := runMatchtest(p, tc.args); err != nil {
			t.Errorf("matchtest %q: %v", tc.args, err)
		}
		if out.String() != tc.want || errs.Len() != 0 {
			t.Errorf("matchtest %q: stdout %q stderr %q, want %q", tc.args, out.String(), errs.String(), tc.want)
		}
	}
}
