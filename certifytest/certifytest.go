// Package certifytest certifies a marketplace app from its own Go tests,
// in-process: Start runs appcert's fake Pipedrive marketplace and gives its
// URLs and an HTTP client; Certify plays it against the app (an
// http.Handler or a URL) and reports each rule as a subtest that fails with
// the finding's reason and the exchange that showed it.
//
// An app that has no base-URL setting, and calls https://oauth.pipedrive.com
// and https://<company>.pipedrive.com as it would in production, is
// certified unchanged in zero-change mode: RoutePipedrive installs httpmock
// responders that send those calls to the fake marketplace, on
// http.DefaultTransport or on the app's own client.
package certifytest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/appcert/appcert/certify"
	"github.com/appcert/appcert/certify/result"
	"github.com/appcert/appcert/internal/transport"
	"github.com/appcert/appcert/manifest"
)

// Pipedrive's hosts, as an app calls them in production.
const (
	// OAuthURL is Pipedrive's OAuth server: POST {OAuthURL}/oauth/token.
	OAuthURL = "https://oauth.pipedrive.com"
	// APIDomain is the api_domain token answers name in zero-change
	// mode: a company domain as Pipedrive gives one.
	APIDomain = "https://appcert-test.pipedrive.com"
)

// pipedriveHosts are the calls RoutePipedrive sends to the marketplace:
// oauth.pipedrive.com, api.pipedrive.com and every company's
// <name>.pipedrive.com.
var pipedriveHosts = regexp.MustCompile(`^https?://([a-z0-9-]+\.)*pipedrive\.com(:\d+)?(/|$)`)

// Options configure a marketplace.
type Options struct {
	// Deadline bounds every request sent to the app
	// (certify.DefaultDeadline when zero).
	Deadline time.Duration
	// Tags selects some rules' scenarios ("@PD-EXT-02"); all when empty.
	Tags string
	// Pipedrive makes token answers name APIDomain as api_domain, for an
	// app that reaches Pipedrive by its real host names (RoutePipedrive).
	Pipedrive bool
}

// Marketplace is a fake Pipedrive marketplace for one test.
type Marketplace struct {
	// URL is where the marketplace serves: OAuth at URL+"/oauth/token",
	// the API at URL+"/api/v1/..." (and "/api/v2/...").
	URL string
	// OAuthURL is the base URL an app posts /oauth/token to: URL, or
	// Pipedrive's own OAuthURL in Pipedrive mode.
	OAuthURL string
	// Client reaches the marketplace, by URL and, once RoutePipedrive ran
	// on it, by Pipedrive's host names.
	Client *http.Client

	o         Options
	ln        *handover
	early     *http.Server    // answers until Certify runs
	transport *http.Transport // to the marketplace itself, never mocked

	mu        sync.Mutex
	certified bool
	closers   []func()
}

// Start starts a marketplace for t, stopped when t ends (or by Close).
// It serves at once: until Certify, every call is answered 503 with an
// error saying the certification has not begun (there is no company,
// app or token yet), so that an app that calls it at start-up is not
// left waiting.
func Start(t testing.TB, o Options) *Marketplace {
	t.Helper()
	m, err := New(o)
	if err != nil {
		t.Fatalf("certifytest: %v", err)
	}
	t.Cleanup(m.Close)
	return m
}

// New starts a marketplace outside a test (an Example, a main); Close
// stops it.
func New(o Options) (*Marketplace, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the marketplace: %w", err)
	}
	m := &Marketplace{o: o, ln: newHandover(ln), URL: "http://" + ln.Addr().String(), transport: transport.New()}
	m.OAuthURL = m.URL
	if o.Pipedrive {
		m.OAuthURL = OAuthURL
	}
	m.Client = &http.Client{Transport: transport.New(), Timeout: 30 * time.Second}
	// Until Certify, the marketplace has no company, app or token to
	// answer with: an app or a test that calls it early is told so at
	// once rather than left waiting for a run that has not begun.
	m.early = &http.Server{Handler: http.HandlerFunc(notYet), ReadHeaderTimeout: 10 * time.Second}
	go m.early.Serve(m.ln.before())
	return m, nil
}

// notYet answers a call made before Certify, in the API's error shape.
func notYet(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusServiceUnavailable)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"success":   false,
		"error":     "certifytest: the marketplace answers once Certify (or Run) has started; " + r.Method + " " + r.URL.Path + " came before",
		"errorCode": http.StatusServiceUnavailable,
	})
}

// Close stops the marketplace and undoes RoutePipedrive. It is idempotent.
func (m *Marketplace) Close() {
	m.mu.Lock()
	closers := m.closers
	m.closers = nil
	m.mu.Unlock()
	for i := len(closers) - 1; i >= 0; i-- {
		closers[i]()
	}
	m.early.Close()
	m.ln.Close()
	m.transport.CloseIdleConnections()
	m.Client.CloseIdleConnections()
}

func (m *Marketplace) onClose(f func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closers = append(m.closers, f)
}

// RoutePipedrive sends client's calls to Pipedrive's hosts
// (oauth.pipedrive.com, api.pipedrive.com, *.pipedrive.com) to the
// marketplace, with httpmock responders; its other calls go out as
// before. A nil client means http.DefaultTransport, for an app that uses
// http.DefaultClient or a client without a transport of its own (such a
// test must not run in parallel with others that use it). Close undoes it.
// m.Client is routed too.
func (m *Marketplace) RoutePipedrive(client *http.Client) {
	mock := httpmock.NewMockTransport()
	for _, method := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		mock.RegisterRegexpResponder(method, pipedriveHosts, m.forward)
	}
	if client == nil {
		before := http.DefaultTransport
		mock.RegisterNoResponder(before.RoundTrip)
		http.DefaultTransport = mock
		m.onClose(func() { http.DefaultTransport = before })
	} else {
		before := client.Transport
		next := before
		if next == nil {
			next = http.DefaultTransport
		}
		mock.RegisterNoResponder(next.RoundTrip)
		client.Transport = mock
		m.onClose(func() { client.Transport = before })
	}
	if client != m.Client {
		m.Client.Transport = mock
	}
}

// forward sends a call made to a Pipedrive host to the marketplace, path,
// query, headers and body unchanged.
func (m *Marketplace) forward(req *http.Request) (*http.Response, error) {
	u := *req.URL
	base, _ := url.Parse(m.URL)
	u.Scheme, u.Host = base.Scheme, base.Host
	out := req.Clone(req.Context())
	out.URL, out.Host, out.RequestURI = &u, "", ""
	return m.transport.RoundTrip(out)
}

// Certify plays the marketplace against the app and reports every rule the
// run judged as a subtest of t named for it: a failed rule fails its
// subtest with each finding's reason and exchange, a skipped one with why
// the check could not run; a rule the manifest rules out is skipped.
//
// target is the app: an http.Handler (served on a loopback port for the
// run) or the base URL ("http://127.0.0.1:8080") where it already serves.
// The manifest's URLs are taken for their paths, on the target's host, so
// "/callback" will do; a link action's login_url is kept as written (the
// app's own page, which it names as it was configured) unless it is a
// path, and a redirect to its path on the target's host counts as the
// login too. A marketplace certifies once.
func (m *Marketplace) Certify(t *testing.T, app manifest.App, target any) *certify.Report {
	t.Helper()
	rep, err := m.Run(context.Background(), app, target)
	if err != nil {
		t.Fatalf("certifytest: %v", err)
	}
	Subtests(t, rep)
	return rep
}

// Run is Certify without a test: the report, or a *certify.SetupError
// when nothing could be checked.
func (m *Marketplace) Run(ctx context.Context, app manifest.App, target any) (*certify.Report, error) {
	m.mu.Lock()
	again := m.certified
	m.certified = true
	m.mu.Unlock()
	if again {
		return nil, fmt.Errorf("a marketplace certifies once; start another")
	}
	// What was answered early finishes; new connections go to the run.
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	_ = m.early.Shutdown(sctx)
	cancel()
	base, stop, err := serve(target)
	if err != nil {
		return nil, err
	}
	defer stop()
	if app, err = onHost(app, base); err != nil {
		return nil, err
	}
	o := certify.Options{Manifest: app, Listener: m.ln, Tags: m.o.Tags, Deadline: m.o.Deadline}
	if m.o.Pipedrive {
		o.APIDomain, o.OAuthURL = APIDomain, OAuthURL
	}
	return certify.Run(ctx, o)
}

// serve returns the target's base URL, serving a handler on a loopback
// port until stop.
func serve(target any) (base string, stop func(), err error) {
	switch x := target.(type) {
	case http.Handler:
		srv := httptest.NewServer(x)
		return srv.URL, srv.Close, nil
	case string:
		u, err := url.Parse(x)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return "", nil, fmt.Errorf("the app's URL %q is not an http(s) URL", x)
		}
		return u.Scheme + "://" + u.Host, func() {}, nil
	}
	return "", nil, fmt.Errorf("the app is a %T; want an http.Handler or its base URL", target)
}

// onHost moves the manifest's URLs to base, keeping their paths and
// queries; a login_url only when it is a bare path.
func onHost(app manifest.App, base string) (manifest.App, error) {
	b, _ := url.Parse(base)
	move := func(key, raw string) (string, error) {
		if raw == "" {
			return "", nil
		}
		u, err := url.Parse(raw)
		if err != nil {
			return "", fmt.Errorf("%s: %q is not a URL: %v", key, raw, err)
		}
		u.Scheme, u.Host = b.Scheme, b.Host
		return u.String(), nil
	}
	var err error
	if app.CallbackURL, err = move("callback_url", app.CallbackURL); err != nil {
		return app, err
	}
	if app.InstallationURL, err = move("installation_url", app.InstallationURL); err != nil {
		return app, err
	}
	exts := make([]manifest.Extension, len(app.Extensions))
	for i, e := range app.Extensions {
		key := fmt.Sprintf("extensions[%d]", i)
		if e.URL, err = move(key+".url", e.URL); err != nil {
			return app, err
		}
		// The login page is the app's own, where the app itself sends a
		// viewer: it is not told the port its handler is served on, so
		// its login_url stays as written unless it is a bare path.
		if u, perr := url.Parse(e.LoginURL); perr != nil || u.Host == "" {
			if e.LoginURL, err = move(key+".login_url", e.LoginURL); err != nil {
				return app, err
			}
		}
		exts[i] = e
	}
	app.Extensions = exts
	return app, nil
}

// Certify certifies an app that calls Pipedrive by its real host names
// through http.DefaultTransport, with no set-up: a marketplace in Pipedrive
// mode, RoutePipedrive(nil), then Marketplace.Certify. Not for parallel
// tests.
func Certify(t *testing.T, app manifest.App, target any) *certify.Report {
	t.Helper()
	m := Start(t, Options{Pipedrive: true})
	m.RoutePipedrive(nil)
	return m.Certify(t, app, target)
}

// Subtests reports rep as subtests of t, one per rule and, inside it, one
// per surface the rule was checked on ("PD-EXT-02/json_panel"): a failed
// surface fails with each finding's reason and exchange, a skipped one
// with why its check could not run; one not exercised, or a rule the
// manifest rules out, is skipped with the reason. A rule's subtest ends as
// the report's verdict of the rule: one NOT EXERCISED (a surface not
// exercised, the others passed) is skipped, not passed.
func Subtests(t *testing.T, rep *certify.Report) {
	t.Helper()
	for _, rr := range rep.Rules {
		t.Run(string(rr.ID), func(t *testing.T) {
			if rr.Verdict == certify.NotApplicable || len(rr.Surfaces) == 0 {
				t.Skipf("%s: %s", rr.Verdict, strings.Join(rr.Reasons, "; "))
			}
			for _, sr := range rr.Surfaces {
				t.Run(string(sr.Surface), func(t *testing.T) { surfaceSubtest(t, rr, sr) })
			}
			ruleSubtest(t, rr)
		})
	}
	if rep.Interrupted {
		t.Errorf("the run was interrupted: %s", rep.SummaryLine())
	}
}

// ruleSubtest ends a rule's subtest as the report's verdict of the rule,
// once its surfaces' subtests have run: Go would pass a test whose
// subtests passed or were skipped, whatever the rule's verdict.
func ruleSubtest(t *testing.T, rr certify.RuleResult) {
	var why []string
	for _, sr := range rr.Surfaces {
		if sr.Verdict == rr.Verdict {
			why = append(why, fmt.Sprintf("%s: %s", sr.Surface, certify.SurfaceWhy(sr)))
		}
	}
	why = append(why, rr.Reasons...)
	switch rr.Verdict {
	case certify.Fail, certify.Skip:
		if !t.Failed() {
			t.Errorf("%s: %s: %s", rr.Verdict, rr.Summary, strings.Join(why, "; "))
		}
	case certify.NotExercised:
		t.Skipf("%s: %s", rr.Verdict, strings.Join(why, "; "))
	}
}

func surfaceSubtest(t *testing.T, rr certify.RuleResult, sr result.SurfaceResult) {
	var findings []result.Finding
	for _, f := range rr.Findings {
		if f.Surface == sr.Surface || f.Surface == result.App || sr.Surface == result.App {
			findings = append(findings, f)
		}
	}
	reasons := certify.SurfaceWhy(sr)
	switch sr.Verdict {
	case certify.Pass:
		t.Logf("PASS: %s: %s", reasons, rr.Summary)
	case certify.Warn:
		for _, f := range findings {
			t.Logf("WARN: %s\n%s", rr.Summary, certify.FindingText(f, ""))
		}
	case certify.Fail:
		for _, f := range findings {
			t.Errorf("FAIL: %s\n%s", rr.Summary, certify.FindingText(f, ""))
		}
		if len(findings) == 0 {
			t.Errorf("FAIL: %s: %s", rr.Summary, reasons)
		}
	case certify.NotExercised, certify.NotApplicable:
		t.Skipf("%s: %s", sr.Verdict, reasons)
	default: // SKIP: a prerequisite failed, which fails the run
		t.Errorf("%s: %s: %s", sr.Verdict, rr.Summary, reasons)
	}
}
