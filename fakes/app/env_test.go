package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/appcert/appcert/internal/jwt"
)

// Users of the test companies; marketAdmin(c) is each company's admin.
var (
	admin1 = userKey{1, 100}
	user1  = userKey{1, 101}
	other1 = userKey{1, 102}
	admin2 = userKey{2, 200}
)

const (
	testJWTSecret = "jwt-secret"
	testHTTPUser  = "ext-user"
	testHTTPPass  = "ext-pass"
)

// env is one app under test with its market. The app is driven in-process;
// its outbound calls go over a real socket to the market.
type env struct {
	t      *testing.T
	market *market
	app    *App
	// offset moves the app's clock; the market's tokens do not notice.
	offset atomic.Int64
}

func newEnv(t *testing.T, faults ...Fault) *env {
	t.Helper()
	return newEnvWith(t, func(o *Options) { o.Faults = faults })
}

func newEnvWith(t *testing.T, edit func(*Options)) *env {
	t.Helper()
	e := &env{t: t, market: newMarket(t)}
	o := Options{
		ClientID: e.market.clientID, ClientSecret: e.market.clientSecret,
		JWTSecret:    testJWTSecret,
		HTTPAuthUser: testHTTPUser, HTTPAuthPassword: testHTTPPass,
		OAuthBaseURL:   e.market.srv.URL,
		RedirectURI:    "http://app.test/callback",
		SlowPanelDelay: 3 * time.Second,
		Clock:          e.now,
	}
	edit(&o)
	a, err := New(o)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.app = a
	// The marketplace grants what the manifest asks for.
	e.market.setGranted(a.Scopes())
	return e
}

func (e *env) now() time.Time {
	return time.Now().Add(time.Duration(e.offset.Load()))
}

// serve runs req through the app.
func (e *env) serve(req *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	e.app.ServeHTTP(rec, req)
	return rec
}

func (e *env) do(method, target, body string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return e.serve(req)
}

// authorize plays k's OAuth redirect with a fresh code.
func (e *env) authorize(k userKey) *httptest.ResponseRecorder {
	return e.do(http.MethodGet, "/callback?code="+e.market.code(k), "")
}

// share sends the sharing callback for the installation of k.
func (e *env) share(k userKey, shared bool) *httptest.ResponseRecorder {
	return e.do(http.MethodPost, "/callback",
		fmt.Sprintf(`{"company_id":%d,"user_id":%d,"isShared":%t}`, k.CompanyID, k.UserID, shared))
}

// uninstall sends the uninstall request for k with the given Basic auth;
// user "" sends none.
func (e *env) uninstall(k userKey, user, pass string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodDelete, "/callback", strings.NewReader(fmt.Sprintf(
		`{"client_id":"acme-client","company_id":%d,"user_id":%d,"timestamp":"2026-11-22T10:00:00Z"}`, k.CompanyID, k.UserID)))
	req.Header.Set("Content-Type", "application/json")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	return e.serve(req)
}

func (e *env) genuineUninstall(k userKey) *httptest.ResponseRecorder {
	return e.uninstall(k, e.market.clientID, e.market.clientSecret)
}

// token signs a valid extension token for k.
func (e *env) token(k userKey) string {
	now := e.now().Unix()
	return jwt.Sign(jwt.Claims{UserID: k.UserID, CompanyID: k.CompanyID, IssuedAt: now, ExpiresAt: now + 300}, testJWTSecret)
}

// extReq describes an extension request; the zero value of each field
// means the well-formed default.
type extReq struct {
	path     string // "/panel" or "/action"
	viewer   userKey
	ids      string
	isShared string // "" leaves it out
	token    *string
	basic    *[2]string // nil: the configured credentials; {"",""}: none
	ctx      context.Context
}

func (e *env) ext(x extReq) *httptest.ResponseRecorder {
	q := url.Values{
		"resource": {"deal"}, "view": {"details"},
		"userId":      {fmt.Sprint(x.viewer.UserID)},
		"companyId":   {fmt.Sprint(x.viewer.CompanyID)},
		"selectedIds": {x.ids},
	}
	if x.isShared != "" {
		q.Set("isShared", x.isShared)
	}
	if x.token != nil {
		if *x.token != "" {
			q.Set("token", *x.token)
		}
	} else {
		q.Set("token", e.token(x.viewer))
	}
	req := httptest.NewRequest(http.MethodGet, x.path+"?"+q.Encode(), nil)
	if x.ctx != nil {
		req = req.WithContext(x.ctx)
	}
	switch {
	case x.basic == nil:
		req.SetBasicAuth(testHTTPUser, testHTTPPass)
	case x.basic[0] != "" || x.basic[1] != "":
		req.SetBasicAuth(x.basic[0], x.basic[1])
	}
	return e.serve(req)
}

// panel requests the JSON panel for viewer, who has the app themselves
// (isShared false) or through sharing (isShared true).
func (e *env) panel(viewer userKey, ids string, shared bool) *httptest.ResponseRecorder {
	return e.ext(extReq{path: "/panel", viewer: viewer, ids: ids, isShared: fmt.Sprint(shared)})
}

func (e *env) action(viewer userKey, ids string) *httptest.ResponseRecorder {
	return e.ext(extReq{path: "/action", viewer: viewer, ids: ids})
}

// panelAnswer is a decoded JSON panel answer.
type panelAnswer struct {
	Data  []map[string]any `json:"data"`
	Error *struct {
		Title    string `json:"title"`
		Subtitle string `json:"subtitle"`
	} `json:"error"`
}

func decodePanel(rec *httptest.ResponseRecorder) (panelAnswer, error) {
	var p panelAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
		return p, fmt.Errorf("panel answer %d is not JSON: %q", rec.Code, rec.Body.String())
	}
	return p, nil
}

// servedIDs returns the deal IDs of a 200 panel answer, or an error saying
// why the answer is not one.
func servedIDs(rec *httptest.ResponseRecorder) ([]int64, error) {
	if rec.Code != http.StatusOK {
		return nil, fmt.Errorf("panel answered %d, want 200: %s", rec.Code, rec.Body.String())
	}
	p, err := decodePanel(rec)
	if err != nil {
		return nil, err
	}
	ids := []int64{}
	for _, o := range p.Data {
		id, _ := o["id"].(float64)
		ids = append(ids, int64(id))
	}
	return ids, nil
}

func refused(code int) bool { return code == http.StatusUnauthorized || code == http.StatusForbidden }

// mustStatus fails the test unless rec answered want.
func mustStatus(t *testing.T, rec *httptest.ResponseRecorder, want int) {
	t.Helper()
	if rec.Code != want {
		t.Fatalf("status %d, want %d; body %q", rec.Code, want, rec.Body.String())
	}
}
