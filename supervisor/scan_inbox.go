package supervisor

import "sync"

// inbox carries events from the services' goroutines to the scanner's
// Run. post never blocks and never drops: a Service's goroutine must
// never wait for Run, which may itself be waiting for that Service (a
// logger told to leave when down). The queue is unbounded, but each
// Service posts a handful of events per start of its ./run.
type inbox struct {
	mu    sync.Mutex
	queue []treeEvent
	ready chan struct{} // holds a token while queue is not empty
}

func newInbox() *inbox { return &inbox{ready: make(chan struct{}, 1)} }

// post queues ev. Safe from any goroutine.
func (b *inbox) post(ev treeEvent) {
	b.mu.Lock()
	b.queue = append(b.queue, ev)
	b.mu.Unlock()
	select {
	case b.ready <- struct{}{}:
	default: // a token is there already
	}
}

// take returns what has been posted, in order, once ready has given a
// token.
func (b *inbox) take() []treeEvent {
	b.mu.Lock()
	defer b.mu.Unlock()
	q := b.queue
	b.queue = nil
	return q
}
