package marketplace

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appcert/appcert/internal/jwt"
	"github.com/appcert/appcert/manifest"
)

// seen is what a recording app received.
type seen struct {
	Method string
	URL    *url.URL
	Header http.Header
	Body   []byte
}

// recorder is an app that records every request and answers with answer.
type recorder struct {
	mu  sync.Mutex
	got []seen
}

func (rc *recorder) handler(answer http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got = append(rc.got, seen{r.Method, r.URL, r.Header.Clone(), b})
		rc.mu.Unlock()
		answer(w, r)
	})
}

func (rc *recorder) last(t *testing.T) seen {
	t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.got) == 0 {
		t.Fatal("the app received nothing")
	}
	return rc.got[len(rc.got)-1]
}

// pointAt points every URL of the fixture's app at base.
func pointAt(base string, more func(*manifest.App)) func(*manifest.App) {
	return func(a *manifest.App) {
		a.CallbackURL = base + "/callback"
		for i := range a.Extensions {
			a.Extensions[i].URL = base + "/" + string(a.Extensions[i].Type)
		}
		if more != nil {
			more(a)
		}
	}
}

func okJSON(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, body)
	}
}

func withHTTPAuth(a *manifest.App) {
	a.Extensions[0].HTTPAuth = manifest.BasicAuth{Username: "panel-user", Password: "panel-pass"}
}

func TestMarketplace_PanelRequest(t *testing.T) {
	var rc recorder
	app := httptest.NewServer(rc.handler(okJSON(`{"data":[]}`)))
	defer app.Close()
	m, _ := fixture(t, Options{}, pointAt(app.URL, withHTTPAuth))
	ex, err := m.SendPanel(context.Background(), acme, PanelRequest{UserID: 101, SelectedIDs: []int64{42}, IsShared: true})
	must(t, err)
	if ex.Err != nil || ex.Status != 200 || string(ex.Body) != `{"data":[]}` || ex.Kind != KindPanel || ex.Variant != "" {
		t.Fatalf("exchange = %+v", ex)
	}
	got := rc.last(t)
	q := got.URL.Query()
	want := map[string]string{"resource": "deal", "view": "details", "userId": "101", "companyId": "1", "selectedIds": "42", "isShared": "true"}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if got.Method != http.MethodGet || got.URL.Path != "/json_panel" {
		t.Errorf("%s %s", got.Method, got.URL.Path)
	}
	before := time.Now().Unix()
	c, err := jwt.Verify(q.Get("token"), secret, time.Now())
	if err != nil {
		t.Fatalf("token does not verify with the client secret: %v", err)
	}
	if c.UserID != 101 || c.CompanyID != 1 || c.ExpiresAt-c.IssuedAt != 300 || c.IssuedAt < before-5 {
		t.Errorf("claims = %+v", c)
	}
	if u, p, ok := (&http.Request{Header: got.Header}).BasicAuth(); !ok || u != "panel-user" || p != "panel-pass" {
		t.Errorf("Basic auth = %q %q %v", u, p, ok)
	}
	if h := ex.Request.Header.Get("Authorization"); h != "Basic panel-user:[redacted]" {
		t.Errorf("recorded Authorization = %q, want the password redacted", h)
	}
}

func TestMarketplace_LinkActionRequest(t *testing.T) {
	var rc recorder
	app := httptest.NewServer(rc.handler(okJSON(`{}`)))
	defer app.Close()
	// The marketplace's clock is far from the wall clock: the token must
	// still be signed on the wall clock.
	m, clk := fixture(t, Options{}, pointAt(app.URL, nil))
	clk.Advance(-365 * 24 * time.Hour)
	_, err := m.SendLinkAction(context.Background(), acme, LinkRequest{UserID: 200, SelectedIDs: []int64{9, 10}})
	must(t, err)
	got := rc.last(t)
	q := got.URL.Query()
	if q.Has("isShared") || q.Get("selectedIds") != "9,10" || q.Get("companyId") != "2" || got.URL.Path != "/link_action" {
		t.Errorf("query = %v", q)
	}
	if _, err := jwt.Verify(q.Get("token"), secret, time.Now()); err == nil {
		t.Error("the link action's token verified with the client secret; it has a jwt_secret")
	}
	c, err := jwt.Verify(q.Get("token"), "jwt-secret-key", time.Now())
	if err != nil || c.UserID != 200 || c.CompanyID != 2 {
		t.Errorf("claims = %+v, %v", c, err)
	}
	if got.Header.Get("Authorization") != "" {
		t.Error("Basic auth sent for an extension without http_auth")
	}
}

func TestMarketplace_ForgedRequests(t *testing.T) {
	var rc recorder
	app := httptest.NewServer(rc.handler(okJSON(`{"data":[]}`)))
	defer app.Close()
	m, _ := fixture(t, Options{}, pointAt(app.URL, withHTTPAuth))
	cases := []struct {
		token   Token
		creds   Credentials
		variant string
		check   func(t *testing.T, tok string, c jwt.Claims, err error)
		user    string
		pass    string
		hasAuth bool
	}{
		{TokenMissing, CredentialsValid, "token: missing", func(t *testing.T, tok string, _ jwt.Claims, _ error) {
			if tok != "" {
				t.Errorf("token = %q, want none", tok)
			}
		}, "panel-user", "panel-pass", true},
		{TokenBadSignature, CredentialsValid, "token: bad signature", func(t *testing.T, _ string, _ jwt.Claims, err error) {
			if !errors.Is(err, jwt.ErrSignature) {
				t.Errorf("err = %v, want a bad signature", err)
			}
		}, "panel-user", "panel-pass", true},
		{TokenExpired, CredentialsValid, "token: expired", func(t *testing.T, _ string, _ jwt.Claims, err error) {
			if !errors.Is(err, jwt.ErrExpired) {
				t.Errorf("err = %v, want expired", err)
			}
		}, "panel-user", "panel-pass", true},
		{TokenOtherUser, CredentialsValid, "token: another user", func(t *testing.T, _ string, c jwt.Claims, err error) {
			if err != nil || c.UserID != 100 || c.CompanyID != 1 {
				t.Errorf("claims = %+v %v, want user 100 of the same company", c, err)
			}
		}, "panel-user", "panel-pass", true},
		{TokenOtherCompany, CredentialsValid, "token: another company", func(t *testing.T, _ string, c jwt.Claims, err error) {
			if err != nil || c.UserID != 101 || c.CompanyID != 2 {
				t.Errorf("claims = %+v %v, want company 2", c, err)
			}
		}, "panel-user", "panel-pass", true},
		{TokenValid, CredentialsWrong, "Basic auth: wrong", func(t *testing.T, _ string, c jwt.Claims, err error) {
			if err != nil || c.UserID != 101 {
				t.Errorf("claims = %+v %v, want a valid token", c, err)
			}
		}, "panel-user", wrongPassword, true},
		{TokenValid, CredentialsMissing, "Basic auth: missing", func(t *testing.T, _ string, _ jwt.Claims, err error) {
			if err != nil {
				t.Errorf("err = %v, want a valid token", err)
			}
		}, "", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.variant, func(t *testing.T) {
			ex, err := m.SendPanel(context.Background(), acme, PanelRequest{UserID: 101, Token: tc.token, BasicAuth: tc.creds})
			must(t, err)
			if ex.Variant != tc.variant {
				t.Errorf("Variant = %q, want %q", ex.Variant, tc.variant)
			}
			got := rc.last(t)
			q := got.URL.Query()
			if q.Get("userId") != "101" || q.Get("companyId") != "1" {
				t.Errorf("the query must name the entitled viewer: %v", q)
			}
			c, verr := jwt.Verify(q.Get("token"), secret, time.Now())
			tc.check(t, q.Get("token"), c, verr)
			u, p, ok := (&http.Request{Header: got.Header}).BasicAuth()
			if ok != tc.hasAuth || u != tc.user || p != tc.pass {
				t.Errorf("Basic auth = %q %q %v, want %q %q %v", u, p, ok, tc.user, tc.pass, tc.hasAuth)
			}
		})
	}
	if _, err := m.SendLinkAction(context.Background(), acme, LinkRequest{UserID: 101, BasicAuth: CredentialsWrong}); err == nil {
		t.Error("forged Basic auth accepted for a link action that has no http_auth")
	}
	for _, tok := range append([]Token{TokenValid}, ForgedTokens()...) {
		if back, err := ParseToken(tok.String()); err != nil || back != tok {
			t.Errorf("ParseToken(%q) = %v, %v", tok, back, err)
		}
	}
	if _, err := ParseToken("sideways"); err == nil {
		t.Error("ParseToken accepted nonsense")
	}
	if c, err := ParseCredentials("wrong"); err != nil || c != CredentialsWrong {
		t.Errorf("ParseCredentials = %v, %v", c, err)
	}
}

func TestMarketplace_SharingAndUninstall(t *testing.T) {
	var rc recorder
	app := httptest.NewServer(rc.handler(okJSON(`{}`)))
	defer app.Close()
	m, _ := fixture(t, Options{}, pointAt(app.URL, nil))
	ctx := context.Background()

	ex, err := m.SendSharing(ctx, acme, SharingRequest{CompanyID: 1, UserID: 100, IsShared: true})
	must(t, err)
	got := rc.last(t)
	if got.Method != http.MethodPost || got.URL.Path != "/callback" || got.Header.Get("Content-Type") != "application/json" ||
		string(got.Body) != `{"company_id":1,"user_id":100,"isShared":true}` {
		t.Errorf("sharing = %s %s %s", got.Method, got.URL, got.Body)
	}
	if u, p, ok := (&http.Request{Header: got.Header}).BasicAuth(); !ok || u != acme || p != secret {
		t.Errorf("sharing Basic auth = %q %q", u, p)
	}
	if strings.Contains(ex.Request.Header.Get("Authorization"), secret) {
		t.Error("the recorded request shows the client secret")
	}

	at, _ := login(t, m, 100)
	_, err = m.SendUninstall(ctx, acme, UninstallRequest{CompanyID: 1, UserID: 100, Credentials: CredentialsWrong})
	must(t, err)
	got = rc.last(t)
	var body map[string]any
	must(t, json.Unmarshal(got.Body, &body))
	if got.Method != http.MethodDelete || body["client_id"] != acme || body["company_id"] != 1.0 || body["user_id"] != 100.0 {
		t.Errorf("uninstall body = %s", got.Body)
	}
	if ts, err := time.Parse(time.RFC3339, body["timestamp"].(string)); err != nil || time.Since(ts) > time.Minute {
		t.Errorf("timestamp = %v (%v), want the wall clock now", body["timestamp"], err)
	}
	if _, p, _ := (&http.Request{Header: got.Header}).BasicAuth(); p != wrongPassword {
		t.Errorf("forged uninstall password = %q", p)
	}
	if st, _, _ := apiGet(t, m, at, "/api/v1/users/me"); st != 200 {
		t.Error("a forged uninstall ended the user's token")
	}
	_, err = m.SendUninstall(ctx, acme, UninstallRequest{CompanyID: 1, UserID: 100, Credentials: CredentialsValid})
	must(t, err)
	if _, p, _ := (&http.Request{Header: rc.last(t).Header}).BasicAuth(); p != secret {
		t.Errorf("genuine uninstall password = %q", p)
	}
	if st, _, _ := apiGet(t, m, at, "/api/v1/users/me"); st != 401 {
		t.Error("the genuine uninstall left the user's token working")
	}

	for name, call := range map[string]func() error{
		"unknown app sharing": func() error {
			_, err := m.SendSharing(ctx, "nope", SharingRequest{CompanyID: 1, UserID: 100, IsShared: true})
			return err
		},
		"unknown app uninstall": func() error {
			_, err := m.SendUninstall(ctx, "nope", UninstallRequest{CompanyID: 1, UserID: 100})
			return err
		},
		"unknown user": func() error { _, err := m.SendPanel(ctx, acme, PanelRequest{UserID: 999}); return err },
		"unknown extension": func() error {
			_, err := m.SendPanel(ctx, acme, PanelRequest{UserID: 101, Extension: "Nope"})
			return err
		},
		"authorize unknown": func() error { _, err := m.Authorize(ctx, "nope", 101); return err },
		"deny unknown":      func() error { _, err := m.Deny(ctx, acme, 999); return err },
	} {
		if call() == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// oauthApp is a minimal app that exchanges the code and asks users/me, as
// protocol.md expects; exchange=false makes it skip the exchange.
func oauthApp(t *testing.T, market string, exchange bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("error") == "user_denied" {
			_, _ = io.WriteString(w, "maybe next time")
			return
		}
		if !exchange {
			w.WriteHeader(http.StatusFound)
			return
		}
		form := url.Values{"grant_type": {"authorization_code"}, "code": {r.URL.Query().Get("code")}, "redirect_uri": {"http://" + r.Host + "/callback"}}
		req, _ := http.NewRequestWithContext(r.Context(), http.MethodPost, market+"/oauth/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(acme, secret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		var tok struct {
			AccessToken string `json:"access_token"`
			APIDomain   string `json:"api_domain"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&tok)
		me, _ := http.NewRequestWithContext(r.Context(), http.MethodGet, tok.APIDomain+"/api/v1/users/me", nil)
		me.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		if resp, err := http.DefaultClient.Do(me); err == nil {
			resp.Body.Close()
		}
		http.Redirect(w, r, "/welcome", http.StatusFound)
	})
}

func TestMarketplace_Authorize(t *testing.T) {
	for _, exchange := range []bool{true, false} {
		m := New(Options{})
		market := httptest.NewServer(m)
		app := httptest.NewServer(oauthApp(t, market.URL, exchange))
		must(t, m.AddCompany(Company{1, "Acme Ltd"}))
		must(t, m.AddUser(User{ID: 101, CompanyID: 1, Name: "Bob", Email: "bob@acme.test"}))
		must(t, m.AddApp(manifest.App{ClientID: acme, ClientSecret: secret, CallbackURL: app.URL + "/callback", Scopes: []string{"deals:read"}}))

		ex, err := m.Authorize(context.Background(), acme, 101)
		must(t, err)
		if ex.Status != http.StatusFound {
			t.Errorf("status = %d: the redirect must be the answer, not followed", ex.Status)
		}
		f := m.JudgeAuthorize(ex)
		if exchange {
			if len(f) != 0 {
				t.Errorf("findings for a conforming app: %v", f)
			}
			calls := m.CallsBy(acme)
			if len(calls) != 2 || calls[1].Template != "/users/me" || calls[1].UserID != 101 || calls[1].Status != 200 {
				t.Errorf("calls = %+v", calls)
			}
		} else if len(f) != 1 || f[0].Rule != "PD-OAUTH-02" || !strings.Contains(f[0].Reason, "without exchanging the code") {
			t.Errorf("findings for an app that never exchanges = %v", f)
		}
		dex, err := m.Deny(context.Background(), acme, 101)
		must(t, err)
		q, _ := url.Parse(dex.Request.URL)
		if q.Query().Get("error") != "user_denied" || q.Query().Has("state") || dex.Status != 200 {
			t.Errorf("deny = %s %d", dex.Request.URL, dex.Status)
		}
		if f := m.JudgeAuthorize(dex); len(f) != 0 {
			t.Errorf("deny findings = %v", f)
		}
		app.Close()
		market.Close()
		m.Close()
	}
}
