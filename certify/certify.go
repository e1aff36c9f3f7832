// Package certify plays the marketplace against a running app and says,
// rule by rule, where the app breaks the documented behaviour: the app
// certification suite (certify/suite/features) run with godog, through one fake
// marketplace served on a socket, with each scenario's story decided by
// the reference model.
//
// Run is the whole of `appcert certify`; Demo runs it against the sample
// app of fakes/app, started in-process.
package certify

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cucumber/godog"

	"github.com/appcert/appcert/certify/result"
	"github.com/appcert/appcert/certify/suite"
	"github.com/appcert/appcert/fakes/marketplace"
	"github.com/appcert/appcert/internal/browser"
	"github.com/appcert/appcert/internal/ca"
	"github.com/appcert/appcert/internal/cleanup"
	cucumberreport "github.com/appcert/appcert/internal/cucumber"
	"github.com/appcert/appcert/internal/tagexpr"
	"github.com/appcert/appcert/internal/transport"
	"github.com/appcert/appcert/manifest"
)

// DefaultListen is where the marketplace listens unless told otherwise:
// the app under test is pointed at it as its OAuth server.
const DefaultListen = "127.0.0.1:7480"

// DefaultDeadline is the time the app has to answer each request
// (PD-EXT-03).
const DefaultDeadline = 10 * time.Second

// Options configures a certification run.
type Options struct {
	// Manifest is the app's manifest; Run checks it first.
	Manifest manifest.App
	// Listen is the marketplace's address (DefaultListen when empty).
	Listen string
	// Listener, when set, is used instead of listening on Listen; Run
	// closes it.
	Listener net.Listener
	// Tags is a godog tag expression selecting scenarios ("@PD-EXT-02").
	Tags string
	// Deadline bounds every request sent to the app (DefaultDeadline when
	// zero). Tests shorten it; the command line can't.
	Deadline time.Duration
	// MaxBody caps what is read of each answer (1 MiB when zero).
	MaxBody int64
	// TLS serves the marketplace over HTTPS with a certificate from
	// appcert's own CA, which is created in CADir (ca.DefaultDir when
	// empty) the first time and reused.
	TLS   bool
	CADir string
	// AppCAs are PEM files of CAs the app's own https URLs are verified
	// against, besides the system roots (--app-ca).
	AppCAs []string
	// APIDomain is the api_domain token answers name (by default the
	// marketplace's own URL): certifytest's zero-change mode names a
	// Pipedrive host there, which its responders route back.
	APIDomain string
	// OAuthURL is where the app reaches the marketplace's OAuth server
	// when not at its own URL (certifytest's zero-change mode: Pipedrive's
	// own host, routed back); an Installation URL may send the browser
	// there.
	OAuthURL string
	// RateLimit is each access token's burst budget per 2 s window
	// (marketplace.DefaultRateLimit when zero).
	RateLimit int
	// Concurrency is how many scenarios run at once (32 when zero). The
	// app is one process; every scenario has its own companies and users.
	Concurrency int
	// TestingT, when set, runs each scenario as a subtest of it.
	TestingT *testing.T
	// Progress, when set, gets a line per finished scenario and, when
	// nothing finished for a few seconds, what the run still waits for.
	Progress io.Writer
	// AppLog, when set, returns what the app wrote from one time to
	// another; each failed exchange's finding gets the lines from its
	// time (see AttachAppLog).
	AppLog func(from, to time.Time) []string
	// Chromium is the Chromium the browser checks run Custom UI pages in
	// (--chromium); empty: one on PATH or at /usr/bin/chromium, if any.
	// NoBrowser turns the browser checks off (--browser=false). Without a
	// browser they are NOT EXERCISED, saying how to get one.
	Chromium  string
	NoBrowser bool
	// Browser, when set, is a browser of the caller's that the run's
	// pages run in instead (Chromium and NoBrowser are then not read);
	// the caller closes it, so many runs can share one Chromium.
	Browser *suite.Browser
}

// SetupError is a problem found before any check ran: a bad manifest or
// tag expression, a port in use, an app that is not running. Nothing is
// reported for it.
type SetupError struct{ Err error }

func (e *SetupError) Error() string { return e.Err.Error() }
func (e *SetupError) Unwrap() error { return e.Err }

func setupf(format string, args ...any) error {
	return &SetupError{fmt.Errorf(format, args...)}
}

// Run certifies the app the manifest describes. The error is a
// *SetupError when nothing could be checked; otherwise the Report says
// what was found, also when ctx was cancelled part way (Interrupted).
func Run(ctx context.Context, o Options) (*Report, error) {
	start := time.Now()
	ln := o.Listener
	closeListener := func() {
		if ln != nil {
			ln.Close()
		}
	}
	app, err := manifest.Normalize(o.Manifest)
	if err != nil {
		closeListener()
		return nil, &SetupError{err}
	}
	if err := tagexpr.Validate(o.Tags); err != nil {
		closeListener()
		return nil, &SetupError{err}
	}
	if o.Deadline <= 0 {
		o.Deadline = DefaultDeadline
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 32
	}
	selected, err := selectScenarios(o.Tags)
	if err != nil {
		closeListener()
		return nil, err
	}

	tlsConf, roots, err := trust(o)
	if err != nil {
		closeListener()
		return nil, err
	}
	if ln == nil {
		addr := o.Listen
		if addr == "" {
			addr = DefaultListen
		}
		if ln, err = listen(addr); err != nil {
			return nil, err
		}
	}
	base := "http://" + ln.Addr().String()
	if tlsConf != nil {
		ln = tls.NewListener(ln, tlsConf)
		base = "https://" + ln.Addr().String()
	}
	tr := transport.New()
	tr.MaxIdleConnsPerHost = o.Concurrency
	if roots != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	}
	client := &http.Client{Transport: tr}
	defer client.CloseIdleConnections()
	// The suite's run hears of every uninstall the app causes; it exists
	// only once the marketplace does.
	var heard atomic.Pointer[suite.Run]
	m := marketplace.New(marketplace.Options{Deadline: o.Deadline, MaxBody: o.MaxBody, HTTPClient: client, RateLimit: o.RateLimit, APIDomain: o.APIDomain, OAuthURL: o.OAuthURL,
		OnUninstall: func(app string, company, user int64) {
			if r := heard.Load(); r != nil {
				r.Uninstalled(app, company, user)
			}
		}})
	defer m.Close()
	m.SetURL(base)
	srv := &http.Server{Handler: m, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ln) // ends with Close below
	}()
	defer func() {
		srv.Close() // the app's calls are over once the checks are
		<-served
	}()

	if err := m.AddApp(app); err != nil {
		return nil, &SetupError{err}
	}
	if err := probe(ctx, client, app, o.Deadline); err != nil {
		return nil, err
	}

	run, err := suite.NewRun(m, app)
	if err != nil {
		return nil, err
	}
	heard.Store(run)
	b := o.Browser
	if b == nil {
		if b, err = pageBrowser(o); err != nil {
			return nil, err
		}
		defer b.Close()
	}
	run.UseBrowser(b)
	cucumber, err := runSuite(ctx, o, run, selected)
	if err != nil {
		return nil, err
	}
	scenarios := run.Scenarios()
	rep := newReport(app, run.Redactor().Redact(base), o, scenarios, selected)
	// A report godog left unfinished (a cancelled run) is kept as it is:
	// the skip reasons never cost the rest of the reports.
	if withReasons, err := cucumberreport.AddSkipReasons(cucumber, skipReasons(scenarios)); err == nil {
		cucumber = withReasons
	}
	rep.Cucumber = []byte(run.Redactor().Redact(string(cucumber)))
	rep.Interrupted = ctx.Err() != nil
	rep.Started, rep.Duration = start, time.Since(start)
	if o.AppLog != nil {
		rep.AttachAppLog(func(from, to time.Time) []string {
			lines := o.AppLog(from, to)
			for i := range lines {
				lines[i] = run.Redactor().Redact(lines[i])
			}
			return lines
		})
	}
	if rep.JUnit, err = rep.junit(); err != nil {
		return nil, err
	}
	return rep, nil
}

// pageBrowser is the browser the browser checks run pages in: o.Chromium,
// which must exist, or the one found; none, and why, when none is found
// or o.NoBrowser says so.
func pageBrowser(o Options) (*suite.Browser, error) {
	if o.NoBrowser {
		return suite.NewBrowser("", "they were switched off (--browser=false)"), nil
	}
	path, err := browser.Find(o.Chromium)
	if err != nil && o.Chromium != "" {
		return nil, setupf("--chromium: %v", err)
	}
	if err != nil {
		return suite.NewBrowser("", err.Error()+" with --chromium PATH"), nil
	}
	return suite.NewBrowser(path, ""), nil
}

// trust loads what HTTPS needs: with o.TLS the CA and the marketplace's
// server configuration; and the roots the app's https URLs (and, with
// o.TLS, the marketplace itself, which the browser the harness plays
// visits) are verified against. Both are nil for plain HTTP without
// --app-ca.
func trust(o Options) (*tls.Config, *x509.CertPool, error) {
	if !o.TLS && len(o.AppCAs) == 0 {
		return nil, nil, nil
	}
	var authority *ca.CA
	var conf *tls.Config
	if o.TLS {
		var err error
		if authority, err = LoadCA(o.CADir); err != nil {
			return nil, nil, &SetupError{err}
		}
		if conf, err = authority.ServerConfig(); err != nil {
			return nil, nil, setupf("issuing the marketplace's certificate: %v", err)
		}
	}
	roots, err := authority.Pool(o.AppCAs...)
	if err != nil {
		return nil, nil, &SetupError{err}
	}
	return conf, roots, nil
}

// LoadCA loads appcert's CA from dir, or from ca.DefaultDir when dir is
// empty, creating it there the first time.
func LoadCA(dir string) (*ca.CA, error) {
	if dir == "" {
		d, err := ca.DefaultDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	return ca.Load(dir)
}

// Listen opens a socket for the marketplace as Run does, for a caller that
// must know its address before the app starts (Options.Listener).
func Listen(addr string) (net.Listener, error) { return listen(addr) }

// listen opens the marketplace's socket; a port in use is a setup error
// that says what to do.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, setupf("cannot serve the marketplace on %s: the address is in use (another appcert or app?); choose another with --listen and point the app's OAuth base URL at it", addr)
	}
	return nil, setupf("cannot serve the marketplace on %s: %v", addr, err)
}

// skipReasons says why a scenario's steps stopped when none failed: its
// checks were all settled, and the steps after could not change them.
func skipReasons(ss []result.Scenario) cucumberreport.Reasons {
	by := scenariosByCucumber(ss)
	return func(k cucumberreport.Scenario) string {
		s, ok := by[k]
		if !ok {
			return ""
		}
		var checks []string
		// The checks a step settled first: theirs is the reason the
		// scenario stopped; those left open were settled at its end.
		ordered := slices.Clone(s.Checks)
		slices.SortStableFunc(ordered, func(a, b result.SubCheck) int { return boolRank(a.Step == "") - boolRank(b.Step == "") })
		for _, c := range ordered {
			line := fmt.Sprintf("%s %s on %s", s.Rule, c.Verdict, c.Surface)
			if c.Reason != "" {
				line += ": " + c.Reason
			}
			checks = append(checks, line)
		}
		return "every check of the scenario was settled by this step or one before it, so it could not change them: " + strings.Join(checks, "; ")
	}
}

// scenariosByCucumber finds each scenario by how cucumber.json names it.
func scenariosByCucumber(ss []result.Scenario) map[cucumberreport.Scenario]result.Scenario {
	by := map[cucumberreport.Scenario]result.Scenario{}
	rows := map[cucumberreport.Scenario]int{}
	for _, s := range ss {
		k := cucumberreport.Scenario{URI: s.URI, Name: s.Name}
		n := rows[k]
		rows[k]++
		k.Nth = n
		by[k] = s
	}
	return by
}

// selectScenarios counts the scenarios the tags select: none is a setup
// error, not an empty pass.
func selectScenarios(tags string) (int, error) {
	gopts := godog.Options{Tags: tags, FS: suite.Features, Paths: []string{suite.Root}}
	feats, err := godog.TestSuite{Options: &gopts}.RetrieveFeatures()
	if err != nil {
		return 0, setupf("reading the certification suite: %v", err)
	}
	n := 0
	for _, f := range feats {
		n += len(f.Pickles)
	}
	if n == 0 {
		return 0, setupf("no certification scenario matches the tags %q", tags)
	}
	return n, nil
}

// probe requires every URL of the manifest to answer an HTTP request at
// all. Only a refused or failed connection is a setup error; an app that
// takes too long is there, and its checks fail with the reason.
func probe(ctx context.Context, client *http.Client, app manifest.App, deadline time.Duration) error {
	urls := []string{app.CallbackURL}
	for _, e := range app.Extensions {
		if !slices.Contains(urls, e.URL) {
			urls = append(urls, e.URL)
		}
	}
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	errs := make([]error, len(urls))
	var wg sync.WaitGroup
	for i, u := range urls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pctx, cancel := context.WithTimeout(ctx, deadline)
			defer cancel()
			req, err := http.NewRequestWithContext(pctx, http.MethodGet, u, nil)
			if err != nil {
				errs[i] = setupf("app unreachable at %s: %v", u, err)
				return
			}
			resp, err := c.Do(req)
			if err == nil {
				_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
				resp.Body.Close()
				return
			}
			if pctx.Err() != nil {
				return // connected, or still trying, at the deadline: the checks will tell
			}
			errs[i] = setupf("app unreachable at %s: %v: is it running?", u, shortError(err))
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		return setupf("cancelled while checking that the app is reachable")
	}
	var bad []error
	for _, err := range errs {
		if err != nil {
			bad = append(bad, err)
		}
	}
	switch len(bad) {
	case 0:
		return nil
	case 1:
		return bad[0]
	}
	return setupf("%v (and %d more URLs of the manifest)", bad[0], len(bad)-1)
}

// shortError drops the request line url.Error repeats.
func shortError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// runSuite runs the selected scenarios with godog, strictly and
// concurrently, and returns its Cucumber JSON report.
func runSuite(ctx context.Context, o Options, run *suite.Run, selected int) (cucumber []byte, err error) {
	dir, err := os.MkdirTemp("", "appcert-certify-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	defer cleanup.Register(func() { os.RemoveAll(dir) })()
	cpath := filepath.Join(dir, "cucumber.json")
	gopts := godog.Options{
		Strict:      true,
		Tags:        o.Tags,
		Concurrency: o.Concurrency,
		// godog's no-colour writer makes a system call per character; the
		// file formats write no colours, so its pass-through writer is used.
		NoColors:       false,
		Output:         io.Discard,
		Format:         "cucumber:" + cpath,
		FS:             suite.Features,
		Paths:          []string{suite.Root},
		DefaultContext: ctx,
		TestingT:       o.TestingT,
	}
	initialize := run.InitializeScenario
	if o.Progress != nil {
		p := newProgress(o.Progress, selected)
		wctx, stop := context.WithCancel(ctx)
		watched := make(chan struct{})
		go func() {
			defer close(watched)
			p.watch(wctx)
		}()
		defer func() { // no line after the run
			stop()
			<-watched
		}()
		initialize = func(sc *godog.ScenarioContext) {
			run.InitializeScenario(sc)
			p.hook(sc)
		}
	}
	godog.TestSuite{Name: "appcert certify", ScenarioInitializer: initialize, Options: &gopts}.Run()
	if cucumber, err = os.ReadFile(cpath); err != nil {
		return nil, fmt.Errorf("the Cucumber report: %w", err)
	}
	return cucumber, nil
}
