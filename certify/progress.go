package certify

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/cucumber/godog"
)

// heartbeat is how long a run stays silent before a progress writer says
// what it is still waiting for: an app that never answers must not look
// like a hung appcert.
const heartbeat = 5 * time.Second

// progress writes a line per finished scenario, and a line naming the
// longest-running scenario after each silent heartbeat.
type progress struct {
	w     io.Writer
	total int

	mu      sync.Mutex
	done    int
	running map[string]time.Time // scenario ID -> start
	names   map[string]string
	last    time.Time
}

func newProgress(w io.Writer, total int) *progress {
	return &progress{w: w, total: total, running: map[string]time.Time{}, names: map[string]string{}, last: time.Now()}
}

// hook adds the progress hooks to a scenario.
func (p *progress) hook(sc *godog.ScenarioContext) {
	sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
		p.mu.Lock()
		p.running[s.Id], p.names[s.Id] = time.Now(), s.Name
		p.mu.Unlock()
		return ctx, nil
	})
	sc.After(func(ctx context.Context, s *godog.Scenario, err error) (context.Context, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		took := time.Since(p.running[s.Id])
		delete(p.running, s.Id)
		p.done++
		outcome := "done"
		if err != nil {
			outcome = "failed"
		}
		fmt.Fprintf(p.w, "appcert certify: [%d/%d] %s: %s (%v)\n", p.done, p.total, s.Name, outcome, took.Round(time.Millisecond))
		p.last = time.Now()
		return ctx, nil
	})
}

// watch writes a heartbeat line whenever nothing finished for a while,
// until ctx ends.
func (p *progress) watch(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			p.mu.Lock()
			if now.Sub(p.last) >= heartbeat && len(p.running) > 0 {
				var oldest string
				var since time.Time
				for id, at := range p.running {
					if oldest == "" || at.Before(since) {
						oldest, since = id, at
					}
				}
				fmt.Fprintf(p.w, "appcert certify: %d of %d scenarios done; still waiting on %d, the longest for %v: %s\n",
					p.done, p.total, len(p.running), now.Sub(since).Round(time.Second), p.names[oldest])
				p.last = now
			}
			p.mu.Unlock()
		}
	}
}
