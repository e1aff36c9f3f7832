package wiresteps

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"

	"github.com/appcert/appcert/fakes/marketplace"
	"github.com/appcert/appcert/internal/jwt"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/reference"
	"github.com/appcert/appcert/steps"
)

// The wire steps run the fake marketplace (fakes/marketplace) in-process
// against a recording app, and look at what went over HTTP: what the
// marketplace sends the app (redirects, uninstalls, extension requests) and
// what it serves the app (the token endpoint, the API). The reference model
// decides who gets what; these steps pin the requests themselves.

// wireWorld is a scenario's marketplace on the wire and its one recording
// app. The marketplace runs on a clock of its own that only the scenario
// moves.
type wireWorld struct {
	appName    string
	manifest   manifest.App
	registered bool // the marketplace knows the app; its manifest is fixed

	clock *marketplace.Clock
	m     *marketplace.Marketplace
	mkt   *httptest.Server // what the marketplace serves: /oauth/..., /api/v1/...
	app   *httptest.Server // the recording app
	rec   *recording

	synced map[string]bool // companies and people the marketplace knows, by name

	sent    []received           // what the app got from the latest send
	codes   map[string]string    // the latest code the app got, by person
	tokens  map[string]appTokens // what the app holds after an exchange, by person
	answer  *tokenAnswer         // the token endpoint's latest answer
	api     []*apiAnswer         // the API's answers to the app, in order
	httpApp *http.Client         // the app's client, for calling the marketplace

	uninstalled *uninstalls // users the marketplace uninstalled the app for, as it told its model
}

// uninstalls is what the marketplace's OnUninstall told, from the server's
// goroutines.
type uninstalls struct {
	mu    sync.Mutex
	users map[int64]bool
}

func (u *uninstalls) add(id int64) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.users[id] = true
}

func (u *uninstalls) has(id int64) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.users[id]
}

// appTokens are the tokens the app holds for one person.
type appTokens struct {
	access, refresh, apiDomain string
}

// tokenAnswer is one answer of the token endpoint to the app.
type tokenAnswer struct {
	what   string // "exchanging Bob's code", for messages
	status int
	body   []byte
}

// received is one request the recording app got.
type received struct {
	Method string
	URL    *url.URL
	Header http.Header
	Body   []byte
}

// recording is the recording app: it keeps every request and answers each
// with the status and body the scenario set.
type recording struct {
	mu      sync.Mutex
	got     []received
	status  int
	body    string
	install string // where the Installation URL redirects; empty: no Installation URL
}

func (r *recording) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	r.mu.Lock()
	r.got = append(r.got, received{Method: req.Method, URL: req.URL, Header: req.Header.Clone(), Body: body})
	status, answer, install := r.status, r.body, r.install
	r.mu.Unlock()
	if install != "" && req.URL.Path == wireInstallPath {
		http.Redirect(w, req, install, http.StatusFound)
		return
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, answer)
}

func (r *recording) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

func (r *recording) since(n int) []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got[n:])
}

// redirectInstall makes the Installation URL start authorization at the
// marketplace with the app's own state.
func (r *recording) redirectInstall(market, clientID, callback, state string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	q := url.Values{"client_id": {clientID}, "redirect_uri": {callback}, "state": {state}}
	r.install = market + "/oauth/authorize?" + q.Encode()
}

func (r *recording) answerWith(status int, body string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status, r.body = status, body
}

// Paths on the recording app.
const (
	wireCallbackPath   = "/callback"
	wirePanelPath      = "/panel"
	wireLinkActionPath = "/link-action"
)

// startWire starts the scenario's marketplace and recording app.
func (w *world) startWire(name, clientID, secret string) error {
	if w.wire != nil {
		return fmt.Errorf("this scenario already has the recording app %q; one is enough for what goes over the wire", w.wire.appName)
	}
	rec := &recording{status: http.StatusOK, body: `{}`}
	app := httptest.NewServer(rec)
	clock := marketplace.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	uninstalled := &uninstalls{users: map[int64]bool{}}
	m := marketplace.New(marketplace.Options{Clock: clock.Now, HTTPClient: app.Client(),
		OnUninstall: func(_ string, _, userID int64) { uninstalled.add(userID) }})
	mkt := httptest.NewServer(m)
	w.wire = &wireWorld{
		uninstalled: uninstalled,
		appName:     name,
		manifest: manifest.App{
			Name: name, ClientID: clientID, ClientSecret: secret,
			CallbackURL: app.URL + wireCallbackPath,
			Scopes:      []string{"deals:read"},
		},
		clock: clock, m: m, mkt: mkt, app: app, rec: rec,
		synced:  map[string]bool{},
		codes:   map[string]string{},
		tokens:  map[string]appTokens{},
		httpApp: mkt.Client(),
	}
	return nil
}

// closeWire stops the scenario's servers, whatever the scenario's outcome.
func closeWire(ctx context.Context, _ *godog.Scenario, _ error) (context.Context, error) {
	if w := fromContext(ctx); w != nil && w.wire != nil {
		w.wire.m.Close()
		w.wire.mkt.Close()
		w.wire.app.Close()
	}
	return ctx, nil
}

// wireUp returns the scenario's wire, with every company and person of
// the scenario known to the marketplace and the app registered.
func (w *world) wireUp() (*wireWorld, error) {
	ww, err := w.onWire()
	if err != nil {
		return nil, err
	}
	for name, id := range w.steps.Companies() {
		if ww.synced["company "+name] {
			continue
		}
		if err := ww.m.AddCompany(marketplace.Company{ID: int64(id), Name: name}); err != nil {
			return nil, err
		}
		ww.synced["company "+name] = true
	}
	for name, id := range w.steps.People() {
		if ww.synced[name] {
			continue
		}
		u, _ := w.steps.User(id)
		if err := ww.m.AddUser(marketplace.User{ID: int64(id), CompanyID: int64(u.Company), Name: name, Email: u.Email, Admin: u.Admin}); err != nil {
			return nil, err
		}
		ww.synced[name] = true
	}
	if !ww.registered {
		if err := ww.m.AddApp(ww.manifest); err != nil {
			return nil, fmt.Errorf("the marketplace does not take the app's manifest: %v", err)
		}
		ww.registered = true
	}
	return ww, nil
}

// onWire returns the scenario's wire as it is.
func (w *world) onWire() (*wireWorld, error) {
	if w.wire == nil {
		return nil, fmt.Errorf(`there is no app on the wire in this scenario; start with: Given the recording app "Deal Panel" with client ID "acme-client" and client secret "acme-secret"`)
	}
	return w.wire, nil
}

// personOn returns the scenario's wire as wire (w.wireUp or w.onWire)
// gives it, and the ID of the person a step names: the wire's error
// first, as each step had it.
func (w *world) personOn(wire func() (*wireWorld, error), person string) (*wireWorld, reference.UserID, error) {
	ww, err := wire()
	if err != nil {
		return nil, 0, err
	}
	id, err := w.person(person)
	if err != nil {
		return nil, 0, err
	}
	return ww, id, nil
}

// configure changes the app's manifest before the marketplace has it.
func (w *world) configure(app string, change func(*manifest.App) error) error {
	ww := w.wire
	if ww == nil || ww.appName != app {
		return fmt.Errorf(`there is no recording app %q in this scenario; start with: Given the recording app %q with client ID "acme-client" and client secret "acme-secret"`, app, app)
	}
	if ww.registered {
		return fmt.Errorf("the marketplace already has %q; set up its extensions before the first When step", app)
	}
	return change(&ww.manifest)
}

// addExtension adds a JSON panel or link action at a fixed path of the
// recording app.
func (w *world) addExtension(app, kind, resource string, more func(*manifest.Extension)) error {
	typ, path, err := wireExtension(kind)
	if err != nil {
		return err
	}
	return w.configure(app, func(a *manifest.App) error {
		if _, ok := a.Extension(typ, ""); ok {
			return fmt.Errorf("%q already has a %s; the wire steps use one of each", app, kind)
		}
		e := manifest.Extension{Type: typ, Name: kind, Resource: resource, URL: w.wire.app.URL + path}
		if more != nil {
			more(&e)
		}
		a.Extensions = append(a.Extensions, e)
		return nil
	})
}

// wirePaths are where the recording app serves each kind of extension the
// marketplace sends requests to.
var wirePaths = map[reference.ExtensionKind]string{
	reference.JSONPanel:              wirePanelPath,
	reference.LinkAction:             wireLinkActionPath,
	reference.JSONModal:              "/modal",
	reference.CustomUIPanel:          "/custom-ui/panel",
	reference.CustomUIModal:          "/custom-ui/modal",
	reference.CustomUIFloatingWindow: "/custom-ui/window",
	reference.CustomUISettings:       "/custom-ui/settings",
}

// wireExtension reads the vocabulary's {extension} word.
func wireExtension(kind string) (typ reference.ExtensionKind, path string, err error) {
	typ, ok := steps.ExtensionKind(kind)
	if path, sent := wirePaths[typ]; ok && sent {
		return typ, path, nil
	}
	return "", "", fmt.Errorf("the marketplace sends no %s requests over the wire (only JSON panels, link actions, JSON modals and Custom UI pages)", kind)
}

// sendExtension sends person's request of the app's extension of the kind
// named, for the given records (none: a surface on no record).
func (w *world) sendExtension(person, kind, resource string, ids []int64) error {
	ww, id, err := w.personOn(w.wireUp, person)
	if err != nil {
		return err
	}
	typ, _, err := wireExtension(kind)
	if err != nil {
		return err
	}
	user := int64(id)
	return ww.send(person+"'s "+kind+" request", func(ctx context.Context) (marketplace.Exchange, error) {
		switch {
		case typ == manifest.JSONPanel:
			return ww.m.SendPanel(ctx, ww.manifest.ClientID, marketplace.PanelRequest{UserID: user, Resource: resource, SelectedIDs: ids})
		case typ == manifest.LinkAction:
			return ww.m.SendLinkAction(ctx, ww.manifest.ClientID, marketplace.LinkRequest{UserID: user, Resource: resource, SelectedIDs: ids})
		case typ == manifest.JSONModal:
			return ww.m.SendModalOpen(ctx, ww.manifest.ClientID, marketplace.ModalRequest{UserID: user, Resource: resource, SelectedIDs: ids})
		default:
			return ww.m.SendCustomUI(ctx, ww.manifest.ClientID, marketplace.CustomUIRequest{Type: typ, UserID: user, Resource: resource, SelectedIDs: ids})
		}
	})
}

// parseIDList reads "1,2,3"; empty is no IDs.
func parseIDList(s string) ([]int64, error) {
	var ids []int64
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		id, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a list of record IDs", s)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// send runs one send of the marketplace and keeps what the app got.
func (ww *wireWorld) send(what string, do func(context.Context) (marketplace.Exchange, error)) error {
	before := ww.rec.count()
	ex, err := do(context.Background())
	if err != nil {
		return fmt.Errorf("the marketplace could not send %s: %v", what, err)
	}
	if ex.Err != nil {
		return fmt.Errorf("%s never reached the app: %v", what, ex.Err)
	}
	ww.sent = ww.rec.since(before)
	return nil
}

// request is the one request the app got from the latest send.
func (ww *wireWorld) request() (received, error) {
	switch len(ww.sent) {
	case 1:
		return ww.sent[0], nil
	case 0:
		return received{}, fmt.Errorf("the app got nothing from the marketplace's latest send")
	}
	return received{}, fmt.Errorf("the app got %d requests from the marketplace's latest send, not one", len(ww.sent))
}

// lastRequest is the one request the app got from the latest send on the
// scenario's wire.
func (w *world) lastRequest() (received, error) {
	ww, err := w.onWire()
	if err != nil {
		return received{}, err
	}
	return ww.request()
}

// keepCode keeps the code the app got with the latest send's one request,
// as the person's.
func (ww *wireWorld) keepCode(person string) error {
	r, err := ww.request()
	if err != nil {
		return err
	}
	if c := r.URL.Query().Get("code"); c != "" {
		ww.codes[person] = c
	}
	return nil
}

// tokenOf is the token the latest extension request carried.
func (w *world) tokenOf() (string, error) {
	r, err := w.lastRequest()
	if err != nil {
		return "", err
	}
	if !r.URL.Query().Has("token") {
		return "", fmt.Errorf("the %s at %s carries no token", r.Method, r.URL.Path)
	}
	return r.URL.Query().Get("token"), nil
}

var jwtEncoding = base64.RawURLEncoding

// claimsOf reads a token's claims without checking its signature, to say
// what a badly signed token holds.
func claimsOf(token string) (jwt.Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return jwt.Claims{}, fmt.Errorf("the token %q is not a JWT (three dot-separated parts)", token)
	}
	raw, err := jwtEncoding.DecodeString(parts[1])
	if err != nil {
		return jwt.Claims{}, fmt.Errorf("the token's claims are not base64url: %v", err)
	}
	var c jwt.Claims
	if err := json.Unmarshal(raw, &c); err != nil {
		return jwt.Claims{}, fmt.Errorf("the token's claims are not JSON: %v", err)
	}
	return c, nil
}

// claims are the claims of the token the latest extension request carried.
func (w *world) claims() (jwt.Claims, error) {
	tok, err := w.tokenOf()
	if err != nil {
		return jwt.Claims{}, err
	}
	return claimsOf(tok)
}

// callToken makes a call of the app to the token endpoint and keeps the
// answer; with a 200 the app keeps the person's tokens.
func (ww *wireWorld) callToken(what, person string, form url.Values, user, pass string, basic bool) error {
	req, err := http.NewRequest(http.MethodPost, ww.mkt.URL+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(user, pass)
	}
	return ww.answerToken(what, person, req)
}

// exchange makes the app exchange the person's latest code, with the Basic
// auth user and pass or with no Authorization.
func (w *world) exchange(person, user, pass string, basic bool) error {
	return w.exchangeAs(person, func(_ *wireWorld, r *tokenRequest) {
		r.auth = ""
		if basic {
			r.auth = "Basic " + basicValue(user, pass)
		}
	})
}

// authorizeOnWire sends the person's authorization redirect; the app keeps
// the code it got.
func (w *world) authorizeOnWire(person string) error {
	ww, id, err := w.personOn(w.wireUp, person)
	if err != nil {
		return err
	}
	if err := ww.send(person+"'s authorization redirect", func(ctx context.Context) (marketplace.Exchange, error) {
		return ww.m.Authorize(ctx, ww.manifest.ClientID, int64(id))
	}); err != nil {
		return err
	}
	return ww.keepCode(person)
}

// durationRE reads "4 minutes 59 seconds", "60 days", "1 day and 2 hours".
var durationRE = regexp.MustCompile(`(\d+) (day|hour|minute|second)s?`)

func parseDuration(s string) (time.Duration, error) {
	units := map[string]time.Duration{"day": 24 * time.Hour, "hour": time.Hour, "minute": time.Minute, "second": time.Second}
	var d time.Duration
	ms := durationRE.FindAllStringSubmatch(s, -1)
	if len(ms) == 0 {
		return 0, fmt.Errorf("%q is not a duration; write it like 4 minutes 59 seconds", s)
	}
	for _, m := range ms {
		n, _ := strconv.Atoi(m[1])
		d += time.Duration(n) * units[m[2]]
	}
	return d, nil
}

// pairs reads a table of two columns, name and value, with no header.
func pairs(t *godog.Table) ([][2]string, error) {
	if t == nil || len(t.Rows) == 0 {
		return nil, fmt.Errorf("this step needs a table of names and values, one a row: | resource | deal |")
	}
	var out [][2]string
	for _, r := range t.Rows {
		if len(r.Cells) != 2 {
			return nil, fmt.Errorf("each row of the table is a name and a value; one row has %d cells", len(r.Cells))
		}
		out = append(out, [2]string{strings.TrimSpace(r.Cells[0].Value), strings.TrimSpace(r.Cells[1].Value)})
	}
	return out, nil
}

// The words a table value may be written with, besides a literal:
//   - (any): present and not empty;
//   - a person's or a company's name: their ID (a number in JSON);
//   - now: an RFC 3339 time within a minute of the wall clock;
//   - the marketplace: the URL the marketplace serves on.
const anyValue = "(any)"

// wireValue is one value the app got: from a query (always a string) or a
// JSON body (a string, a number, a bool, or something else).
type wireValue struct {
	text string
	kind string // "string", "number", "bool", "other"
}

func (v wireValue) String() string {
	if v.kind == "string" {
		return strconv.Quote(v.text)
	}
	return v.text
}

// check compares a value the app got with what the scenario wrote. JSON
// values must have the right type too: an ID is a number, not a string.
func (w *world) check(name, want string, got wireValue, fromJSON bool) error {
	wantNumber := func(n int64) error {
		if got.text != strconv.FormatInt(n, 10) || (fromJSON && got.kind != "number") {
			return fmt.Errorf("%s is %s, want %s (the number %d)", name, got, want, n)
		}
		return nil
	}
	if id, ok := w.steps.People()[want]; ok {
		return wantNumber(int64(id))
	}
	if id, ok := w.steps.Companies()[want]; ok {
		return wantNumber(int64(id))
	}
	switch want {
	case anyValue:
		if got.text == "" {
			return fmt.Errorf("%s is empty", name)
		}
		return nil
	case "now":
		at, err := time.Parse(time.RFC3339, got.text)
		if err != nil || got.kind != "string" {
			return fmt.Errorf("%s is %s, not an RFC 3339 time", name, got)
		}
		if d := time.Since(at); d < -time.Minute || d > time.Minute {
			return fmt.Errorf("%s is %s, %s away from now", name, got, d.Round(time.Second))
		}
		return nil
	case "the marketplace":
		if got.text != w.wire.mkt.URL {
			return fmt.Errorf("%s is %s, not the marketplace's address %q", name, got, w.wire.mkt.URL)
		}
		return nil
	}
	if got.text != want {
		return fmt.Errorf("%s is %s, want %q", name, got, want)
	}
	if fromJSON {
		wantKind := "string"
		if _, err := strconv.ParseFloat(want, 64); err == nil {
			wantKind = "number"
		} else if want == "true" || want == "false" {
			wantKind = "bool"
		}
		if got.kind != wantKind {
			return fmt.Errorf("%s is %s, a JSON %s, want a JSON %s", name, got, got.kind, wantKind)
		}
	}
	return nil
}

// checkAll compares what the app got, name by name, with a table: every
// name in the table must be there with its value, and nothing else.
func (w *world) checkAll(what string, got map[string]wireValue, t *godog.Table, fromJSON bool) error {
	rows, err := pairs(t)
	if err != nil {
		return err
	}
	var errs []string
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r[0]] = true
		v, ok := got[r[0]]
		if !ok {
			errs = append(errs, fmt.Sprintf("%s has no %s", what, r[0]))
			continue
		}
		if err := w.check(r[0], r[1], v, fromJSON); err != nil {
			errs = append(errs, err.Error())
		}
	}
	var extra []string
	for k := range got {
		if !seen[k] {
			extra = append(extra, fmt.Sprintf("%s=%s", k, got[k]))
		}
	}
	slices.Sort(extra)
	if len(extra) > 0 {
		errs = append(errs, fmt.Sprintf("%s also has %s, which the scenario does not expect", what, strings.Join(extra, ", ")))
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// jsonValues reads a JSON object's top-level values.
func jsonValues(what string, body []byte) (map[string]wireValue, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("%s is not a JSON object: %q", what, body)
	}
	out := map[string]wireValue{}
	for k, v := range raw {
		var x any
		d := json.NewDecoder(bytes.NewReader(v))
		d.UseNumber()
		_ = d.Decode(&x) // it was valid JSON above
		switch y := x.(type) {
		case string:
			out[k] = wireValue{y, "string"}
		case json.Number:
			out[k] = wireValue{y.String(), "number"}
		case bool:
			out[k] = wireValue{strconv.FormatBool(y), "bool"}
		default:
			out[k] = wireValue{string(v), "other"}
		}
	}
	return out, nil
}

// gotRequest checks the method and path of the one request of the latest
// send.
func (w *world) gotRequest(method, path string) (received, error) {
	r, err := w.lastRequest()
	if err != nil {
		return r, err
	}
	if r.Method != method || r.URL.Path != path {
		return r, fmt.Errorf("the app got a %s at %q, not a %s at %q", r.Method, r.URL.Path, method, path)
	}
	return r, nil
}

func wireSteps() []def {
	return []def{
		// The app.
		{Phrase: Phrase{Area: Area,
			Pattern: `the recording app {app} with client ID {text} and client secret {text}`,
			Example: `the recording app "Deal Panel" with client ID "acme-client" and client secret "acme-secret"`},
			run: func(w *world, a []string, _ *godog.Table) error { return w.startWire(a[0], a[1], a[2]) }},
		{Phrase: Phrase{Area: Area,
			Pattern: `{app} has a {extension} on {resource}s`,
			Example: `"Deal Panel" has a JSON panel on deals`},
			run: func(w *world, a []string, _ *godog.Table) error { return w.addExtension(a[0], a[1], a[2], nil) }},
		{Phrase: Phrase{Area: Area,
			Pattern: `{app} has a {extension} on {resource}s in the list view`,
			Example: `"Deal Panel" has a link action on deals in the list view`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return w.addExtension(a[0], a[1], a[2], func(e *manifest.Extension) { e.View = manifest.ViewList })
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `{app} has a {extension}`,
			Example: `"Deal Panel" has a custom UI settings page`},
			run: func(w *world, a []string, _ *godog.Table) error { return w.addExtension(a[0], a[1], "", nil) }},
		{Phrase: Phrase{Area: Area,
			Pattern: `{app} has a {extension} on {resource}s with the JWT secret {text}`,
			Example: `"Deal Panel" has a JSON panel on deals with the JWT secret "panel-secret"`},
			run: func(w *world, a []string, _ *godog.Table) error {
				// An empty secret is no secret, as in the manifest.
				return w.addExtension(a[0], a[1], a[2], func(e *manifest.Extension) { e.JWTSecret = a[3] })
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `{app} has a {extension} on {resource}s with the HTTP auth {text} and {text}`,
			Example: `"Deal Panel" has a link action on deals with the HTTP auth "panel-user" and "panel-pass"`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return w.addExtension(a[0], a[1], a[2], func(e *manifest.Extension) {
					e.HTTPAuth = manifest.BasicAuth{Username: a[3], Password: a[4]}
				})
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `the app answers {n} with {text}`,
			Example: `the app answers 500 with "Internal Server Error"`},
			run: func(w *world, a []string, _ *godog.Table) error {
				ww, err := w.onWire()
				if err != nil {
					return err
				}
				status, _ := strconv.Atoi(a[0])
				if status < 100 || status > 999 {
					return fmt.Errorf("%d is not an HTTP status", status)
				}
				ww.rec.answerWith(status, a[1])
				return nil
			}},

		// What the marketplace sends.
		{Phrase: Phrase{Area: Area,
			Pattern: `the marketplace sends {person}'s {extension} request for {resource} {n}`,
			Example: `the marketplace sends Bob's JSON panel request for deal 42`},
			run: func(w *world, a []string, _ *godog.Table) error {
				rec, _ := strconv.ParseInt(a[3], 10, 64)
				return w.sendExtension(a[0], a[1], a[2], []int64{rec})
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `the marketplace sends {person}'s {extension} request`,
			Example: `the marketplace sends Bob's custom UI settings page request`},
			run: func(w *world, a []string, _ *godog.Table) error { return w.sendExtension(a[0], a[1], "", nil) }},
		{Phrase: Phrase{Area: Area,
			Pattern: `the marketplace sends {person}'s link action request from the list of {resource}s selecting {text} excluding {text} with the saved filter {n}`,
			Example: `the marketplace sends Bob's link action request from the list of deals selecting "" excluding "4,5" with the saved filter 2`},
			run: func(w *world, a []string, _ *godog.Table) error {
				ww, id, err := w.personOn(w.wireUp, a[0])
				if err != nil {
					return err
				}
				selected, err := parseIDList(a[2])
				if err != nil {
					return err
				}
				excluded, err := parseIDList(a[3])
				if err != nil {
					return err
				}
				return ww.send(a[0]+"'s list-view link action request", func(ctx context.Context) (marketplace.Exchange, error) {
					return ww.m.SendLinkAction(ctx, ww.manifest.ClientID, marketplace.LinkRequest{UserID: int64(id), Resource: a[1],
						View: manifest.ViewList, SelectedIDs: selected, ExcludedIDs: excluded, Filter: `{"filter_id":` + a[4] + `}`})
				})
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `the marketplace submits {person}'s JSON modal for {resource} {n} with {text}`,
			Example: `the marketplace submits Bob's JSON modal for deal 7 with "{'title':'Call back'}"`},
			run: func(w *world, a []string, _ *godog.Table) error {
				ww, id, err := w.personOn(w.wireUp, a[0])
				if err != nil {
					return err
				}
				// Written with single quotes, which a step's text cannot hold
				// double ones.
				var values map[string]any
				if err := json.Unmarshal([]byte(strings.ReplaceAll(a[3], "'", `"`)), &values); err != nil {
					return fmt.Errorf("the modal's values %q are not a JSON object: %v", a[3], err)
				}
				rec, _ := strconv.ParseInt(a[2], 10, 64)
				return ww.send(a[0]+"'s JSON modal submit", func(ctx context.Context) (marketplace.Exchange, error) {
					return ww.m.SendModalSubmit(ctx, ww.manifest.ClientID, marketplace.ModalRequest{UserID: int64(id), Resource: a[1], SelectedIDs: []int64{rec}}, values)
				})
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `{person} authorizes the app`,
			Example: `Bob authorizes the app`},
			run: func(w *world, a []string, _ *godog.Table) error { return w.authorizeOnWire(a[0]) }},
		{Phrase: Phrase{Area: Area,
			Pattern: `{person} has authorized the app`,
			Example: `Bob has authorized the app`},
			run: func(w *world, a []string, _ *godog.Table) error {
				if err := w.authorizeOnWire(a[0]); err != nil {
					return err
				}
				if err := w.exchange(a[0], w.wire.manifest.ClientID, w.wire.manifest.ClientSecret, true); err != nil {
					return err
				}
				if s := w.wire.answer.status; s != http.StatusOK {
					return fmt.Errorf("exchanging %s's code: the token endpoint answered %d %s", a[0], s, w.wire.answer.body)
				}
				return nil
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `{person} denies the app`,
			Example: `Bob denies the app`},
			run: func(w *world, a []string, _ *godog.Table) error {
				ww, id, err := w.personOn(w.wireUp, a[0])
				if err != nil {
					return err
				}
				return ww.send(a[0]+"'s denial", func(ctx context.Context) (marketplace.Exchange, error) {
					return ww.m.Deny(ctx, ww.manifest.ClientID, int64(id))
				})
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `{person} uninstalls the app`,
			Example: `Bob uninstalls the app`},
			run: func(w *world, a []string, _ *godog.Table) error {
				ww, id, err := w.personOn(w.wireUp, a[0])
				if err != nil {
					return err
				}
				return ww.send(a[0]+"'s uninstall", func(ctx context.Context) (marketplace.Exchange, error) {
					return ww.m.SendUninstall(ctx, ww.manifest.ClientID, marketplace.UninstallRequest{CompanyID: int64(w.companyOf(id)), UserID: int64(id)})
				})
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `{duration} [pass|passes] on the marketplace's clock`,
			Example: `5 minutes 1 second pass on the marketplace's clock`},
			run: func(w *world, a []string, _ *godog.Table) error {
				ww, err := w.wireUp()
				if err != nil {
					return err
				}
				d, err := parseDuration(a[0])
				if err != nil {
					return err
				}
				ww.clock.Advance(d)
				return nil
			}},

		// What the app calls.
		{Phrase: Phrase{Area: Area,
			Pattern: `the app exchanges {person}'s [code|code again]`,
			Example: `the app exchanges Bob's code`},
			run: func(w *world, a []string, _ *godog.Table) error {
				ww, err := w.wireUp()
				if err != nil {
					return err
				}
				return w.exchange(a[0], ww.manifest.ClientID, ww.manifest.ClientSecret, true)
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `the app exchanges {person}'s code with the Basic auth {text} and {text}`,
			Example: `the app exchanges Bob's code with the Basic auth "acme-client" and "wrong-secret"`},
			run: func(w *world, a []string, _ *godog.Table) error { return w.exchange(a[0], a[1], a[2], true) }},
		{Phrase: Phrase{Area: Area,
			Pattern: `the app exchanges {person}'s code without Basic auth`,
			Example: `the app exchanges Bob's code without Basic auth`},
			run: func(w *world, a []string, _ *godog.Table) error { return w.exchange(a[0], "", "", false) }},
		{Phrase: Phrase{Area: Area,
			Pattern: `the app refreshes {person}'s access token`,
			Example: `the app refreshes Bob's access token`},
			run: func(w *world, a []string, _ *godog.Table) error {
				ww, err := w.wireUp()
				if err != nil {
					return err
				}
				t, ok := ww.tokens[a[0]]
				if !ok || t.refresh == "" {
					return fmt.Errorf("the app holds no refresh token for %s; start with: Given %s has authorized the app", a[0], a[0])
				}
				form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {t.refresh}}
				return ww.callToken("refreshing "+a[0]+"'s access token", a[0], form, ww.manifest.ClientID, ww.manifest.ClientSecret, true)
			}},

		// What the app got.
		{Phrase: Phrase{Area: Area,
			Pattern: `the app gets a {method} at {text}`,
			Example: `the app gets a DELETE at "/callback"`},
			run: func(w *world, a []string, _ *godog.Table) error {
				_, err := w.gotRequest(a[0], a[1])
				return err
			}},
		{Phrase: Phrase{Area: Area, Table: true,
			Pattern: `the app gets a {method} at {text} with the query:`,
			Example: "the app gets a GET at \"/panel\" with the query:\n  | resource    | deal  |\n  | userId      | Bob   |\n  | companyId   | Acme  |\n  | selectedIds | 42    |\n  | token       | (any) |"},
			run: func(w *world, a []string, t *godog.Table) error {
				r, err := w.gotRequest(a[0], a[1])
				if err != nil {
					return err
				}
				got := map[string]wireValue{}
				for k, vs := range r.URL.Query() {
					if len(vs) != 1 {
						return fmt.Errorf("the query has %s %d times: %q", k, len(vs), vs)
					}
					got[k] = wireValue{vs[0], "string"}
				}
				return w.checkAll("the query", got, t, false)
			}},
		{Phrase: Phrase{Area: Area, Table: true,
			Pattern: `the app gets a {method} at {text} with the JSON body:`,
			Example: "the app gets a DELETE at \"/callback\" with the JSON body:\n  | client_id  | acme-client |\n  | company_id | Acme        |\n  | user_id    | Bob         |\n  | timestamp  | now         |"},
			run: func(w *world, a []string, t *godog.Table) error {
				r, err := w.gotRequest(a[0], a[1])
				if err != nil {
					return err
				}
				if ct := r.Header.Get("Content-Type"); ct != "application/json" {
					return fmt.Errorf("the body's Content-Type is %q, not application/json", ct)
				}
				got, err := jsonValues("the body", r.Body)
				if err != nil {
					return err
				}
				return w.checkAll("the body", got, t, true)
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `the request has no {text} parameter`,
			Example: `the request has no "isShared" parameter`},
			run: func(w *world, a []string, _ *godog.Table) error {
				r, err := w.lastRequest()
				if err != nil {
					return err
				}
				if q := r.URL.Query(); q.Has(a[0]) {
					return fmt.Errorf("the %s at %s has %s=%q", r.Method, r.URL.Path, a[0], q.Get(a[0]))
				}
				return nil
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `the request carries the Basic auth {text} and {text}`,
			Example: `the request carries the Basic auth "acme-client" and "acme-secret"`},
			run: func(w *world, a []string, _ *godog.Table) error {
				r, err := w.lastRequest()
				if err != nil {
					return err
				}
				user, pass, ok := (&http.Request{Header: r.Header}).BasicAuth()
				switch {
				case !ok:
					return fmt.Errorf("the %s at %s carries no Basic auth (Authorization: %q)", r.Method, r.URL.Path, r.Header.Get("Authorization"))
				case user != a[0] || pass != a[1]:
					return fmt.Errorf("the %s at %s carries the Basic auth %q and %q, not %q and %q", r.Method, r.URL.Path, user, pass, a[0], a[1])
				}
				return nil
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `the request carries no Basic auth`,
			Example: `the request carries no Basic auth`},
			run: func(w *world, _ []string, _ *godog.Table) error {
				r, err := w.lastRequest()
				if err != nil {
					return err
				}
				if h := r.Header.Get("Authorization"); h != "" {
					return fmt.Errorf("the %s at %s carries Authorization: %q", r.Method, r.URL.Path, h)
				}
				return nil
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `the token is signed with the app's client secret and names {person} and {company}`,
			Example: `the token is signed with the app's client secret and names Bob and "Acme"`},
			run: func(w *world, a []string, _ *godog.Table) error {
				ww, err := w.onWire()
				if err != nil {
					return err
				}
				return w.signedBy(ww.manifest.ClientSecret, "the app's client secret", a[0], a[1])
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `the token is signed with {text} and names {person} and {company}`,
			Example: `the token is signed with "panel-secret" and names Bob and "Acme"`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return w.signedBy(a[0], strconv.Quote(a[0]), a[1], a[2])
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `the token is not signed with {text}`,
			Example: `the token is not signed with "acme-secret"`},
			run: func(w *world, a []string, _ *godog.Table) error {
				tok, err := w.tokenOf()
				if err != nil {
					return err
				}
				if _, err := jwt.Verify(tok, a[0], time.Now()); !errors.Is(err, jwt.ErrSignature) {
					return fmt.Errorf("the token is signed with %q (verifying it: %v)", a[0], err)
				}
				return nil
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `[it|the token] expires {n} seconds after it was issued`,
			Example: `it expires 300 seconds after it was issued`},
			run: func(w *world, a []string, _ *godog.Table) error {
				c, err := w.claims()
				if err != nil {
					return err
				}
				if want, _ := strconv.ParseInt(a[0], 10, 64); c.ExpiresAt-c.IssuedAt != want {
					return fmt.Errorf("the token expires %d seconds after it was issued (iat %d, exp %d), not %d", c.ExpiresAt-c.IssuedAt, c.IssuedAt, c.ExpiresAt, want)
				}
				return nil
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `the token was issued by the wall clock, not the marketplace's`,
			Example: `the token was issued by the wall clock, not the marketplace's`},
			run: func(w *world, _ []string, _ *godog.Table) error {
				c, err := w.claims()
				if err != nil {
					return err
				}
				at := time.Unix(c.IssuedAt, 0)
				if d := time.Since(at); d < -time.Minute || d > time.Minute {
					return fmt.Errorf("the token was issued at %s, %s from the wall clock (the marketplace's clock says %s)",
						at.UTC().Format(time.RFC3339), d.Round(time.Second), w.wire.clock.Now().Format(time.RFC3339))
				}
				return nil
			}},

		// What the marketplace serves.
		{Phrase: Phrase{Area: Area,
			Pattern: `the token endpoint answers {n}`,
			Example: `the token endpoint answers 401`},
			run: func(w *world, a []string, _ *godog.Table) error {
				_, err := w.tokenAnswered(a[0])
				return err
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `the token endpoint answers {n} with the error {text}`,
			Example: `the token endpoint answers 400 with the error "invalid_grant"`},
			run: func(w *world, a []string, _ *godog.Table) error {
				ans, err := w.tokenAnswered(a[0])
				if err != nil {
					return err
				}
				got, err := jsonValues("the answer", ans.body)
				if err != nil {
					return err
				}
				if e := got["error"]; e.text != a[1] {
					return fmt.Errorf("%s: the answer's error is %s, not %q (the answer: %s)", ans.what, e, a[1], ans.body)
				}
				return nil
			}},
		{Phrase: Phrase{Area: Area, Table: true,
			Pattern: `the token endpoint answers {n} with:`,
			Example: "the token endpoint answers 200 with:\n  | access_token  | (any)           |\n  | token_type    | Bearer          |\n  | refresh_token | (any)           |\n  | scope         | base,deals:read |\n  | expires_in    | 3599            |\n  | api_domain    | the marketplace |"},
			run: func(w *world, a []string, t *godog.Table) error {
				ans, err := w.tokenAnswered(a[0])
				if err != nil {
					return err
				}
				got, err := jsonValues("the answer", ans.body)
				if err != nil {
					return err
				}
				return w.checkAll("the answer", got, t, true)
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `an API call to {call} with {person}'s access token gets {n}`,
			Example: `an API call to "GET /users/me" with Bob's access token gets 401`},
			run: func(w *world, a []string, _ *godog.Table) error {
				ww, err := w.wireUp()
				if err != nil {
					return err
				}
				t, err := ww.accessToken(a[1])
				if err != nil {
					return err
				}
				method, path, _ := strings.Cut(a[0], " ")
				req, err := apiRequest(t, method, "/api/v1"+path, "")
				if err != nil {
					return err
				}
				resp, body, err := ww.do(req)
				if err != nil {
					return fmt.Errorf("the API did not answer: %v", err)
				}
				if want, _ := strconv.Atoi(a[2]); resp.StatusCode != want {
					return fmt.Errorf("%s with %s's access token got %d %s, not %d (the marketplace's clock: %s)",
						a[0], a[1], resp.StatusCode, bytes.TrimSpace(body), want, ww.clock.Now().Format(time.RFC3339))
				}
				return nil
			}},
	}
}

// signedBy checks that the latest extension request's token verifies with
// secret and names the person and the company.
func (w *world) signedBy(secret, secretName, person, company string) error {
	_, uid, err := w.personOn(w.onWire, person)
	if err != nil {
		return err
	}
	cid, err := w.company(company)
	if err != nil {
		return err
	}
	tok, err := w.tokenOf()
	if err != nil {
		return err
	}
	c, err := jwt.Verify(tok, secret, time.Now())
	if err != nil {
		return fmt.Errorf("the token does not verify with %s: %v", secretName, err)
	}
	if c.UserID != int64(uid) || c.CompanyID != int64(cid) {
		return fmt.Errorf("the token names user %d of company %d, not %s (%d) of %s (%d)", c.UserID, c.CompanyID, person, uid, company, cid)
	}
	return nil
}

// tokenAnswered checks the status of the token endpoint's latest answer.
func (w *world) tokenAnswered(status string) (*tokenAnswer, error) {
	ww, err := w.onWire()
	if err != nil {
		return nil, err
	}
	if ww.answer == nil {
		return nil, fmt.Errorf("the app has not called the token endpoint yet")
	}
	if want, _ := strconv.Atoi(status); ww.answer.status != want {
		return nil, fmt.Errorf("%s: the token endpoint answered %d %s, not %d (the marketplace's clock: %s)",
			ww.answer.what, ww.answer.status, bytes.TrimSpace(ww.answer.body), want, ww.clock.Now().Format(time.RFC3339))
	}
	return ww.answer, nil
}
