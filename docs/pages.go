// Package docs holds gotools' manual: one Markdown page per program and a few
// pages on shared topics (docs/*.md), embedded in the binary so that
// `gotools help APPLET` and `APPLET --help` print what the repository says.
//
// Every page starts with a title line "# NAME — summary"; a program's page
// has a "## Synopsis" section whose first indented code block holds the
// command lines. Summary and Synopsis read those two parts; the rest is for
// people and is printed as it is.
package docs

import (
	"embed"
	"io/fs"
	"sort"
	"strings"
)

//go:embed *.md
var files embed.FS

// index is the table of contents, docs/README.md; it is not a page of its own.
const index = "README"

// Names returns the names of the pages (file names without ".md"), sorted,
// the index left out.
func Names() []string {
	paths, _ := fs.Glob(files, "*.md") // the pattern is valid
	var names []string
	for _, path := range paths {
		if name := strings.TrimSuffix(path, ".md"); name != index {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	return names
}

// Page returns the text of docs/NAME.md.
func Page(name string) (string, bool) {
	if name == "" || strings.ContainsAny(name, "/.") {
		return "", false
	}
	b, err := files.ReadFile(name + ".md")
	return string(b), err == nil
}

// Summary returns the one-line summary of page name: its title after " — ",
// or "" when there is no such page or title.
func Summary(name string) string {
	text, _ := Page(name)
	_, summary, _ := title(text)
	return summary
}

// Synopsis returns the command lines of page name's Synopsis section,
// without their indentation; nil when there is none.
func Synopsis(name string) []string {
	text, _ := Page(name)
	return synopsis(text)
}

// title splits the first line of a page, "# NAME — summary".
func title(text string) (name, summary string, ok bool) {
	first, _, _ := strings.Cut(text, "\n")
	heading, found := strings.CutPrefix(first, "# ")
	if !found {
		return "", "", false
	}
	name, summary, found = strings.Cut(heading, " — ")
	if !found {
		return "", "", false
	}
	name, summary = strings.TrimSpace(name), strings.TrimSpace(summary)
	return name, summary, name != "" && summary != ""
}

// synopsis returns the first indented code block after the "## Synopsis"
// heading, up to the next heading: its lines with the four-space indent
// removed, blank lines inside the block dropped.
func synopsis(text string) []string {
	_, section, found := strings.Cut("\n"+text, "\n## Synopsis\n")
	if !found {
		return nil
	}
	var lines []string
	for _, line := range strings.Split(section, "\n") {
		code, indented := strings.CutPrefix(line, "    ")
		switch {
		case strings.HasPrefix(line, "#"):
			return lines
		case indented && strings.TrimSpace(code) != "":
			lines = append(lines, code)
		case strings.TrimSpace(line) == "":
			continue
		case lines != nil:
			return lines // prose after the block ends it
		}
	}
	return lines
}
