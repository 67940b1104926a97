package docs

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTitle(t *testing.T) {
	type parsed struct {
		Name, Summary string
		OK            bool
	}
	tests := []struct {
		name, text string
		want       parsed
	}{
		{"page", "# svc — control supervised services\n\nbody", parsed{"svc", "control supervised services", true}},
		{"title only", "# svok — check a supervise", parsed{"svok", "check a supervise", true}},
		{"no dash", "# svc: control services\n", parsed{"", "", false}},
		{"hyphen is not the dash", "# svc - control services\n", parsed{"", "", false}},
		{"second-level heading", "## svc — control\n", parsed{"", "", false}},
		{"title not first", "\n# svc — control\n", parsed{"", "", false}},
		{"empty summary", "# svc — \n", parsed{"svc", "", false}},
		{"empty", "", parsed{"", "", false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got parsed
			got.Name, got.Summary, got.OK = title(tc.text)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("title(%q) (-want +got)\n%s", tc.text, diff)
			}
		})
	}
}

func TestSynopsis(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
	}{
		{"one line", "# x — y\n\n## Synopsis\n\n    svok DIR\n\n## Description\n", []string{"svok DIR"}},
		{"several lines", "## Synopsis\n\n    a X\n    a -n X\n\n## Options\n", []string{"a X", "a -n X"}},
		{"indent beyond four kept", "## Synopsis\n\n    a\n      b\n", []string{"a", "  b"}},
		{"prose before the block", "## Synopsis\n\nIn a run script:\n\n    exec a X\n", []string{"exec a X"}},
		{"prose after the block ends it", "## Synopsis\n\n    a\n\ntext\n\n    b\n", []string{"a"}},
		{"blank line inside the block", "## Synopsis\n\n    a\n\n    b\n## Options\n", []string{"a", "b"}},
		{"no block before the next heading", "## Synopsis\n\ntext\n\n## Options\n\n    a\n", nil},
		{"no section", "# x — y\n\n    a\n", nil},
		{"heading must be exact", "## Synopsis of x\n\n    a\n", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, synopsis(tc.text)); diff != "" {
				t.Errorf("synopsis(%q) (-want +got)\n%s", tc.text, diff)
			}
		})
	}
}

// TestEveryPageParses checks what the binary reads of each page: a title
// "# NAME — summary" naming the file, and a non-empty code block under a
// Synopsis heading where there is one.
func TestEveryPageParses(t *testing.T) {
	names := append(Names(), index)
	if len(names) < 2 {
		t.Fatalf("only %q embedded", names)
	}
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			text, ok := Page(name)
			if !ok {
				t.Fatalf("Page(%q) not found", name)
			}
			got, summary, ok := title(text)
			if !ok {
				t.Fatalf("first line %q is not \"# NAME — summary\"", strings.SplitN(text, "\n", 2)[0])
			}
			if name != index && got != name {
				t.Errorf("title names %q, file is %s.md", got, name)
			}
			if summary != strings.ToLower(summary[:1])+summary[1:] {
				t.Errorf("summary %q does not start in lower case", summary)
			}
			if strings.Contains(text, "\n## Synopsis\n") && len(Synopsis(name)) == 0 {
				t.Errorf("Synopsis section without an indented code block")
			}
		})
	}
}

func TestPageRefusesPaths(t *testing.T) {
	for _, name := range []string{"", "../main.go", "svc.md", ".", "sub/svc"} {
		if text, ok := Page(name); ok {
			t.Errorf("Page(%q) = %.40q, want none", name, text)
		}
	}
}
