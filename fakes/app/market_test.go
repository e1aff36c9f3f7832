package app

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// market is just enough of the marketplace for the app's outbound calls:
// the token endpoint and four API endpoints, with scope enforcement and a
// record of every call. The real fake marketplace lives elsewhere; this one
// keeps the app's tests independent of it.
type market struct {
	srv                    *httptest.Server
	clientID, clientSecret string

	mu       sync.Mutex
	granted  []string
	next     int
	codes    map[string]userKey
	access   map[string]userKey
	refresh  map[string]userKey
	failDeal map[int64]int // deal ID → status the API answers for it
	limited  int           // API calls still to answer 429
	calls    []apiCall
}

// apiCall is one recorded call to the market.
type apiCall struct {
	Method, Path string
	Grant        string // token endpoint: grant_type
	RedirectURI  string // token endpoint: redirect_uri
	User         userKey
	Scope        string // API: the scope the endpoint needs
	Status       int
}

// marketCompanies names the seeded companies.
func marketCompanies() map[int64]string { return map[int64]string{1: "Acme Ltd", 2: "Globex"} }

// marketAdmin is each company's admin, who owns every seeded deal.
func marketAdmin(company int64) int64 { return company * 100 }

func newMarket(t *testing.T) *market {
	t.Helper()
	m := &market{
		clientID: "acme-client", clientSecret: "acme-secret",
		granted:  []string{"base", "deals:read"},
		codes:    map[string]userKey{},
		access:   map[string]userKey{},
		refresh:  map[string]userKey{},
		failDeal: map[int64]int{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /oauth/token", m.token)
	mux.HandleFunc("GET /api/v1/users/me", m.api("base", m.usersMe))
	mux.HandleFunc("GET /api/v2/deals/{id}", m.api("deals:read", m.deal))
	mux.HandleFunc("GET /api/v2/activities", m.api("activities:read", func(w http.ResponseWriter, _ *http.Request, _ userKey) int {
		return reply(w, http.StatusOK, map[string]any{"success": true, "data": []any{}})
	}))
	m.srv = httptest.NewServer(mux)
	t.Cleanup(m.srv.Close)
	return m
}

// code issues an authorization code for k, as if k accepted the scopes.
func (m *market) code(k userKey) string {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.next++
	c := fmt.Sprintf("code-%d", m.next)
	m.codes[c] = k
	return c
}

// expire makes every access token of k stale, as an hour passing would.
func (m *market) expire(k userKey) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for tok, u := range m.access {
		if u == k {
			delete(m.access, tok)
		}
	}
}

func (m *market) setGranted(scopes []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.granted = slices.Clone(scopes)
}

func (m *market) failDealWith(id int64, status int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failDeal[id] = status
}

// tokens lists every access and refresh token issued.
func (m *market) tokens() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for t := range m.access {
		out = append(out, t)
	}
	for t := range m.refresh {
		out = append(out, t)
	}
	return out
}

// limitNext answers the next n API calls with 429 and Retry-After: 1.
func (m *market) limitNext(n int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.limited = n
}

func (m *market) recorded() []apiCall {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.calls)
}

func (m *market) record(c apiCall) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, c)
}

func reply(w http.ResponseWriter, status int, v any) int {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
	return status
}

func (m *market) token(w http.ResponseWriter, r *http.Request) {
	c := apiCall{Method: r.Method, Path: r.URL.Path, Grant: r.PostFormValue("grant_type"), RedirectURI: r.PostFormValue("redirect_uri")}
	defer func() { m.record(c) }()
	if u, p, ok := r.BasicAuth(); !ok || u != m.clientID || p != m.clientSecret {
		c.Status = reply(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "bad client credentials"})
		return
	}
	m.mu.Lock()
	var k userKey
	var ok bool
	switch c.Grant {
	case "authorization_code":
		k, ok = m.codes[r.PostFormValue("code")]
		delete(m.codes, r.PostFormValue("code")) // single use
	case "refresh_token":
		k, ok = m.refresh[r.PostFormValue("refresh_token")]
		delete(m.refresh, r.PostFormValue("refresh_token"))
	}
	if !ok {
		m.mu.Unlock()
		c.Status = reply(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "unknown code or refresh token"})
		return
	}
	m.next++
	at, rt := fmt.Sprintf("at-%d", m.next), fmt.Sprintf("rt-%d", m.next)
	m.access[at], m.refresh[rt] = k, k
	scope := strings.Join(m.granted, ",")
	m.mu.Unlock()
	c.User = k
	c.Status = reply(w, http.StatusOK, map[string]any{
		"access_token": at, "token_type": "Bearer", "refresh_token": rt,
		"scope": scope, "expires_in": 3599, "api_domain": m.srv.URL,
	})
}

// api wraps an API endpoint that needs scope with the token and scope
// checks protocol.md describes, and records the call.
func (m *market) api(scope string, h func(http.ResponseWriter, *http.Request, userKey) int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c := apiCall{Method: r.Method, Path: r.URL.Path, Scope: scope}
		defer func() { m.record(c) }()
		m.mu.Lock()
		k, ok := m.access[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		granted := slices.Contains(m.granted, scope)
		limited := ok && m.limited > 0
		if limited {
			m.limited--
		}
		m.mu.Unlock()
		c.User = k
		switch {
		case limited:
			w.Header().Set("Retry-After", "1")
			c.Status = reply(w, http.StatusTooManyRequests, map[string]any{"success": false, "error": "Request over limit", "errorCode": 429})
		case !ok:
			c.Status = reply(w, http.StatusUnauthorized, map[string]any{"success": false, "error": "unauthorized access", "errorCode": 401})
		case !granted:
			c.Status = reply(w, http.StatusForbidden, map[string]any{"success": false, "error": "Scope and URL mismatch", "errorCode": 403})
		default:
			c.Status = h(w, r, k)
		}
	}
}

func (m *market) usersMe(w http.ResponseWriter, _ *http.Request, k userKey) int {
	return reply(w, http.StatusOK, map[string]any{"success": true, "data": map[string]any{
		"id": k.UserID, "company_id": k.CompanyID, "name": fmt.Sprintf("User %d", k.UserID),
		"email": fmt.Sprintf("u%d@example.com", k.UserID), "is_admin": map[bool]int{true: 1}[k.UserID == marketAdmin(k.CompanyID)],
	}})
}

// deal answers the seeded deals: the same IDs in every company, titled
// with the company's name; odd IDs are owner-only, even ones company-wide.
func (m *market) deal(w http.ResponseWriter, r *http.Request, k userKey) int {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	m.mu.Lock()
	fail := m.failDeal[id]
	m.mu.Unlock()
	switch {
	case fail != 0:
		return reply(w, fail, map[string]any{"success": false, "error": "boom", "errorCode": fail})
	case err != nil || id < 1 || id > 50:
		return reply(w, http.StatusNotFound, map[string]any{"success": false, "error": "Deal not found", "errorCode": 404})
	}
	visible := "3"
	if id%2 == 1 {
		visible = "1"
	}
	return reply(w, http.StatusOK, map[string]any{"success": true, "data": map[string]any{
		"id": id, "title": fmt.Sprintf("%s deal %d", marketCompanies()[k.CompanyID], id),
		"value": 1000 * id, "currency": "USD", "owner_id": marketAdmin(k.CompanyID), "visible_to": visible,
	}})
}
