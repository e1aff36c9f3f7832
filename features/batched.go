package features

import (
	"io"
	"sync"
	"time"
)

// batched holds what is written to it for a moment and passes it on in
// one piece. godog's console formats write a line at a time, and a
// system call per line was a tenth of a run's CPU; a reader at a
// terminal does not see a twentieth of a second.
type batched struct {
	out   io.Writer
	delay time.Duration

	mu    sync.Mutex
	buf   []byte
	timer *time.Timer // armed while buf holds something
	err   error       // the first write that failed, returned from then on
}

// batchLimit is how much batched holds before it writes at once.
const batchLimit = 64 << 10

func newBatched(out io.Writer, delay time.Duration) *batched {
	return &batched{out: out, delay: delay}
}

func (b *batched) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return 0, b.err
	}
	b.buf = append(b.buf, p...)
	if len(b.buf) >= batchLimit {
		return len(p), b.flushLocked()
	}
	if b.timer == nil {
		var t *time.Timer
		t = time.AfterFunc(b.delay, func() {
			b.mu.Lock() // held by Write until t is set
			defer b.mu.Unlock()
			if b.timer == t { // not a timer a Flush stopped too late
				_ = b.flushLocked() // kept in b.err for the next Write or Flush
			}
		})
		b.timer = t
	}
	return len(p), nil
}

// Flush writes what is held now.
func (b *batched) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.flushLocked()
}

func (b *batched) flushLocked() error {
	if b.timer != nil {
		b.timer.Stop()
		b.timer = nil
	}
	if b.err != nil || len(b.buf) == 0 {
		return b.err
	}
	_, b.err = b.out.Write(b.buf)
	b.buf = b.buf[:0]
	return b.err
}
