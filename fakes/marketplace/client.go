package marketplace

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/appcert/appcert/internal/jwt"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/reference"
)

// Kinds of Exchange.
const (
	KindAuthorize = "authorize"
	// KindInstallStart is the browser opening the app's Installation URL.
	KindInstallStart = "install_start"
	KindDeny         = "deny"
	KindSharing      = "sharing"
	KindUninstall    = "uninstall"
	KindPanel        = string(reference.JSONPanel)
	KindLinkAction   = string(reference.LinkAction)
	// The other surfaces' exchanges are of their kind too (a JSON modal's
	// submit is a json_modal exchange whose Request.Method is POST).
)

// Exchange is one request sent to the app and what came back. App
// misbehaviour (an error status, a timeout, a refused connection) is
// recorded here for the judges, never returned as a Go error.
type Exchange struct {
	Kind      string
	App       string // client_id
	Extension string // the extension's name, for an extension request
	CompanyID int64
	UserID    int64
	Variant   string // what was forged on purpose ("token: expired"); empty for a genuine request

	Request  SentRequest
	Status   int // 0 when no answer came
	Header   http.Header
	Body     []byte    // at most MaxBody bytes
	Oversize bool      // the answer was longer than MaxBody; reading stopped there
	Started  time.Time // when the request was sent
	Duration time.Duration
	Deadline time.Duration // what the app had
	TimedOut bool          // the deadline passed before the whole answer came
	Err      error         // transport error, the timeout included

	// echoes are the credentials the request carried (its token, its Basic
	// auth), which no answer may hand back.
	echoes []string
}

// SentRequest is the request as sent, with secrets redacted.
type SentRequest struct {
	Method string
	URL    string
	Header http.Header
	Body   []byte
}

// Refused reports whether nothing accepted the connection: the app is not
// running where the manifest says, a setup error rather than a finding
// about the app's behaviour.
func (e Exchange) Refused() bool { return errors.Is(e.Err, syscall.ECONNREFUSED) }

// Token is the token an extension request carries, genuine or forged
// (protocol.md, "Who is entitled").
type Token int

// The token variants. TokenValid is the zero value.
const (
	TokenValid Token = iota
	TokenMissing
	TokenBadSignature
	TokenExpired
	TokenOtherUser
	TokenOtherCompany
)

func (t Token) String() string {
	switch t {
	case TokenValid:
		return "valid"
	case TokenMissing:
		return "missing"
	case TokenBadSignature:
		return "bad signature"
	case TokenExpired:
		return "expired"
	case TokenOtherUser:
		return "another user"
	case TokenOtherCompany:
		return "another company"
	}
	return "Token(" + strconv.Itoa(int(t)) + ")"
}

// ParseToken reads a variant by its String ("expired", "another user").
func ParseToken(s string) (Token, error) {
	for _, t := range append([]Token{TokenValid}, ForgedTokens()...) {
		if t.String() == s {
			return t, nil
		}
	}
	return 0, fmt.Errorf("marketplace: unknown token variant %q (want valid, missing, bad signature, expired, another user or another company)", s)
}

// ForgedTokens lists every token variant an app must refuse.
func ForgedTokens() []Token {
	return []Token{TokenMissing, TokenBadSignature, TokenExpired, TokenOtherUser, TokenOtherCompany}
}

// Credentials is the Basic auth a request carries, genuine or forged.
type Credentials int

// The credential variants. CredentialsValid is the zero value.
const (
	CredentialsValid Credentials = iota
	CredentialsWrong
	CredentialsMissing
)

func (c Credentials) String() string {
	switch c {
	case CredentialsValid:
		return "valid"
	case CredentialsWrong:
		return "wrong"
	case CredentialsMissing:
		return "missing"
	}
	return "Credentials(" + strconv.Itoa(int(c)) + ")"
}

// ParseCredentials reads a variant by its String ("wrong").
func ParseCredentials(s string) (Credentials, error) {
	for _, c := range []Credentials{CredentialsValid, CredentialsWrong, CredentialsMissing} {
		if c.String() == s {
			return c, nil
		}
	}
	return 0, fmt.Errorf("marketplace: unknown credentials variant %q (want valid, wrong or missing)", s)
}

// wrongPassword is what a request with wrong credentials carries.
const wrongPassword = "not-the-password"

// PanelRequest is a JSON panel request from viewer UserID in CompanyID.
type PanelRequest struct {
	Extension   string  // the panel's name; empty: the app's first JSON panel
	UserID      int64   // the viewer
	CompanyID   int64   // 0: the viewer's company
	Resource    string  // empty: the extension's resource
	SelectedIDs []int64 // empty: record 1
	IsShared    bool
	Token       Token
	BasicAuth   Credentials // only for an extension with http_auth
}

// LinkRequest is a link action request from viewer UserID in CompanyID.
type LinkRequest struct {
	Extension   string // the link action's name; empty: the app's first
	UserID      int64
	CompanyID   int64
	Resource    string
	SelectedIDs []int64 // details view, empty: record 1; list view, empty: every record selected
	Token       Token
	BasicAuth   Credentials
	// View is where the action was clicked; empty: the extension's view.
	// In a list view the request also says which records the user left
	// out (ExcludedIDs) and the list's filter (a JSON string; empty: "{}").
	View        string
	ExcludedIDs []int64
	Filter      string
}

// Authorize ends a marketplace-initiated authorization as the marketplace
// does when the user accepts the app's scopes, all of them (PD-SCOPE-03):
// it issues a code for the user and redirects to callback_url?code=…,
// with no state (PD-OAUTH-01, app-installation-flows).
func (m *Marketplace) Authorize(ctx context.Context, clientID string, userID int64) (Exchange, error) {
	return m.AuthorizeWithState(ctx, clientID, userID, "")
}

// AuthorizeWithState is Authorize with a state parameter the app did not
// issue, as a forged or replayed redirect carries (PD-OAUTH-05). An empty
// state sends none.
func (m *Marketplace) AuthorizeWithState(ctx context.Context, clientID string, userID int64, state string) (Exchange, error) {
	c, err := m.issueCode(clientID, userID)
	if err != nil {
		return Exchange{}, err
	}
	q := url.Values{"code": {c.value}}
	ex := Exchange{Kind: KindAuthorize, App: clientID, CompanyID: c.companyID, UserID: userID}
	if state != "" {
		q.Set("state", state)
		ex.Variant = "state: not issued by the app"
	}
	return m.send(ctx, ex, http.MethodGet, withQuery(c.callback, q.Encode()), nil, nil)
}

type issued struct {
	value, callback string
	companyID       int64
}

// issueCode records a code granting the user all of the app's scopes.
func (m *Marketplace) issueCode(clientID string, userID int64) (issued, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.apps[clientID]
	u, uok := m.users[userID]
	if !ok || !uok {
		return issued{}, m.unknown(clientID, ok, userID, uok)
	}
	c := newCode(u.CompanyID, userID)
	m.codes[c] = &code{grant: grant{clientID, userID, u.CompanyID, a.granted}, issued: m.clock()}
	return issued{c, a.m.CallbackURL, u.CompanyID}, nil
}

// Deny sends the redirect of a user who denied the app's scopes in a
// marketplace-initiated authorization: callback_url?error=user_denied.
func (m *Marketplace) Deny(ctx context.Context, clientID string, userID int64) (Exchange, error) {
	m.mu.Lock()
	a, ok := m.apps[clientID]
	u, uok := m.users[userID]
	m.mu.Unlock()
	if !ok || !uok {
		return Exchange{}, m.unknown(clientID, ok, userID, uok)
	}
	q := url.Values{"error": {"user_denied"}}
	ex := Exchange{Kind: KindDeny, App: clientID, CompanyID: u.CompanyID, UserID: userID}
	return m.send(ctx, ex, http.MethodGet, withQuery(a.m.CallbackURL, q.Encode()), nil, nil)
}

// AppAuthorization is an app-initiated authorization played as a browser
// would: the Installation URL's answer, the marketplace's authorization
// page, and the redirect back to the app.
type AppAuthorization struct {
	Start    Exchange // GET installation_url
	Redirect Exchange // GET callback_url?code=…&state=…; zero when the flow stopped before it
	State    string   // the app's state, as it came through /oauth/authorize
	// Stopped says why the browser never reached the callback, in words
	// for the app's creator; empty when it did.
	Stopped string
}

// AuthorizeFromApp plays a user who starts at the app's Installation URL
// (PD-SHARE-17, app-installation-flows): the browser opens it, follows the
// app's redirect to this marketplace's /oauth/authorize, approves (or
// denies), and follows the marketplace's redirect back to the callback URL
// with the app's state. The browser keeps the app's cookies throughout, as
// a state check needs. It follows redirects only to the app's own URLs and
// to the marketplace (SetURL), never elsewhere.
func (m *Marketplace) AuthorizeFromApp(ctx context.Context, clientID string, userID int64, deny bool) (AppAuthorization, error) {
	m.mu.Lock()
	a, ok := m.apps[clientID]
	u, uok := m.users[userID]
	m.mu.Unlock()
	if !ok || !uok {
		return AppAuthorization{}, m.unknown(clientID, ok, userID, uok)
	}
	if a.m.InstallationURL == "" {
		return AppAuthorization{}, fmt.Errorf("marketplace: app %s has no installation_url", clientID)
	}
	base := m.URL()
	if base == "" {
		return AppAuthorization{}, errors.New("marketplace: SetURL first: the browser follows the app only to the marketplace it knows")
	}
	jar, _ := cookiejar.New(nil) // never fails without options
	browser := *m.client
	browser.Jar = jar
	sid := randomHex()
	m.mu.Lock()
	m.sessions[sid] = session{userID: userID, companyID: u.CompanyID, deny: deny}
	m.mu.Unlock()
	defer func() {
		m.mu.Lock()
		delete(m.sessions, sid)
		m.mu.Unlock()
	}()
	if mu, err := url.Parse(base); err == nil {
		jar.SetCookies(mu, []*http.Cookie{{Name: sessionCookie, Value: sid, Path: "/"}})
	}

	var out AppAuthorization
	kind := KindAuthorize
	if deny {
		kind = KindDeny
	}
	start := Exchange{Kind: KindInstallStart, App: clientID, CompanyID: u.CompanyID, UserID: userID}
	out.Start, _ = m.sendWith(ctx, &browser, start, http.MethodGet, a.m.InstallationURL, nil, nil)
	if err := ctx.Err(); err != nil {
		return out, err
	}
	loc, why := redirectTarget(out.Start)
	if why != "" {
		out.Stopped = "the Installation URL " + why
		return out, nil
	}
	if o := m.oauthURL; o != "" && strings.HasPrefix(loc.String(), o+"/oauth/authorize") {
		// The app's OAuth base URL is the marketplace's other name: the
		// browser is at the marketplace.
		if b, err := url.Parse(base); err == nil {
			loc.Scheme, loc.Host = b.Scheme, b.Host
		}
	}
	if !strings.HasPrefix(loc.String(), base+"/oauth/authorize") {
		out.Stopped = fmt.Sprintf("the Installation URL redirected to %s, not to the marketplace's %s/oauth/authorize (is the app's OAuth base URL set to the marketplace?)", redactURL(loc), base)
		return out, nil
	}
	out.State = loc.Query().Get("state")
	page := Exchange{Kind: "authorize_page", App: clientID, CompanyID: u.CompanyID, UserID: userID}
	page, _ = m.sendWith(ctx, &browser, page, http.MethodGet, loc.String(), nil, nil)
	if err := ctx.Err(); err != nil {
		return out, err
	}
	back, why := redirectTarget(page)
	if why != "" {
		out.Stopped = fmt.Sprintf("the marketplace refused the app's authorization request %s: %s", redactURL(loc), strings.TrimSpace(string(page.Body)))
		return out, nil
	}
	redirect := Exchange{Kind: kind, App: clientID, CompanyID: u.CompanyID, UserID: userID, Variant: "app-initiated"}
	out.Redirect, _ = m.sendWith(ctx, &browser, redirect, http.MethodGet, back.String(), nil, nil)
	return out, ctx.Err()
}

// redirectTarget reads a 3xx answer's Location, resolved against the
// request; why says what else came.
func redirectTarget(ex Exchange) (*url.URL, string) {
	switch {
	case ex.Err != nil:
		return nil, "could not be fetched: " + shortErr(ex.Err)
	case ex.Status < 300 || ex.Status > 399 || ex.Header.Get("Location") == "":
		return nil, fmt.Sprintf("answered %d without a redirect", ex.Status)
	}
	from, err := url.Parse(ex.Request.URL)
	if err != nil {
		return nil, "was not a URL"
	}
	to, err := from.Parse(ex.Header.Get("Location"))
	if err != nil {
		return nil, fmt.Sprintf("redirected to %q, which is not a URL", ex.Header.Get("Location"))
	}
	return to, ""
}

// redactURL shows a URL without its query values, which may carry codes.
func redactURL(u *url.URL) string {
	c := *u
	c.RawQuery, c.User = "", nil
	if u.RawQuery != "" {
		return c.String() + "?…"
	}
	return c.String()
}

func shortErr(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// SharingRequest is a sharing callback: whether the user's installation
// of the app is shared with others in their company (PD-SHARE-20).
type SharingRequest struct {
	CompanyID int64
	UserID    int64
	IsShared  bool
}

// SendSharing POSTs the sharing state to the callback URL (PD-SHARE-20).
func (m *Marketplace) SendSharing(ctx context.Context, clientID string, r SharingRequest) (Exchange, error) {
	a, err := m.lookupApp(clientID)
	if err != nil {
		return Exchange{}, err
	}
	body, _ := json.Marshal(struct {
		CompanyID int64 `json:"company_id"`
		UserID    int64 `json:"user_id"`
		IsShared  bool  `json:"isShared"`
	}{r.CompanyID, r.UserID, r.IsShared})
	ex := Exchange{Kind: KindSharing, App: clientID, CompanyID: r.CompanyID, UserID: r.UserID}
	h := http.Header{"Content-Type": {"application/json"}}
	setBasic(h, a.ClientID, a.ClientSecret, CredentialsValid)
	return m.send(ctx, ex, http.MethodPost, a.CallbackURL, h, body)
}

// UninstallRequest is an uninstall of the app for a user.
type UninstallRequest struct {
	CompanyID int64
	UserID    int64
	// Credentials is the Basic auth the request carries: the zero value,
	// CredentialsValid, is the genuine uninstall; the others forge one.
	Credentials Credentials
}

// SendUninstall DELETEs to the callback URL as an uninstall does
// (PD-UNINST-01). With valid credentials the marketplace first ends the
// user's tokens for the app, as a real uninstall does; wrong or missing
// ones make a forged request and change nothing here.
func (m *Marketplace) SendUninstall(ctx context.Context, clientID string, r UninstallRequest) (Exchange, error) {
	a, err := m.lookupApp(clientID)
	if err != nil {
		return Exchange{}, err
	}
	if r.Credentials == CredentialsValid {
		m.mu.Lock()
		m.revokeUser(clientID, r.UserID)
		m.mu.Unlock()
	}
	body, _ := json.Marshal(struct {
		ClientID  string `json:"client_id"`
		CompanyID int64  `json:"company_id"`
		UserID    int64  `json:"user_id"`
		Timestamp string `json:"timestamp"`
	}{clientID, r.CompanyID, r.UserID, time.Now().UTC().Format(time.RFC3339)})
	ex := Exchange{Kind: KindUninstall, App: clientID, CompanyID: r.CompanyID, UserID: r.UserID}
	if r.Credentials != CredentialsValid {
		ex.Variant = "Basic auth: " + r.Credentials.String()
	}
	h := http.Header{"Content-Type": {"application/json"}}
	setBasic(h, a.ClientID, a.ClientSecret, r.Credentials)
	return m.send(ctx, ex, http.MethodDelete, a.CallbackURL, h, body)
}

// SendPanel sends a JSON panel request (PD-EXT-01).
func (m *Marketplace) SendPanel(ctx context.Context, clientID string, p PanelRequest) (Exchange, error) {
	shared := strconv.FormatBool(p.IsShared)
	return m.sendExtension(ctx, clientID, extRequest{
		typ: reference.JSONPanel, name: p.Extension, userID: p.UserID, companyID: p.CompanyID,
		resource: p.Resource, selectedIDs: p.SelectedIDs, isShared: &shared, token: p.Token, creds: p.BasicAuth,
	})
}

// SendLinkAction sends a link action request (PD-EXT-01).
func (m *Marketplace) SendLinkAction(ctx context.Context, clientID string, l LinkRequest) (Exchange, error) {
	return m.sendExtension(ctx, clientID, extRequest{
		typ: reference.LinkAction, name: l.Extension, userID: l.UserID, companyID: l.CompanyID,
		resource: l.Resource, selectedIDs: l.SelectedIDs, token: l.Token, creds: l.BasicAuth,
		view: l.View, excludedIDs: l.ExcludedIDs, filter: l.Filter,
	})
}

// ExtensionRequest is a request from viewer UserID in CompanyID to an
// extension of any kind the marketplace sends: the one form every surface
// shares, for callers that go surface by surface. Each kind's own
// parameters (a Custom UI page's id and theme, a list-view link action's
// excludedIds and filter) follow from the extension the request goes to.
type ExtensionRequest struct {
	Kind        reference.ExtensionKind
	Extension   string  // the extension's name; empty: the app's first of Kind
	UserID      int64   // the viewer
	CompanyID   int64   // 0: the viewer's company
	Resource    string  // empty: the extension's resource
	SelectedIDs []int64 // empty: record 1 (in a list view: every record)
	IsShared    bool    // sent only by kinds whose requests carry isShared
	// Submit, for a JSON modal, submits it with these block values (a
	// POST); nil opens it (a GET). Other kinds have nothing to submit.
	Submit    map[string]any
	Token     Token
	BasicAuth Credentials // only for an extension with http_auth
}

// SendsIsShared reports whether requests of kind k carry isShared.
func SendsIsShared(k reference.ExtensionKind) bool { return k == reference.JSONPanel }

// Sends reports whether the marketplace sends requests of kind k: every
// extension type a manifest can declare.
func Sends(k reference.ExtensionKind) bool { return slices.Contains(manifest.Types(), k) }

// SendExtension sends r to the app's extension of kind r.Kind (PD-EXT-01):
// a JSON panel or link action request, a JSON modal's opening or submit, a
// Custom UI page load.
func (m *Marketplace) SendExtension(ctx context.Context, clientID string, r ExtensionRequest) (Exchange, error) {
	if !Sends(r.Kind) {
		return Exchange{}, fmt.Errorf("marketplace: %s requests are not sent", r.Kind)
	}
	if r.Submit != nil && r.Kind != reference.JSONModal {
		return Exchange{}, fmt.Errorf("marketplace: a %s has nothing to submit", SurfaceName(r.Kind))
	}
	var shared *string
	if SendsIsShared(r.Kind) {
		s := strconv.FormatBool(r.IsShared)
		shared = &s
	}
	req := extRequest{
		typ: r.Kind, name: r.Extension, userID: r.UserID, companyID: r.CompanyID,
		resource: r.Resource, selectedIDs: r.SelectedIDs, isShared: shared, token: r.Token, creds: r.BasicAuth,
	}
	if r.Submit != nil {
		body, err := json.Marshal(r.Submit)
		if err != nil {
			return Exchange{}, fmt.Errorf("marketplace: the modal's values are not JSON: %w", err)
		}
		req.method, req.body = http.MethodPost, body
	}
	return m.sendExtension(ctx, clientID, req)
}

// extRequest is one extension request to build: what every surface
// carries, and the fields only some do (protocol.md, items 4 to 7).
type extRequest struct {
	typ         reference.ExtensionKind
	name        string
	userID      int64
	companyID   int64
	resource    string
	view        string // app actions; empty: the extension's
	selectedIDs []int64
	excludedIDs []int64 // list-view link actions
	filter      string  // list-view link actions
	isShared    *string // JSON panels only
	theme       string  // Custom UI; empty: light
	token       Token
	creds       Credentials
	method      string // empty: GET
	body        []byte // a JSON modal's submit
}

func (m *Marketplace) sendExtension(ctx context.Context, clientID string, r extRequest) (Exchange, error) {
	typ := r.typ
	m.mu.Lock()
	a, ok := m.apps[clientID]
	u, uok := m.users[r.userID]
	if !ok || !uok {
		m.mu.Unlock()
		return Exchange{}, m.unknown(clientID, ok, r.userID, uok)
	}
	if r.companyID == 0 {
		r.companyID = u.CompanyID
	}
	otherUser, otherCompany := m.others(u, r.companyID)
	m.mu.Unlock()
	ext, ok := a.m.Extension(typ, r.name)
	if !ok {
		return Exchange{}, fmt.Errorf("marketplace: app %s has no %s named %q", clientID, typ, r.name)
	}
	if r.creds != CredentialsValid && !ext.HTTPAuth.Set() {
		return Exchange{}, fmt.Errorf("marketplace: %s %q has no http_auth, so its Basic auth can't be %s", typ, ext.Name, r.creds)
	}
	if r.resource == "" {
		r.resource = ext.Resource
	}
	if r.view == "" {
		r.view = ext.View
	}
	if r.view == "" && ext.Resource != "" {
		r.view = manifest.ViewDetails // JSON and Custom UI panels sit in a details view
	}
	if len(r.selectedIDs) == 0 && r.view != manifest.ViewList {
		r.selectedIDs = []int64{1}
	}

	// Extension tokens use the wall clock, whatever the marketplace's
	// clock says (protocol.md).
	now := time.Now()
	claims := jwt.Claims{UserID: r.userID, CompanyID: r.companyID, IssuedAt: now.Unix(), ExpiresAt: now.Add(ExtensionTokenLifetime).Unix()}
	secret := a.m.Secret(ext)
	switch r.token {
	case TokenBadSignature:
		secret += "-forged"
	case TokenExpired:
		claims.IssuedAt = now.Add(-2 * ExtensionTokenLifetime).Unix()
		claims.ExpiresAt = now.Add(-ExtensionTokenLifetime).Unix()
	case TokenOtherUser:
		claims.UserID = otherUser
	case TokenOtherCompany:
		claims.CompanyID = otherCompany
	}
	var q strings.Builder // in protocol.md's order, for readable logs
	add := func(k, v string) {
		if q.Len() > 0 {
			q.WriteByte('&')
		}
		q.WriteString(url.QueryEscape(k) + "=" + url.QueryEscape(v))
	}
	customUI := manifest.IsCustomUI(typ)
	if customUI {
		add("id", instanceID(clientID, ext))
	}
	if ext.Resource != "" {
		add("resource", r.resource)
		add("view", r.view)
	}
	add("userId", strconv.FormatInt(r.userID, 10))
	add("companyId", strconv.FormatInt(r.companyID, 10))
	if ext.Resource != "" {
		add("selectedIds", joinIDs(r.selectedIDs))
	}
	if typ == manifest.LinkAction && r.view == manifest.ViewList {
		add("excludedIds", joinIDs(r.excludedIDs))
		if r.filter == "" {
			r.filter = "{}"
		}
		add("filter", r.filter)
	}
	if r.isShared != nil {
		add("isShared", *r.isShared)
	}
	if customUI {
		if r.theme == "" {
			r.theme = "light"
		}
		add("theme", r.theme)
	}
	if r.token != TokenMissing {
		add("token", jwt.Sign(claims, secret))
	}
	h := http.Header{}
	if ext.HTTPAuth.Set() {
		setBasic(h, ext.HTTPAuth.Username, ext.HTTPAuth.Password, r.creds)
	}
	method := r.method
	if method == "" {
		method = http.MethodGet
	}
	if r.body != nil {
		h.Set("Content-Type", "application/json")
	}
	ex := Exchange{Kind: string(typ), App: clientID, Extension: ext.Name, CompanyID: r.companyID, UserID: r.userID}
	var forged []string
	if r.token != TokenValid {
		forged = append(forged, "token: "+r.token.String())
	}
	if r.creds != CredentialsValid {
		forged = append(forged, "Basic auth: "+r.creds.String())
	}
	ex.Variant = strings.Join(forged, "; ")
	return m.send(ctx, ex, method, withQuery(ext.URL, q.String()), h, r.body)
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

// others picks who a forged token names instead of the viewer: another
// real user of the company and another real company where there are some,
// as a replayed token would. Callers hold m.mu.
func (m *Marketplace) others(u User, companyID int64) (otherUser, otherCompany int64) {
	otherUser, otherCompany = -1, -1
	for id, v := range m.users {
		if v.CompanyID == u.CompanyID && id != u.ID && (otherUser < 0 || id < otherUser) {
			otherUser = id
		}
	}
	for id := range m.companies {
		if id != companyID && (otherCompany < 0 || id < otherCompany) {
			otherCompany = id
		}
	}
	// Alone in the marketplace: any other number names someone else.
	if otherUser < 0 {
		otherUser = u.ID + 1
	}
	if otherCompany < 0 {
		otherCompany = companyID + 1
	}
	return otherUser, otherCompany
}

func (m *Marketplace) lookupApp(clientID string) (manifest.App, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.apps[clientID]
	if !ok {
		return manifest.App{}, fmt.Errorf("marketplace: no app %q", clientID)
	}
	return a.m, nil
}

func (m *Marketplace) unknown(clientID string, appOK bool, userID int64, userOK bool) error {
	if !appOK {
		return fmt.Errorf("marketplace: no app %q", clientID)
	}
	return fmt.Errorf("marketplace: no user %d", userID)
}

func withQuery(raw, q string) string {
	if strings.Contains(raw, "?") {
		return raw + "&" + q
	}
	return raw + "?" + q
}

func setBasic(h http.Header, user, pass string, c Credentials) {
	switch c {
	case CredentialsValid:
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+pass)))
	case CredentialsWrong:
		h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(user+":"+wrongPassword)))
	}
}

// send makes one request with the deadline and fills in the answer. It
// returns an error only when the caller's own context ended.
func (m *Marketplace) send(ctx context.Context, ex Exchange, method, target string, h http.Header, body []byte) (Exchange, error) {
	return m.sendWith(ctx, m.client, ex, method, target, h, body)
}

// sendWith is send through a client of the caller's (a browser with
// cookies).
func (m *Marketplace) sendWith(ctx context.Context, client *http.Client, ex Exchange, method, target string, h http.Header, body []byte) (Exchange, error) {
	ex.Deadline = m.deadline
	ex.Request = SentRequest{Method: method, URL: target, Header: redact(h), Body: body}
	if v := h.Get("Authorization"); v != "" {
		enc := strings.TrimPrefix(v, "Basic ")
		raw, _ := base64.StdEncoding.DecodeString(enc)
		ex.echoes = append(ex.echoes, enc, string(raw))
	}
	if u, err := url.Parse(target); err == nil {
		if t := u.Query().Get("token"); t != "" {
			ex.echoes = append(ex.echoes, t)
		}
	}
	dctx, cancel := context.WithTimeout(ctx, m.deadline)
	defer cancel()
	req, err := http.NewRequestWithContext(dctx, method, target, bytes.NewReader(body))
	if err != nil {
		ex.Err = err
		return ex, nil
	}
	for k, v := range h {
		req.Header[k] = v
	}
	start := time.Now()
	ex.Started = start
	resp, err := client.Do(req)
	if err == nil {
		ex.Status, ex.Header = resp.StatusCode, resp.Header
		// One byte past the cap tells an oversize answer from one that
		// fits exactly, without reading the rest.
		ex.Body, err = io.ReadAll(io.LimitReader(resp.Body, m.maxBody+1))
		if int64(len(ex.Body)) > m.maxBody {
			ex.Body, ex.Oversize = ex.Body[:m.maxBody], true
		}
		resp.Body.Close()
	}
	ex.Duration = time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			return ex, ctx.Err()
		}
		ex.Err = err
		ex.TimedOut = dctx.Err() != nil
	}
	return ex, nil
}

// redact copies h with Basic auth passwords hidden, keeping the username.
func redact(h http.Header) http.Header {
	out := h.Clone()
	if out == nil {
		return http.Header{}
	}
	if v := out.Get("Authorization"); strings.HasPrefix(v, "Basic ") {
		raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(v, "Basic "))
		user, pass, _ := strings.Cut(string(raw), ":")
		shown := "[redacted]"
		if pass == wrongPassword || pass == "" {
			shown = pass // a forged password is no secret, and shows what was sent
		}
		out.Set("Authorization", "Basic "+user+":"+shown)
	}
	return out
}
