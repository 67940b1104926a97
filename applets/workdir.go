package applets

import "golang.org/x/sys/unix"

// workDir is the directory svc and svstat started in. Like 0.76 they chdir
// into each service directory, which decides their error texts (a directory
// without search permission fails at chdir), and fchdir back to it.
type workDir int

// openWorkDir opens "." as 0.76's open_read(".") does (read access needed).
func openWorkDir() (workDir, error) {
	for {
		fd, err := unix.Open(".", unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err != unix.EINTR {
			return workDir(fd), err
		}
	}
}

// restore makes it the working directory again.
func (w workDir) restore() error { return unix.Fchdir(int(w)) }

func (w workDir) close() { unix.Close(int(w)) }
