package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The repository documents itself: code, README, BENCHMARKS.md, scripts and
// docs/ cite the pages in docs/, never notes kept outside the repository
// (section numbers, numbered decisions, issue numbers), which a reader of the
// repository cannot open. The patterns are written with character classes
// so that this file does not match them itself.
var outsideCitations = []*regexp.Regexp{
	regexp.MustCompile(`C[O]MPAT`),
	regexp.MustCompile(`DESIGN[.]md`),
	regexp.MustCompile(`\x{00A7}`),
	regexp.MustCompile(`(?i)\bdecisions? #?\d`),
	regexp.MustCompile(`(?i)\bissues? #?\d`),
	regexp.MustCompile(`(?i)\bissu[e] "`),
	regexp.MustCompile(`(?i)\bthe [a-z0-9-]+ issue\b`),
	regexp.MustCompile(`[.][.]/shared`),
}

// docsCitation is a path to a page, as code and README cite it; pageLink is
// a link between pages inside docs/.
var (
	docsCitation = regexp.MustCompile(`\bdocs/([a-z0-9][a-z0-9_-]*|README)\.md\b`)
	pageLink     = regexp.MustCompile(`\]\(([A-Za-z0-9_-]+)\.md(#[^)]*)?\)`)
)

// citingFiles are the repository's own texts: Go files, Markdown, shell
// scripts, the Makefile and CI script; testdata (inputs, fuzz corpora) and
// hidden directories are skipped.
func citingFiles(t *testing.T) []string {
	var paths []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != "." && (name == "testdata" || strings.HasPrefix(name, ".") && name != ".ci") {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case strings.HasSuffix(name, ".go"), strings.HasSuffix(name, ".md"), strings.HasSuffix(name, ".sh"),
			name == "Makefile", name == "Dockerfile", path == filepath.Join(".ci", "run"):
			paths = append(paths, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 10 {
		t.Fatalf("found only %q", paths)
	}
	return paths
}

func TestNoCitationsOutsideTheRepository(t *testing.T) {
	for _, path := range citingFiles(t) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			for _, re := range outsideCitations {
				if m := re.FindString(line); m != "" {
					t.Errorf("%s:%d cites %q, which is not in the repository: cite docs/ instead\n\t%s", path, i+1, m, strings.TrimSpace(line))
				}
			}
		}
	}
}

func TestCitedPagesExist(t *testing.T) {
	for _, path := range citingFiles(t) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var pages []string
		for _, m := range docsCitation.FindAllStringSubmatch(string(b), -1) {
			pages = append(pages, filepath.Join("docs", m[1]+".md"))
		}
		if filepath.Dir(path) == "docs" {
			for _, m := range pageLink.FindAllStringSubmatch(string(b), -1) {
				pages = append(pages, filepath.Join("docs", m[1]+".md"))
			}
		}
		for _, page := range pages {
			if _, err := os.Stat(page); err != nil {
				t.Errorf("%s cites %s, which does not exist", path, page)
			}
		}
	}
}
