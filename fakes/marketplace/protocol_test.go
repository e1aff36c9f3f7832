package marketplace

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appcert/appcert/certify/result"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/rules"
)

func TestMarketplace_TokenShapes(t *testing.T) {
	m, _ := fixture(t, Options{}, nil)
	c, err := m.issueCode(acme, 101)
	must(t, err)
	if !regexp.MustCompile(`^1\.101\.[0-9a-f]{40}$`).MatchString(c.value) {
		t.Errorf("code %q, want <company>.<user>.<40 hex>", c.value)
	}
	st, body := exchangeCode(t, m, c.value)
	if st != 200 {
		t.Fatalf("exchange: %d %v", st, body)
	}
	shape := regexp.MustCompile(`^1:101:[0-9a-f]{40}$`)
	for _, k := range []string{"access_token", "refresh_token"} {
		if v, _ := body[k].(string); !shape.MatchString(v) {
			t.Errorf("%s %q, want <company>:<user>:<40 hex>", k, v)
		}
	}
	if body["access_token"] == body["refresh_token"] {
		t.Error("the access and refresh tokens are the same")
	}
}

func TestMarketplace_APIAnswersMalformedAuthorizationWith400(t *testing.T) {
	m, _ := fixture(t, Options{}, nil)
	at, _ := login(t, m, 101)
	for _, h := range []string{"Bearer", "Bearer ", "Basic " + at, at, "Bearer a b", "Token " + at} {
		r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:7480/api/v1/deals", nil)
		r.Header.Set("Authorization", h)
		if st, _, raw := do(t, m, r); st != 400 {
			t.Errorf("Authorization %q: %d %s, want 400", h, st, raw)
		}
	}
	if st, _, _ := apiGet(t, m, "1:101:"+strings.Repeat("0", 40), "/api/v1/deals"); st != 401 {
		t.Errorf("an unknown token of the right shape: %d, want 401", st)
	}
}

func TestMarketplace_ServesV1AndV2(t *testing.T) {
	m, _ := fixture(t, Options{}, func(a *manifest.App) { a.Scopes = []string{"deals:full"} })
	at, _ := login(t, m, 101)
	for _, p := range []string{"/api/v1/deals", "/v1/deals", "/api/v2/deals"} {
		if st, _, raw := apiGet(t, m, at, p); st != 200 {
			t.Errorf("GET %s: %d %s", p, st, raw)
		}
	}
	if st, _, _ := apiGet(t, m, at, "/api/v2/users/me"); st != 403 {
		t.Errorf("GET /api/v2/users/me: %d, want 403 (v2 has no users endpoint)", st)
	}
	if st, _, _ := apiGet(t, m, at, "/api/v3/deals"); st != 404 {
		t.Errorf("GET /api/v3/deals: %d, want 404", st)
	}

	// v2 records: numbers, true/false, RFC 3339.
	_, body, raw := apiGet(t, m, at, "/api/v2/deals/1")
	d, _ := body["data"].(map[string]any)
	if _, err := time.Parse(time.RFC3339, d["add_time"].(string)); err != nil || d["is_deleted"] != false || d["visible_to"] != float64(3) || d["owner_id"] == nil {
		t.Errorf("v2 deal: %s", raw)
	}

	// Cursor pagination walks every deal Bob may see, once.
	var titles []string
	cursor := ""
	for range 5 {
		p := "/api/v2/deals?limit=1"
		if cursor != "" {
			p += "&cursor=" + url.QueryEscape(cursor)
		}
		st, body, raw := apiGet(t, m, at, p)
		if st != 200 {
			t.Fatalf("GET %s: %d %s", p, st, raw)
		}
		for _, x := range body["data"].([]any) {
			titles = append(titles, x.(map[string]any)["title"].(string))
		}
		next := body["additional_data"].(map[string]any)["next_cursor"]
		if next == nil {
			break
		}
		cursor = next.(string)
	}
	if strings.Join(titles, ",") != "Acme Ltd deal 1,Acme Ltd deal 2" {
		t.Errorf("paged titles = %v", titles)
	}
	if st, _, _ := apiGet(t, m, at, "/api/v2/deals?cursor=forged"); st != 400 {
		t.Errorf("a forged cursor: %d, want 400", st)
	}

	// PATCH updates in v2, as PUT does in v1; PUT is not v2.
	for _, c := range []struct {
		method, path string
		status       int
	}{{"PATCH", "/api/v2/deals/1", 200}, {"PUT", "/api/v1/deals/1", 200}, {"PUT", "/api/v2/deals/1", 403}, {"PATCH", "/api/v1/deals/1", 403}} {
		r := httptest.NewRequest(c.method, "http://127.0.0.1:7480"+c.path, strings.NewReader(`{"title":"x"}`))
		r.Header.Set("Authorization", "Bearer "+at)
		if st, _, raw := do(t, m, r); st != c.status {
			t.Errorf("%s %s: %d %s, want %d", c.method, c.path, st, raw, c.status)
		}
	}
	calls := m.CallsBy(acme)
	if last := calls[len(calls)-4]; last.Version != 2 || last.Template != "/deals/{id}" || last.Scope != "deals:full" {
		t.Errorf("the v2 PATCH was recorded as %+v", last)
	}
}

func TestMarketplace_RateLimit(t *testing.T) {
	m, _ := fixture(t, Options{RateLimit: 3}, nil)
	at, _ := login(t, m, 101)
	other, _ := login(t, m, 100)
	get := func(tok string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:7480/api/v1/users/me", nil)
		r.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		m.ServeHTTP(w, r)
		return w
	}
	for i := range 3 {
		w := get(at)
		h := w.Result().Header
		if w.Code != 200 || h.Get("X-Ratelimit-Limit") != "3" || h.Get("X-Ratelimit-Remaining") != strconv.Itoa(2-i) || h.Get("X-Ratelimit-Reset") != "2" || h.Get("Retry-After") != "" {
			t.Fatalf("call %d: %d %v", i+1, w.Code, h)
		}
	}
	w := get(at)
	h := w.Result().Header
	if w.Code != 429 || h.Get("Retry-After") == "" || h.Get("X-Ratelimit-Remaining") != "0" || h.Get("X-Ratelimit-Limit") != "3" {
		t.Fatalf("over budget: %d %v", w.Code, h)
	}
	// The budget is the token's: another token is unaffected.
	if w := get(other); w.Code != 200 {
		t.Fatalf("another token: %d", w.Code)
	}
	calls := m.CallsBy(acme)
	if c := calls[len(calls)-2]; c.Status != 429 || c.UserID != 101 {
		t.Errorf("the 429 was recorded as %+v", c)
	}
}

func TestWindow_RollsOver(t *testing.T) {
	w := newWindow(2)
	sec := int64(time.Second)
	steps := []struct {
		at        int64
		allowed   bool
		remaining int
		reset     time.Duration
	}{
		{0, true, 1, 2 * time.Second},
		{sec / 2, true, 0, 1500 * time.Millisecond},
		{sec, false, 0, time.Second},                      // until the first leaves
		{2*sec - 1, false, 0, 1},                          // a nanosecond more
		{2 * sec, true, 0, 500 * time.Millisecond},        // the first left
		{2*sec + sec/2, true, 0, 1500 * time.Millisecond}, // the second left too
		{5 * sec, true, 1, 2 * time.Second},               // all gone
	}
	for _, s := range steps {
		r := w.take(s.at)
		if r.Allowed != s.allowed || r.Remaining != s.remaining || r.Reset != s.reset || r.Limit != 2 {
			t.Errorf("at %v: %+v, want allowed %v remaining %d reset %v", time.Duration(s.at), r, s.allowed, s.remaining, s.reset)
		}
	}
	// A clock that steps back does not unsort the window.
	if r := w.take(0); r.Allowed != true {
		t.Errorf("a call at an earlier time: %+v", r)
	}
}

// A call is early only when it comes after a 429 reached the app and
// before the reset that 429 named: a call already on its way when the 429
// was sent is answered 429 too, but could not have waited for it.
func TestWindow_EarlyOnlyBetweenThe429AndItsReset(t *testing.T) {
	sec := int64(time.Second)
	w := newWindow(80)
	w.force(2 * time.Second)
	if r := w.take(sec); r.Allowed || r.Early || r.Reset != 2*time.Second {
		t.Fatalf("the forced call: %+v, want a 429 asking for 2s", r)
	}
	if r := w.take(sec + 1); r.Allowed || r.Early {
		t.Errorf("a call before the 429 was sent: %+v, want a 429 that is not early", r)
	}
	w.delivered()
	if r := w.take(2 * sec); r.Allowed || !r.Early || r.Reset != time.Second {
		t.Errorf("a call a second after the 429: %+v, want an early 429 asking for the second left", r)
	}
	if r := w.take(3*sec - 1); r.Allowed || !r.Early {
		t.Errorf("a nanosecond before the reset: %+v, want early", r)
	}
	if r := w.take(3 * sec); !r.Allowed || r.Early {
		t.Errorf("at the reset: %+v, want allowed and not early", r)
	}
	// Over budget, the same: early only once the 429 was sent.
	w = newWindow(1)
	w.take(0)
	if r := w.take(sec); r.Allowed || r.Early || r.Reset != time.Second {
		t.Fatalf("over budget: %+v", r)
	}
	w.delivered()
	if r := w.take(sec + sec/2); r.Allowed || !r.Early {
		t.Errorf("after the 429, before its reset: %+v, want early", r)
	}
	if r := w.take(2 * sec); !r.Allowed || r.Early {
		t.Errorf("at the reset: %+v, want allowed", r)
	}
}

// Throttle answers the user's next call 429 with Retry-After; a call
// straight back is recorded early and fails PD-API-03, one after the wait
// passes.
func TestMarketplace_ThrottleAndJudgeBackoff(t *testing.T) {
	m, _ := fixture(t, Options{}, nil)
	at, _ := login(t, m, 101)
	get := func() *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:7480/api/v2/deals/1", nil)
		r.Header.Set("Authorization", "Bearer "+at)
		w := httptest.NewRecorder()
		m.ServeHTTP(w, r)
		return w
	}
	if n := m.Throttle(acme, 101, 2*time.Second); n != 1 {
		t.Fatalf("Throttle throttled %d tokens, want 1", n)
	}
	if n := m.Throttle(acme, 999, 2*time.Second); n != 0 {
		t.Errorf("Throttle of a user with no token throttled %d", n)
	}
	from := len(m.CallsBy(acme))
	if w := get(); w.Code != 429 || w.Result().Header.Get("Retry-After") != "2" {
		t.Fatalf("the throttled call: %d %v", w.Code, w.Result().Header)
	}
	if found, decided := JudgeBackoff(m.CallsBy(acme)[from:], 101); len(found) != 0 || !decided {
		t.Errorf("the 429 alone: %v %v, want decided and nothing found", found, decided)
	}
	if w := get(); w.Code != 429 {
		t.Fatalf("a call straight back: %d, want 429", w.Code)
	}
	found, decided := JudgeBackoff(m.CallsBy(acme)[from:], 101)
	if len(found) != 1 || found[0].Rule != rules.PDAPI03 || found[0].Severity != result.SeverityFail || !decided {
		t.Errorf("a call straight back: %v %v, want a PD-API-03 failure", found, decided)
	}
	if found, _ := JudgeBackoff(m.CallsBy(acme)[from:], 100); len(found) != 0 {
		t.Errorf("another user's calls judged: %v", found)
	}
}

func TestMarketplace_RevokingTheRefreshTokenUninstalls(t *testing.T) {
	var mu sync.Mutex
	var heard []string
	m, _ := fixture(t, Options{OnUninstall: func(app string, company, user int64) {
		mu.Lock()
		defer mu.Unlock()
		heard = append(heard, app+" "+strconv.FormatInt(company, 10)+" "+strconv.FormatInt(user, 10))
	}}, nil)
	revoke := func(tok, hint string) {
		r := httptest.NewRequest(http.MethodPost, "/oauth/revoke", strings.NewReader(url.Values{"token": {tok}, "token_type_hint": {hint}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.SetBasicAuth(acme, secret)
		if st, _, raw := do(t, m, r); st != 200 {
			t.Fatalf("revoke: %d %s", st, raw)
		}
	}
	at, rt := login(t, m, 101)
	at2, _ := login(t, m, 101)
	alice, _ := login(t, m, 100)
	revoke(url.QueryEscape(at), "access_token") // encoded once more, as the official Node client sends it
	if st, _, _ := apiGet(t, m, at, "/api/v1/users/me"); st != 401 {
		t.Errorf("an access token revoked in its encoded form: %d", st)
	}
	at, _ = login(t, m, 101)
	revoke(at, "refresh_token") // the hint is wrong: the access token is revoked all the same
	if st, _, _ := apiGet(t, m, at, "/api/v1/users/me"); st != 401 {
		t.Errorf("a revoked access token: %d", st)
	}
	if st, _, _ := apiGet(t, m, at2, "/api/v1/users/me"); st != 200 || len(heard) != 0 {
		t.Fatalf("revoking an access token ended more than it: %d, heard %v", st, heard)
	}
	revoke(rt, "access_token")
	if st, _, _ := apiGet(t, m, at2, "/api/v1/users/me"); st != 401 {
		t.Errorf("after the refresh token was revoked, another access token of the user: %d, want 401", st)
	}
	if st, _ := refreshWith(t, m, rt); st != 400 {
		t.Errorf("refreshing with the revoked token: %d", st)
	}
	if st, _, _ := apiGet(t, m, alice, "/api/v1/users/me"); st != 200 {
		t.Errorf("another user's token: %d", st)
	}
	if len(heard) != 1 || heard[0] != "acme-client 1 101" {
		t.Errorf("OnUninstall heard %v, want Bob's uninstall once", heard)
	}
	var revokes []Call
	for _, c := range m.CallsBy(acme) {
		if c.Template == "/oauth/revoke" {
			revokes = append(revokes, c)
		}
	}
	if len(revokes) != 3 || revokes[0].Uninstalled || revokes[1].Uninstalled || !revokes[2].Uninstalled || revokes[2].UserID != 101 {
		t.Errorf("the revocations were recorded as %+v", revokes)
	}
}

// installApp is an app that starts authorization itself: its Installation
// URL sets a session cookie with a fresh state and redirects to the
// marketplace; its callback checks the state against the cookie. It
// returns the app's URL.
func installApp(t *testing.T, market string) string {
	mux := http.NewServeMux()
	var cb string
	mux.HandleFunc("/install", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "st", Value: "s-123", Path: "/"})
		q := url.Values{"client_id": {acme}, "redirect_uri": {cb}, "state": {"s-123"}}
		http.Redirect(w, r, market+"/oauth/authorize?"+q.Encode(), http.StatusFound)
	})
	mux.HandleFunc("/callback", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("st")
		if err != nil || c.Value != r.URL.Query().Get("state") {
			http.Error(w, "bad state", http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	cb = srv.URL + "/callback"
	return srv.URL
}

func TestMarketplace_AuthorizeFromApp(t *testing.T) {
	m := New(Options{})
	t.Cleanup(m.Close)
	market := httptest.NewServer(m)
	t.Cleanup(market.Close)
	m.SetURL(market.URL)
	base := installApp(t, market.URL)
	must(t, m.AddCompany(Company{1, "Acme Ltd"}))
	must(t, m.AddUser(User{ID: 101, CompanyID: 1, Name: "Bob", Email: "bob@acme.test"}))
	must(t, m.AddApp(manifest.App{ClientID: acme, ClientSecret: secret, CallbackURL: base + "/callback", InstallationURL: base + "/install", Scopes: []string{"deals:read"}}))

	for _, deny := range []bool{false, true} {
		got, err := m.AuthorizeFromApp(context.Background(), acme, 101, deny)
		must(t, err)
		if got.Stopped != "" || got.State != "s-123" {
			t.Fatalf("deny %v: stopped %q, state %q", deny, got.Stopped, got.State)
		}
		q, _ := url.Parse(got.Redirect.Request.URL)
		if got.Redirect.Status != http.StatusNoContent || q.Query().Get("state") != "s-123" {
			t.Errorf("deny %v: the callback got %s and answered %d (the app's cookie must come back)", deny, got.Redirect.Request.URL, got.Redirect.Status)
		}
		if deny != (q.Query().Get("error") == "user_denied") || deny == q.Query().Has("code") {
			t.Errorf("deny %v: callback %s", deny, got.Redirect.Request.URL)
		}
	}

	// No one signed in, a wrong redirect_uri or client: 400 and no redirect.
	for _, q := range []url.Values{
		{"client_id": {acme}, "redirect_uri": {base + "/callback"}},
		{"client_id": {acme}, "redirect_uri": {"http://evil.test/cb"}},
		{"client_id": {"other"}, "redirect_uri": {base + "/callback"}},
	} {
		resp, err := http.Get(market.URL + "/oauth/authorize?" + q.Encode())
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != 400 || resp.Header.Get("Location") != "" {
			t.Errorf("%v: %d %q", q, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
}

func TestMarketplace_AuthorizeFromAppStopsAtAForeignRedirect(t *testing.T) {
	m := New(Options{})
	t.Cleanup(m.Close)
	market := httptest.NewServer(m)
	t.Cleanup(market.Close)
	m.SetURL(market.URL)
	app := httptest.NewServer(http.RedirectHandler("https://oauth.pipedrive.com/oauth/authorize?client_id=x", http.StatusFound))
	t.Cleanup(app.Close)
	must(t, m.AddCompany(Company{1, "Acme Ltd"}))
	must(t, m.AddUser(User{ID: 101, CompanyID: 1, Name: "Bob", Email: "bob@acme.test"}))
	must(t, m.AddApp(manifest.App{ClientID: acme, ClientSecret: secret, CallbackURL: app.URL + "/callback", InstallationURL: app.URL + "/install"}))
	got, err := m.AuthorizeFromApp(context.Background(), acme, 101, false)
	must(t, err)
	if !strings.Contains(got.Stopped, "https://oauth.pipedrive.com/oauth/authorize") || !strings.Contains(got.Stopped, "OAuth base URL") || got.Redirect.Request.URL != "" {
		t.Errorf("stopped %q, redirect %+v", got.Stopped, got.Redirect.Request)
	}
}

// An app whose OAuth base URL is the marketplace's other name (Pipedrive's
// own host, which the caller routes back) is followed there: the browser
// is at the marketplace.
func TestMarketplace_AuthorizeFromAppAtTheOAuthURL(t *testing.T) {
	m := New(Options{OAuthURL: "https://oauth.pipedrive.com"})
	t.Cleanup(m.Close)
	market := httptest.NewServer(m)
	t.Cleanup(market.Close)
	m.SetURL(market.URL)
	base := installApp(t, "https://oauth.pipedrive.com")
	must(t, m.AddCompany(Company{1, "Acme Ltd"}))
	must(t, m.AddUser(User{ID: 101, CompanyID: 1, Name: "Bob", Email: "bob@acme.test"}))
	must(t, m.AddApp(manifest.App{ClientID: acme, ClientSecret: secret, CallbackURL: base + "/callback", InstallationURL: base + "/install", Scopes: []string{"deals:read"}}))
	got, err := m.AuthorizeFromApp(context.Background(), acme, 101, false)
	must(t, err)
	if got.Stopped != "" || got.State != "s-123" || got.Redirect.Status != http.StatusNoContent {
		t.Errorf("stopped %q, state %q, the callback answered %d", got.Stopped, got.State, got.Redirect.Status)
	}
}

func BenchmarkWindow_Take(b *testing.B) {
	w := newWindow(DefaultRateLimit)
	epoch := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		w.take(int64(time.Since(epoch)))
	}
}
