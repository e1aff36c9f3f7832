// Package app is a small third-party marketplace app that follows
// protocol.md: it authorizes users through OAuth, tracks the sharing state
// and uninstalls the marketplace sends to its callback URL, and serves a
// JSON panel and a link action for deals. Switchable faults each break one
// app rule, so that the harness can show every one of its checks failing.
//
// A manifest for it points callback_url at /callback, a json_panel
// extension (resource deal) at /panel, link actions (details and list
// view) at /action, a json_modal at /modal and a custom_ui_panel at
// /ui/panel, and asks for the scopes Scopes returns. The link action
// answers 200 with a small JSON body rather than redirecting.
package app

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Options configure an App.
type Options struct {
	ClientID, ClientSecret string
	// JWTSecret verifies extension request tokens; "" means ClientSecret.
	JWTSecret string
	// HTTPAuthUser and HTTPAuthPassword are the Basic auth credentials
	// extension requests must carry; both "" means none are expected.
	HTTPAuthUser, HTTPAuthPassword string
	// OAuthBaseURL is the marketplace: the app posts to {OAuthBaseURL}/oauth/token.
	OAuthBaseURL string
	// RedirectURI is the app's own callback URL, sent with the code
	// exchange; "" means http://{request host}/callback.
	RedirectURI string
	Faults      []Fault
	// SlowPanelDelay is how long FaultSlowPanel holds the panel and
	// FaultSlowModal the modal's opening; 0 means 11s.
	SlowPanelDelay time.Duration
	// Clock tells the time for JWT and access token expiry; nil means time.Now.
	Clock func() time.Time
	// HTTPClient makes the calls to the marketplace; nil means a client with
	// a 10s timeout.
	HTTPClient *http.Client
	// Budget bounds the marketplace calls one request to the app makes,
	// after which it answers with an error; 0 means DefaultBudget. Under
	// a marketplace with a longer deadline than Pipedrive's, it can wait
	// longer.
	Budget time.Duration
}

// DefaultBudget bounds the marketplace calls one request to the app makes,
// so that it answers within the marketplace's 10s deadline even when the
// API is slow.
const DefaultBudget = 8 * time.Second

// budget is Options.Budget, or DefaultBudget.
func (a *App) budget() time.Duration {
	if a.opts.Budget > 0 {
		return a.opts.Budget
	}
	return DefaultBudget
}

// App is the sample app. It is an http.Handler; its state lives in memory.
type App struct {
	opts   Options
	faults map[Fault]bool
	mux    *http.ServeMux
	client *http.Client
	now    func() time.Time

	mu sync.Mutex
	// users holds the authorizations the app learnt from code exchanges.
	users map[userKey]*authorization
	// shared holds the latest sharing callback per installing user.
	shared map[userKey]bool
	// sharingSeen marks installations whose first sharing callback has been
	// recorded; only FaultIgnoreSharingCallback reads it.
	sharingSeen map[userKey]bool
	// dealCache is keyed by deal ID alone; only FaultLeakOtherCompany uses
	// it, which is exactly the bug it stands for.
	dealCache map[int64]deal
	// states are the OAuth states the app issued at its Installation URL
	// and not yet seen back, with when each stops being accepted.
	states map[string]time.Time

	// refreshMu serializes token refreshes, so that two requests that both
	// meet an expired token do not spend the same refresh token twice.
	refreshMu sync.Mutex
}

// userKey names a user: user IDs are only meaningful within a company.
type userKey struct {
	CompanyID, UserID int64
}

// authorization is what the app keeps for a user who authorized it.
type authorization struct {
	AccessToken  string
	RefreshToken string
	Expiry       time.Time
	Scopes       []string
	APIDomain    string
	Name, Email  string
	IsAdmin      bool
}

// New returns an app for o, or an error naming what is wrong with o.
func New(o Options) (*App, error) {
	if o.ClientID == "" || o.ClientSecret == "" {
		return nil, errors.New("app: ClientID and ClientSecret are required")
	}
	u, err := url.Parse(o.OAuthBaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("app: OAuthBaseURL %q is not an http(s) URL", o.OAuthBaseURL)
	}
	a := &App{
		opts:        o,
		faults:      map[Fault]bool{},
		client:      o.HTTPClient,
		now:         o.Clock,
		users:       map[userKey]*authorization{},
		shared:      map[userKey]bool{},
		sharingSeen: map[userKey]bool{},
		dealCache:   map[int64]deal{},
		states:      map[string]time.Time{},
	}
	for _, f := range o.Faults {
		if _, err := ParseFault(string(f)); err != nil {
			return nil, fmt.Errorf("app: %w", err)
		}
		a.faults[f] = true
	}
	if a.client == nil {
		a.client = &http.Client{Timeout: 10 * time.Second}
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.opts.JWTSecret == "" {
		a.opts.JWTSecret = o.ClientSecret
	}
	if a.opts.SlowPanelDelay == 0 {
		a.opts.SlowPanelDelay = 11 * time.Second
	}
	a.mux = a.routes()
	return a, nil
}

func (a *App) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /install", a.handleInstall)
	m.HandleFunc("GET /callback", a.handleAuthorize)
	if !a.faults[FaultNoCallbackPost] {
		m.HandleFunc("POST /callback", a.handleSharing)
	}
	m.HandleFunc("DELETE /callback", a.handleUninstall)
	m.HandleFunc("GET /panel", a.handlePanel)
	m.HandleFunc("GET /action", a.handleAction)
	m.HandleFunc("GET /modal", a.handleModal)
	m.HandleFunc("POST /modal", a.handleModal)
	m.HandleFunc("GET /ui/panel", a.handleCustomUI)
	m.HandleFunc("GET /ui/sdk.js", a.serveSDK)
	m.HandleFunc("GET /ui/api/deals", a.handleCustomUIDeals)
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	return m
}

// ServeHTTP serves the app's routes: /install (the Installation URL),
// /callback (GET, POST, DELETE), /panel,
// /action (details and list views), /modal (GET opens, POST submits),
// /ui/panel (the Custom UI panel's page), /ui/sdk.js and /ui/api/deals (the
// SDK and the backend that page calls) and /healthz.
func (a *App) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mux.ServeHTTP(w, r)
}

// Scopes are the scopes the app asks for: the ones it uses, and under
// FaultUnusedScope one it never uses.
func (a *App) Scopes() []string {
	s := []string{"base", "deals:read"}
	if a.faults[FaultUnusedScope] {
		s = append(s, "contacts:read")
	}
	return s
}

// has reports whether fault f is switched on.
func (a *App) has(f Fault) bool { return a.faults[f] }

// basicAuthOK reports whether r carries Basic auth user:pass, comparing in
// constant time so the check leaks nothing about the secret.
func basicAuthOK(r *http.Request, user, pass string) bool {
	u, p, ok := r.BasicAuth()
	if !ok {
		return false
	}
	uOK := subtle.ConstantTimeCompare([]byte(u), []byte(user)) == 1
	pOK := subtle.ConstantTimeCompare([]byte(p), []byte(pass)) == 1
	return uOK && pOK
}
