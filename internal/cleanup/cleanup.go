// Package cleanup removes what a run holds outside itself (temporary
// folders, a browser and its profile) when the process exits at once: a
// second Ctrl-C ends it with os.Exit, which runs no deferred calls.
package cleanup

import (
	"sync"
	"time"
)

var (
	mu    sync.Mutex
	next  int
	funcs = map[int]func(){}
)

// Register adds f to what Run runs, until the returned func is called
// (once f's own deferred call has done the work). f may run at the same
// time as the run's own clean-up, so it must be safe to call twice.
func Register(f func()) (unregister func()) {
	mu.Lock()
	defer mu.Unlock()
	id := next
	next++
	funcs[id] = f
	return func() {
		mu.Lock()
		defer mu.Unlock()
		delete(funcs, id)
	}
}

// Run runs every registered func at once, side by side, and returns when
// they are done or after d, whichever comes first: an exit at once must
// not wait on a clean-up that hangs.
func Run(d time.Duration) {
	mu.Lock()
	fs := make([]func(), 0, len(funcs))
	for id, f := range funcs {
		fs = append(fs, f)
		delete(funcs, id)
	}
	mu.Unlock()
	var wg sync.WaitGroup
	for _, f := range fs {
		wg.Go(f)
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(d):
	}
}
