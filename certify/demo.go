package certify

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"slices"
	"time"

	"github.com/appcert/appcert/fakes/app"
	"github.com/appcert/appcert/internal/transport"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/reference"
)

// The sample app's credentials in the demo and in examples/sampleapp.yaml.
const (
	SampleClientID     = "sample-app"
	SampleClientSecret = "sample-secret"
	SampleHTTPUser     = "appcert"
	SampleHTTPPassword = "sample-http-pass"
)

// DemoOptions configures the sample app of a demo run.
type DemoOptions struct {
	// Faults switches faults of the sample app on (app.Faults lists them).
	Faults []app.Fault
	// SlowPanelDelay is how long the slow-panel and slow-modal faults hold
	// their answer (the sample app's 11 s when zero).
	SlowPanelDelay time.Duration
	// Kinds are the extensions the manifest declares, of the sample app's
	// (nil: all of them); Mode its sharing mode (empty: shared extensions).
	// Certifying the same app under other manifests shows which checks
	// each surface and mode brings.
	Kinds []reference.ExtensionKind
	Mode  reference.SharingMode
}

// SampleManifest is the sample app's manifest when it serves at appURL and
// asks for scopes: an Installation URL, the shared-extensions mode, specific users allowed, and
// on deals a JSON panel with its declared data_schema, link actions in the
// details and the list view and a JSON modal, all with Basic auth, and a
// Custom UI panel whose page calls its backend with the SDK's signed token.
func SampleManifest(appURL string, scopes []string) manifest.App {
	auth := manifest.BasicAuth{Username: SampleHTTPUser, Password: SampleHTTPPassword}
	panel := manifest.Extension{Type: manifest.JSONPanel, Name: "Deal summary", Resource: manifest.ResourceDeal, URL: appURL + "/panel", HTTPAuth: auth,
		DataSchema: SampleDataSchema}
	if s, err := manifest.CompileSchema(app.PanelDataSchema); err == nil { // the app's own schema compiles (a test says so)
		s.Path = SampleDataSchema
		panel.Declared = s
	}
	return manifest.App{
		Name:               "Sample app",
		ClientID:           SampleClientID,
		ClientSecret:       SampleClientSecret,
		CallbackURL:        appURL + "/callback",
		InstallationURL:    appURL + "/install",
		SharingMode:        reference.ModeSharedExtensions,
		AllowSpecificUsers: true,
		Scopes:             scopes,
		Extensions: []manifest.Extension{
			panel,
			{Type: manifest.LinkAction, Name: "Open in the sample app", Resource: manifest.ResourceDeal, View: manifest.ViewDetails, URL: appURL + "/action", HTTPAuth: auth},
			{Type: manifest.LinkAction, Name: "Open the selected deals", Resource: manifest.ResourceDeal, View: manifest.ViewList, URL: appURL + "/action", HTTPAuth: auth},
			{Type: manifest.JSONModal, Name: "Create a task", Resource: manifest.ResourceDeal, View: manifest.ViewDetails, URL: appURL + "/modal", HTTPAuth: auth},
			// A Custom UI page is loaded by the browser, which sends no Basic
			// auth: its signed token is its credential, as on Pipedrive.
			{Type: manifest.CustomUIPanel, Name: "Deal notes", Resource: manifest.ResourceDeal, URL: appURL + "/ui/panel"},
		},
	}
}

// Manifest is the sample app's manifest (SampleManifest) narrowed to d's
// kinds and mode.
func (d DemoOptions) Manifest(appURL string, scopes []string) manifest.App {
	m := SampleManifest(appURL, scopes)
	if d.Kinds != nil {
		m.Extensions = slices.DeleteFunc(m.Extensions, func(e manifest.Extension) bool { return !slices.Contains(d.Kinds, e.Type) })
	}
	if d.Mode != "" {
		m.SharingMode = d.Mode
	}
	return m
}

// SampleDataSchema is where examples/sampleapp.yaml finds the sample
// panel's declared data structure, relative to the manifest.
const SampleDataSchema = "../fakes/app/deal-summary.json"

// Demo starts the sample app on a loopback port of its own, with d's
// faults, and certifies it. The marketplace listens on o.Listen, or on a
// port of its own when that is empty, so a demo never clashes with a
// running appcert.
func Demo(ctx context.Context, o Options, d DemoOptions) (*Report, error) {
	ln := o.Listener
	if ln == nil {
		addr := o.Listen
		if addr == "" {
			addr = "127.0.0.1:0"
		}
		var err error
		if ln, err = listen(addr); err != nil {
			return nil, err
		}
	}
	appLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		ln.Close()
		return nil, setupf("cannot start the sample app: %v", err)
	}
	appURL := "http://" + appLn.Addr().String()
	// The app's own client, so its idle connections end with the demo. The
	// app answers within the run's deadline, as a real one does within
	// Pipedrive's 10 s: its calls get four fifths of it.
	deadline := o.Deadline
	if deadline <= 0 {
		deadline = DefaultDeadline
	}
	tr := transport.New()
	client := &http.Client{Transport: tr, Timeout: max(10*time.Second, deadline)}
	defer client.CloseIdleConnections()
	market := "http://" + ln.Addr().String()
	if o.TLS {
		// The sample app trusts appcert's CA, as an app is told to.
		authority, err := LoadCA(o.CADir)
		if err != nil {
			ln.Close()
			appLn.Close()
			return nil, &SetupError{err}
		}
		roots, _ := authority.Pool()
		tr.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
		market = "https://" + ln.Addr().String()
	}
	a, err := app.New(app.Options{
		ClientID: SampleClientID, ClientSecret: SampleClientSecret,
		HTTPAuthUser: SampleHTTPUser, HTTPAuthPassword: SampleHTTPPassword,
		OAuthBaseURL: market, RedirectURI: appURL + "/callback",
		Faults: d.Faults, SlowPanelDelay: d.SlowPanelDelay, HTTPClient: client,
		Budget: deadline * 4 / 5,
	})
	if err != nil {
		ln.Close()
		appLn.Close()
		return nil, &SetupError{err}
	}
	srv := &http.Server{Handler: a, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(appLn) // ends with Close below
	}()
	defer func() {
		srv.Close() // a held slow panel ends with its connection
		<-served
	}()
	m := d.Manifest(appURL, a.Scopes())
	o.Listener, o.Manifest = ln, m
	return Run(ctx, o)
}
