package logger

import "slices"

// Kind is what one per-line script action does.
type Kind uint8

const (
	Select   Kind = iota // +PATTERN: select the line if it matches
	Deselect             // -PATTERN: deselect the line if it matches
	Stderr               // e: print the selected line (up to 200 bytes) to stderr
	Status               // =FILE: rewrite FILE with the selected line
	Dir                  // ./DIR or /DIR: append the selected line to a log directory
	Stdout               // 1: copy the selected line, whole, to stdout (gotools)
)

var kindNames = [...]string{"select", "deselect", "stderr", "status", "dir", "stdout"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Defaults and bounds of the s and n actions (docs/multilog.md).
const (
	DefaultSize = 99999
	MinSize     = 4096
	MaxSize     = 16777215
	DefaultNum  = 10
	MinNum      = 2
)

// Action is one per-line step of a script. Settings actions (t, s, n, !) are
// folded into the Dir actions they apply to.
type Action struct {
	Kind    Kind
	Pattern string // Select, Deselect
	Path    string // Status file or log directory, exactly as given
	// For Dir: the s, n and ! settings in force where the directory appears.
	Size         uint64
	Num          uint64
	Processor    string
	HasProcessor bool
}

// Script is a parsed multilog command line.
type Script struct {
	Timestamp bool     // the first argument starts with t
	Actions   []Action // per-line actions, left to right
}

// CopiesToStdout reports whether the script has action 1, which copies
// lines to standard output.
func (s Script) CopiesToStdout() bool {
	return slices.ContainsFunc(s.Actions, func(a Action) bool { return a.Kind == Stdout })
}

// ParseScript reads multilog's arguments as 0.76 does: the first character
// decides, the rest of an argument is its operand, and arguments that mean
// nothing are ignored (a t anywhere but first, unknown letters, empty ones).
// It cannot fail: 0.76 has no usage error.
func ParseScript(args []string) Script {
	var s Script
	size, num := uint64(DefaultSize), uint64(DefaultNum)
	processor, hasProcessor := "", false
	for i, arg := range args {
		if arg == "" {
			continue
		}
		rest := arg[1:]
		switch arg[0] {
		case 't':
			s.Timestamp = s.Timestamp || i == 0
		case '+':
			s.Actions = append(s.Actions, Action{Kind: Select, Pattern: rest})
		case '-':
			s.Actions = append(s.Actions, Action{Kind: Deselect, Pattern: rest})
		case 'e':
			s.Actions = append(s.Actions, Action{Kind: Stderr})
		case '1':
			s.Actions = append(s.Actions, Action{Kind: Stdout})
		case '=':
			s.Actions = append(s.Actions, Action{Kind: Status, Path: rest})
		case 's':
			size = min(max(scanUlong(rest), MinSize), MaxSize)
		case 'n':
			num = max(scanUlong(rest), MinNum)
		case '!':
			processor, hasProcessor = rest, true
		case '.', '/':
			s.Actions = append(s.Actions, Action{Kind: Dir, Path: arg, Size: size, Num: num,
				Processor: processor, HasProcessor: hasProcessor})
		}
	}
	return s
}

// scanUlong is djb's scan_ulong: the leading decimal digits, wrapping on
// overflow like a C unsigned long; no digits is 0.
func scanUlong(s string) uint64 {
	var n uint64
	for i := 0; i < len(s) && '0' <= s[i] && s[i] <= '9'; i++ {
		n = n*10 + uint64(s[i]-'0')
	}
	return n
}

// Select evaluates the script's selection for one line: sel[i] is whether
// the line is selected when action i runs. window is what the patterns see:
// the first 1000 bytes of the line, stamp included. sel must have one entry
// per action.
func (s *Script) Select(window []byte, sel []bool) {
	selected := true
	for i := range s.Actions {
		a := &s.Actions[i]
		switch a.Kind {
		case Select:
			if !selected && Match(a.Pattern, window) {
				selected = true
			}
		case Deselect:
			if selected && Match(a.Pattern, window) {
				selected = false
			}
		}
		sel[i] = selected
	}
}
