package supervisor

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
)

// BenchmarkServiceMemory measures what one in-process Service costs (Go heap
// and goroutine stacks; descriptors are listed in the README) while it
// supervises a service that is down, as svscan will hold thousands:
//
//	go test ./supervisor -run '^$' -bench ServiceMemory -benchtime 1000x
func BenchmarkServiceMemory(b *testing.B) {
	r := sharedReaper()
	root := b.TempDir()
	dirs := make([]*os.File, b.N)
	for i := range dirs {
		dir := filepath.Join(root, strconv.Itoa(i))
		os.Mkdir(dir, 0o755)
		os.WriteFile(filepath.Join(dir, "down"), nil, 0o644)
		f, err := OpenDir(dir)
		if err != nil {
			b.Fatal(err)
		}
		dirs[i] = f
	}
	before := memInUse()
	b.ResetTimer()
	services := make([]*Service, b.N)
	done := make(chan struct{}, b.N)
	for i, dir := range dirs {
		s, err := Open(Config{Name: dir.Name(), Dir: dir, Reaper: r})
		if err != nil {
			b.Fatal(err)
		}
		services[i] = s
		go func() { s.Run(); done <- struct{}{} }()
	}
	b.StopTimer()
	after := memInUse()
	b.ReportMetric(float64(after-before)/1024/float64(b.N), "KiB/service")
	for _, s := range services {
		s.Shutdown()
	}
	for range services {
		<-done
	}
	for _, d := range dirs {
		d.Close()
	}
}

// memInUse is the heap and stack memory in use after a collection.
func memInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}
