// Package marketplace is a fake Pipedrive marketplace for certifying a
// third-party app (protocol.md), in-process from the app's own Go tests or
// behind appcert certify.
//
// A Marketplace is the server: its state (companies and users, seeded
// with records; apps, by manifest; codes and tokens), its http.Handler
// and where it is served (SetURL, URL). It has three sides:
//
//   - the server side, ServeHTTP: what the marketplace serves to apps,
//     the OAuth authorize, token and revoke endpoints and the REST API
//     with scope enforcement and seeded records, recording every call
//     (Calls);
//   - the client side, the Send methods and Authorize: what the marketplace
//     sends the app (authorization redirects, sharing callbacks,
//     uninstalls, extension requests), genuine or forged on purpose. A
//     Send method takes the app's client ID and a request struct
//     (PanelRequest, SharingRequest, UninstallRequest, ...) and returns the
//     Exchange: the request as sent and the app's answer;
//   - the judges, which turn an Exchange and what the caller expects
//     (Expectation) into findings, each naming the rule of rules.md it is
//     about. Judges that need nothing but the exchange are functions
//     (JudgeSharing, JudgeUninstall, JudgeRefresh); the others are methods,
//     since they read the marketplace's state (the app's manifest, the
//     codes exchanged, the seeded records).
//
// Codes and access tokens expire on Options.Clock; a Clock is one a test
// moves. The handler serves in-process (httptest.NewServer(m)) or on a
// socket. Who is entitled to what is decided elsewhere (the reference
// model): the caller says what it expects.
package marketplace

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/appcert/appcert/internal/transport"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/reference/scopes"
)

// Lifetimes of the OAuth credentials (PD-OAUTH-01).
const (
	CodeLifetime         = 5 * time.Minute
	AccessTokenLifetime  = 60 * time.Minute
	RefreshTokenIdleLife = 60 * 24 * time.Hour
	// ExtensionTokenLifetime is the exp-iat of an extension request token.
	ExtensionTokenLifetime = 300 * time.Second
)

// Options configures a Marketplace; the zero value is usable.
type Options struct {
	// Clock governs codes and access tokens only (default time.Now);
	// extension request tokens are signed on the wall clock.
	Clock func() time.Time
	// APIDomain is what the token answer names as api_domain. Empty: the
	// scheme and host the token request came to, which is right whenever
	// the app reaches the API where it reaches the token endpoint.
	APIDomain string
	// OAuthURL is where apps reach the marketplace's OAuth server when not
	// at its own URL: Pipedrive's https://oauth.pipedrive.com, routed back
	// to it by the caller. The harness's browser takes a redirect to
	// {OAuthURL}/oauth/authorize as one to the marketplace.
	OAuthURL string
	// Deadline bounds every request sent to the app (default 10s, PD-EXT-03).
	Deadline time.Duration
	// MaxBody caps what is read of an answer, and of a request body the
	// server reads (default 1 MiB).
	MaxBody int64
	// HTTPClient sends the requests to the app (default: a client of its
	// own). Redirects are never followed whichever client is used.
	HTTPClient *http.Client
	// RateLimit is each access token's burst budget per RateWindow
	// (DefaultRateLimit when zero).
	RateLimit int
	// OnUninstall, when set, hears of every uninstall the app itself
	// causes by revoking a refresh token (app-uninstallation), so that the
	// caller's model of the marketplace follows. It is called before the
	// revoke request is answered, without the marketplace's lock.
	OnUninstall func(clientID string, companyID, userID int64)
}

// Company is a Pipedrive company account.
type Company struct {
	ID   int64
	Name string
}

// User is a user of a company.
type User struct {
	ID        int64
	CompanyID int64
	Name      string
	Email     string
	Admin     bool
}

// Call is one request the app made to the marketplace: an API call, or a
// token or revoke request (Template "/oauth/token", "/oauth/revoke").
type Call struct {
	App       string // client_id, empty when the credentials named none
	UserID    int64  // 0 when no token or grant named one
	CompanyID int64
	Method    string
	Path      string
	Template  string // catalogue template, empty for an unknown endpoint
	Scope     string // the granting scope, for a call the scopes allow
	Grant     string // grant_type of a token request
	Version   int    // API version of an API call: 1 (/api/v1/, /v1/) or 2 (/api/v2/)
	Status    int
	At        time.Time // on the marketplace's clock
	// Uninstalled: a revoke request that ended the installation (the
	// refresh token).
	Uninstalled bool
	// Early: an API call made before the reset a 429 to the same token
	// named (PD-API-03); it is answered 429 again.
	Early bool
	// Refusal is the OAuth error a refused token request got
	// ("invalid_client: unknown client or wrong client secret …").
	Refusal string
	// Revoked: the call presented a token a genuine uninstall ended.
	Revoked bool
}

// Marketplace is the fake marketplace. It is safe for concurrent use; it
// never holds its lock while talking to the app, since the app calls back
// (an authorization redirect makes the app call the token endpoint).
type Marketplace struct {
	clock       func() time.Time
	deadline    time.Duration
	maxBody     int64
	client      *http.Client
	rateLimit   int
	onUninstall func(clientID string, companyID, userID int64)
	epoch       time.Time // the rate limiter's monotonic zero

	urlMu     sync.RWMutex
	apiDomain string
	oauthURL  string // Options.OAuthURL
	url       string // where the marketplace is served, once known (SetURL)

	mu        sync.Mutex
	companies map[int64]Company
	users     map[int64]User
	apps      map[string]*app
	codes     map[string]*code
	access    map[string]*accessToken
	refresh   map[string]*refreshToken
	sessions  map[string]session // the harness's browser sessions, by cookie
	// revoked are the tokens a genuine uninstall ended, kept so that a
	// call that still presents one is put down to its app and user.
	revoked map[string]grant
	calls   []Call
}

type app struct {
	m       manifest.App
	granted scopes.Set
	issued  []issuedSecret // every access and refresh token ever issued, revoked or not
}

// secret is something an answer must never carry, and what it is.
type issuedSecret struct {
	value, kind string
	token       bool // an access or refresh token, rather than a secret of the manifest
}

// session is the harness's browser signed in to the marketplace as a user,
// approving or denying what it is asked.
type session struct {
	userID, companyID int64
	deny              bool
}

// sessionCookie names the harness browser's session at the marketplace.
const sessionCookie = "appcert_session"

type grant struct {
	app       string
	userID    int64
	companyID int64
	scopes    scopes.Set
}

type code struct {
	grant
	issued   time.Time
	used     bool
	redeemed bool // exchanged successfully
}

type accessToken struct {
	grant
	expires time.Time
	window  *window // the token's rate limit
}

type refreshToken struct {
	grant
	lastUsed time.Time
}

// New returns an empty marketplace: add companies, users and apps.
func New(o Options) *Marketplace {
	m := &Marketplace{
		clock: o.Clock, apiDomain: o.APIDomain, oauthURL: strings.TrimSuffix(o.OAuthURL, "/"), deadline: o.Deadline, maxBody: o.MaxBody,
		rateLimit: o.RateLimit, onUninstall: o.OnUninstall, epoch: time.Now(),
		companies: map[int64]Company{}, users: map[int64]User{}, apps: map[string]*app{},
		codes: map[string]*code{}, access: map[string]*accessToken{}, refresh: map[string]*refreshToken{},
		sessions: map[string]session{}, revoked: map[string]grant{},
	}
	if m.rateLimit <= 0 {
		m.rateLimit = DefaultRateLimit
	}
	if m.clock == nil {
		m.clock = time.Now
	}
	if m.deadline <= 0 {
		m.deadline = 10 * time.Second
	}
	if m.maxBody <= 0 {
		m.maxBody = 1 << 20
	}
	if o.HTTPClient != nil {
		c := *o.HTTPClient // a copy: the caller's client keeps its own redirect policy
		m.client = &c
	} else {
		m.client = &http.Client{Transport: transport.New()}
	}
	// A redirect is the app's answer, not an instruction: following it
	// could loop, or leave the app.
	m.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return m
}

// SetURL says where the marketplace is served ("https://127.0.0.1:7480"):
// the harness's browser follows an app's redirect to /oauth/authorize only
// there, and, unless Options.APIDomain set one, token answers name it as
// api_domain.
func (m *Marketplace) SetURL(u string) {
	m.urlMu.Lock()
	defer m.urlMu.Unlock()
	m.url = strings.TrimSuffix(u, "/")
}

// URL is where the marketplace is served, as SetURL said.
func (m *Marketplace) URL() string {
	m.urlMu.RLock()
	defer m.urlMu.RUnlock()
	return m.url
}

// RateLimit is each access token's burst budget per RateWindow.
func (m *Marketplace) RateLimit() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.rateLimit
}

// SetRateLimit changes the burst budget of the access tokens issued from
// now on.
func (m *Marketplace) SetRateLimit(n int) error {
	if n < 1 {
		return fmt.Errorf("marketplace: a rate limit of %d calls lets nothing through", n)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rateLimit = n
	return nil
}

// Close drops the idle connections to the app, so no goroutine outlives
// the marketplace. The handler keeps working.
func (m *Marketplace) Close() { m.client.CloseIdleConnections() }

// Deadline is the time the app has to answer each request.
func (m *Marketplace) Deadline() time.Duration { return m.deadline }

// AddCompany adds a company; its seeded records exist from then on.
func (m *Marketplace) AddCompany(c Company) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c.ID <= 0 {
		return fmt.Errorf("marketplace: company ID %d: must be positive", c.ID)
	}
	if _, ok := m.companies[c.ID]; ok {
		return fmt.Errorf("marketplace: company %d already exists", c.ID)
	}
	if c.Name == "" {
		return fmt.Errorf("marketplace: company %d: a name is required (seeded records name it)", c.ID)
	}
	m.companies[c.ID] = c
	return nil
}

// AddUser adds a user to an existing company.
func (m *Marketplace) AddUser(u User) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if u.ID <= 0 {
		return fmt.Errorf("marketplace: user ID %d: must be positive", u.ID)
	}
	if _, ok := m.users[u.ID]; ok {
		return fmt.Errorf("marketplace: user %d already exists", u.ID)
	}
	if _, ok := m.companies[u.CompanyID]; !ok {
		return fmt.Errorf("marketplace: user %d: no company %d", u.ID, u.CompanyID)
	}
	m.users[u.ID] = u
	return nil
}

// AddApp registers an app by its manifest, after applying its defaults and
// checking it (manifest.Normalize).
func (m *Marketplace) AddApp(a manifest.App) error {
	a, err := manifest.Normalize(a)
	if err != nil {
		return err
	}
	set, err := scopes.ParseSet(a.Scopes)
	if err != nil {
		return fmt.Errorf("marketplace: app %s: %w", a.ClientID, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.apps[a.ClientID]; ok {
		return fmt.Errorf("marketplace: app %s already exists", a.ClientID)
	}
	m.apps[a.ClientID] = &app{m: a, granted: set | scopes.Base}
	return nil
}

// App returns the manifest of the app with that client ID, as normalized.
func (m *Marketplace) App(clientID string) (manifest.App, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.apps[clientID]
	if !ok {
		return manifest.App{}, false
	}
	return a.m, true
}

// Company returns the company with that ID.
func (m *Marketplace) Company(id int64) (Company, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.companies[id]
	return c, ok
}

// User returns the user with that ID.
func (m *Marketplace) User(id int64) (User, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[id]
	return u, ok
}

// Calls returns every call recorded so far, in order.
func (m *Marketplace) Calls() []Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.calls)
}

// CallsBy returns the calls an app made, in order.
func (m *Marketplace) CallsBy(clientID string) []Call {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Call
	for _, c := range m.calls {
		if c.App == clientID {
			out = append(out, c)
		}
	}
	return out
}

// ScopesUsed returns, sorted, the granting scope of every API call of the
// app that its scopes allowed.
func (m *Marketplace) ScopesUsed(clientID string) []string {
	seen := map[string]bool{}
	for _, c := range m.CallsBy(clientID) {
		if c.Scope != "" {
			seen[c.Scope] = true
		}
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// CodeExchanged reports whether the app exchanged the code for tokens.
func (m *Marketplace) CodeExchanged(c string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	cd, ok := m.codes[c]
	return ok && cd.redeemed
}

// Throttle answers the next API call of each live access token the user
// holds for the app with a 429 asking to wait, as a call over the budget
// is answered, whatever the budget says (PD-API-03). It returns how many
// tokens it throttled.
func (m *Marketplace) Throttle(clientID string, userID int64, wait time.Duration) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	now := m.clock()
	for _, t := range m.access {
		if t.app == clientID && t.userID == userID && now.Before(t.expires) {
			t.window.force(wait)
			n++
		}
	}
	return n
}

// ExpireAccessTokens ends every access token issued for the user, as if an
// hour had passed for them alone; refresh tokens stay valid (PD-OAUTH-03).
func (m *Marketplace) ExpireAccessTokens(userID int64) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	now := m.clock()
	for _, t := range m.access {
		if t.userID == userID && now.Before(t.expires) {
			t.expires = now
			n++
		}
	}
	return n
}

// revokeUser ends every token of the user for the app, as an uninstall does.
func (m *Marketplace) revokeUser(clientID string, userID int64) {
	for k, t := range m.access {
		if t.app == clientID && t.userID == userID {
			delete(m.access, k)
			m.revoked[k] = t.grant
		}
	}
	for k, t := range m.refresh {
		if t.app == clientID && t.userID == userID {
			delete(m.refresh, k)
			m.revoked[k] = t.grant
		}
	}
}

// issuedSecrets lists what an answer must never carry: the app's secrets
// and every token issued to it (PD-EXT-02).
func (m *Marketplace) issuedSecrets(clientID string) []issuedSecret {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []issuedSecret
	if a, ok := m.apps[clientID]; ok {
		for _, s := range a.m.Secrets() {
			out = append(out, issuedSecret{s, "a secret of the manifest", false})
		}
		out = append(out, a.issued...)
	}
	return out
}

func (m *Marketplace) record(c Call) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, c)
}

// randomHex returns 40 unguessable hex digits, the random part of
// Pipedrive's codes and tokens.
func randomHex() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}
