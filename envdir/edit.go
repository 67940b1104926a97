package envdir

import "strings"

// Edit is one queued change, djb's pathexec_env entry: set Name to Value, or
// unset Name. A Name containing '=' names the variable before the first '='
// and prefixes the rest to the value (an unset "A=B" therefore sets A=B).
type Edit struct {
	Name  string
	Value string
	Unset bool
}

// String is the edit as pathexec queues it: NAME=VALUE, or NAME to unset.
func (e Edit) String() string {
	if e.Unset {
		return e.Name
	}
	return e.Name + "=" + e.Value
}

// Apply returns env with edits applied in order as djb's pathexec does: each
// edit removes the first entry whose name equals the edit's name (the part
// before its first '='), moving the last entry into that slot, and then, if
// the edit holds a '=', appends it. The child's environment is therefore
// permuted exactly as with the C tools. env itself is not modified.
func Apply(env []string, edits []Edit) []string {
	out := append(make([]string, 0, len(env)+len(edits)), env...)
	for _, e := range edits {
		s := e.String()
		name, _, set := strings.Cut(s, "=")
		for i, entry := range out {
			if len(entry) > len(name) && entry[len(name)] == '=' && entry[:len(name)] == name {
				last := len(out) - 1
				out[i] = out[last]
				out = out[:last]
				break
			}
		}
		if set {
			out = append(out, s)
		}
	}
	return out
}
