package applets

import (
	"slices"
	"testing"
)

func TestRegistrySorted(t *testing.T) {
	registry := registry()
	for i := 1; i < len(registry); i++ {
		if registry[i-1].Name >= registry[i].Name {
			t.Errorf("registry not sorted or has duplicates at %q, %q", registry[i-1].Name, registry[i].Name)
		}
	}
	for _, a := range registry {
		switch a.Name {
		case "gotools", "install", "help":
			t.Errorf("applet %q collides with a meta command", a.Name)
		}
		if a.Run == nil {
			t.Errorf("applet %q has no Run", a.Name)
		}
	}
}

func TestSelect(t *testing.T) {
	tests := []struct {
		argv []string
		name string
		args []string
	}{
		{[]string{"envdir", "e", "x"}, "envdir", []string{"e", "x"}},
		{[]string{"/usr/local/bin/setlock", "f", "x"}, "setlock", []string{"f", "x"}},
		{[]string{"gotools", "pgrphack", "x"}, "pgrphack", []string{"x"}},
		{[]string{"./renamed", "softlimit"}, "softlimit", []string{}},
		{[]string{"envdir", "setlock"}, "envdir", []string{"setlock"}},
		{[]string{"gotools", "--list"}, "", nil},
		{[]string{"gotools"}, "", nil},
		{[]string{""}, "", nil},
		{nil, "", nil},
	}
	for _, tc := range tests {
		a, args, ok := Select(tc.argv)
		if ok != (tc.name != "") || a.Name != tc.name || !slices.Equal(args, tc.args) {
			t.Errorf("Select(%q) = %q, %q, %v; want %q, %q", tc.argv, a.Name, args, ok, tc.name, tc.args)
		}
	}
}
