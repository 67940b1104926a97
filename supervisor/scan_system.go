package supervisor

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// osTree is the real system behind a Scanner: it holds each slot's
// directories and log pipe, the inotify watches, and the members'
// Services, and makes the system calls the tree's effects ask for. This
// file is its treeFS half; scan_services.go, scan_command.go and
// scan_init.go are its treeProcs half.
type osTree struct {
	cfg     ScanConfig
	dirfd   int
	slots   map[fileID]*slotFiles
	watch   *dirWatch           // nil without inotify
	dirWD   int32               // the scan directory's watch
	waiting map[int32]memberKey // inotify watch → member waiting for its ./run
	inotify chan []inotifyEvent
	done    chan struct{} // closed when Run is over
	// keeper holds the log pipes for a next svscan and host takes the
	// loggers' handovers (scan_holder.go); both nil without hosting.
	keeper *holderKeeper
	host   *LoggerHost
	// controls reads every member's supervise/control (nil: each reads
	// its own).
	controls *controlPoller
}

// slotFiles is what a slot holds for its life.
type slotFiles struct {
	main member
	log  *member // nil without a logger
	// The log pipe, both ends kept for the slot's life, so that either
	// side can be restarted without losing a byte.
	pipeR, pipeW *os.File
}

// member is a supervised directory: a slot's main service or its logger.
type member struct {
	dir *os.File // held open for the slot's life
	svc *Service // the last one started
	wd  int32    // inotify watch while waiting for ./run; 0 if none
}

func newOSTree(cfg ScanConfig) *osTree {
	o := &osTree{
		cfg:     cfg,
		dirfd:   int(cfg.Dir.Fd()),
		slots:   make(map[fileID]*slotFiles),
		waiting: make(map[int32]memberKey),
		inotify: make(chan []inotifyEvent),
		done:    make(chan struct{}),
	}
	o.controls, _ = newControlPoller()
	if cfg.Hosting {
		o.keeper = newHolderKeeper(dirID(o.dirfd), cfg.Reaper, cfg.Warn)
		o.host = o.keeper.host
	}
	w, err := newDirWatch()
	if err == nil {
		if o.dirWD, err = w.add(cfg.Dir, scanDirEvents); err != nil {
			w.close()
		}
	}
	if err != nil {
		if cfg.Warn != nil {
			cfg.Warn(fmt.Errorf("unable to watch directory %s: %w", cfg.Dir.Name(), err))
		}
		return o
	}
	o.watch = w
	go w.read(o.inotify, o.done)
	return o
}

func (o *osTree) readNames() ([]string, error) {
	fd, err := unix.Openat(o.dirfd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), ".")
	defer f.Close()
	return f.Readdirnames(-1)
}

func (o *osTree) stat(name string) (fileID, bool, error) {
	var st unix.Stat_t
	if err := unix.Fstatat(o.dirfd, name, &st, 0); err != nil {
		return fileID{}, false, err
	}
	return fileID{st.Dev, st.Ino}, st.Mode&unix.S_IFMT == unix.S_IFDIR, nil
}

func (o *osTree) open(name string, id fileID) error {
	if o.slots[id] != nil {
		return nil
	}
	dir, err := openDirAt(o.dirfd, name)
	if err != nil {
		return err
	}
	var st unix.Stat_t
	if unix.Fstat(int(dir.Fd()), &st) != nil || (fileID{st.Dev, st.Ino}) != id {
		dir.Close()
		return errReplaced
	}
	o.slots[id] = &slotFiles{main: member{dir: dir}}
	return nil
}

func (o *osTree) member(k memberKey) *member {
	sl := o.slots[k.id]
	switch {
	case sl == nil:
		return nil
	case k.log:
		return sl.log
	}
	return &sl.main
}

func (o *osTree) hasRun(k memberKey, eager bool) bool {
	m := o.member(k)
	if m == nil {
		return false
	}
	present := runThere(m.dir, eager)
	if !present && m.wd == 0 && o.watch != nil {
		if wd, err := o.watch.add(m.dir, serviceDirEvents); err == nil {
			m.wd = wd
			o.waiting[wd] = k
			// ./run may have appeared before the watch: look again.
			present = runThere(m.dir, eager)
		}
	}
	if present {
		o.unwatch(m)
	}
	return present
}

// runThere reports whether dir has a ./run: an executable one, when eager.
func runThere(dir *os.File, eager bool) bool {
	fd := int(dir.Fd())
	if eager {
		return unix.Faccessat(fd, "run", unix.X_OK, unix.AT_EACCESS) == nil
	}
	var st unix.Stat_t
	return unix.Fstatat(fd, "run", &st, 0) == nil
}

func (o *osTree) unwatch(m *member) {
	if m.wd != 0 {
		o.watch.remove(m.wd)
		delete(o.waiting, m.wd)
		m.wd = 0
	}
}

func (o *osTree) pair(id fileID, name string) (bool, error) {
	sl := o.slots[id]
	if sl == nil {
		return false, nil
	}
	var st unix.Stat_t
	err := unix.Fstatat(int(sl.main.dir.Fd()), "log", &st, 0)
	switch {
	case err == unix.ENOENT || err == nil && st.Mode&unix.S_IFMT != unix.S_IFDIR:
		return false, nil
	case err != nil:
		return false, fmt.Errorf("unable to stat %s/log: %w", name, err)
	}
	dir, err := openDirAt(int(sl.main.dir.Fd()), "log")
	if err != nil {
		return false, superviseFatal(err)
	}
	r, w, err := o.logPipe(id, sl.main.dir, dir)
	if err != nil {
		dir.Close()
		return false, fmt.Errorf("unable to create pipe for %s: %w", name, err)
	}
	sl.log = &member{dir: dir}
	sl.pipeR, sl.pipeW = r, w
	if o.keeper != nil {
		o.keeper.hold(id, r)
	}
	return true, nil
}

func (o *osTree) closeWriter(id fileID) {
	if sl := o.slots[id]; sl != nil && sl.pipeW != nil {
		sl.pipeW.Close()
		sl.pipeW = nil
	}
}

func (o *osTree) drop(id fileID) {
	sl := o.slots[id]
	if sl == nil {
		return
	}
	for _, m := range []*member{&sl.main, sl.log} {
		if m != nil {
			o.unwatch(m)
			m.dir.Close()
		}
	}
	o.closeWriter(id)
	if sl.pipeR != nil {
		if o.keeper != nil {
			o.keeper.drop(id)
		}
		sl.pipeR.Close()
	}
	delete(o.slots, id)
}

func (o *osTree) events() <-chan []inotifyEvent { return o.inotify }

// watched turns what inotify reported into tree events.
func (o *osTree) watched(evs []inotifyEvent) []treeEvent {
	var out []treeEvent
	for _, ev := range evs {
		switch {
		case ev.mask&unix.IN_Q_OVERFLOW != 0:
			out = append(out, evTick{})
		case ev.mask&unix.IN_IGNORED != 0:
			if k, ok := o.waiting[ev.wd]; ok { // its directory is gone
				delete(o.waiting, ev.wd)
				if m := o.member(k); m != nil {
					m.wd = 0
				}
			}
		case ev.wd == o.dirWD:
			id, dir, err := o.stat(ev.name)
			out = append(out, evEntry{name: ev.name, id: id, dir: dir, err: err, eager: true})
		case ev.name == "run":
			if k, ok := o.waiting[ev.wd]; ok {
				out = append(out, evRunAppeared{k})
			}
		}
	}
	return out
}

// close releases everything once Run is over.
func (o *osTree) close() {
	close(o.done)
	if o.watch != nil {
		o.watch.close()
	}
	for id := range o.slots {
		o.drop(id)
	}
	if o.keeper != nil {
		o.keeper.close()
	}
}
