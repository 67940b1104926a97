package applets

import "testing"

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
