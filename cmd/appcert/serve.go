package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/appcert/appcert/certify"
	"github.com/appcert/appcert/fakes/app"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/serve"
)

const serveUsage = `Usage: appcert serve --manifest app.yaml [--listen ADDRESS]
       appcert serve --demo [--fault NAME]...

Serves a local marketplace page for the app on loopback: companies and their
people (switch who you are), the install flow, Manage users, the apps dock,
status labels, uninstall, and the app's JSON panels and link actions as each
person sees them. The app's OAuth and API calls go to the same address, as
with certify. Beside the page: every request the app is sent and its answer,
with the rules it concerns, and what you did as a scenario for
'appcert features' (download it from the page).

--demo serves the bundled sample app, started in-process.
`

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("appcert serve", serveUsage, stdout, stderr)
	var (
		path, listen string
		demo         bool
		faults       faultFlags
	)
	fs.StringVar(&path, "manifest", "", "the app's manifest `file` (YAML or JSON)")
	fs.StringVar(&listen, "listen", certify.DefaultListen, "loopback `address` for the page and the marketplace the app calls")
	fs.BoolVar(&demo, "demo", false, "serve the bundled sample app, started in-process")
	fs.Var(&faults, "fault", faultUsage)
	pos, code, stop := fs.parse(args)
	if stop {
		return code
	}
	if faults.listed(stdout) {
		return exitOK
	}
	usageErr := fs.usageErr
	switch {
	case len(pos) > 0:
		return usageErr("unexpected argument %q", pos[0])
	case demo && path != "":
		return usageErr("--demo serves the sample app; drop --manifest")
	case !demo && path == "":
		return usageErr("--manifest is required (or --demo)")
	case !demo && len(faults) > 0:
		return usageErr("--fault breaks the sample app, so it needs --demo")
	}
	if err := loopback(listen); err != nil {
		return usageErr("%v", err)
	}
	cfg := serveConfig{Listen: listen, Demo: demo, Faults: faults}
	if !demo {
		m, err := manifest.Load(path)
		if err != nil {
			fmt.Fprintf(stderr, "appcert serve: %s: %v\n", path, err)
			return exitSetup
		}
		cfg.Manifest = m
	}
	s, err := startServe(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "appcert serve: %v\n", err)
		return exitSetup
	}
	defer s.Stop()
	fmt.Fprintf(stderr, "appcert serve: open %s in a browser (the app's OAuth base URL is the same address); Ctrl-C stops\n", s.URL)
	<-ctx.Done()
	return exitOK
}

// loopback refuses an address off this machine: the page acts as anyone
// in the cast, so nobody else may reach it.
func loopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--listen %q: %v", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--listen %q: the page serves on loopback only (127.0.0.1 or ::1)", addr)
	}
	return nil
}

// serveConfig says what startServe serves.
type serveConfig struct {
	Listen   string
	Manifest manifest.App
	Demo     bool
	Faults   []app.Fault
}

// served is a running `appcert serve`: the page and, with --demo, the
// sample app.
type served struct {
	URL    string
	Server *serve.Server
	stops  []func()
}

// Stop ends the page and the sample app, waiting for both.
func (s *served) Stop() {
	for i := len(s.stops) - 1; i >= 0; i-- {
		s.stops[i]()
	}
}

// serveOn serves h on ln until the returned stop is called.
func serveOn(ln net.Listener, h http.Handler) (stop func()) {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln) // ends with Close
	}()
	return func() { srv.Close(); <-done }
}

func startServe(c serveConfig) (*served, error) {
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return nil, fmt.Errorf("cannot serve on %s: %v (choose another address with --listen)", c.Listen, err)
	}
	base := "http://" + ln.Addr().String()
	s := &served{URL: base + "/"}
	m := c.Manifest
	if c.Demo {
		appLn, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			ln.Close()
			return nil, fmt.Errorf("cannot start the sample app: %v", err)
		}
		appURL := "http://" + appLn.Addr().String()
		a, err := app.New(app.Options{
			ClientID: certify.SampleClientID, ClientSecret: certify.SampleClientSecret,
			HTTPAuthUser: certify.SampleHTTPUser, HTTPAuthPassword: certify.SampleHTTPPassword,
			OAuthBaseURL: base, RedirectURI: appURL + "/callback", Faults: c.Faults,
		})
		if err != nil {
			ln.Close()
			appLn.Close()
			return nil, err
		}
		s.stops = append(s.stops, serveOn(appLn, a))
		m = certify.SampleManifest(appURL, a.Scopes())
	} else if err := reachable(m.CallbackURL); err != nil {
		ln.Close()
		return nil, err
	}
	srv, err := serve.New(serve.Options{Manifest: m})
	if err != nil {
		ln.Close()
		s.Stop()
		return nil, err
	}
	s.Server = srv
	s.stops = append(s.stops, srv.Close, serveOn(ln, srv))
	return s, nil
}

// reachable requires something to accept connections where the app's
// callback URL points: a page whose every click says "connection refused"
// helps nobody.
func reachable(callback string) error {
	u, err := url.Parse(callback)
	if err != nil {
		return err
	}
	host := u.Host
	if u.Port() == "" {
		host = net.JoinHostPort(u.Hostname(), map[string]string{"https": "443"}[u.Scheme]+map[string]string{"http": "80"}[u.Scheme])
	}
	conn, err := net.DialTimeout("tcp", host, 3*time.Second)
	if err != nil {
		return fmt.Errorf("the app is not running at %s (%v): start it first, with its OAuth base URL pointing at appcert serve's --listen address", callback, err)
	}
	return conn.Close()
}
