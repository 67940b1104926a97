package applets

import (
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPathexec(t *testing.T) {
	tests := []struct {
		name   string
		file   string
		path   string
		errs   map[string]error // what try returns per file; missing = ENOENT
		tried  []string
		result error
	}{
		{"slash is tried as is", "./x", "/a", map[string]error{"./x": nil}, []string{"./x"}, nil},
		{"slash error is final", "/no/x", "/a", nil, []string{"/no/x"}, syscall.ENOENT},
		{"first hit wins", "x", "/a:/b:/c", map[string]error{"/b/x": nil, "/c/x": nil}, []string{"/a/x", "/b/x"}, nil},
		{"empty element is dot", "x", ":/b", nil, []string{"./x", "/b/x"}, syscall.ENOENT},
		{"trailing empty element", "x", "/a:", nil, []string{"/a/x", "./x"}, syscall.ENOENT},
		{"empty path is dot", "x", "", nil, []string{"./x"}, syscall.ENOENT},
		{"EACCES remembered", "x", "/a:/b", map[string]error{"/a/x": syscall.EACCES}, []string{"/a/x", "/b/x"}, syscall.EACCES},
		{"EPERM remembered", "x", "/a:/b", map[string]error{"/a/x": syscall.EPERM}, []string{"/a/x", "/b/x"}, syscall.EPERM},
		{"EISDIR remembered", "x", "/a:/b", map[string]error{"/a/x": syscall.EISDIR}, []string{"/a/x", "/b/x"}, syscall.EISDIR},
		{"last remembered wins", "x", "/a:/b:/c", map[string]error{"/a/x": syscall.EACCES, "/b/x": syscall.EISDIR}, []string{"/a/x", "/b/x", "/c/x"}, syscall.EISDIR},
		{"remembered then found", "x", "/a:/b", map[string]error{"/a/x": syscall.EACCES, "/b/x": nil}, []string{"/a/x", "/b/x"}, nil},
		{"other error stops", "x", "/a:/b", map[string]error{"/a/x": syscall.ENOTDIR}, []string{"/a/x"}, syscall.ENOTDIR},
		{"ENOEXEC stops", "x", "/a:/b", map[string]error{"/a/x": syscall.ENOEXEC}, []string{"/a/x"}, syscall.ENOEXEC},
		{"EAGAIN stops", "x", "/a:/b", map[string]error{"/a/x": syscall.EAGAIN}, []string{"/a/x"}, syscall.EAGAIN},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var tried []string
			err := pathexec(tc.file, tc.path, func(f string) error {
				tried = append(tried, f)
				if e, ok := tc.errs[f]; ok {
					return e
				}
				return syscall.ENOENT
			})
			if err != tc.result {
				t.Errorf("error %v, want %v", err, tc.result)
			}
			if diff := cmp.Diff(tc.tried, tried); diff != "" {
				t.Errorf("tried (-want +got)\n%s", diff)
			}
		})
	}
}

func TestSearchPath(t *testing.T) {
	tests := []struct {
		env  []string
		want string
	}{
		{nil, "/bin:/usr/bin"},
		{[]string{"PATHX=1", "PATH"}, "/bin:/usr/bin"},
		{[]string{"PATH=", "PATH=/x"}, ""},
		{[]string{"A=1", "PATH=/x:/y"}, "/x:/y"},
	}
	for _, tc := range tests {
		if got := searchPath(tc.env); got != tc.want {
			t.Errorf("searchPath(%q) = %q, want %q", tc.env, got, tc.want)
		}
	}
}

var errENOENT = syscall.ENOENT
