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
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appcert/appcert/certify"
	"github.com/appcert/appcert/certify/result"
	"github.com/appcert/appcert/certify/suite"
	"github.com/appcert/appcert/internal/browser"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/rules"
)

// otherApp is a second conforming app, written apart from fakes/app so
// that a pass does not only mean "behaves like the sample app": other
// routes, one callback path for everything, a panel that shows the one
// record it is asked about as a single object, a link action that
// redirects, a JWT secret of its own for the panel, Basic auth on the panel
// only, no specific users; a JSON modal on one route for its GET and POST,
// with a declared schema, a note block and a link in its success; and one
// Custom UI page, shown as its settings, a floating window and a modal (no
// record shown), that refuses with a bare 403, whose script speaks the
// SDK's protocol by hand and calls its backend with the signed token in a
// header.
type otherApp struct {
	market, clientID, clientSecret, panelSecret, panelUser, panelPass string
	client                                                            *http.Client

	mu     sync.Mutex
	tokens map[[2]int64]*otherTokens // by company, user
	shares map[[2]int64]bool         // by company, installing user

	// disconnectOn: a panel asked about this deal ID among others
	// disconnects its viewer, revoking their refresh token (an app's
	// "disconnect" button; app-uninstallation).
	disconnectOn string
}

type otherTokens struct{ access, refresh, api string }

func (a *otherApp) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/hooks/pipedrive", a.hook)
	mux.HandleFunc("GET /start", a.start)
	mux.HandleFunc("GET /ext/summary", a.summary)
	mux.HandleFunc("GET /ext/open", a.open)
	mux.HandleFunc("/ext/note", a.note)
	mux.HandleFunc("GET /ext/settings", a.settings)
	mux.HandleFunc("GET /ext/window", a.settings)
	mux.HandleFunc("GET /ext/proposal", a.settings)
	mux.HandleFunc("GET /ext/settings/me", a.settingsMe)
	return mux
}

// otherModalSchema is the JSON modal's declared schema: what its data
// holds.
const otherModalSchema = `{
  "type": "object",
  "required": ["blocks"],
  "properties": {
    "blocks": {"type": "object", "required": ["note"]},
    "actions": {"type": "object"}
  }
}`

// note is a JSON modal that adds a note to a deal: GET opens it with the
// deal's title, POST saves the note. Only the viewer's own authorization
// opens it.
func (a *otherApp) note(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	company, user, ok := viewer(r, a.clientSecret)
	if !ok {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"error":{"message":"Sign in again"}}`)
		return
	}
	t := a.serving(company, user, false)
	if t == nil {
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"error":{"message":"Install the app first"}}`)
		return
	}
	switch r.Method {
	case http.MethodGet:
		first, _, _ := strings.Cut(r.URL.Query().Get("selectedIds"), ",")
		var deal struct {
			Data struct {
				Title string `json:"title"`
			} `json:"data"`
		}
		if status, err := a.get(t, "/api/v1/deals/"+url.PathEscape(first), &deal); err != nil || status != http.StatusOK {
			w.WriteHeader(http.StatusBadGateway)
			io.WriteString(w, `{"error":{"message":"Pipedrive is away"}}`)
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{
			"blocks": map[string]any{
				"about": map[string]any{"type": "text", "value": "Note on " + deal.Data.Title},
				"note":  map[string]any{"type": "textarea", "label": "Note", "placeholder": "What happened?"},
			},
			"actions": map[string]any{"save": map[string]any{"type": "submit", "label": "Save"}},
		}})
	case http.MethodPost:
		var values map[string]any
		if json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&values) != nil {
			w.WriteHeader(http.StatusBadRequest)
			io.WriteString(w, `{"error":{"message":"Unreadable form"}}`)
			return
		}
		if n, _ := values["note"].(string); strings.TrimSpace(n) == "" {
			w.WriteHeader(http.StatusUnprocessableEntity)
			io.WriteString(w, `{"error":{"message":"Write a note"}}`)
			return
		}
		io.WriteString(w, `{"success":{"message":"Note saved","type":"snackbar","link":{"url":"https://other.example/notes","label":"See notes"}}}`)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

// settings is a Custom UI settings page: it names its viewer, and refuses
// anyone else with a bare 403. It speaks the SDK's message protocol by
// hand (no SDK build: the page is offline) and calls its backend,
// settingsMe, with the signed token in a header and no ids at all.
func (a *otherApp) settings(w http.ResponseWriter, r *http.Request) {
	company, user, ok := viewer(r, a.clientSecret)
	if !ok || a.serving(company, user, false) == nil {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, `<!doctype html><title>Settings</title>
<p>Settings of user %d</p><p id="deal"></p>
<script>
const id = %q;
function ask(command, args) {
  return new Promise((resolve, reject) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = (ev) => ev.data.error ? reject(new Error(ev.data.error)) : resolve(ev.data.data);
    parent.postMessage({id: id, payload: {type: 'command', command: command, args: args}}, '*', [ch.port2]);
  });
}
(async () => {
  await ask('initialize', {size: {height: 120}});
  const {token} = await ask('get_signed_token');
  const r = await fetch('/ext/settings/me', {headers: {'X-Pipedrive-Token': token}});
  document.getElementById('deal').textContent = (await r.json()).deal;
})();
</script>`, user, r.URL.Query().Get("id"))
}

// settingsMe is the settings page's backend: whom the header's token
// names, and the first deal their authorization reads.
func (a *otherApp) settingsMe(w http.ResponseWriter, r *http.Request) {
	c, ok := claims(r.Header.Get("X-Pipedrive-Token"), a.clientSecret)
	var t *otherTokens
	if ok {
		t = a.serving(c.Company, c.User, false)
	}
	if t == nil {
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	var deal struct {
		Data struct {
			Title string `json:"title"`
		} `json:"data"`
	}
	if status, err := a.get(t, "/api/v1/deals/1", &deal); err != nil || status != http.StatusOK {
		http.Error(w, "Pipedrive is away", http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"user": c.User, "deal": deal.Data.Title})
}

// start is the Installation URL: the app starts authorization with a state
// it signs rather than stores, and comes back to hook.
func (a *otherApp) start(w http.ResponseWriter, r *http.Request) {
	nonce := strconv.FormatInt(time.Now().UnixNano(), 36)
	q := url.Values{"client_id": {a.clientID}, "redirect_uri": {"http://" + r.Host + "/hooks/pipedrive"}, "state": {nonce + "." + a.sign(nonce)}}
	http.Redirect(w, r, a.market+"/oauth/authorize?"+q.Encode(), http.StatusSeeOther)
}

func (a *otherApp) sign(nonce string) string {
	mac := hmac.New(sha256.New, []byte(a.clientSecret))
	mac.Write([]byte("state:" + nonce))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// signed reports whether a state is one start signed.
func (a *otherApp) signed(state string) bool {
	nonce, sig, ok := strings.Cut(state, ".")
	return ok && hmac.Equal([]byte(sig), []byte(a.sign(nonce)))
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
		if r.URL.Query().Has("state") && !a.signed(r.URL.Query().Get("state")) {
			http.Error(w, "this sign-in did not start here", http.StatusBadRequest)
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

// get calls the API, refreshing the access token once when it has expired
// and, over the rate limit, waiting once as long as Retry-After says when
// that is short enough for the request it serves.
func (a *otherApp) get(t *otherTokens, path string, into any) (int, error) {
	waited := false
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
		if resp.StatusCode == http.StatusTooManyRequests && !waited {
			resp.Body.Close()
			secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
			if err != nil || secs > 5 {
				return http.StatusTooManyRequests, nil
			}
			waited = true
			time.Sleep(time.Duration(secs) * time.Second)
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
	c, ok := claims(q.Get("token"), secret)
	if !ok || q.Get("userId") != strconv.FormatInt(c.User, 10) || q.Get("companyId") != strconv.FormatInt(c.Company, 10) {
		return 0, 0, false
	}
	return c.Company, c.User, true
}

type otherClaims struct {
	User    int64 `json:"userId"`
	Company int64 `json:"companyId"`
	Exp     int64 `json:"exp"`
}

// claims checks a token's signature and expiry and returns its claims.
func claims(token, secret string) (otherClaims, bool) {
	var c otherClaims
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return c, false
	}
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(parts[0] + "." + parts[1]))
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(sig, mac.Sum(nil)) {
		return c, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(payload, &c) != nil || time.Now().Unix() >= c.Exp {
		return c, false
	}
	return c, true
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

// disconnect uninstalls the app for a user by revoking their refresh
// token, and forgets them.
func (a *otherApp) disconnect(company, user int64, t *otherTokens) {
	a.mu.Lock()
	refresh := t.refresh
	delete(a.tokens, [2]int64{company, user})
	a.mu.Unlock()
	req, _ := http.NewRequest(http.MethodPost, a.market+"/oauth/revoke", strings.NewReader(url.Values{"token": {refresh}, "token_type_hint": {"refresh_token"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(a.clientID, a.clientSecret)
	if resp, err := a.client.Do(req); err == nil {
		resp.Body.Close()
	}
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
	if a.disconnectOn != "" && slices.Contains(strings.Split(r.URL.Query().Get("selectedIds"), ","), a.disconnectOn) {
		a.disconnect(company, user, t)
		w.WriteHeader(http.StatusForbidden)
		io.WriteString(w, `{"error":{"title":"Disconnected"}}`)
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
	status, err := a.get(t, "/api/v1/deals/"+url.PathEscape(first), &deal)
	if status == http.StatusTooManyRequests {
		w.WriteHeader(http.StatusTooManyRequests)
		io.WriteString(w, `{"error":{"title":"Busy, try again"}}`)
		return
	}
	if err != nil || status != http.StatusOK {
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
	noteSchema, err := manifest.CompileSchema([]byte(otherModalSchema))
	if err != nil {
		t.Fatal(err)
	}
	noteSchema.Path = "note.json"
	srv := httptest.NewServer(a.routes())
	t.Cleanup(func() {
		srv.Close()
		client.CloseIdleConnections()
	})
	m := manifest.App{
		Name: "Other app", ClientID: a.clientID, ClientSecret: a.clientSecret, CallbackURL: srv.URL + "/hooks/pipedrive", InstallationURL: srv.URL + "/start",
		SharingMode: manifest.ModeSharedExtensions, Scopes: []string{"deals:read"},
		Extensions: []manifest.Extension{
			{Type: manifest.JSONPanel, Name: "Summary", Resource: manifest.ResourceDeal, URL: srv.URL + "/ext/summary",
				JWTSecret: a.panelSecret, HTTPAuth: manifest.BasicAuth{Username: a.panelUser, Password: a.panelPass}},
			{Type: manifest.LinkAction, Name: "Open", Resource: manifest.ResourceDeal, URL: srv.URL + "/ext/open"},
			{Type: manifest.JSONModal, Name: "Add a note", Resource: manifest.ResourceDeal, URL: srv.URL + "/ext/note",
				Schema: "note.json", Declared: noteSchema},
			{Type: manifest.CustomUISettings, Name: "Settings", URL: srv.URL + "/ext/settings"},
			{Type: manifest.CustomUIFloatingWindow, Name: "Dialer", URL: srv.URL + "/ext/window"},
			{Type: manifest.CustomUIModal, Name: "New proposal", Resource: manifest.ResourceDeal, View: manifest.ViewDetails, URL: srv.URL + "/ext/proposal"},
		},
	}
	// A page starved of CPU by a loaded machine makes no call to its
	// backend within its wait, and is then (rightly) not exercised: such a
	// run is certified once more, against the same running app.
	addr := ln.Addr().String()
	var rep *certify.Report
	for attempt := 1; ; attempt++ {
		rep, err = certify.Run(context.Background(), certify.Options{Manifest: m, Listener: ln})
		if err != nil {
			t.Fatal(err)
		}
		if attempt == 2 || !pageStarved(rep) {
			break
		}
		t.Logf("a Custom UI page made no call to its backend in time; certifying once more:\n%s", reportText(rep))
		if ln, err = net.Listen("tcp", addr); err != nil {
			t.Fatal(err)
		}
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
	// The modal and the page are certified, each on its own: every rule
	// about extension requests that applies to them has a sub-check there.
	// Without Chromium, a page's PD-EXT-02 is not exercised: the browser
	// checks decide it.
	_, noChromium := browser.Find(os.Getenv("APPCERT_CHROMIUM"))
	for _, surface := range []manifest.Extension{{Type: manifest.JSONModal}, {Type: manifest.CustomUISettings}, {Type: manifest.CustomUIFloatingWindow}, {Type: manifest.CustomUIModal}} {
		for _, id := range []rules.ID{rules.PDExt02, rules.PDShare21, rules.PDUninst02} {
			r, _ := rep.Rule(id)
			want := certify.Pass
			if check, _ := suite.CheckOf(id); noChromium != nil && slices.Contains(check.Browser, surface.Type) {
				want = certify.NotExercised
			}
			if !slices.ContainsFunc(r.Surfaces, func(s result.SurfaceResult) bool { return s.Surface == surface.Type && s.Verdict == want }) {
				t.Errorf("%s did not pass on the %s: %+v", id, surface.Type, r.Surfaces)
			}
		}
	}
	// In the browser, the settings page's backend call, token in a
	// header, was sent again as other viewers and held.
	if _, err := browser.Find(os.Getenv("APPCERT_CHROMIUM")); err == nil {
		for _, id := range []rules.ID{rules.PDExt02, rules.PDExt05} {
			r, _ := rep.Rule(id)
			if !slices.ContainsFunc(r.Surfaces, func(s result.SurfaceResult) bool {
				return s.Surface == manifest.CustomUISettings && s.Verdict == certify.Pass
			}) {
				t.Errorf("%s did not pass on the Custom UI settings page: %+v", id, r.Surfaces)
			}
		}
		if ran := browserJudged(rep); ran == 0 {
			t.Errorf("no backend call of the settings page was judged in the browser:\n%s", reportText(rep))
		}
	}
	for _, id := range []rules.ID{rules.PDExt03, rules.PDExt05, rules.PDExt06} {
		r, _ := rep.Rule(id)
		if !slices.ContainsFunc(r.Surfaces, func(s result.SurfaceResult) bool { return s.Surface == manifest.JSONModal && s.Verdict == certify.Pass }) {
			t.Errorf("%s did not pass on the JSON modal: %+v", id, r.Surfaces)
		}
	}
	if r, _ := rep.Rule(rules.PDOAuth05); r.Verdict != certify.Pass {
		t.Errorf("PD-OAUTH-05 is %s; the app checks its signed state", r.Verdict)
	}
	t.Log(reportText(rep))
	if rep.Counts.Passed < 10 {
		t.Errorf("only %d rules passed:\n%s", rep.Counts.Passed, reportText(rep))
	}
}

// An app that uninstalls itself for a user while answering (it revokes
// their refresh token) is no longer held to serve them: the certification
// applies the uninstall to its model, and the story that needed the user
// installed is skipped naming it, instead of failing the app's refusal.
func TestCertify_AnUninstallTheAppCausesReachesTheModel(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone(), Timeout: 10 * time.Second}
	a := &otherApp{
		market: "http://" + ln.Addr().String(), clientID: "other-app", clientSecret: "other-client-secret",
		panelSecret: "other-panel-jwt-secret", panelUser: "pd", panelPass: "other-panel-pass", client: client,
		tokens: map[[2]int64]*otherTokens{}, shares: map[[2]int64]bool{}, disconnectOn: "12",
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
		},
	}
	// The schema's story asks for the panel on deals 1 to 12.
	rep, err := certify.Run(context.Background(), certify.Options{Manifest: m, Listener: ln, Tags: "@PD-EXT-04"})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := rep.Rule(rules.PDExt04)
	if r.Verdict != certify.Skip || !strings.Contains(strings.Join(r.Surfaces[0].Reasons, " "), "uninstalled itself for Alice") {
		t.Errorf("PD-EXT-04 is %s (%v); want SKIP naming the uninstall the app caused:\n%s", r.Verdict, r.Surfaces, reportText(rep))
	}
}

// browserJudged counts what the browser checks judged in a report.
func browserJudged(rep *certify.Report) int {
	n := 0
	for _, s := range rep.Scenarios {
		for _, c := range s.Checks {
			if c.Browser {
				n += c.Judged
			}
		}
	}
	return n
}

// pageStarved reports whether a Custom UI page of the run made no call to
// its backend in the browser within its wait.
func pageStarved(rep *certify.Report) bool {
	for _, r := range rep.Rules {
		for _, s := range r.Surfaces {
			for _, why := range s.Reasons {
				if s.Verdict == certify.NotExercised && strings.Contains(why, "made no call to its backend while it ran in the browser") {
					return true
				}
			}
		}
	}
	return false
}
