package marketplace

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/reference"
)

const (
	acme   = "acme-client"
	secret = "acme-secret"
)

// fixture is a marketplace with two companies: Acme Ltd (admin 100, users
// 101 and 102) and Globex Inc (admin 200), and the app acme-client.
func fixture(t testing.TB, o Options, mutate func(*manifest.App)) (*Marketplace, *Clock) {
	t.Helper()
	c := NewClock(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	if o.Clock == nil {
		o.Clock = c.Now
	}
	m := New(o)
	t.Cleanup(m.Close)
	must(t, m.AddCompany(Company{1, "Acme Ltd"}))
	must(t, m.AddCompany(Company{2, "Globex Inc"}))
	must(t, m.AddUser(User{ID: 100, CompanyID: 1, Name: "Ada Admin", Email: "ada@acme.test", Admin: true}))
	must(t, m.AddUser(User{ID: 101, CompanyID: 1, Name: "Bob", Email: "bob@acme.test"}))
	must(t, m.AddUser(User{ID: 102, CompanyID: 1, Name: "Cy", Email: "cy@acme.test"}))
	must(t, m.AddUser(User{ID: 200, CompanyID: 2, Name: "Gil Admin", Email: "gil@globex.test", Admin: true}))
	a := manifest.App{
		Name: "Acme Deal Panel", ClientID: acme, ClientSecret: secret,
		CallbackURL: "http://127.0.0.1:1/callback", Scopes: []string{"deals:read", "admin"},
		Extensions: []manifest.Extension{
			{Type: reference.JSONPanel, Name: "Deal summary", Resource: "deal", URL: "http://127.0.0.1:1/panel"},
			{Type: reference.LinkAction, Name: "Open", Resource: "deal", URL: "http://127.0.0.1:1/action", JWTSecret: "jwt-secret-key"},
		},
	}
	if mutate != nil {
		mutate(&a)
	}
	must(t, m.AddApp(a))
	return m, c
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// do serves one request in-process and decodes a JSON answer.
func do(t testing.TB, m *Marketplace, r *http.Request) (int, map[string]any, string) {
	t.Helper()
	w := httptest.NewRecorder()
	m.ServeHTTP(w, r)
	var body map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &body)
	return w.Code, body, w.Body.String()
}

func tokenRequest(user, pass string, form url.Values) *http.Request {
	r := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:7480/oauth/token", strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		r.SetBasicAuth(user, pass)
	}
	return r
}

func exchangeCode(t testing.TB, m *Marketplace, code string) (int, map[string]any) {
	t.Helper()
	a, _ := m.App(acme)
	st, body, _ := do(t, m, tokenRequest(acme, secret, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {a.CallbackURL}}))
	return st, body
}

func refreshWith(t testing.TB, m *Marketplace, rt string) (int, map[string]any) {
	t.Helper()
	st, body, _ := do(t, m, tokenRequest(acme, secret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}))
	return st, body
}

// login issues a code for the user and exchanges it, returning the tokens.
func login(t testing.TB, m *Marketplace, userID int64) (access, refresh string) {
	t.Helper()
	c, err := m.issueCode(acme, userID)
	must(t, err)
	st, body := exchangeCode(t, m, c.value)
	if st != 200 {
		t.Fatalf("code exchange: %d %v", st, body)
	}
	return body["access_token"].(string), body["refresh_token"].(string)
}

func apiGet(t testing.TB, m *Marketplace, token, path string) (int, map[string]any, string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:7480"+path, nil)
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	return do(t, m, r)
}

func TestMarketplace_TokenAnswer(t *testing.T) {
	m, _ := fixture(t, Options{}, nil)
	c, err := m.issueCode(acme, 101)
	must(t, err)
	st, body := exchangeCode(t, m, c.value)
	if st != 200 {
		t.Fatalf("status %d %v", st, body)
	}
	want := map[string]any{"token_type": "Bearer", "scope": "base,deals:read,admin", "expires_in": 3599.0, "api_domain": "http://127.0.0.1:7480"}
	for k, v := range want {
		if body[k] != v {
			t.Errorf("%s = %v, want %v", k, body[k], v)
		}
	}
	if body["access_token"] == "" || body["refresh_token"] == "" {
		t.Errorf("tokens missing: %v", body)
	}
	if !m.CodeExchanged(c.value) {
		t.Error("CodeExchanged = false after the exchange")
	}
	m2, _ := fixture(t, Options{APIDomain: "http://api.example.test"}, nil)
	c2, _ := m2.issueCode(acme, 101)
	if _, b := exchangeCode(t, m2, c2.value); b["api_domain"] != "http://api.example.test" {
		t.Errorf("api_domain = %v, want the option's", b["api_domain"])
	}
}

func TestMarketplace_OAuthRules(t *testing.T) {
	type step func(t *testing.T, m *Marketplace, clk *Clock) (int, map[string]any)
	code := func(t *testing.T, m *Marketplace) string {
		c, err := m.issueCode(acme, 101)
		must(t, err)
		return c.value
	}
	cases := []struct {
		name      string
		run       step
		status    int
		errorCode string
	}{
		{"fresh code", func(t *testing.T, m *Marketplace, _ *Clock) (int, map[string]any) {
			return exchangeCode(t, m, code(t, m))
		}, 200, ""},
		{"code used twice", func(t *testing.T, m *Marketplace, _ *Clock) (int, map[string]any) {
			c := code(t, m)
			exchangeCode(t, m, c)
			return exchangeCode(t, m, c)
		}, 400, "invalid_grant"},
		{"code just inside 5 minutes", func(t *testing.T, m *Marketplace, clk *Clock) (int, map[string]any) {
			c := code(t, m)
			clk.Advance(CodeLifetime - time.Second)
			return exchangeCode(t, m, c)
		}, 200, ""},
		{"code after 5 minutes", func(t *testing.T, m *Marketplace, clk *Clock) (int, map[string]any) {
			c := code(t, m)
			clk.Advance(CodeLifetime)
			return exchangeCode(t, m, c)
		}, 400, "invalid_grant"},
		{"unknown code", func(t *testing.T, m *Marketplace, _ *Clock) (int, map[string]any) {
			return exchangeCode(t, m, "code-nope")
		}, 400, "invalid_grant"},
		{"wrong redirect_uri", func(t *testing.T, m *Marketplace, _ *Clock) (int, map[string]any) {
			st, b, _ := do(t, m, tokenRequest(acme, secret, url.Values{"grant_type": {"authorization_code"}, "code": {code(t, m)}, "redirect_uri": {"http://evil.test/cb"}}))
			return st, b
		}, 400, "invalid_request"},
		{"no redirect_uri", func(t *testing.T, m *Marketplace, _ *Clock) (int, map[string]any) {
			st, b, _ := do(t, m, tokenRequest(acme, secret, url.Values{"grant_type": {"authorization_code"}, "code": {code(t, m)}}))
			return st, b
		}, 400, "invalid_request"},
		{"wrong client secret", func(t *testing.T, m *Marketplace, _ *Clock) (int, map[string]any) {
			st, b, _ := do(t, m, tokenRequest(acme, "wrong", url.Values{"grant_type": {"authorization_code"}, "code": {code(t, m)}}))
			return st, b
		}, 400, "invalid_client"},
		{"unknown client", func(t *testing.T, m *Marketplace, _ *Clock) (int, map[string]any) {
			st, b, _ := do(t, m, tokenRequest("other", secret, url.Values{"grant_type": {"authorization_code"}, "code": {code(t, m)}}))
			return st, b
		}, 400, "invalid_client"},
		{"no client credentials", func(t *testing.T, m *Marketplace, _ *Clock) (int, map[string]any) {
			st, b, _ := do(t, m, tokenRequest("", "", url.Values{"grant_type": {"authorization_code"}, "code": {code(t, m)}}))
			return st, b
		}, 400, "invalid_client"},
		{"client credentials as form fields", func(t *testing.T, m *Marketplace, _ *Clock) (int, map[string]any) {
			a, _ := m.App(acme)
			st, b, _ := do(t, m, tokenRequest("", "", url.Values{"grant_type": {"authorization_code"}, "code": {code(t, m)}, "redirect_uri": {a.CallbackURL}, "client_id": {acme}, "client_secret": {secret}}))
			return st, b
		}, 200, ""},
		{"wrong client secret as a form field", func(t *testing.T, m *Marketplace, _ *Clock) (int, map[string]any) {
			a, _ := m.App(acme)
			st, b, _ := do(t, m, tokenRequest("", "", url.Values{"grant_type": {"authorization_code"}, "code": {code(t, m)}, "redirect_uri": {a.CallbackURL}, "client_id": {acme}, "client_secret": {"nope"}}))
			return st, b
		}, 400, "invalid_client"},
		{"malformed Authorization header", func(t *testing.T, m *Marketplace, _ *Clock) (int, map[string]any) {
			r := tokenRequest("", "", url.Values{"grant_type": {"authorization_code"}, "code": {code(t, m)}})
			r.Header.Set("Authorization", "Basic !!!not-base64")
			st, b, _ := do(t, m, r)
			return st, b
		}, 400, "invalid_request"},
		{"a JSON body", func(t *testing.T, m *Marketplace, _ *Clock) (int, map[string]any) {
			r := tokenRequest(acme, secret, url.Values{})
			r.Body = io.NopCloser(strings.NewReader(`{"grant_type":"authorization_code"}`))
			r.Header.Set("Content-Type", "application/json")
			st, b, _ := do(t, m, r)
			return st, b
		}, 400, "invalid_request"},
		{"GET", func(t *testing.T, m *Marketplace, _ *Clock) (int, map[string]any) {
			r := tokenRequest(acme, secret, url.Values{})
			r.Method = http.MethodGet
			st, b, _ := do(t, m, r)
			return st, b
		}, 400, "invalid_request"},
		{"no grant_type", func(t *testing.T, m *Marketplace, _ *Clock) (int, map[string]any) {
			st, b, _ := do(t, m, tokenRequest(acme, secret, url.Values{}))
			return st, b
		}, 400, "invalid_request"},
		{"unsupported grant", func(t *testing.T, m *Marketplace, _ *Clock) (int, map[string]any) {
			st, b, _ := do(t, m, tokenRequest(acme, secret, url.Values{"grant_type": {"password"}}))
			return st, b
		}, 400, "unsupported_grant_type"},
		{"refresh returns the same refresh token", func(t *testing.T, m *Marketplace, clk *Clock) (int, map[string]any) {
			_, rt := login(t, m, 101)
			clk.Advance(2 * time.Hour)
			st, b := refreshWith(t, m, rt)
			if b["refresh_token"] != rt {
				t.Errorf("refresh_token = %v, want the same %s", b["refresh_token"], rt)
			}
			return st, b
		}, 200, ""},
		{"refresh just inside 60 days unused", func(t *testing.T, m *Marketplace, clk *Clock) (int, map[string]any) {
			_, rt := login(t, m, 101)
			clk.Advance(RefreshTokenIdleLife - time.Second)
			return refreshWith(t, m, rt)
		}, 200, ""},
		{"refresh after 60 days unused", func(t *testing.T, m *Marketplace, clk *Clock) (int, map[string]any) {
			_, rt := login(t, m, 101)
			clk.Advance(RefreshTokenIdleLife)
			return refreshWith(t, m, rt)
		}, 400, "invalid_grant"},
		{"use restarts the 60 days", func(t *testing.T, m *Marketplace, clk *Clock) (int, map[string]any) {
			_, rt := login(t, m, 101)
			clk.Advance(50 * 24 * time.Hour)
			refreshWith(t, m, rt)
			clk.Advance(50 * 24 * time.Hour)
			return refreshWith(t, m, rt)
		}, 200, ""},
		{"unknown refresh token", func(t *testing.T, m *Marketplace, _ *Clock) (int, map[string]any) {
			return refreshWith(t, m, "rt-nope")
		}, 400, "invalid_grant"},
		{"revoked refresh token", func(t *testing.T, m *Marketplace, _ *Clock) (int, map[string]any) {
			_, rt := login(t, m, 101)
			r := httptest.NewRequest(http.MethodPost, "/oauth/revoke", strings.NewReader(url.Values{"token": {rt}, "token_type_hint": {"refresh_token"}}.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.SetBasicAuth(acme, secret)
			if st, _, _ := do(t, m, r); st != 200 {
				t.Errorf("revoke: %d", st)
			}
			return refreshWith(t, m, rt)
		}, 400, "invalid_grant"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, clk := fixture(t, Options{}, nil)
			st, body := tc.run(t, m, clk)
			if st != tc.status {
				t.Fatalf("status = %d (%v), want %d", st, body, tc.status)
			}
			if tc.errorCode != "" {
				if body["error"] != tc.errorCode || body["error_description"] == "" {
					t.Errorf("body = %v, want error %q with a description", body, tc.errorCode)
				}
			} else if body["access_token"] == nil {
				t.Errorf("no access_token in %v", body)
			}
		})
	}
}

func TestMarketplace_AccessTokenLifetime(t *testing.T) {
	cases := []struct {
		name   string
		after  time.Duration
		expire bool
		status int
	}{
		{"fresh", 0, false, 200},
		{"59 minutes", 59 * time.Minute, false, 200},
		{"60 minutes", 60 * time.Minute, false, 401},
		{"expired by hand", 0, true, 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, clk := fixture(t, Options{}, nil)
			at, rt := login(t, m, 101)
			clk.Advance(tc.after)
			if tc.expire && m.ExpireAccessTokens(101) != 1 {
				t.Error("ExpireAccessTokens ended no token")
			}
			st, _, raw := apiGet(t, m, at, "/api/v1/users/me")
			if st != tc.status {
				t.Fatalf("status = %d %s, want %d", st, raw, tc.status)
			}
			if st == 401 {
				// A refresh brings the app back (PD-OAUTH-03).
				s, b := refreshWith(t, m, rt)
				if s != 200 {
					t.Fatalf("refresh: %d %v", s, b)
				}
				if s, _, raw := apiGet(t, m, b["access_token"].(string), "/api/v1/users/me"); s != 200 {
					t.Errorf("after refresh: %d %s", s, raw)
				}
			}
		})
	}
}

func TestMarketplace_ScopeEnforcement(t *testing.T) {
	m, _ := fixture(t, Options{}, nil)
	admin, _ := login(t, m, 100)
	user, _ := login(t, m, 101)
	post := func(token, path, body string) (int, string) {
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		r.Header.Set("Authorization", "Bearer "+token)
		st, _, raw := do(t, m, r)
		return st, raw
	}
	const (
		unauthorized = `{"success":false,"error":"unauthorized access","errorCode":401}`
		mismatch     = `{"success":false,"error":"Scope and URL mismatch","errorCode":403}`
	)
	cases := []struct {
		name   string
		run    func() (int, string)
		status int
		body   string // exact, when set
	}{
		{"no token", func() (int, string) { st, _, b := apiGet(t, m, "", "/api/v1/deals"); return st, b }, 401, unauthorized},
		{"unknown token", func() (int, string) { st, _, b := apiGet(t, m, "at-nope", "/api/v1/deals"); return st, b }, 401, unauthorized},
		{"granted read", func() (int, string) { st, _, b := apiGet(t, m, user, "/api/v1/deals"); return st, b }, 200, ""},
		{"base always granted", func() (int, string) { st, _, b := apiGet(t, m, user, "/api/v1/currencies"); return st, b }, 200, `{"success":true,"data":[]}`},
		{"write outside scopes", func() (int, string) { return post(user, "/api/v1/deals", `{"title":"x"}`) }, 403, mismatch},
		{"read outside scopes", func() (int, string) { st, _, b := apiGet(t, m, user, "/api/v1/persons"); return st, b }, 403, mismatch},
		{"unknown endpoint", func() (int, string) { st, _, b := apiGet(t, m, user, "/api/v1/nothing/here"); return st, b }, 403, mismatch},
		{"admin-only endpoint, admin", func() (int, string) { return post(admin, "/api/v1/webhooks", `{"url":"http://x"}`) }, 200, `{"success":true,"data":{"url":"http://x"}}`},
		{"admin-only endpoint, non-admin", func() (int, string) { return post(user, "/api/v1/webhooks", `{"url":"http://x"}`) }, 403, ""},
		{"admin endpoint also in deals:read, non-admin", func() (int, string) { st, _, b := apiGet(t, m, user, "/api/v1/stages"); return st, b }, 200, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, body := tc.run()
			if st != tc.status || (tc.body != "" && body != tc.body) {
				t.Errorf("= %d %s, want %d %s", st, body, tc.status, tc.body)
			}
		})
	}
}

func TestMarketplace_UsersMe(t *testing.T) {
	m, _ := fixture(t, Options{}, nil)
	for _, u := range []struct {
		id      int64
		company float64
		name    string
		admin   float64
	}{{100, 1, "Acme Ltd", 1}, {101, 1, "Acme Ltd", 0}, {200, 2, "Globex Inc", 1}} {
		at, _ := login(t, m, u.id)
		for _, prefix := range []string{"/api/v1", "/v1"} {
			st, body, raw := apiGet(t, m, at, prefix+"/users/me")
			d, _ := body["data"].(map[string]any)
			if st != 200 || body["success"] != true || d["id"] != float64(u.id) || d["company_id"] != u.company || d["is_admin"] != u.admin ||
				d["email"] == "" || d["name"] == "" || d["company_name"] != u.name || d["company_domain"] == "" ||
				d["locale"] == "" || d["timezone_name"] == "" || d["active_flag"] != true {
				t.Errorf("user %d at %s: %d %s", u.id, prefix, st, raw)
			}
		}
	}
}

func TestMarketplace_SeededRecords(t *testing.T) {
	m, _ := fixture(t, Options{}, nil)
	admin, _ := login(t, m, 100)
	user, _ := login(t, m, 101)
	globex, _ := login(t, m, 200)
	cases := []struct {
		token, path string
		status      int
		want        string
	}{
		{user, "/api/v1/deals/1", 200, `{"success":true,"data":{"id":1,"title":"Acme Ltd deal 1","value":2000,"currency":"USD","user_id":100,"visible_to":"3"}}`},
		{globex, "/api/v1/deals/1", 200, `{"success":true,"data":{"id":1,"title":"Globex Inc deal 1","value":2000,"currency":"USD","user_id":200,"visible_to":"3"}}`},
		{admin, "/api/v1/deals/3", 200, `{"success":true,"data":{"id":3,"title":"Acme Ltd deal 3","value":2000,"currency":"USD","user_id":100,"visible_to":"1"}}`},
		{user, "/api/v1/deals/3", 404, ""},
		{user, "/api/v1/deals/4", 404, ""},
		{user, "/api/v1/deals/x", 404, ""},
		{user, "/api/v1/deals/1/files", 200, `{"success":true,"data":[]}`},
	}
	for _, tc := range cases {
		st, _, raw := apiGet(t, m, tc.token, tc.path)
		if st != tc.status || (tc.want != "" && raw != tc.want) {
			t.Errorf("%s: %d %s, want %d %s", tc.path, st, raw, tc.status, tc.want)
		}
	}
	titles := func(m *Marketplace, token, path string) []string {
		_, body, raw := apiGet(t, m, token, path)
		list, ok := body["data"].([]any)
		if !ok {
			t.Fatalf("%s: %s", path, raw)
		}
		var out []string
		for _, r := range list {
			rec := r.(map[string]any)
			if s, ok := rec["title"].(string); ok {
				out = append(out, s)
			} else {
				out = append(out, rec["name"].(string))
			}
		}
		return out
	}
	if got := strings.Join(titles(m, admin, "/api/v1/deals"), "|"); got != "Acme Ltd deal 1|Acme Ltd deal 2|Acme Ltd deal 3" {
		t.Errorf("admin's deals = %s", got)
	}
	if got := strings.Join(titles(m, user, "/api/v1/deals"), "|"); got != "Acme Ltd deal 1|Acme Ltd deal 2" {
		t.Errorf("user's deals = %s: deal 3 is the owner's only", got)
	}
	// persons and organizations need contacts:read, which the fixture's app lacks.
	m2, _ := fixture(t, Options{}, func(a *manifest.App) { a.Scopes = []string{"contacts:read"} })
	g, _ := login(t, m2, 200)
	if got := strings.Join(titles(m2, g, "/api/v1/persons"), "|"); got != "Globex Inc person 1|Globex Inc person 2" {
		t.Errorf("persons = %s", got)
	}
	if got := strings.Join(titles(m2, g, "/api/v1/organizations"), "|"); got != "Globex Inc organization 1|Globex Inc organization 2" {
		t.Errorf("organizations = %s", got)
	}
	if st, _, raw := apiGet(t, m2, g, "/api/v1/organizations/2"); st != 200 || !strings.Contains(raw, `"Globex Inc organization 2"`) {
		t.Errorf("organization 2: %d %s", st, raw)
	}
	if d := m.Deals(2); len(d) != 3 || d[2].Title != "Globex Inc deal 3" || d[2].VisibleTo != VisibleOwner || d[2].UserID != 200 {
		t.Errorf("Deals(2) = %+v", d)
	}
}

func TestMarketplace_RecordsCalls(t *testing.T) {
	m, clk := fixture(t, Options{}, nil)
	at, _ := login(t, m, 101)
	clk.Advance(time.Minute)
	apiGet(t, m, at, "/api/v1/deals/2")
	apiGet(t, m, at, "/api/v1/persons/1")
	apiGet(t, m, "", "/api/v1/deals")
	apiGet(t, m, at, "/api/v2/deals?limit=1")
	calls := m.Calls()
	if len(calls) != 5 {
		t.Fatalf("calls = %+v", calls)
	}
	want := []Call{
		{App: acme, UserID: 101, CompanyID: 1, Method: "POST", Path: "/oauth/token", Template: "/oauth/token", Grant: "authorization_code", Status: 200, At: clk.Now().Add(-time.Minute)},
		{App: acme, UserID: 101, CompanyID: 1, Method: "GET", Path: "/api/v1/deals/2", Template: "/deals/{id}", Scope: "deals:read", Version: 1, Status: 200, At: clk.Now()},
		{App: acme, UserID: 101, CompanyID: 1, Method: "GET", Path: "/api/v1/persons/1", Template: "/persons/{id}", Version: 1, Status: 403, At: clk.Now()},
		{Method: "GET", Path: "/api/v1/deals", Version: 1, Status: 401, At: clk.Now()},
		{App: acme, UserID: 101, CompanyID: 1, Method: "GET", Path: "/api/v2/deals", Template: "/deals", Scope: "deals:read", Version: 2, Status: 200, At: clk.Now()},
	}
	for i := range want {
		if calls[i] != want[i] {
			t.Errorf("call %d = %+v\nwant %+v", i, calls[i], want[i])
		}
	}
	if got := m.ScopesUsed(acme); len(got) != 1 || got[0] != "deals:read" {
		t.Errorf("ScopesUsed = %v", got)
	}
	if got := len(m.CallsBy("other")); got != 0 {
		t.Errorf("CallsBy(other) = %d calls", got)
	}
}

func TestMarketplace_SetupErrors(t *testing.T) {
	m, _ := fixture(t, Options{}, nil)
	for name, err := range map[string]error{
		"company twice":      m.AddCompany(Company{1, "Again"}),
		"company no name":    m.AddCompany(Company{ID: 9}),
		"user twice":         m.AddUser(User{ID: 100, CompanyID: 1}),
		"user no company":    m.AddUser(User{ID: 900, CompanyID: 9}),
		"app twice":          m.AddApp(manifest.App{ClientID: acme, ClientSecret: "x", CallbackURL: "http://x/cb"}),
		"app bad manifest":   m.AddApp(manifest.App{ClientID: "x"}),
		"app unknown scope":  m.AddApp(manifest.App{ClientID: "y", ClientSecret: "x", CallbackURL: "http://x/cb", Scopes: []string{"nope"}}),
		"company id is zero": m.AddCompany(Company{0, "Zero"}),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	r := httptest.NewRequest(http.MethodGet, "/elsewhere", nil)
	if st, _, _ := do(t, m, r); st != 404 {
		t.Errorf("unknown path: %d", st)
	}
}
