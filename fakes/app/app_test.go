package app

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appcert/appcert/internal/jwt"
)

func TestNew_RejectsBadOptions(t *testing.T) {
	good := Options{ClientID: "c", ClientSecret: "s", OAuthBaseURL: "http://127.0.0.1:7480"}
	if _, err := New(good); err != nil {
		t.Fatalf("New(good) = %v", err)
	}
	cases := map[string]struct {
		edit func(*Options)
		want string
	}{
		"unknown fault":  {func(o *Options) { o.Faults = []Fault{FaultSkipJWT, "serve-all"} }, `"serve-all"`},
		"no client id":   {func(o *Options) { o.ClientID = "" }, "ClientID"},
		"no secret":      {func(o *Options) { o.ClientSecret = "" }, "ClientSecret"},
		"no oauth base":  {func(o *Options) { o.OAuthBaseURL = "" }, "OAuthBaseURL"},
		"ftp oauth base": {func(o *Options) { o.OAuthBaseURL = "ftp://x" }, "OAuthBaseURL"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			o := good
			c.edit(&o)
			_, err := New(o)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("New error = %v, want one naming %s", err, c.want)
			}
		})
	}
}

func TestApp_HealthzAnswers200(t *testing.T) {
	e := newEnv(t)
	mustStatus(t, e.do(http.MethodGet, "/healthz", ""), http.StatusOK)
}

func TestApp_ScopesAreTheOnesUsed(t *testing.T) {
	if got := newEnv(t).app.Scopes(); !slices.Equal(got, []string{"base", "deals:read"}) {
		t.Errorf("Scopes() = %v", got)
	}
	if got := newEnv(t, FaultUnusedScope).app.Scopes(); !slices.Contains(got, "contacts:read") {
		t.Errorf("Scopes() with %s = %v, want contacts:read in it", FaultUnusedScope, got)
	}
}

func TestApp_CallbackExchangesCodeAndLearnsUser(t *testing.T) {
	e := newEnv(t)
	rec := e.authorize(admin1)
	mustStatus(t, rec, http.StatusOK)
	calls := e.market.recorded()
	if len(calls) != 2 {
		t.Fatalf("market calls = %+v, want the code exchange and users/me", calls)
	}
	if c := calls[0]; c.Grant != "authorization_code" || c.Status != http.StatusOK || c.RedirectURI != "http://app.test/callback" {
		t.Errorf("code exchange = %+v", c)
	}
	if c := calls[1]; c.Path != "/api/v1/users/me" || c.User != admin1 || c.Status != http.StatusOK {
		t.Errorf("second call = %+v, want users/me for %v", c, admin1)
	}
	e.app.mu.Lock()
	au := e.app.users[admin1]
	e.app.mu.Unlock()
	if au == nil {
		t.Fatal("no authorization stored for the user")
	}
	if au.AccessToken == "" || au.RefreshToken == "" || !slices.Equal(au.Scopes, []string{"base", "deals:read"}) || !au.IsAdmin {
		t.Errorf("stored authorization = %+v", au)
	}
	if d := time.Until(au.Expiry); d < 3590*time.Second || d > 3600*time.Second {
		t.Errorf("expiry in %v, want about 3599s", d)
	}
}

func TestApp_CallbackWithoutRedirectURIUsesItsOwnAddress(t *testing.T) {
	e := newEnvWith(t, func(o *Options) { o.RedirectURI = "" })
	mustStatus(t, e.authorize(admin1), http.StatusOK)
	if got := e.market.recorded()[0].RedirectURI; got != "http://example.com/callback" {
		t.Errorf("redirect_uri = %q, want the request's host", got)
	}
}

func TestApp_CallbackDeniedIsCancelled(t *testing.T) {
	e := newEnv(t)
	rec := e.do(http.MethodGet, "/callback?error=user_denied&state=s1", "")
	mustStatus(t, rec, http.StatusOK)
	if !strings.Contains(rec.Body.String(), "cancelled") {
		t.Errorf("body %q does not say the authorization was cancelled", rec.Body.String())
	}
	if calls := e.market.recorded(); len(calls) != 0 {
		t.Errorf("a denial made market calls: %+v", calls)
	}
}

func TestApp_CallbackFailureIs4xxWithoutInternals(t *testing.T) {
	e := newEnv(t)
	code := e.market.code(admin1)
	mustStatus(t, e.do(http.MethodGet, "/callback?code="+code, ""), http.StatusOK)
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	unreachable := newEnvWith(t, func(o *Options) { o.OAuthBaseURL = down.URL })
	cases := map[string]struct {
		e      *env
		target string
	}{
		"used code":               {e, "/callback?code=" + code},
		"unknown code":            {e, "/callback?code=nope"},
		"no code":                 {e, "/callback"},
		"other error":             {e, "/callback?error=server_error"},
		"marketplace unreachable": {unreachable, "/callback?code=c"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			rec := c.e.do(http.MethodGet, c.target, "")
			if rec.Code < 400 || rec.Code >= 500 {
				t.Errorf("status %d, want a 4xx", rec.Code)
			}
			if b := rec.Body.String(); strings.Contains(b, "127.0.0.1") || strings.Contains(b, "invalid_grant") {
				t.Errorf("body shows internals: %q", b)
			}
		})
	}
	e.app.mu.Lock()
	defer e.app.mu.Unlock()
	if len(e.app.users) != 1 {
		t.Errorf("failed redirects stored authorizations: %v", e.app.users)
	}
}

func TestApp_SharingCallbackAccepted(t *testing.T) {
	e := newEnv(t)
	mustStatus(t, e.share(admin1, true), http.StatusNoContent)
	e.app.mu.Lock()
	defer e.app.mu.Unlock()
	if !e.app.shared[admin1] {
		t.Error("sharing state not recorded")
	}
}

func TestApp_SharingCallbackRejectsMalformedBody(t *testing.T) {
	for name, body := range map[string]string{
		"not json":        `company_id=1`,
		"empty":           ``,
		"string numbers":  `{"company_id":"1","user_id":"100","isShared":true}`,
		"no isShared":     `{"company_id":1,"user_id":100}`,
		"no user":         `{"company_id":1,"isShared":true}`,
		"string isShared": `{"company_id":1,"user_id":100,"isShared":"true"}`,
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			mustStatus(t, e.do(http.MethodPost, "/callback", body), http.StatusBadRequest)
			e.app.mu.Lock()
			defer e.app.mu.Unlock()
			if len(e.app.shared) != 0 {
				t.Errorf("malformed callback changed the sharing state: %v", e.app.shared)
			}
		})
	}
}

func TestApp_UninstallWithWrongCredentialsIs401(t *testing.T) {
	e := newEnv(t)
	e.authorize(admin1)
	rec := e.uninstall(admin1, "acme-client", "guess")
	mustStatus(t, rec, http.StatusUnauthorized)
	if rec.Header().Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
}

func TestApp_UninstallForgetsOnlyThatUser(t *testing.T) {
	e := newEnv(t)
	e.authorize(admin1)
	e.authorize(user1)
	mustStatus(t, e.genuineUninstall(user1), http.StatusNoContent)
	mustStatus(t, e.panel(admin1, "2", false), http.StatusOK)
	mustStatus(t, e.panel(user1, "2", false), http.StatusForbidden)
	// Re-authorizing after an uninstall is a fresh installation.
	e.authorize(user1)
	mustStatus(t, e.panel(user1, "2", false), http.StatusOK)
}

func TestApp_UninstallRejectsMalformedBody(t *testing.T) {
	e := newEnv(t)
	e.authorize(admin1)
	for _, body := range []string{`nope`, `{"client_id":"acme-client"}`, `{"client_id":"other","company_id":1,"user_id":100}`} {
		req := httptest.NewRequest(http.MethodDelete, "/callback", strings.NewReader(body))
		req.SetBasicAuth("acme-client", "acme-secret")
		mustStatus(t, e.serve(req), http.StatusBadRequest)
	}
	mustStatus(t, e.panel(admin1, "2", false), http.StatusOK)
}

func TestApp_PanelServesOwnDeals(t *testing.T) {
	e := newEnv(t)
	e.authorize(admin1)
	rec := e.panel(admin1, "2,3,99", false) // 99 is not a deal: left out
	mustStatus(t, rec, http.StatusOK)
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	want := `{"data":[` +
		`{"id":2,"header":"Acme Ltd deal 2","value":{"code":"USD","value":2000},"owner":100,"visibility":{"color":"green","label":"Entire company"}},` +
		`{"id":3,"header":"Acme Ltd deal 3","value":{"code":"USD","value":3000},"owner":100,"visibility":{"color":"grey","label":"Owner only"}}]}`
	if got := strings.TrimSpace(rec.Body.String()); got != want {
		t.Errorf("panel\n got %s\nwant %s", got, want)
	}
}

func TestApp_PanelReadsAtMostTenDeals(t *testing.T) {
	e := newEnv(t)
	e.authorize(admin1)
	ids, err := servedIDs(e.panel(admin1, "1,2,3,4,5,6,7,8,9,10,11,12", false))
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 10 {
		t.Errorf("served %d deals, want 10", len(ids))
	}
	n := 0
	for _, c := range e.market.recorded() {
		if strings.HasPrefix(c.Path, "/api/v2/deals/") {
			n++
		}
	}
	if n != 10 {
		t.Errorf("read %d deals from the API, want 10", n)
	}
}

func TestApp_PanelServesSharedViewerWithInstallersToken(t *testing.T) {
	e := newEnv(t)
	e.authorize(admin1)
	e.share(admin1, true)
	ids, err := servedIDs(e.panel(user1, "1,2,3,4", true))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids, []int64{2, 4}) {
		t.Errorf("shared viewer saw %v, want the company-wide deals [2 4]", ids)
	}
	for _, c := range e.market.recorded() {
		if strings.HasPrefix(c.Path, "/api/v2/deals/") && c.User != admin1 {
			t.Errorf("%s called as %v, want the installing user %v", c.Path, c.User, admin1)
		}
	}
	// The installing user sees their own owner-only deals.
	if ids, _ := servedIDs(e.panel(admin1, "1,2", false)); !slices.Equal(ids, []int64{1, 2}) {
		t.Errorf("installing user saw %v, want [1 2]", ids)
	}
}

func TestApp_PanelNeedsIsSharedTrueForUnauthorizedViewer(t *testing.T) {
	e := newEnv(t)
	e.authorize(admin1)
	e.share(admin1, true)
	for _, isShared := range []string{"", "false", "nonsense"} {
		rec := e.ext(extReq{path: "/panel", viewer: user1, ids: "2", isShared: isShared})
		mustStatus(t, rec, http.StatusForbidden)
	}
	// Another company's shared installation is no claim.
	e.authorize(admin2)
	e.share(admin2, true)
	e.share(admin1, false)
	mustStatus(t, e.panel(user1, "2", true), http.StatusForbidden)
}

func TestApp_PanelSharedByAnotherInstallerStillServed(t *testing.T) {
	e := newEnv(t)
	e.authorize(admin1)
	e.authorize(other1)
	e.share(admin1, false)
	e.share(other1, true)
	mustStatus(t, e.panel(user1, "2", true), http.StatusOK)
	mustStatus(t, e.genuineUninstall(other1), http.StatusNoContent)
	mustStatus(t, e.panel(user1, "2", true), http.StatusForbidden)
}

func TestApp_RefusalsCarryShortErrorTitles(t *testing.T) {
	e := newEnv(t)
	none := ""
	cases := map[string]struct {
		rec    *httptest.ResponseRecorder
		status int
		title  string
	}{
		"no token":     {e.ext(extReq{path: "/panel", viewer: admin1, ids: "2", token: &none}), http.StatusUnauthorized, "Unauthorized"},
		"not entitled": {e.panel(admin1, "2", false), http.StatusForbidden, "App not available"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			mustStatus(t, c.rec, c.status)
			p, err := decodePanel(c.rec)
			if err != nil {
				t.Fatal(err)
			}
			if p.Error == nil || p.Error.Title != c.title || len(p.Error.Title) > 30 {
				t.Errorf("error = %+v, want title %q", p.Error, c.title)
			}
		})
	}
}

func TestApp_PanelUnsupportedResourceIs400(t *testing.T) {
	e := newEnv(t)
	e.authorize(admin1)
	req := httptest.NewRequest(http.MethodGet, "/panel?resource=person&view=details&userId=100&companyId=1&selectedIds=2&isShared=false&token="+e.token(admin1), nil)
	req.SetBasicAuth(testHTTPUser, testHTTPPass)
	mustStatus(t, e.serve(req), http.StatusBadRequest)
	mustStatus(t, e.panel(admin1, "2,x", false), http.StatusBadRequest)
}

func TestApp_PanelAPIErrorsShowNoInternals(t *testing.T) {
	cases := map[string]struct {
		status, want int
	}{
		"server error": {http.StatusInternalServerError, http.StatusBadGateway},
		"forbidden":    {http.StatusForbidden, http.StatusForbidden},
		"unauthorized": {http.StatusUnauthorized, http.StatusUnauthorized}, // even after a refresh
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.authorize(admin1)
			e.market.failDealWith(5, c.status)
			rec := e.panel(admin1, "2,5", false)
			mustStatus(t, rec, c.want)
			p, err := decodePanel(rec)
			if err != nil {
				t.Fatal(err)
			}
			if p.Error == nil || p.Error.Title == "" {
				t.Errorf("no error object: %s", rec.Body.String())
			}
			if b := rec.Body.String(); strings.Contains(b, "127.0.0.1") || strings.Contains(b, "boom") || strings.Contains(b, "at-") {
				t.Errorf("body shows internals: %s", b)
			}
		})
	}
}

func TestApp_PanelRefreshesWhenClockSaysExpired(t *testing.T) {
	e := newEnv(t)
	e.authorize(admin1)
	e.offset.Store(int64(2 * time.Hour))
	if _, err := servedIDs(e.panel(admin1, "2", false)); err != nil {
		t.Fatal(err)
	}
	calls := e.market.recorded()[2:] // after the code exchange and users/me
	if len(calls) != 2 || calls[0].Grant != "refresh_token" || calls[1].Status != http.StatusOK {
		t.Errorf("calls = %+v, want a refresh and then the deal", calls)
	}
}

func TestApp_ConcurrentPanelsRefreshOnce(t *testing.T) {
	e := newEnv(t)
	e.authorize(admin1)
	e.market.expire(admin1)
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Go(func() { codes[i] = e.panel(admin1, "2", false).Code })
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Errorf("panel %d answered %d", i, c)
		}
	}
	n := 0
	for _, c := range e.market.recorded() {
		if c.Grant == "refresh_token" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d refreshes, want 1", n)
	}
}

func TestApp_ActionServesEntitledViewers(t *testing.T) {
	e := newEnv(t)
	e.authorize(admin1)
	rec := e.action(admin1, "9")
	mustStatus(t, rec, http.StatusOK)
	var body struct {
		Success     bool    `json:"success"`
		SelectedIDs []int64 `json:"selectedIds"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || !body.Success || !slices.Equal(body.SelectedIDs, []int64{9}) {
		t.Errorf("action body %s (%v)", rec.Body.String(), err)
	}
	mustStatus(t, e.action(user1, "9"), http.StatusForbidden)
	e.share(admin1, true)
	mustStatus(t, e.action(user1, "9"), http.StatusOK)
	// An action that says the viewer is not a shared viewer is not served
	// through sharing.
	mustStatus(t, e.ext(extReq{path: "/action", viewer: user1, ids: "9", isShared: "false"}), http.StatusForbidden)
	mustStatus(t, e.action(admin2, "9"), http.StatusForbidden)
}

func TestApp_DefaultsVerifyWithClientSecretAndNoBasicAuth(t *testing.T) {
	e := newEnvWith(t, func(o *Options) { o.JWTSecret, o.HTTPAuthUser, o.HTTPAuthPassword = "", "", "" })
	e.authorize(admin1)
	now := time.Now().Unix()
	claims := jwt.Claims{UserID: 100, CompanyID: 1, IssuedAt: now, ExpiresAt: now + 300}
	withClient := jwt.Sign(claims, e.market.clientSecret)
	withOther := jwt.Sign(claims, testJWTSecret)
	noAuth := &[2]string{}
	mustStatus(t, e.ext(extReq{path: "/panel", viewer: admin1, ids: "2", isShared: "false", token: &withClient, basic: noAuth}), http.StatusOK)
	mustStatus(t, e.ext(extReq{path: "/panel", viewer: admin1, ids: "2", isShared: "false", token: &withOther, basic: noAuth}), http.StatusUnauthorized)
}

func TestApp_SlowPanelStopsWhenClientGivesUp(t *testing.T) {
	e := newEnvWith(t, func(o *Options) { o.Faults, o.SlowPanelDelay = []Fault{FaultSlowPanel}, time.Minute })
	e.authorize(admin1)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	e.ext(extReq{path: "/panel", viewer: admin1, ids: "2", isShared: "false", ctx: ctx})
	// A hang guard, not a speed goal: the fault holds the panel a minute.
	if took := time.Since(start); took > 30*time.Second {
		t.Errorf("handler ran %v after the client gave up", took)
	}
}

func TestApp_SlowPanelDefaultsToElevenSeconds(t *testing.T) {
	a, err := New(Options{ClientID: "c", ClientSecret: "s", OAuthBaseURL: "http://x"})
	if err != nil {
		t.Fatal(err)
	}
	if a.opts.SlowPanelDelay != 11*time.Second {
		t.Errorf("SlowPanelDelay = %v", a.opts.SlowPanelDelay)
	}
}

func TestApp_UninstallEndsTheInstallationsSharing(t *testing.T) {
	e := newEnv(t)
	e.authorize(admin1)
	e.share(admin1, true)
	e.genuineUninstall(admin1)
	// Installing again is a new installation: until its sharing callback
	// arrives, nothing is shared.
	e.authorize(admin1)
	mustStatus(t, e.panel(user1, "2", true), http.StatusForbidden)
	e.share(admin1, true)
	mustStatus(t, e.panel(user1, "2", true), http.StatusOK)
}
