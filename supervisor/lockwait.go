package supervisor

import (
	"errors"
	"time"

	"golang.org/x/sys/unix"
)

// A supervisor killed with SIGKILL releases supervise/lock when the last
// copy of its descriptor is closed, and a child it was forking at that
// instant holds a copy until its exec. A new svscan that finds the lock
// taken would otherwise leave the service unsupervised until its next
// full scan (5 s). So under svscan (Config.WaitLock) a taken lock is tried
// again, quietly, a few times over about a second; only then does the
// message come, as before, and the next scan tries again.

// lockRetries are the pauses before each new try.
var lockRetries = []time.Duration{
	5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond, 40 * time.Millisecond,
	80 * time.Millisecond, 160 * time.Millisecond, 320 * time.Millisecond, 640 * time.Millisecond,
}

// awaitLock tries supervise/lock again after each pause of lockRetries
// and, once it holds it, does the rest of Open. It gives up (false, with
// the lock's or start-up's error) after the last pause, and at once
// (false, nil) on Shutdown or a control byte (only svscan's x can reach
// a Service whose FIFO is not open yet).
func (s *Service) awaitLock() (bool, error) {
	for _, pause := range lockRetries {
		timer := time.NewTimer(pause)
		select {
		case <-timer.C:
		case <-s.stop:
			timer.Stop()
			return false, nil
		case <-s.control:
			timer.Stop()
			return false, nil
		}
		files, err := lockSupervise(s.dirfd, s.cfg.Name, s.cfg.label())
		if err == nil {
			s.m = newMachine(time.Now(), s.m.want, s.cfg.StopTimeout)
			if err := s.begin(files); err != nil {
				return false, err
			}
			return true, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			return false, err
		}
		s.lockErr = err
	}
	return false, s.lockErr
}
