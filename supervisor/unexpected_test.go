package supervisor

import (
	"strings"
	"testing"
	"time"
)

// Types the switches do not know, as a new event or effect added without
// its case would be.
type (
	evBogus      struct{}
	effectBogus  struct{}
	treeEvBogus  struct{}
	treeEffBogus struct{}
)

func (evBogus) isEvent()           {}
func (effectBogus) isEffect()      {}
func (treeEvBogus) isTreeEvent()   {}
func (treeEffBogus) isTreeEffect() {}

// TestUnexpectedPanicsInTests: every switch over a sealed set reaches
// unexpected for a value it has no case for, which panics under test.
func TestUnexpectedPanicsInTests(t *testing.T) {
	for name, call := range map[string]func(){
		"machine":  func() { newMachine(t0, wantUp, DefaultStopTimeout).step(t0, evBogus{}) },
		"tree":     func() { treeWith().step(t0, treeEvBogus{}) },
		"scanner":  func() { newScanner(ScanConfig{}, nil, nil).do(treeEffBogus{}) },
		"executor": func() { newService(Config{}, newMachine(t0, wantUp, DefaultStopTimeout)).handleEffect(effectBogus{}) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(r.(string), "Bogus") {
					t.Errorf("recovered %v, want a panic naming the type", r)
				}
			}()
			call()
		})
	}
}

// TestUnexpectedWarnsInProduction: outside tests a bug is a warning, and
// the supervisor goes on.
func TestUnexpectedWarnsInProduction(t *testing.T) {
	panicOnUnexpected = false
	defer func() { panicOnUnexpected = true }()
	effs := newMachine(t0, wantUp, DefaultStopTimeout).step(t0, evBogus{})
	if len(effs) != 1 || !strings.Contains(effs[0].(warn).err.Error(), "unexpected supervisor.evBogus") {
		t.Errorf("machine: %v, want one warning", effs)
	}
	teffs := treeWith().step(t0.Add(time.Second), treeEvBogus{})
	if len(teffs) != 1 || !strings.Contains(teffs[0].(effWarn).err.Error(), "unexpected supervisor.treeEvBogus") {
		t.Errorf("tree: %v, want one warning", teffs)
	}
	var warned []string
	s := newScanner(ScanConfig{Warn: func(err error) { warned = append(warned, err.Error()) }}, nil, nil)
	s.do(treeEffBogus{})
	svc := newService(Config{Warn: func(err error) { warned = append(warned, err.Error()) }}, newMachine(t0, wantUp, DefaultStopTimeout))
	svc.handleEffect(effectBogus{})
	if len(warned) != 2 {
		t.Errorf("executors warned %q, want two warnings", warned)
	}
}
