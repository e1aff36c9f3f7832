package marketplace

import (
	"strconv"
	"sync"
	"time"
)

// DefaultRateLimit is each access token's burst budget per RateWindow
// (core-api-concepts-rate-limiting; --rate-limit changes it).
const DefaultRateLimit = 80

// RateWindow is the rolling window the burst budget counts calls in.
const RateWindow = 2 * time.Second

// window is one token's rolling-window budget: at most limit calls in any
// RateWindow. It keeps the times of the last limit calls it allowed in a
// ring, oldest first, so a decision is a binary search and never allocates.
type window struct {
	mu   sync.Mutex
	at   []int64 // monotonic nanoseconds of the allowed calls, ascending from head
	head int
	n    int
	// pendingUntil is when the latest 429 decided said the token may call
	// again; refusedUntil the same once that 429 reached the app. Calls
	// before pendingUntil are answered 429; only those before
	// refusedUntil are early (PD-API-03): a call already on its way when
	// the 429 was sent could not have waited for it. forced holds a 429
	// the certification asks for, answered to the next call.
	pendingUntil, refusedUntil int64
	forced                     time.Duration
}

// rate is what a window decided for one call: the x-ratelimit-* values.
type rate struct {
	Allowed   bool
	Limit     int
	Remaining int
	Reset     time.Duration // until the oldest call in the window leaves it
	// Early: the call came before the reset a 429 the app had already
	// been answered named.
	Early bool
	// from is the window that decided, told by delivered when its 429
	// has reached the app.
	from *window
}

func newWindow(limit int) *window { return &window{at: make([]int64, limit)} }

// take decides a call at now (nanoseconds on a monotonic clock) and, when
// it is allowed, counts it.
func (w *window) take(now int64) rate {
	w.mu.Lock()
	defer w.mu.Unlock()
	limit := len(w.at)
	if w.n > 0 {
		if last := w.at[(w.head+w.n-1)%limit]; now < last {
			now = last // the ring stays sorted whatever the caller's clock does
		}
	}
	early := now < w.refusedUntil
	if w.forced > 0 {
		r := rate{Limit: limit, Reset: w.forced, Early: early, from: w}
		w.pendingUntil = max(w.pendingUntil, now+int64(w.forced))
		w.forced = 0
		return r
	}
	if until := max(w.pendingUntil, w.refusedUntil); now < until {
		return rate{Limit: limit, Reset: time.Duration(until - now), Early: early, from: w}
	}
	from := now - int64(RateWindow)
	// The first call still in the window: the ring is sorted, so search.
	lo, hi := 0, w.n
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if w.at[(w.head+mid)%limit] <= from {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	inWindow := w.n - lo
	if inWindow >= limit {
		oldest := w.at[(w.head+lo)%limit]
		w.pendingUntil = max(w.pendingUntil, oldest+int64(RateWindow))
		return rate{Limit: limit, Reset: time.Duration(oldest - from), from: w}
	}
	// Forget what left the window, then count this call.
	w.head = (w.head + lo) % limit
	w.n -= lo
	w.at[(w.head+w.n)%limit] = now
	w.n++
	oldest := w.at[w.head]
	return rate{Allowed: true, Limit: limit, Remaining: limit - w.n, Reset: time.Duration(oldest - from)}
}

// delivered says the 429s decided so far have reached the app: from now
// on a call before the reset they named is early.
func (w *window) delivered() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.refusedUntil = max(w.refusedUntil, w.pendingUntil)
}

// force makes the next call get a 429 that asks for wait.
func (w *window) force(wait time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.forced = wait
}

// seconds rounds a wait up to whole seconds, as the headers give it.
func seconds(d time.Duration) int {
	s := int((d + time.Second - 1) / time.Second)
	return max(s, 0)
}

// setRateHeaders writes the x-ratelimit-* headers, and Retry-After over
// budget.
func setRateHeaders(h map[string][]string, r rate) {
	h["X-Ratelimit-Limit"] = []string{strconv.Itoa(r.Limit)}
	h["X-Ratelimit-Remaining"] = []string{strconv.Itoa(r.Remaining)}
	h["X-Ratelimit-Reset"] = []string{strconv.Itoa(seconds(r.Reset))}
	if !r.Allowed {
		h["Retry-After"] = []string{strconv.Itoa(max(seconds(r.Reset), 1))}
	}
}
