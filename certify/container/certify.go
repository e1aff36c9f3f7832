package container

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/appcert/appcert/certify"
	"github.com/appcert/appcert/manifest"
)

// DefaultWaitTimeout is how long the app has to answer after its
// container starts.
const DefaultWaitTimeout = 60 * time.Second

// LogName is the app's log in the output folder.
const LogName = "container.log"

// Run is a certification of an app run from its container image.
type Run struct {
	Spec
	// EnvArgs are the --env arguments, "NAME=VALUE" with placeholders
	// (Env); they add to or override DefaultEnv.
	EnvArgs []string
	// WaitPath, when set, is the path on the callback URL's host that
	// answers once the app is ready; by default the callback URL itself.
	WaitPath string
	// WaitTimeout bounds the wait (DefaultWaitTimeout when zero).
	WaitTimeout time.Duration
	// OutDir receives LogName as the app writes it.
	OutDir string
	// Progress receives a line at each stage (build, start, ready).
	Progress io.Writer
}

// afterReady runs once the app answers; tests make it panic.
var afterReady = func() {}

// Certify starts the app's container as r says, waits until it answers and
// certifies it with o (o.Manifest describes the app, its URLs on
// 127.0.0.1). The container is stopped and removed before Certify returns
// or panics. Errors before any check ran are *certify.SetupError.
func Certify(ctx context.Context, o certify.Options, r Run) (*certify.Report, error) {
	app, err := manifest.Normalize(o.Manifest)
	if err != nil {
		return nil, &certify.SetupError{Err: err}
	}
	waitURL, err := readyURL(app.CallbackURL, r.WaitPath)
	if err != nil {
		return nil, &certify.SetupError{Err: err}
	}
	if r.WaitTimeout <= 0 {
		r.WaitTimeout = DefaultWaitTimeout
	}
	progress := r.Progress
	if progress == nil {
		progress = io.Discard
	}
	ln := o.Listener
	if ln == nil {
		addr := o.Listen
		if addr == "" {
			addr = certify.DefaultListen
		}
		if ln, err = certify.Listen(addr); err != nil {
			return nil, err
		}
		o.Listener = ln
	}
	closeLn := func() { ln.Close() }
	base := "http://" + ln.Addr().String()
	vars := Vars{ClientID: app.ClientID, ClientSecret: app.ClientSecret}
	if o.TLS {
		// The app trusts appcert's CA from the file mounted at CAPath.
		authority, err := certify.LoadCA(o.CADir)
		if err != nil {
			closeLn()
			return nil, &certify.SetupError{Err: err}
		}
		base = "https://" + ln.Addr().String()
		vars.CACert, r.CACert = CAPath, authority.CertPath()
	}
	vars.OAuthURL, vars.APIURL = base, base
	if r.Env, err = Env(vars, r.EnvArgs); err != nil {
		closeLn()
		return nil, &certify.SetupError{Err: err}
	}
	// Before anything is written or built.
	if err := r.Spec.Check(ctx); err != nil {
		closeLn()
		return nil, &certify.SetupError{Err: err}
	}
	if r.OutDir != "" {
		if err := os.MkdirAll(r.OutDir, 0o755); err != nil {
			closeLn()
			return nil, &certify.SetupError{Err: err}
		}
		f, err := os.Create(filepath.Join(r.OutDir, LogName))
		if err != nil {
			closeLn()
			return nil, &certify.SetupError{Err: err}
		}
		defer f.Close()
		r.LogFile = f
	}

	what := r.Image
	if r.BuildDir != "" {
		what = "an image built from " + r.BuildDir
		fmt.Fprintf(progress, "building the app's image from %s\n", filepath.Join(r.BuildDir, "Dockerfile"))
	}
	a, err := Start(ctx, r.Spec)
	if err != nil {
		closeLn()
		if ctx.Err() != nil {
			return nil, &certify.SetupError{Err: fmt.Errorf("cancelled while starting the app's container")}
		}
		return nil, &certify.SetupError{Err: err}
	}
	defer a.Stop() // also when a check panics: Ryuk is off, nothing else removes it
	fmt.Fprintf(progress, "started the app from %s (container %.12s, host network); waiting for %s\n", what, a.ID(), waitURL)
	if err := a.WaitReady(ctx, waitURL, r.WaitTimeout); err != nil {
		closeLn()
		if errors.Is(err, context.Canceled) || ctx.Err() != nil {
			return nil, &certify.SetupError{Err: fmt.Errorf("cancelled while waiting for the app to answer")}
		}
		return nil, &certify.SetupError{Err: err}
	}
	fmt.Fprintf(progress, "the app answers at %s\n", waitURL)
	afterReady()
	// Asked once the checks are over: by then the engine has every line,
	// stamped when the app wrote it (the stream appcert follows may lag
	// behind on a busy machine).
	var (
		once    sync.Once
		written *Log
	)
	o.AppLog = func(from, to time.Time) []string {
		once.Do(func() { written = a.WrittenLog() })
		var out []string
		for _, l := range written.Between(from, to, maxLogPerFinding) {
			out = append(out, l.String())
		}
		return out
	}
	return certify.Run(ctx, o)
}

// maxLogPerFinding caps the app log lines a finding carries.
const maxLogPerFinding = 50

// readyURL is the URL whose answer says the app is up.
func readyURL(callback, path string) (string, error) {
	if path == "" {
		return callback, nil
	}
	u, err := url.Parse(callback)
	if err != nil {
		return "", fmt.Errorf("callback_url %q: %v", callback, err)
	}
	p, err := url.Parse(path)
	if err != nil || p.IsAbs() || p.Host != "" || len(path) == 0 || path[0] != '/' {
		return "", fmt.Errorf("--wait-path %q: want a path starting with /", path)
	}
	u.Path, u.RawPath, u.RawQuery, u.Fragment = p.Path, p.RawPath, p.RawQuery, ""
	return u.String(), nil
}
