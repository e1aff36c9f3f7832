package browser

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Request is one request a page sent, as the browser sent it: what a
// replay needs to send it again with other credentials.
type Request struct {
	// Type is what the page loaded it as (Document, Script, Fetch, XHR…,
	// the DevTools protocol's resource types).
	Type   string
	Method string
	URL    string
	Header map[string]string
	Body   []byte
}

// Recording collects the requests the pages of a tab send to one origin
// (scheme, host and port), iframes included: the calls a Custom UI page
// makes to the app's own backend.
type Recording struct {
	origin string
	cancel context.CancelFunc
	done   chan struct{}

	mu   sync.Mutex
	reqs []Request
	err  error
}

// Record starts recording the requests that ctx's tab sends to origin.
// Stop ends it and returns them.
func Record(ctx context.Context, origin string) (*Recording, error) {
	u, err := url.Parse(origin)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("browser: origin %q is not scheme://host[:port]", origin)
	}
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		return nil, fmt.Errorf("browser: enabling network events: %w", err)
	}
	rctx, cancel := context.WithCancel(ctx)
	r := &Recording{origin: u.Scheme + "://" + u.Host, cancel: cancel, done: make(chan struct{})}
	events := chromedp.Events(rctx, network.RequestWillBeSent) // subscribed now: nothing sent from here on is missed
	go func() {
		defer close(r.done)
		for ev, err := range events {
			if err != nil {
				if rctx.Err() == nil {
					r.mu.Lock()
					r.err = err
					r.mu.Unlock()
				}
				return
			}
			if req := ev.Request; req != nil && sameOrigin(req.URL, r.origin) {
				r.add(string(ev.Type), req)
			}
		}
	}()
	return r, nil
}

func sameOrigin(raw, origin string) bool {
	u, err := url.Parse(raw)
	return err == nil && u.Scheme+"://"+u.Host == origin
}

func (r *Recording) add(typ string, req *network.Request) {
	h := map[string]string{}
	for k, v := range req.Headers {
		h[k] = fmt.Sprint(v)
	}
	var body []byte
	for _, e := range req.PostDataEntries {
		body = append(body, e.Bytes...)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, Request{Type: typ, Method: req.Method, URL: req.URL + req.URLFragment, Header: h, Body: body})
}

// Requests returns what was recorded so far, in the order it was sent.
func (r *Recording) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.reqs...)
}

// Stop ends the recording and returns the requests, or why events
// stopped coming before it was asked to stop.
func (r *Recording) Stop() ([]Request, error) {
	r.cancel()
	<-r.done
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.reqs...), r.err
}

// String is the request in one line, headers sorted, for evidence.
func (q Request) String() string {
	keys := make([]string, 0, len(q.Header))
	for k := range q.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", q.Method, q.URL)
	for _, k := range keys {
		fmt.Fprintf(&b, "; %s: %s", k, q.Header[k])
	}
	if len(q.Body) > 0 {
		fmt.Fprintf(&b, "; body %s", q.Body)
	}
	return b.String()
}
