package marketplace

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/appcert/appcert/reference/scopes"
)

// The API's error bodies, as protocol.md writes them.
const (
	bodyUnauthorized  = `{"success":false,"error":"unauthorized access","errorCode":401}`
	bodyScopeMismatch = `{"success":false,"error":"Scope and URL mismatch","errorCode":403}`
	// protocol.md gives only the status for these (assumed bodies).
	bodyAdminOnly     = `{"success":false,"error":"Admin rights required for this call","errorCode":403}`
	bodyNotFound      = `{"success":false,"error":"Not found","errorCode":404}`
	bodyMalformedAuth = `{"success":false,"error":"Malformed Authorization header: want Bearer and the access token","errorCode":400}`
	bodyRateLimited   = `{"success":false,"error":"Request over limit","errorCode":429}`
	bodyBadCursor     = `{"success":false,"error":"Invalid cursor","errorCode":400}`
)

// ServeHTTP serves what the marketplace serves to apps: GET
// /oauth/authorize, POST /oauth/token, POST /oauth/revoke and the API,
// v1 under /api/v1/ and /v1/, v2 under /api/v2/.
func (m *Marketplace) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch p := r.URL.Path; {
	case p == "/oauth/authorize":
		m.serveAuthorize(w, r)
	case p == "/oauth/token":
		m.serveToken(w, r)
	case p == "/oauth/revoke":
		m.serveRevoke(w, r)
	case under(p, "/api/v1"), under(p, "/v1"), under(p, "/api/v2"):
		m.serveAPI(w, r)
	default:
		writeRaw(w, http.StatusNotFound, bodyNotFound)
	}
}

func under(p, prefix string) bool {
	return p == prefix || strings.HasPrefix(p, prefix+"/")
}

func writeRaw(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil { // only our own values are marshalled
		panic(err)
	}
	writeRaw(w, status, string(b))
}

// oauthError is every error of the OAuth endpoints, always with status 400
// (marketplace-oauth-and-api-proxy-status-codes).
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// Pipedrive's OAuth error messages.
var (
	errNotPost         = oauthError{"invalid_request", "Invalid request: the endpoint takes POST"}
	errContentType     = oauthError{"invalid_request", "Invalid request: content type must be application/x-www-form-urlencoded"}
	errMalformedAuth   = oauthError{"invalid_request", "Invalid request: malformed Authorization header"}
	errNoClient        = oauthError{"invalid_client", "Invalid client: cannot retrieve client credentials"}
	errBadClient       = oauthError{"invalid_client", "Invalid client: client is invalid"}
	errNoGrantType     = oauthError{"invalid_request", "Missing parameter: grant_type"}
	errGrantType       = oauthError{"unsupported_grant_type", "Unsupported grant type: grant_type is invalid"}
	errCodeInvalid     = oauthError{"invalid_grant", "Invalid grant: authorization_code is invalid"}
	errCodeExpired     = oauthError{"invalid_grant", "Invalid grant: authorization_code has expired"}
	errRefreshInvalid  = oauthError{"invalid_grant", "Invalid grant: refresh_token is invalid"}
	errRedirectMissing = oauthError{"invalid_request", "Invalid request: redirect_uri is missing"}
	errRedirectInvalid = oauthError{"invalid_request", "Invalid request: redirect_uri is invalid"}
)

type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
	ExpiresIn    int    `json:"expires_in"`
	APIDomain    string `json:"api_domain"`
}

// oauthForm reads an OAuth endpoint's request: POST, a form body, and the
// client's credentials as Basic auth or as client_id and client_secret
// form fields (the docs allow both). It returns the client ID presented
// (for the record) and the app, or the error to answer.
func (m *Marketplace) oauthForm(r *http.Request) (string, *app, *oauthError) {
	if r.Method != http.MethodPost {
		return "", nil, &errNotPost
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/x-www-form-urlencoded" {
		return "", nil, &errContentType
	}
	r.Body = http.MaxBytesReader(nil, r.Body, m.maxBody)
	if err := r.ParseForm(); err != nil {
		return "", nil, &oauthError{"invalid_request", "Invalid request: the body is not a form: " + err.Error()}
	}
	var id, secret string
	if h, present := r.Header["Authorization"]; present {
		var ok bool
		if id, secret, ok = basicAuth(h[0]); !ok {
			return "", nil, &errMalformedAuth
		}
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		if id == "" || secret == "" {
			return id, nil, &errNoClient
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	a, found := m.apps[id]
	if !found || a.m.ClientSecret != secret {
		return id, nil, &errBadClient
	}
	return id, a, nil
}

// basicAuth parses a Basic Authorization header strictly: a malformed one
// is not the same as none.
func basicAuth(h string) (user, pass string, ok bool) {
	scheme, enc, found := strings.Cut(h, " ")
	if !found || !strings.EqualFold(scheme, "Basic") {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return "", "", false
	}
	return strings.Cut(string(raw), ":")
}

func (m *Marketplace) serveToken(w http.ResponseWriter, r *http.Request) {
	call := Call{Method: r.Method, Path: r.URL.Path, Template: "/oauth/token", At: m.clock()}
	status, body := m.token(r, &call)
	call.Status = status
	if e, ok := body.(oauthError); ok {
		call.Refusal = e.Error + ": " + e.Description
	}
	m.record(call)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, body)
}

func (m *Marketplace) token(r *http.Request, call *Call) (int, any) {
	id, a, oerr := m.oauthForm(r)
	call.App = id
	call.Grant = r.PostForm.Get("grant_type")
	if oerr != nil {
		return http.StatusBadRequest, *oerr
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.clock()
	var g grant
	var refresh string
	switch call.Grant {
	case "authorization_code":
		c, ok := m.codes[r.PostForm.Get("code")]
		switch {
		case !ok || c.app != a.m.ClientID || c.used:
			return http.StatusBadRequest, errCodeInvalid
		case !now.Before(c.issued.Add(CodeLifetime)):
			c.used = true
			return http.StatusBadRequest, errCodeExpired
		}
		switch ru, given := r.PostForm["redirect_uri"]; {
		case !given || ru[0] == "":
			return http.StatusBadRequest, errRedirectMissing
		case ru[0] != a.m.CallbackURL:
			return http.StatusBadRequest, errRedirectInvalid
		}
		c.used, c.redeemed = true, true
		g = c.grant
		refresh = newToken(g)
		m.refresh[refresh] = &refreshToken{grant: g, lastUsed: now}
		a.issued = append(a.issued, issuedSecret{refresh, "a refresh token", true})
	case "refresh_token":
		refresh = r.PostForm.Get("refresh_token")
		t, ok := m.refresh[refresh]
		if g, was := m.revoked[refresh]; !ok && was && g.app == a.m.ClientID {
			call.UserID, call.CompanyID, call.Revoked = g.userID, g.companyID, true
		}
		if !ok || t.app != a.m.ClientID {
			return http.StatusBadRequest, errRefreshInvalid
		}
		if !now.Before(t.lastUsed.Add(RefreshTokenIdleLife)) {
			delete(m.refresh, refresh)
			return http.StatusBadRequest, errRefreshInvalid
		}
		// The same refresh token comes back, its 60 days counted afresh.
		t.lastUsed = now
		g = t.grant
	case "":
		return http.StatusBadRequest, errNoGrantType
	default:
		return http.StatusBadRequest, errGrantType
	}
	call.UserID, call.CompanyID = g.userID, g.companyID
	access := newToken(g)
	m.access[access] = &accessToken{grant: g, expires: now.Add(AccessTokenLifetime), window: newWindow(m.rateLimit)}
	a.issued = append(a.issued, issuedSecret{access, "an access token", true})
	return http.StatusOK, tokenAnswer{
		AccessToken: access, TokenType: "Bearer", RefreshToken: refresh,
		Scope: strings.Join(a.m.Scopes, ","), ExpiresIn: 3599, APIDomain: m.domain(r),
	}
}

// domain is the api_domain of a token answer: the one configured, else
// the scheme and host the request came to.
func (m *Marketplace) domain(r *http.Request) string {
	m.urlMu.RLock()
	d := m.apiDomain
	m.urlMu.RUnlock()
	if d != "" {
		return d
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// newToken makes an access or refresh token in Pipedrive's shape,
// <companyId>:<userId>:<40 hex>, which apps split to learn who they act for.
func newToken(g grant) string {
	return strconv.FormatInt(g.companyID, 10) + ":" + strconv.FormatInt(g.userID, 10) + ":" + randomHex()
}

// newCode makes an authorization code in Pipedrive's shape,
// <companyId>.<userId>.<40 hex>.
func newCode(companyID, userID int64) string {
	return strconv.FormatInt(companyID, 10) + "." + strconv.FormatInt(userID, 10) + "." + randomHex()
}

func (m *Marketplace) serveRevoke(w http.ResponseWriter, r *http.Request) {
	call := Call{Method: r.Method, Path: r.URL.Path, Template: "/oauth/revoke", At: m.clock()}
	id, a, oerr := m.oauthForm(r)
	call.App = id
	if oerr != nil {
		call.Status = http.StatusBadRequest
		m.record(call)
		writeJSON(w, call.Status, *oerr)
		return
	}
	tok, hint := r.PostForm.Get("token"), r.PostForm.Get("token_type_hint")
	var uninstalled *grant
	m.mu.Lock()
	// The official Node client URL-encodes an access token before encoding
	// the form, so "1:2:…" arrives as "1%3A2%3A…"; Pipedrive revokes it all
	// the same (assumed), and so does this.
	if _, known := m.access[tok]; !known && strings.Contains(tok, "%") {
		if un, err := url.QueryUnescape(tok); err == nil {
			tok = un
		}
	}
	// The hint is a hint: a token of the other kind is revoked as well
	// (RFC 7009), and an unknown token is no error.
	for _, kind := range revokeOrder(hint) {
		if kind == "access_token" {
			if t, ok := m.access[tok]; ok && t.app == a.m.ClientID {
				call.UserID, call.CompanyID = t.userID, t.companyID
				delete(m.access, tok)
				break
			}
			continue
		}
		if t, ok := m.refresh[tok]; ok && t.app == a.m.ClientID {
			// Revoking the refresh token removes the installation's OAuth
			// data: the app is uninstalled for that user (app-uninstallation).
			call.UserID, call.CompanyID = t.userID, t.companyID
			g := t.grant
			uninstalled = &g
			m.revokeUser(g.app, g.userID)
			break
		}
	}
	m.mu.Unlock()
	call.Status = http.StatusOK
	call.Uninstalled = uninstalled != nil
	m.record(call)
	// The model hears of it before the app's answer, so that whatever the
	// app does next meets a marketplace that has uninstalled it.
	if uninstalled != nil && m.onUninstall != nil {
		m.onUninstall(uninstalled.app, uninstalled.companyID, uninstalled.userID)
	}
	writeRaw(w, call.Status, `{}`)
}

func revokeOrder(hint string) [2]string {
	if hint == "refresh_token" {
		return [2]string{"refresh_token", "access_token"}
	}
	return [2]string{"access_token", "refresh_token"}
}

// serveAuthorize is where the browser arrives when the app starts
// authorization itself (app-installation-flows). The harness plays the
// user: its browser carries a session naming who is signed in and whether
// they approve. The answer is a redirect to redirect_uri with a code (or
// error=user_denied) and the app's state unchanged; a wrong client_id or
// redirect_uri gets 400 and no redirect.
func (m *Marketplace) serveAuthorize(w http.ResponseWriter, r *http.Request) {
	call := Call{Method: r.Method, Path: r.URL.Path, Template: "/oauth/authorize", At: m.clock()}
	q := r.URL.Query()
	call.App = q.Get("client_id")
	fail := func(msg string) {
		call.Status = http.StatusBadRequest
		m.record(call)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(call.Status)
		_, _ = io.WriteString(w, msg+"\n")
	}
	if r.Method != http.MethodGet {
		fail("Invalid request: the authorization page takes GET")
		return
	}
	m.mu.Lock()
	a, ok := m.apps[call.App]
	var s session
	var signedIn bool
	if c, err := r.Cookie(sessionCookie); err == nil {
		s, signedIn = m.sessions[c.Value]
	}
	m.mu.Unlock()
	switch ru := q.Get("redirect_uri"); {
	case !ok:
		fail("Invalid client: client is invalid")
		return
	case ru == "":
		fail("Invalid request: redirect_uri is missing")
		return
	case ru != a.m.CallbackURL:
		fail("Invalid request: redirect_uri is invalid")
		return
	case !signedIn:
		fail("No one is signed in to the marketplace: appcert plays the user, and follows the app's Installation URL itself")
		return
	}
	back := url.Values{}
	if s.deny {
		back.Set("error", "user_denied")
	} else {
		c, err := m.issueCode(call.App, s.userID)
		if err != nil {
			fail(err.Error())
			return
		}
		back.Set("code", c.value)
	}
	if st, given := q["state"]; given {
		back["state"] = st
	}
	call.UserID, call.CompanyID = s.userID, s.companyID
	call.Status = http.StatusFound
	m.record(call)
	http.Redirect(w, r, withQuery(a.m.CallbackURL, back.Encode()), http.StatusFound)
}

func (m *Marketplace) serveAPI(w http.ResponseWriter, r *http.Request) {
	call := Call{Method: r.Method, Path: r.URL.Path, At: m.clock(), Version: 1}
	if under(r.URL.Path, "/api/v2") {
		call.Version = 2
	}
	status, body, rt := m.api(r, &call)
	call.Status, call.Early = status, rt.Early
	m.record(call)
	if rt.Limit > 0 {
		setRateHeaders(w.Header(), rt)
	}
	if s, ok := body.(string); ok {
		writeRaw(w, status, s)
	} else {
		writeJSON(w, status, body)
	}
	if status == http.StatusTooManyRequests && rt.from != nil {
		// Only a 429 the app has been sent asks it to wait.
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		rt.from.delivered()
	}
}

type envelope struct {
	Success        bool `json:"success"`
	Data           any  `json:"data"`
	AdditionalData any  `json:"additional_data,omitempty"`
}

func (m *Marketplace) api(r *http.Request, call *Call) (int, any, rate) {
	h, present := r.Header["Authorization"]
	if !present {
		return http.StatusUnauthorized, bodyUnauthorized, rate{}
	}
	scheme, tok, _ := strings.Cut(h[0], " ")
	tok = strings.TrimSpace(tok)
	if !strings.EqualFold(scheme, "Bearer") || tok == "" || strings.ContainsAny(tok, " \t") {
		return http.StatusBadRequest, bodyMalformedAuth, rate{}
	}
	m.mu.Lock()
	t, found := m.access[tok]
	if g, ok := m.revoked[tok]; ok && !found {
		call.App, call.UserID, call.CompanyID, call.Revoked = g.app, g.userID, g.companyID, true
	}
	var u User
	var c Company
	var granted scopes.Set
	if found {
		call.App, call.UserID, call.CompanyID = t.app, t.userID, t.companyID
		u, c, granted = m.users[t.userID], m.companies[t.companyID], t.scopes
		found = call.At.Before(t.expires)
	}
	m.mu.Unlock()
	if !found {
		return http.StatusUnauthorized, bodyUnauthorized, rate{}
	}
	rt := t.window.take(int64(time.Since(m.epoch)))
	if !rt.Allowed {
		return http.StatusTooManyRequests, bodyRateLimited, rt
	}
	match, err := scopes.MatchCall(r.Method, r.URL.Path)
	if err != nil {
		// Not in the scope table (or not in v2), so no scope grants it
		// (PD-SCOPE-02).
		return http.StatusForbidden, bodyScopeMismatch, rt
	}
	call.Template = match.Endpoint.Path
	d := match.Check(granted)
	if !d.Allowed {
		return http.StatusForbidden, bodyScopeMismatch, rt
	}
	call.Scope = d.Scope
	if match.OnlyAdmin(granted) && !u.Admin {
		return http.StatusForbidden, bodyAdminOnly, rt // PD-SCOPE-05
	}
	if r.Method != http.MethodGet {
		status, body := m.write(r)
		return status, body, rt
	}
	status, body := m.read(u, c, match, r)
	return status, body, rt
}

// write accepts a write and echoes its JSON body as the data.
func (m *Marketplace) write(r *http.Request) (int, any) {
	b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, m.maxBody))
	if err != nil {
		return http.StatusRequestEntityTooLarge, `{"success":false,"error":"request body too large","errorCode":413}`
	}
	data := json.RawMessage(`{}`)
	if len(strings.TrimSpace(string(b))) > 0 {
		if !json.Valid(b) {
			return http.StatusBadRequest, `{"success":false,"error":"the body is not JSON","errorCode":400}`
		}
		data = b
	}
	return http.StatusOK, envelope{Success: true, Data: data}
}

// read answers a GET: users/me and the seeded records, in the version's
// conventions; any other endpoint an empty list.
func (m *Marketplace) read(u User, c Company, match scopes.Match, r *http.Request) (int, any) {
	template := match.Endpoint.Path
	if template == "/users/me" {
		return http.StatusOK, envelope{Success: true, Data: newUserMe(u, c)}
	}
	m.mu.Lock()
	s := m.seed(u)
	m.mu.Unlock()
	v2 := match.Version == 2
	var list []any
	switch template {
	case "/deals", "/deals/{id}":
		for _, d := range s.deals {
			list = append(list, view(d, v2))
		}
	case "/persons", "/persons/{id}":
		for _, p := range s.persons {
			list = append(list, view(p, v2))
		}
	case "/organizations", "/organizations/{id}":
		for _, o := range s.orgs {
			list = append(list, view(o, v2))
		}
	default:
		if v2 {
			return http.StatusOK, envelope{Success: true, Data: []any{}, AdditionalData: map[string]any{"next_cursor": nil}}
		}
		return http.StatusOK, envelope{Success: true, Data: []any{}}
	}
	if strings.HasSuffix(template, "{id}") {
		segs := strings.Split(strings.TrimSuffix(r.URL.Path, "/"), "/")
		id, err := strconv.ParseInt(segs[len(segs)-1], 10, 64)
		for _, rec := range list {
			if err == nil && rec.(record).recordID() == id {
				return http.StatusOK, envelope{Success: true, Data: rec}
			}
		}
		return http.StatusNotFound, bodyNotFound
	}
	if v2 {
		return page2(list, r.URL.Query())
	}
	return page1(list, r.URL.Query())
}

type record interface{ recordID() int64 }

// view is a seeded record as the version shows it.
func view(rec record, v2 bool) record {
	if !v2 {
		return rec
	}
	switch x := rec.(type) {
	case Deal:
		return dealV2{x.ID, x.Title, x.Value, x.Currency, x.UserID, visibility(x.VisibleTo), false, seededTime, seededTime}
	case Person:
		return personV2{x.ID, x.Name, x.OwnerID, x.OrgID, visibility(x.VisibleTo), false, seededTime, seededTime}
	case Organization:
		return orgV2{x.ID, x.Name, x.OwnerID, visibility(x.VisibleTo), false, seededTime, seededTime}
	}
	return rec
}

// seededTime is when every seeded record was made, in v2's RFC 3339.
const seededTime = "2026-01-05T09:00:00Z"

func visibility(v string) int { n, _ := strconv.Atoi(v); return n }

// API v2's records: numbers for IDs and visibility, true/false booleans,
// RFC 3339 times (pipedrive-api-v2).
type dealV2 struct {
	ID         int64  `json:"id"`
	Title      string `json:"title"`
	Value      int64  `json:"value"`
	Currency   string `json:"currency"`
	OwnerID    int64  `json:"owner_id"`
	VisibleTo  int    `json:"visible_to"`
	IsDeleted  bool   `json:"is_deleted"`
	AddTime    string `json:"add_time"`
	UpdateTime string `json:"update_time"`
}

type personV2 struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	OwnerID    int64  `json:"owner_id"`
	OrgID      int64  `json:"org_id"`
	VisibleTo  int    `json:"visible_to"`
	IsDeleted  bool   `json:"is_deleted"`
	AddTime    string `json:"add_time"`
	UpdateTime string `json:"update_time"`
}

type orgV2 struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	OwnerID    int64  `json:"owner_id"`
	VisibleTo  int    `json:"visible_to"`
	IsDeleted  bool   `json:"is_deleted"`
	AddTime    string `json:"add_time"`
	UpdateTime string `json:"update_time"`
}

func (d dealV2) recordID() int64   { return d.ID }
func (p personV2) recordID() int64 { return p.ID }
func (o orgV2) recordID() int64    { return o.ID }

// page1 is v1's offset pagination: start and limit, answered in
// additional_data.pagination.
func page1(list []any, q url.Values) (int, any) {
	start, _ := strconv.Atoi(q.Get("start"))
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 || limit > 500 {
		limit = 100
	}
	start = min(max(start, 0), len(list))
	end := min(start+limit, len(list))
	p := map[string]any{"start": start, "limit": limit, "more_items_in_collection": end < len(list)}
	if end < len(list) {
		p["next_start"] = end
	}
	return http.StatusOK, envelope{Success: true, Data: append([]any{}, list[start:end]...), AdditionalData: map[string]any{"pagination": p}}
}

// page2 is v2's cursor pagination: cursor and limit, the next cursor in
// additional_data.next_cursor (null on the last page). A cursor is opaque
// to apps; one the marketplace did not give is a 400.
func page2(list []any, q url.Values) (int, any) {
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit <= 0 || limit > 500 {
		limit = 100
	}
	start := 0
	if c := q.Get("cursor"); c != "" {
		raw, err := base64.RawURLEncoding.DecodeString(c)
		n, perr := strconv.Atoi(strings.TrimPrefix(string(raw), "offset:"))
		if err != nil || perr != nil || !strings.HasPrefix(string(raw), "offset:") || n < 0 || n > len(list) {
			return http.StatusBadRequest, bodyBadCursor
		}
		start = n
	}
	end := min(start+limit, len(list))
	var next any
	if end < len(list) {
		next = base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(end)))
	}
	return http.StatusOK, envelope{Success: true, Data: append([]any{}, list[start:end]...), AdditionalData: map[string]any{"next_cursor": next}}
}

// userMe is GET users/me as marketplace-getting-user-data documents it
// (v1: is_admin is 1 or 0).
type userMe struct {
	ID            int64  `json:"id"`
	Name          string `json:"name"`
	Email         string `json:"email"`
	CompanyID     int64  `json:"company_id"`
	CompanyName   string `json:"company_name"`
	CompanyDomain string `json:"company_domain"`
	IsAdmin       int    `json:"is_admin"`
	Locale        string `json:"locale"`
	TimezoneName  string `json:"timezone_name"`
	ActiveFlag    bool   `json:"active_flag"`
}

func newUserMe(u User, c Company) userMe {
	me := userMe{
		ID: u.ID, Name: u.Name, Email: u.Email, CompanyID: u.CompanyID,
		CompanyName: c.Name, CompanyDomain: companyDomain(c),
		Locale: "en_US", TimezoneName: "Europe/Tallinn", ActiveFlag: true, // assumed values
	}
	if u.Admin {
		me.IsAdmin = 1
	}
	return me
}

// companyDomain is the company's subdomain: its name's letters and digits,
// lower-cased, and its ID, so that it is unique (assumed).
func companyDomain(c Company) string {
	var b strings.Builder
	for _, r := range strings.ToLower(c.Name) {
		if 'a' <= r && r <= 'z' || '0' <= r && r <= '9' {
			b.WriteRune(r)
		}
	}
	return fmt.Sprintf("%s%d", b.String(), c.ID)
}
