package marketplace

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/appcert/appcert/reference/scopes"
)

// The API's error bodies, as protocol.md writes them.
const (
	bodyUnauthorized  = `{"success":false,"error":"unauthorized access","errorCode":401}`
	bodyScopeMismatch = `{"success":false,"error":"Scope and URL mismatch","errorCode":403}`
	// protocol.md gives only the status for the admin case (assumed body).
	bodyAdminOnly = `{"success":false,"error":"Admin rights required for this call","errorCode":403}`
	bodyNotFound  = `{"success":false,"error":"Not found","errorCode":404}`
)

// ServeHTTP serves what the marketplace serves to apps: POST /oauth/token,
// POST /oauth/revoke and /api/v1/<endpoint>.
func (m *Marketplace) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/oauth/token":
		m.serveToken(w, r)
	case r.URL.Path == "/oauth/revoke":
		m.serveRevoke(w, r)
	case r.URL.Path == "/api/v1" || strings.HasPrefix(r.URL.Path, "/api/v1/"):
		m.serveAPI(w, r)
	default:
		writeRaw(w, http.StatusNotFound, bodyNotFound)
	}
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

type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
	ExpiresIn    int    `json:"expires_in"`
	APIDomain    string `json:"api_domain"`
}

// authClient authenticates the Basic auth of an OAuth request. It returns the
// client ID presented (for the record) and the app when the secret matches.
func (m *Marketplace) authClient(r *http.Request) (string, *app) {
	id, secret, ok := r.BasicAuth()
	if !ok {
		return "", nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	a, found := m.apps[id]
	if !found || a.m.ClientSecret != secret {
		return id, nil
	}
	return id, a
}

func (m *Marketplace) serveToken(w http.ResponseWriter, r *http.Request) {
	call := Call{Method: r.Method, Path: r.URL.Path, Template: "/oauth/token", At: m.clock()}
	status, body := m.token(r, &call)
	call.Status = status
	m.record(call)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, body)
}

func (m *Marketplace) token(r *http.Request, call *Call) (int, any) {
	if r.Method != http.MethodPost {
		return http.StatusMethodNotAllowed, oauthError{"invalid_request", "the token endpoint takes POST"}
	}
	id, a := m.authClient(r)
	call.App = id
	if a == nil {
		return http.StatusUnauthorized, oauthError{"invalid_client", "unknown client or wrong client secret in the Basic auth"}
	}
	r.Body = http.MaxBytesReader(nil, r.Body, m.maxBody)
	if err := r.ParseForm(); err != nil {
		return http.StatusBadRequest, oauthError{"invalid_request", "the body is not a form: " + err.Error()}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.clock()
	var g grant
	var refresh string
	gt := r.PostForm.Get("grant_type")
	call.Grant = gt
	switch gt {
	case "authorization_code":
		c, ok := m.codes[r.PostForm.Get("code")]
		switch {
		case !ok || c.app != a.m.ClientID:
			return http.StatusBadRequest, oauthError{"invalid_grant", "unknown authorization code"}
		case c.used:
			return http.StatusBadRequest, oauthError{"invalid_grant", "the authorization code was already used"}
		case !now.Before(c.issued.Add(CodeLifetime)):
			c.used = true
			return http.StatusBadRequest, oauthError{"invalid_grant", "the authorization code has expired"}
		}
		// Real OAuth servers hold the redirect_uri to the registered one;
		// an absent one is tolerated (assumed).
		if ru := r.PostForm.Get("redirect_uri"); ru != "" && ru != a.m.CallbackURL {
			return http.StatusBadRequest, oauthError{"invalid_grant", fmt.Sprintf("redirect_uri %q is not the app's callback_url", ru)}
		}
		c.used, c.redeemed = true, true
		g = c.grant
		refresh = randomToken("rt-")
		m.refresh[refresh] = &refreshToken{grant: g, lastUsed: now}
		a.issued = append(a.issued, refresh)
	case "refresh_token":
		refresh = r.PostForm.Get("refresh_token")
		t, ok := m.refresh[refresh]
		if !ok || t.app != a.m.ClientID {
			return http.StatusBadRequest, oauthError{"invalid_grant", "unknown refresh token"}
		}
		if !now.Before(t.lastUsed.Add(RefreshTokenIdleLife)) {
			delete(m.refresh, refresh)
			return http.StatusBadRequest, oauthError{"invalid_grant", "the refresh token has expired (60 days unused)"}
		}
		// The same refresh token comes back, its 60 days counted afresh.
		t.lastUsed = now
		g = t.grant
	case "":
		return http.StatusBadRequest, oauthError{"invalid_request", "grant_type is missing"}
	default:
		return http.StatusBadRequest, oauthError{"unsupported_grant_type", fmt.Sprintf("grant_type %q is not supported", gt)}
	}
	call.UserID, call.CompanyID = g.userID, g.companyID
	access := randomToken("at-")
	m.access[access] = &accessToken{grant: g, expires: now.Add(AccessTokenLifetime)}
	a.issued = append(a.issued, access)
	domain := m.apiDomain
	if domain == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		domain = scheme + "://" + r.Host
	}
	return http.StatusOK, tokenAnswer{
		AccessToken: access, TokenType: "Bearer", RefreshToken: refresh,
		Scope: strings.Join(a.m.Scopes, ","), ExpiresIn: 3599, APIDomain: domain,
	}
}

func (m *Marketplace) serveRevoke(w http.ResponseWriter, r *http.Request) {
	call := Call{Method: r.Method, Path: r.URL.Path, Template: "/oauth/revoke", At: m.clock()}
	id, a := m.authClient(r)
	call.App = id
	switch {
	case r.Method != http.MethodPost:
		call.Status = http.StatusMethodNotAllowed
		writeJSON(w, call.Status, oauthError{"invalid_request", "the revoke endpoint takes POST"})
	case a == nil:
		call.Status = http.StatusUnauthorized
		writeJSON(w, call.Status, oauthError{"invalid_client", "unknown client or wrong client secret in the Basic auth"})
	default:
		r.Body = http.MaxBytesReader(nil, r.Body, m.maxBody)
		if err := r.ParseForm(); err != nil {
			call.Status = http.StatusBadRequest
			writeJSON(w, call.Status, oauthError{"invalid_request", "the body is not a form: " + err.Error()})
			break
		}
		tok := r.PostForm.Get("token")
		m.mu.Lock()
		// An unknown token is not an error (RFC 7009): the answer is 200.
		if t, ok := m.access[tok]; ok && t.app == id {
			call.UserID, call.CompanyID = t.userID, t.companyID
			delete(m.access, tok)
		}
		if t, ok := m.refresh[tok]; ok && t.app == id {
			call.UserID, call.CompanyID = t.userID, t.companyID
			delete(m.refresh, tok)
		}
		m.mu.Unlock()
		call.Status = http.StatusOK
		writeRaw(w, call.Status, `{}`)
	}
	m.record(call)
}

func (m *Marketplace) serveAPI(w http.ResponseWriter, r *http.Request) {
	call := Call{Method: r.Method, Path: r.URL.Path, At: m.clock()}
	status, body := m.api(r, &call)
	call.Status = status
	m.record(call)
	if s, ok := body.(string); ok {
		writeRaw(w, status, s)
		return
	}
	writeJSON(w, status, body)
}

type envelope struct {
	Success bool `json:"success"`
	Data    any  `json:"data"`
}

func (m *Marketplace) api(r *http.Request, call *Call) (int, any) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	m.mu.Lock()
	t, found := m.access[strings.TrimSpace(tok)]
	var u User
	var granted scopes.Set
	if found {
		call.App, call.UserID, call.CompanyID = t.app, t.userID, t.companyID
		u, granted = m.users[t.userID], t.scopes
		found = call.At.Before(t.expires)
	}
	m.mu.Unlock()
	if !ok || !found {
		return http.StatusUnauthorized, bodyUnauthorized
	}
	match, err := scopes.MatchCall(r.Method, r.URL.Path)
	if err != nil {
		// Not in the scope table, so no scope grants it (PD-SCOPE-02).
		return http.StatusForbidden, bodyScopeMismatch
	}
	call.Template = match.Endpoint.Path
	d := match.Check(granted)
	if !d.Allowed {
		return http.StatusForbidden, bodyScopeMismatch
	}
	call.Scope = d.Scope
	if match.OnlyAdmin(granted) && !u.Admin {
		return http.StatusForbidden, bodyAdminOnly // PD-SCOPE-05
	}
	if r.Method != http.MethodGet {
		return m.write(r)
	}
	return m.read(u, match.Endpoint.Path, r.URL.Path)
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
	return http.StatusOK, envelope{true, data}
}

// read answers a GET: users/me and the seeded records; any other endpoint
// an empty list.
func (m *Marketplace) read(u User, template, path string) (int, any) {
	rest := strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(path, "/api"), "/v1"), "/")
	segs := strings.Split(strings.TrimPrefix(rest, "/"), "/")
	var id int64 = -1
	if len(segs) == 2 {
		if n, err := strconv.ParseInt(segs[1], 10, 64); err == nil {
			id = n
		}
	}
	if template == "/users/me" {
		return http.StatusOK, envelope{true, userMe{u.ID, u.CompanyID, u.Name, u.Email, u.Admin}}
	}
	m.mu.Lock()
	s := m.seed(u)
	m.mu.Unlock()
	var list []any
	switch template {
	case "/deals", "/deals/{id}":
		for _, d := range s.deals {
			list = append(list, d)
		}
	case "/persons", "/persons/{id}":
		for _, p := range s.persons {
			list = append(list, p)
		}
	case "/organizations", "/organizations/{id}":
		for _, o := range s.orgs {
			list = append(list, o)
		}
	default:
		return http.StatusOK, envelope{true, []any{}}
	}
	if !strings.HasSuffix(template, "{id}") {
		if list == nil {
			list = []any{}
		}
		return http.StatusOK, envelope{true, list}
	}
	for _, rec := range list {
		if rec.(interface{ recordID() int64 }).recordID() == id {
			return http.StatusOK, envelope{true, rec}
		}
	}
	return http.StatusNotFound, bodyNotFound
}

type userMe struct {
	ID        int64  `json:"id"`
	CompanyID int64  `json:"company_id"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	IsAdmin   bool   `json:"is_admin"`
}
