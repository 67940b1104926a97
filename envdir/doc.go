// Package envdir turns an environment directory into edits of an environ
// slice, exactly as daemontools 0.76's envdir does (docs/envdir.md, docs/conventions.md).
//
// It never reads or changes the process environment or working directory:
// where envdir chdirs into the directory, Read opens it and works relative to
// that descriptor, after checking what chdir would check. The applet owns
// exec'ing the child.
package envdir
