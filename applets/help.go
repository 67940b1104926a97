package applets

// Help in the binary (docs/gotools.md): `APPLET --help` prints the
// synopsis, `gotools help NAME` the whole page, and a mistyped name gets a
// "did you mean" hint. The text comes from docs/*.md, embedded by package
// docs, so the binary says what the repository's pages say.

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"gotools/applets/message"
	"gotools/docs"
)

// helpArg, as an applet's only argument, asks for its synopsis. No 0.76
// program has options spelt like this, and no real service directory,
// account or log script is named --help; with other arguments it keeps its
// 0.76 meaning (docs/differences.md).
const helpArg = "--help"

const helpUsage = "gotools help [APPLET | PAGE]"

// Main runs the applet as its program: with helpArg alone it prints the
// synopsis and exits 0, otherwise it runs. The dispatcher and fused chain
// links both start applets through Main, so `envdir --help` acts the same
// exec'd or fused.
func (a Applet) Main(p *Proc, args []string) error {
	if len(args) == 1 && args[0] == helpArg {
		return p.usageHelp()
	}
	return a.Run(p, args)
}

// usageHelp prints "usage: " and the synopsis of p.Name's page on stdout,
// then where the whole page is.
func (p *Proc) usageHelp() error {
	lines := docs.Synopsis(p.Name)
	if len(lines) == 0 {
		lines = []string{p.Name + " ..."}
	}
	var b strings.Builder
	for i, line := range lines {
		prefix := "       " // under the first line's text
		if i == 0 {
			prefix = "usage: "
		}
		b.WriteString(prefix + line + "\n")
	}
	fmt.Fprintf(&b, "see: gotools help %s (docs/%s.md)\n", p.Name, p.Name)
	_, err := io.WriteString(p.Stdout, b.String())
	return err
}

// Help is `gotools help [NAME]`: with NAME, the page docs/NAME.md as it is;
// without, every applet and page with its summary. An unknown NAME is a
// usage error with the nearest names as a hint.
func Help(p *Proc, args []string) error {
	switch len(args) {
	case 0:
		_, err := io.WriteString(p.Stdout, helpIndex())
		return err
	case 1:
		if text, ok := docs.Page(args[0]); ok {
			_, err := io.WriteString(p.Stdout, text)
			return err
		}
		return p.Fail(ExitUsage, &message.Error{Err: errors.New("no help for " + args[0]),
			Hint: hint(args[0], docs.Names(), "gotools help lists the pages")})
	}
	return p.Usage(helpUsage)
}

// helpIndex lists the installed applets, then the other pages, each with
// the summary from its title.
func helpIndex() string {
	listed := Listed()
	var others []string
	for _, name := range docs.Names() {
		if !slices.Contains(listed, name) {
			others = append(others, name)
		}
	}
	width := 0
	for _, name := range append(slices.Clone(listed), others...) {
		width = max(width, len(name))
	}
	var b strings.Builder
	b.WriteString("usage: " + helpUsage + "\n")
	for _, group := range []struct {
		heading string
		names   []string
	}{{"applets", listed}, {"pages", others}} {
		b.WriteString("\n" + group.heading + ":\n")
		for _, name := range group.names {
			line := fmt.Sprintf("  %-*s  %s", width, name, docs.Summary(name))
			b.WriteString(strings.TrimRight(line, " ") + "\n")
		}
	}
	return b.String()
}

// Unknown is the dispatcher's answer to a name that is no applet: 0.76-style
// fatal line, exit 100, and a hint naming the nearest listed applets or meta
// commands.
func Unknown(p *Proc, name string) error {
	candidates := append(Listed(), "help", "install") // hidden applets are not offered
	return p.Fail(ExitUsage, &message.Error{Err: errors.New("unknown applet: " + name),
		Hint: hint(name, candidates, "gotools --list lists the applets")})
}

// hint is "did you mean X? WHERE" naming the candidates nearest to name, or
// just WHERE when none is close.
func hint(name string, candidates []string, where string) string {
	near := Nearest(name, candidates)
	switch len(near) {
	case 0:
		return where
	case 1, 2:
		return "did you mean " + strings.Join(near, " or ") + "? " + where
	}
	return "did you mean " + strings.Join(near[:len(near)-1], ", ") + " or " + near[len(near)-1] + "? " + where
}
