package suite

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/appcert/appcert/fakes/marketplace"
	"github.com/appcert/appcert/internal/appsdk"
	"github.com/appcert/appcert/internal/browser"
	"github.com/appcert/appcert/internal/jwt"
	"github.com/appcert/appcert/manifest"
)

// Browser runs Custom UI pages in headless Chromium for the browser
// checks: one browser for a run, started when a scenario first needs it,
// a tab per page.
type Browser struct {
	path string // the Chromium binary; empty: none
	why  string // why there is none, and how to get one

	mu          sync.Mutex
	starting    chan struct{}      // closed once the start has ended
	cancelStart context.CancelFunc // ends a start under way, or the browser
	ctx         context.Context    // the running browser's
	stop        context.CancelFunc
	err         error
}

// NewBrowser is the browser of a run: Chromium at path, or, when path is
// empty, none, and why (which a NOT EXERCISED verdict repeats).
func NewBrowser(path, why string) *Browser {
	return &Browser{path: path, why: why}
}

// Close ends the browser, if it was started, and removes its profile. A
// start under way is cut short.
func (b *Browser) Close() {
	if b == nil {
		return
	}
	b.mu.Lock()
	starting, cancel := b.starting, b.cancelStart
	if starting == nil {
		b.err = errClosed // and never starts
		b.mu.Unlock()
		return
	}
	b.mu.Unlock()
	cancel()
	<-starting
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.stop != nil {
		b.stop()
		b.stop, b.ctx = nil, nil
	}
	if b.err == nil {
		b.err = errClosed
	}
}

var errClosed = errors.New("the run's browser was closed")

// tab opens a tab, starting the browser the first time; cancel closes it.
func (b *Browser) tab(ctx context.Context) (context.Context, context.CancelFunc, error) {
	bctx, err := b.running(ctx)
	if err != nil {
		return nil, nil, err
	}
	tctx, cancel := chromedp.NewContext(bctx)
	stopWatch := context.AfterFunc(ctx, cancel) // a cancelled scenario closes its tab
	return tctx, func() { stopWatch(); cancel() }, nil
}

// running is the browser's context once it runs, started by the first
// scenario that asks. The start goes on in the background: a scenario
// (or the run) cancelled meanwhile stops waiting at once, rather than
// after Chromium took its time to start on a loaded machine.
func (b *Browser) running(ctx context.Context) (context.Context, error) {
	b.mu.Lock()
	if b.starting == nil && b.err != nil {
		defer b.mu.Unlock()
		return nil, b.err
	}
	if b.starting == nil {
		b.starting = make(chan struct{})
		// The browser outlives the scenario that starts it; Close ends
		// it. The app's pages may be served over HTTPS with a
		// certificate of appcert's CA (--tls) or the app's own
		// (--app-ca), which this throwaway profile does not know.
		sctx, cancel := context.WithCancel(context.Background())
		b.cancelStart = cancel
		go func() {
			defer close(b.starting)
			opts := append([]chromedp.ExecAllocatorOption{chromedp.Flag("ignore-certificate-errors", true)}, browser.FramesInProcess...)
			bctx, stop, err := browser.Start(sctx, b.path, 1024, 768, opts...)
			b.mu.Lock()
			defer b.mu.Unlock()
			if err != nil {
				b.err = &noBrowserError{err}
				return
			}
			b.ctx, b.stop = bctx, stop
		}()
	}
	starting := b.starting
	b.mu.Unlock()
	select {
	case <-starting:
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil {
		return nil, b.err
	}
	return b.ctx, nil
}

// noBrowserError is a Chromium that would not start: the browser checks
// are then not exercised, as without one.
type noBrowserError struct{ err error }

func (e *noBrowserError) Error() string { return e.err.Error() }

// How long a page is given: its backend calls are over once none came for
// pageQuiet (and at least pageQuiet after it loaded), or at pageMax.
const (
	pageQuiet = 2 * time.Second
	pageMax   = 20 * time.Second
)

// loadedPage is a Custom UI page that ran in the browser for a viewer, and
// the calls it made to its backend.
type loadedPage struct {
	sub    *sub
	ext    manifest.Extension
	viewer *person
	calls  []browser.Request
	tokens []string // the tokens the page was given (its URL's, the SDK's)
}

// runPage loads e's page for p inside a host page in a tab of the run's
// browser, as the marketplace shows it, and records every request it
// sends to the app's origin.
func (w *world) runPage(ctx context.Context, e manifest.Extension, p *person) (loadedPage, error) {
	pg := loadedPage{ext: e, viewer: p}
	var mu sync.Mutex // the host hands out tokens from its own goroutines
	var tokens []string
	sign := func() string {
		t := w.signFor(e, p)
		mu.Lock()
		defer mu.Unlock()
		tokens = append(tokens, t)
		return t
	}
	src := appsdk.PageURL(w.run.app.ClientID, e, p.ID, p.Company.ID, sign(), "1")
	host := &appsdk.Host{ID: appsdk.InstanceID(w.run.app.ClientID, e), Type: string(e.Type), Src: src,
		Token: func() (string, error) { return sign(), nil }}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return pg, err
	}
	srv := &http.Server{Handler: host, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln) // ends with Close below
	defer srv.Close()

	tab, closeTab, err := w.run.browser.tab(ctx)
	if err != nil {
		return pg, err
	}
	defer closeTab()
	u, err := url.Parse(e.URL)
	if err != nil {
		return pg, err
	}
	rec, err := browser.Record(tab, u.Scheme+"://"+u.Host)
	if err != nil {
		return pg, err
	}
	start := time.Now()
	if err := chromedp.Do(tab, chromedp.Navigate("http://"+ln.Addr().String()+"/")); err != nil {
		rec.Stop()
		return pg, fmt.Errorf("loading the host page: %w", err)
	}
	seen, last := 0, time.Now()
	for time.Since(start) < pageMax && (time.Since(last) < pageQuiet) {
		select {
		case <-ctx.Done():
			rec.Stop()
			return pg, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if n := len(rec.Requests()); n != seen {
			seen, last = n, time.Now()
		}
	}
	reqs, err := rec.Stop()
	if err != nil {
		return pg, err
	}
	closeTab()
	srv.Close()
	mu.Lock()
	pg.tokens = slices.Clone(tokens)
	mu.Unlock()
	for _, r := range reqs {
		if r.URL == src || !backendCall(r.Type) {
			continue
		}
		pg.calls = append(pg.calls, r)
	}
	return pg, nil
}

// backendCall says whether a request of that resource type is the page's
// script calling its backend, not the page loading itself or its assets.
func backendCall(typ string) bool {
	switch typ {
	case "Document", "Stylesheet", "Image", "Media", "Font", "Script", "TextTrack", "Manifest", "SignedExchange", "Prefetch", "CSPViolationReport", "Preflight":
		return false
	}
	return true
}

// signFor signs an extension token for p, as the marketplace's SDK host
// hands out: 5 minutes, with the extension's secret.
func (w *world) signFor(e manifest.Extension, p *person) string {
	now := time.Now() // extension tokens use the wall clock, as the fake's do
	return jwt.Sign(jwt.Claims{UserID: p.ID, CompanyID: p.Company.ID, IssuedAt: now.Unix(), ExpiresAt: now.Add(marketplace.ExtensionTokenLifetime).Unix()}, w.run.app.Secret(e))
}

// missing says why the run has no browser to run pages in, and how to
// get one; empty when it has one.
func (b *Browser) missing() string {
	switch {
	case b == nil:
		return "the run was given no browser"
	case b.path == "":
		return b.why
	}
	return ""
}
