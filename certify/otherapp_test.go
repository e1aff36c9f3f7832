package certify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appcert/appcert/certify"
	"github.com/appcert/appcert/manifest"
)

// otherApp is a second conforming app, written apart from fakes/app so
// that a pass does not only mean "behaves like the sample app": other
// routes, one callback path for everything, a panel that shows the one
// record it is asked about as a single object, a link action that
// redirects, a JWT secret of its own for the panel, Basic auth on the panel
// only, and no specific users.
type otherApp struct {
	market, clientID, clientSecret, panelSecret, panelUser, panelPass string
	client                                                            *http.Client

	mu     sync.Mutex
	tokens map[[2]int64]*otherTokens // by company, user
	shares map[[2]int64]bool         // by company, installing user
}

type otherTokens struct{ access, refresh, api string }

func (a *otherApp) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/hooks/pipedrive", a.hook)
	mux.HandleFunc("GET /ext/summary", a.summary)
	mux.HandleFunc("GET /ext/open", a.open)
	return mux
}

// hook is the callback URL: the OAuth redirect, the sharing state and the
// uninstall.
func (a *otherApp) hook(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		if r.URL.Query().Get("error") != "" {
			io.WriteString(w, "Maybe next time.")
			return
		}
		if err := a.exchange(r, r.URL.Query().Get("code")); err != nil {
			http.Error(w, "could not finish the install", http.StatusBadGateway)
			return
		}
		io.WriteString(w, "Installed.")
	case http.MethodPost, http.MethodDelete:
		u, p, ok := r.BasicAuth()
		if !ok || subtle.ConstantTimeCompare([]byte(u+":"+p), []byte(a.clientID+":"+a.clientSecret)) != 1 {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var body struct {
			CompanyID int64 `json:"company_id"`
			UserID    int64 `json:"user_id"`
			IsShared  bool  `json:"isShared"`
		}
		if json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&body) != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		k := [2]int64{body.CompanyID, body.UserID}
		a.mu.Lock()
		if r.Method == http.MethodPost {
			a.shares[k] = body.IsShared
		} else {
			delete(a.tokens, k)
			delete(a.shares, k)
		}
		a.mu.Unlock()
		w.WriteHeader(http.StatusOK)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

// exchange trades the code for tokens, and learns whose they are.
func (a *otherApp) exchange(r *http.Request, code string) error {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"http://" + r.Host + "/hooks/pipedrive"}}
	t, err := a.token(form)
	if err != nil {
		return err
	}
	var me struct {
		Data struct {
			ID        int64 `json:"id"`
			CompanyID int64 `json:"company_id"`
		} `json:"data"`
	}
	if status, err := a.get(t, "/api/v1/users/me", &me); err != nil || status != http.StatusOK {
		return fmt.Errorf("users/me: %d %v", status, err)
	}
	a.mu.Lock()
	a.tokens[[2]int64{me.Data.CompanyID, me.Data.ID}] = t
	a.mu.Unlock()
	return nil
}

func (a *otherApp) token(form url.Values) (*otherTokens, error) {
	req, _ := http.NewRequest(http.MethodPost, a.market+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(a.clientID, a.clientSecret)
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var ans struct {
		Access  string `json:"access_token"`
		Refresh string `json:"refresh_token"`
		API     string `json:"api_domain"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&ans) != nil {
		return nil, fmt.Errorf("token endpoint: %d", resp.StatusCode)
	}
	return &otherTokens{ans.Access, ans.Refresh, ans.API}, nil
}

// get calls the API, refreshing the access token once when it has expired.
func (a *otherApp) get(t *otherTokens, path string, into any) (int, error) {
	for attempt := 0; ; attempt++ {
		req, _ := http.NewRequest(http.MethodGet, t.api+path, nil)
		a.mu.Lock()
		req.Header.Set("Authorization", "Bearer "+t.access)
		a.mu.Unlock()
		resp, err := a.client.Do(req)
		if err != nil {
			return 0, err
		}
		if resp.StatusCode == http.StatusUnauthorized && attempt == 0 {
			resp.Body.Close()
			a.mu.Lock()
			refresh := t.refresh
			a.mu.Unlock()
			nt, err := a.token(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}})
			if err != nil {
				return http.StatusUnauthorized, err
			}
			a.mu.Lock()
			t.access, t.refresh = nt.access, nt.refresh
			a.mu.Unlock()
			continue
		}
		defer resp.Body.Close()
		return resp.StatusCode, json.NewDecoder(resp.Body).Decode(into)
	}
}

// viewer checks an extension request's token (HS256, signed with secret)
// against the query, and returns whom it names.
func viewer(r *http.Request, secret string) (company, user int64, ok bool) {
	q := r.URL.Query()
	parts := strings.Split(q.Get("token"), ".")
	if len(parts) != 3 {
		return 0, 0, false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		return 0, 0, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	var c struct {
		User    int64 `json:"userId"`
		Company int64 `json:"companyId"`
		Exp     int64 `json:"exp"`
	}
	if err != nil || json.Unmarshal(payload, &c) != nil || time.Now().Unix() >= c.Exp {
		return 0, 0, false
	}
	if q.Get("userId") != strconv.FormatInt(c.User, 10) || q.Get("companyId") != strconv.FormatInt(c.Company, 10) {
		return 0, 0, false
	}
	return c.Company, c.User, true
}

// serving returns the tokens to serve a viewer with: their own, or, when
// the request may be shared, those of an installation shared in their
// company.
func (a *otherApp) serving(company, user int64, mayBeShared bool) *otherTokens {
	a.mu.Lock()
	defer a.mu.Unlock()
	if t, ok := a.tokens[[2]int64{company, user}]; ok {
		return t
	}
	if !mayBeShared {
		return nil
	}
	for k, on := range a.shares {
		if t, ok := a.tokens[k]; on && ok && k[0] == company {
			return t
		}
	}
	return nil
}

func (a *otherApp) summary(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	u, p, ok := r.BasicAuth()
	if !ok || u != a.panelUser || p != a.panelPass {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":{"title":"Not signed"}}`)
		return
	}
	company, user, ok := viewer(r, a.panelSecret)
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":{"title":"Not signed"}}`)
		return
	}
	t := a.serving(company, user, r.URL.Query().Get("isShared") == "true")
	if t == nil {
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"error":{"title":"Not for you"}}`)
		return
	}
	// One record: the first one selected, as a details view asks.
	first, _, _ := strings.Cut(r.URL.Query().Get("selectedIds"), ",")
	var deal struct {
		Data struct {
			ID       int64   `json:"id"`
			Title    string  `json:"title"`
			Value    float64 `json:"value"`
			Currency string  `json:"currency"`
		} `json:"data"`
	}
	if status, err := a.get(t, "/api/v1/deals/"+url.PathEscape(first), &deal); err != nil || status != http.StatusOK {
		w.WriteHeader(http.StatusBadGateway)
		io.WriteString(w, `{"error":{"title":"Pipedrive is away"}}`)
		return
	}
	d := deal.Data
	json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{
		"id": d.ID, "header": d.Title, "amount": map[string]any{"code": d.Currency, "value": d.Value},
		"status": map[string]any{"color": "green", "label": "Open"},
	}})
}

func (a *otherApp) open(w http.ResponseWriter, r *http.Request) {
	company, user, ok := viewer(r, a.clientSecret)
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	if a.serving(company, user, true) == nil {
		w.WriteHeader(http.StatusForbidden)
		return
	}
	http.Redirect(w, r, "/app/deals/"+url.PathEscape(r.URL.Query().Get("selectedIds")), http.StatusSeeOther)
}

// A conforming app that is not the sample app passes: exit 0, no SKIP, no
// FAIL, every rule PASS or NOT EXERCISED where its answers cannot decide
// the rule.
func TestCertify_AnotherConformingAppPasses(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone(), Timeout: 10 * time.Second}
	a := &otherApp{
		market: "http://" + ln.Addr().String(), clientID: "other-app", clientSecret: "other-client-secret",
		panelSecret: "other-panel-jwt-secret", panelUser: "pd", panelPass: "other-panel-pass", client: client,
		tokens: map[[2]int64]*otherTokens{}, shares: map[[2]int64]bool{},
	}
	srv := httptest.NewServer(a.routes())
	t.Cleanup(func() {
		srv.Close()
		client.CloseIdleConnections()
	})
	m := manifest.App{
		Name: "Other app", ClientID: a.clientID, ClientSecret: a.clientSecret, CallbackURL: srv.URL + "/hooks/pipedrive",
		SharingMode: manifest.ModeSharedExtensions, Scopes: []string{"deals:read"},
		Extensions: []manifest.Extension{
			{Type: manifest.JSONPanel, Name: "Summary", Resource: manifest.ResourceDeal, URL: srv.URL + "/ext/summary",
				JWTSecret: a.panelSecret, HTTPAuth: manifest.BasicAuth{Username: a.panelUser, Password: a.panelPass}},
			{Type: manifest.LinkAction, Name: "Open", Resource: manifest.ResourceDeal, URL: srv.URL + "/ext/open"},
		},
	}
	rep, err := certify.Run(context.Background(), certify.Options{Manifest: m, Listener: ln})
	if err != nil {
		t.Fatal(err)
	}
	if rep.ExitCode() != certify.ExitOK || rep.Counts.Failed+rep.Counts.Skipped > 0 {
		t.Fatalf("exit %d (%s):\n%s", rep.ExitCode(), ruleVerdicts(rep), reportText(rep))
	}
	for _, r := range rep.Rules {
		if r.Verdict != certify.Pass && r.Verdict != certify.NotExercised && r.Verdict != certify.Warn {
			t.Errorf("%s is %s", r.ID, r.Verdict)
		}
		for _, s := range r.Surfaces {
			if s.Verdict == certify.Skip || s.Verdict == certify.NotApplicable {
				t.Errorf("%s on %s is %s: %v", r.ID, s.Surface, s.Verdict, s.Reasons)
			}
		}
	}
	t.Log(reportText(rep))
	if rep.Counts.Passed < 10 {
		t.Errorf("only %d rules passed:\n%s", rep.Counts.Passed, reportText(rep))
	}
}
