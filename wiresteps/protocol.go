package wiresteps

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/cucumber/godog"

	"github.com/appcert/appcert/fakes/marketplace"
	"github.com/appcert/appcert/manifest"
)

// The wire steps for how the marketplace speaks OAuth and the API as
// Pipedrive does: both install paths, the shapes of codes and tokens, the
// ways a token request may be written or go wrong, revocation, API v1 and
// v2, and rate limits.

// apiAnswer is the API's latest answer to the app.
type apiAnswer struct {
	what   string
	status int
	header http.Header
	body   []byte
}

// installPath is where the recording app starts authorization itself.
const wireInstallPath = "/install"

// tokenRequest is one way of writing the code exchange.
type tokenRequest struct {
	form        url.Values
	contentType string
	body        string // instead of the form
	auth        string // the Authorization header, raw; empty for none
}

func (w *world) exchangeAs(person string, change func(ww *wireWorld, r *tokenRequest)) error {
	ww, err := w.wireUp()
	if err != nil {
		return err
	}
	c, ok := ww.codes[person]
	if !ok {
		return fmt.Errorf("the app got no code for %s; start with: When %s authorizes the app", person, person)
	}
	r := &tokenRequest{
		form:        url.Values{"grant_type": {"authorization_code"}, "code": {c}, "redirect_uri": {ww.manifest.CallbackURL}},
		contentType: "application/x-www-form-urlencoded",
	}
	r.auth = "Basic " + basicValue(ww.manifest.ClientID, ww.manifest.ClientSecret)
	change(ww, r)
	body := r.body
	if body == "" {
		body = r.form.Encode()
	}
	req, err := http.NewRequest(http.MethodPost, ww.mkt.URL+"/oauth/token", strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", r.contentType)
	if r.auth != "" {
		req.Header.Set("Authorization", r.auth)
	}
	return ww.answerToken("exchanging "+person+"'s code", person, req)
}

func basicValue(user, pass string) string {
	r := &http.Request{Header: http.Header{}}
	r.SetBasicAuth(user, pass)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

// answerToken sends a token request and keeps the answer, and the tokens
// of a 200: callToken and the protocol steps read every token answer here.
func (ww *wireWorld) answerToken(what, person string, req *http.Request) error {
	resp, body, err := ww.do(req)
	if err != nil {
		return fmt.Errorf("%s: the token endpoint did not answer: %v", what, err)
	}
	ww.answer = &tokenAnswer{what: what, status: resp.StatusCode, body: body}
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	var a struct {
		Access    string `json:"access_token"`
		Refresh   string `json:"refresh_token"`
		APIDomain string `json:"api_domain"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return fmt.Errorf("%s: the token endpoint answered 200 with %q, which is not JSON", what, body)
	}
	t := ww.tokens[person]
	t.access, t.apiDomain = a.Access, a.APIDomain
	if a.Refresh != "" {
		t.refresh = a.Refresh
	}
	ww.tokens[person] = t
	return nil
}

// shapeOf turns a shape written in a scenario ("<company>:<user>:<40 hex>")
// into a regular expression for the person's IDs.
func (w *world) shapeOf(shape, person string) (*regexp.Regexp, error) {
	uid, err := w.person(person)
	if err != nil {
		return nil, err
	}
	cid := w.companyOf(uid)
	var re strings.Builder
	re.WriteString("^")
	rest := shape
	for rest != "" {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			re.WriteString(regexp.QuoteMeta(rest))
			break
		}
		re.WriteString(regexp.QuoteMeta(rest[:i]))
		j := strings.IndexByte(rest[i:], '>')
		if j < 0 {
			return nil, fmt.Errorf("shape %q: a < without its >", shape)
		}
		switch word := rest[i+1 : i+j]; word {
		case "company":
			re.WriteString(strconv.FormatInt(int64(cid), 10))
		case "user":
			re.WriteString(strconv.FormatInt(int64(uid), 10))
		case "40 hex":
			re.WriteString("[0-9a-f]{40}")
		default:
			return nil, fmt.Errorf("shape %q: <%s> is not one of <company>, <user>, <40 hex>", shape, word)
		}
		rest = rest[i+j+1:]
	}
	re.WriteString("$")
	return regexp.Compile(re.String())
}

// callAPI makes an API call with the person's access token. A path that
// names no version ("/users/me") is called under /api/v1.
func (w *world) callAPI(call, person string, body string) (*apiAnswer, error) {
	ww, err := w.wireUp()
	if err != nil {
		return nil, err
	}
	t, err := ww.accessToken(person)
	if err != nil {
		return nil, err
	}
	method, path, _ := strings.Cut(call, " ")
	if !strings.HasPrefix(path, "/api/") && !strings.HasPrefix(path, "/v1/") {
		path = "/api/v1" + path
	}
	req, err := apiRequest(t, method, path, body)
	if err != nil {
		return nil, err
	}
	resp, b, err := ww.do(req)
	if err != nil {
		return nil, fmt.Errorf("the API did not answer %s: %v", call, err)
	}
	a := &apiAnswer{what: call + " with " + person + "'s access token", status: resp.StatusCode, header: resp.Header, body: b}
	ww.api = append(ww.api, a)
	return a, nil
}

// accessToken is what the app holds to call the API as the person.
func (ww *wireWorld) accessToken(person string) (appTokens, error) {
	t, ok := ww.tokens[person]
	if !ok {
		return appTokens{}, fmt.Errorf("the app holds no access token for %s; start with: Given %s has authorized the app", person, person)
	}
	return t, nil
}

// apiRequest is the app's call at path on the API's domain with an access
// token, and a JSON body when there is one.
func apiRequest(t appTokens, method, path, body string) (*http.Request, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, t.apiDomain+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+t.access)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

// do sends one of the app's requests to the marketplace and reads the
// whole answer; the caller says what did not answer.
func (ww *wireWorld) do(req *http.Request) (*http.Response, []byte, error) {
	resp, err := ww.httpApp.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body, nil
}

func (ww *wireWorld) lastAPI() (*apiAnswer, error) {
	if len(ww.api) == 0 {
		return nil, fmt.Errorf("the app has made no API call yet")
	}
	return ww.api[len(ww.api)-1], nil
}

// jsonPath reads a value at a dotted path ("additional_data.next_cursor")
// of a JSON body, keeping its JSON kind.
func jsonPath(body []byte, path string) (wireValue, bool, error) {
	var x any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if err := d.Decode(&x); err != nil {
		return wireValue{}, false, fmt.Errorf("the answer is not JSON: %q", body)
	}
	for _, k := range strings.Split(path, ".") {
		switch y := x.(type) {
		case map[string]any:
			v, ok := y[k]
			if !ok {
				return wireValue{}, false, nil
			}
			x = v
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(y) {
				return wireValue{}, false, nil
			}
			x = y[i]
		default:
			return wireValue{}, false, nil
		}
	}
	switch y := x.(type) {
	case string:
		return wireValue{y, "string"}, true, nil
	case json.Number:
		return wireValue{y.String(), "number"}, true, nil
	case bool:
		return wireValue{strconv.FormatBool(y), "bool"}, true, nil
	case nil:
		return wireValue{"null", "null"}, true, nil
	}
	b, _ := json.Marshal(x)
	return wireValue{string(b), "other"}, true, nil
}

func wireProtocolSteps() []def {
	var defs []def
	for _, kind := range []string{"code", "access token", "refresh token"} {
		defs = append(defs, def{Phrase: Phrase{Area: Area,
			Pattern: `{person}'s ` + kind + ` has the shape {text}`,
			Example: `Bob's ` + kind + ` has the shape "<company>:<user>:<40 hex>"`},
			run: func(w *world, a []string, _ *godog.Table) error { return w.checkShape(a[0], kind, a[1]) }})
	}
	for _, kind := range []string{"access token", "refresh token"} {
		defs = append(defs, def{Phrase: Phrase{Area: Area,
			Pattern: `the app revokes {person}'s ` + kind,
			Example: `the app revokes Bob's ` + kind},
			run: func(w *world, a []string, _ *godog.Table) error { return w.revoke(a[0], kind) }})
	}
	return append(defs, []def{
		{Phrase: Phrase{Area: Area,
			Pattern: `{app} starts authorization itself at its Installation URL with the state {text}`,
			Example: `"Deal Panel" starts authorization itself at its Installation URL with the state "s-123"`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return w.configure(a[0], func(m *manifest.App) error {
					m.InstallationURL = w.wire.app.URL + wireInstallPath
					w.wire.rec.redirectInstall(w.wire.mkt.URL, m.ClientID, m.CallbackURL, a[1])
					return nil
				})
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `{person} installs the app from its Installation URL`,
			Example: `Bob installs the app from its Installation URL`},
			run: func(w *world, a []string, _ *godog.Table) error { return w.installFromApp(a[0], false) }},
		{Phrase: Phrase{Area: Area,
			Pattern: `{person} starts at the app's Installation URL and denies the app`,
			Example: `Bob starts at the app's Installation URL and denies the app`},
			run: func(w *world, a []string, _ *godog.Table) error { return w.installFromApp(a[0], true) }},
		{Phrase: Phrase{Area: Area,
			Pattern: `the marketplace's authorization page, asked for {app} with the redirect URI {text}, answers {n}`,
			Example: `the marketplace's authorization page, asked for "Deal Panel" with the redirect URI "http://elsewhere.test/cb", answers 400`},
			run: func(w *world, a []string, _ *godog.Table) error {
				ww, err := w.wireUp()
				if err != nil {
					return err
				}
				if a[0] != ww.appName {
					return fmt.Errorf("there is no recording app %q in this scenario", a[0])
				}
				q := url.Values{"client_id": {ww.manifest.ClientID}, "redirect_uri": {a[1]}, "state": {"s"}}
				resp, err := ww.httpApp.Get(ww.mkt.URL + "/oauth/authorize?" + q.Encode())
				if err != nil {
					return err
				}
				resp.Body.Close()
				if want, _ := strconv.Atoi(a[2]); resp.StatusCode != want {
					return fmt.Errorf("the authorization page answered %d, not %d", resp.StatusCode, want)
				}
				if loc := resp.Header.Get("Location"); loc != "" && resp.StatusCode == http.StatusBadRequest {
					return fmt.Errorf("the refusal redirects to %s", loc)
				}
				return nil
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `the app exchanges {person}'s code with the client ID and secret as form fields`,
			Example: `the app exchanges Bob's code with the client ID and secret as form fields`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return w.exchangeAs(a[0], func(ww *wireWorld, r *tokenRequest) {
					r.auth = ""
					r.form.Set("client_id", ww.manifest.ClientID)
					r.form.Set("client_secret", ww.manifest.ClientSecret)
				})
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `the app exchanges {person}'s code with the client secret {text} as a form field`,
			Example: `the app exchanges Bob's code with the client secret "wrong" as a form field`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return w.exchangeAs(a[0], func(ww *wireWorld, r *tokenRequest) {
					r.auth = ""
					r.form.Set("client_id", ww.manifest.ClientID)
					r.form.Set("client_secret", a[1])
				})
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `the app exchanges {person}'s code without a redirect URI`,
			Example: `the app exchanges Bob's code without a redirect URI`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return w.exchangeAs(a[0], func(_ *wireWorld, r *tokenRequest) { r.form.Del("redirect_uri") })
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `the app exchanges {person}'s code with the redirect URI {text}`,
			Example: `the app exchanges Bob's code with the redirect URI "http://elsewhere.test/cb"`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return w.exchangeAs(a[0], func(_ *wireWorld, r *tokenRequest) { r.form.Set("redirect_uri", a[1]) })
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `the app exchanges {person}'s code as a JSON body`,
			Example: `the app exchanges Bob's code as a JSON body`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return w.exchangeAs(a[0], func(_ *wireWorld, r *tokenRequest) {
					b, _ := json.Marshal(map[string]string{"grant_type": r.form.Get("grant_type"), "code": r.form.Get("code"), "redirect_uri": r.form.Get("redirect_uri")})
					r.body, r.contentType = string(b), "application/json"
				})
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `the app exchanges {person}'s code with the Authorization header {text}`,
			Example: `the app exchanges Bob's code with the Authorization header "Basic not-base64!"`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return w.exchangeAs(a[0], func(_ *wireWorld, r *tokenRequest) { r.auth = a[1] })
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `the marketplace treats the app as uninstalled for {person}`,
			Example: `the marketplace treats the app as uninstalled for Bob`},
			run: func(w *world, a []string, _ *godog.Table) error {
				ww, id, err := w.personOn(w.onWire, a[0])
				if err != nil {
					return err
				}
				if !ww.uninstalled.has(int64(id)) {
					return fmt.Errorf("the marketplace did not uninstall the app for %s (it heard of no uninstall for them)", a[0])
				}
				return nil
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `the marketplace has not uninstalled the app for {person}`,
			Example: `the marketplace has not uninstalled the app for Bob`},
			run: func(w *world, a []string, _ *godog.Table) error {
				ww, id, err := w.personOn(w.onWire, a[0])
				if err != nil {
					return err
				}
				if ww.uninstalled.has(int64(id)) {
					return fmt.Errorf("the marketplace uninstalled the app for %s", a[0])
				}
				return nil
			}},

		// The API.
		{Phrase: Phrase{Area: Area,
			Pattern: `the app calls {call} with {person}'s access token`,
			Example: `the app calls "GET /api/v2/deals?limit=1" with Bob's access token`},
			run: func(w *world, a []string, _ *godog.Table) error {
				_, err := w.callAPI(a[0], a[1], "")
				return err
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `the app calls {call} with {person}'s access token and the JSON body {text}`,
			Example: `the app calls "PATCH /api/v2/deals/1" with Bob's access token and the JSON body "{}"`},
			run: func(w *world, a []string, _ *godog.Table) error {
				_, err := w.callAPI(a[0], a[1], a[2])
				return err
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `the app calls {call} {n} times with {person}'s access token`,
			Example: `the app calls "GET /users/me" 3 times with Bob's access token`},
			run: func(w *world, a []string, _ *godog.Table) error {
				n, _ := strconv.Atoi(a[1])
				for range n {
					if _, err := w.callAPI(a[0], a[2], ""); err != nil {
						return err
					}
				}
				return nil
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `the API answers {n}`,
			Example: `the API answers 200`},
			run: func(w *world, a []string, _ *godog.Table) error {
				_, err := w.apiAnswered(a[0])
				return err
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `the API answered the calls {text}`,
			Example: `the API answered the calls "200, 200, 429"`},
			run: func(w *world, a []string, _ *godog.Table) error {
				ww, err := w.onWire()
				if err != nil {
					return err
				}
				got := make([]string, len(ww.api))
				for i, x := range ww.api {
					got[i] = strconv.Itoa(x.status)
				}
				if g := strings.Join(got, ", "); g != a[0] {
					return fmt.Errorf("the API answered the calls %s, not %s", g, a[0])
				}
				return nil
			}},
		{Phrase: Phrase{Area: Area, Table: true,
			Pattern: `the API answers {n} with the headers:`,
			Example: "the API answers 429 with the headers:\n  | x-ratelimit-limit     | 3     |\n  | x-ratelimit-remaining | 0     |\n  | x-ratelimit-reset     | (any) |\n  | retry-after           | (any) |"},
			run: func(w *world, a []string, t *godog.Table) error {
				ans, errs, err := w.answerRows(a[0], t, func(ans *apiAnswer, name, want string) (string, error) {
					v, ok := ans.header[http.CanonicalHeaderKey(name)]
					switch {
					case want == "(none)":
						if ok {
							return fmt.Sprintf("the answer has %s: %q", name, v[0]), nil
						}
					case !ok:
						return "the answer has no " + name + " header", nil
					default:
						if err := w.check(name, want, wireValue{v[0], "string"}, false); err != nil {
							return err.Error(), nil
						}
					}
					return "", nil
				})
				if err != nil {
					return err
				}
				if len(errs) > 0 {
					return fmt.Errorf("%s: %s", ans.what, strings.Join(errs, "; "))
				}
				return nil
			}},
		{Phrase: Phrase{Area: Area, Table: true,
			Pattern: `the API answers {n} with the JSON:`,
			Example: "the API answers 200 with the JSON:\n  | success                     | true  |\n  | data.0.title                | Acme deal 1 |\n  | additional_data.next_cursor | (any) |"},
			run: func(w *world, a []string, t *godog.Table) error {
				ans, errs, err := w.answerRows(a[0], t, func(ans *apiAnswer, name, want string) (string, error) {
					v, ok, err := jsonPath(ans.body, name)
					if err != nil {
						return "", err
					}
					switch {
					case !ok:
						return "the answer has no " + name, nil
					case want == "null":
						if v.kind != "null" {
							return fmt.Sprintf("%s is %s, not null", name, v), nil
						}
					default:
						if err := w.check(name, want, v, true); err != nil {
							return err.Error(), nil
						}
					}
					return "", nil
				})
				if err != nil {
					return err
				}
				if len(errs) > 0 {
					return fmt.Errorf("%s: %s (the answer: %s)", ans.what, strings.Join(errs, "; "), ans.body)
				}
				return nil
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `the app calls the next page of {call} with {person}'s access token`,
			Example: `the app calls the next page of "GET /api/v2/deals?limit=1" with Bob's access token`},
			run: func(w *world, a []string, _ *godog.Table) error {
				ww, err := w.onWire()
				if err != nil {
					return err
				}
				last, err := ww.lastAPI()
				if err != nil {
					return err
				}
				v, ok, err := jsonPath(last.body, "additional_data.next_cursor")
				if err != nil {
					return err
				}
				if !ok || v.kind != "string" {
					return fmt.Errorf("the last answer has no next cursor (additional_data.next_cursor: %s)", v)
				}
				sep := "?"
				if strings.Contains(a[0], "?") {
					sep = "&"
				}
				_, err = w.callAPI(a[0]+sep+"cursor="+url.QueryEscape(v.text), a[1], "")
				return err
			}},
		{Phrase: Phrase{Area: Area,
			Pattern: `the marketplace's rate limit is {n} calls per 2 seconds`,
			Example: `the marketplace's rate limit is 3 calls per 2 seconds`},
			run: func(w *world, a []string, _ *godog.Table) error {
				ww, err := w.onWire()
				if err != nil {
					return err
				}
				n, _ := strconv.Atoi(a[0])
				if n < 1 {
					return fmt.Errorf("a rate limit of %d calls lets nothing through", n)
				}
				return ww.m.SetRateLimit(n)
			}},
	}...)
}

// apiAnswered checks the status of the API's latest answer.
func (w *world) apiAnswered(status string) (*apiAnswer, error) {
	ww, err := w.onWire()
	if err != nil {
		return nil, err
	}
	ans, err := ww.lastAPI()
	if err != nil {
		return nil, err
	}
	if want, _ := strconv.Atoi(status); ans.status != want {
		return nil, fmt.Errorf("%s: the API answered %d %s, not %d", ans.what, ans.status, bytes.TrimSpace(ans.body), want)
	}
	return ans, nil
}

// answerRows checks the API's latest answer, of the status, against a
// table of names and values: row says what is wrong with one row ("" when
// nothing is) or fails the step; the step says how the wrongs are told.
func (w *world) answerRows(status string, t *godog.Table, row func(ans *apiAnswer, name, want string) (string, error)) (*apiAnswer, []string, error) {
	ans, err := w.apiAnswered(status)
	if err != nil {
		return nil, nil, err
	}
	rows, err := pairs(t)
	if err != nil {
		return nil, nil, err
	}
	var errs []string
	for _, r := range rows {
		wrong, err := row(ans, r[0], r[1])
		if err != nil {
			return nil, nil, err
		}
		if wrong != "" {
			errs = append(errs, wrong)
		}
	}
	return ans, errs, nil
}

// installFromApp plays the person's browser through the app's Installation
// URL; the app keeps the code it got.
func (w *world) installFromApp(person string, deny bool) error {
	ww, id, err := w.personOn(w.wireUp, person)
	if err != nil {
		return err
	}
	ww.m.SetURL(ww.mkt.URL)
	if err := ww.send(person+"'s install from the Installation URL", func(ctx context.Context) (marketplace.Exchange, error) {
		got, err := ww.m.AuthorizeFromApp(ctx, ww.manifest.ClientID, int64(id), deny)
		if err == nil && got.Stopped != "" {
			err = fmt.Errorf("the browser stopped: %s", got.Stopped)
		}
		return got.Redirect, err
	}); err != nil {
		return err
	}
	// The browser opened the Installation URL first; the redirect back
	// is what the scenario looks at.
	if len(ww.sent) > 1 {
		ww.sent = ww.sent[len(ww.sent)-1:]
	}
	return ww.keepCode(person)
}

// checkShape checks the shape of the person's latest code or token.
func (w *world) checkShape(person, kind, shape string) error {
	ww, err := w.onWire()
	if err != nil {
		return err
	}
	re, err := w.shapeOf(shape, person)
	if err != nil {
		return err
	}
	var got string
	switch kind {
	case "code":
		got = ww.codes[person]
	case "access token":
		got = ww.tokens[person].access
	default:
		got = ww.tokens[person].refresh
	}
	if got == "" {
		return fmt.Errorf("the app holds no %s for %s", kind, person)
	}
	if !re.MatchString(got) {
		return fmt.Errorf("%s's %s %q does not have the shape %q", person, kind, got, shape)
	}
	return nil
}

// revoke makes the app revoke the person's token of that kind, with the
// hint naming it.
func (w *world) revoke(person, kind string) error {
	ww, err := w.wireUp()
	if err != nil {
		return err
	}
	t, ok := ww.tokens[person]
	if !ok {
		return fmt.Errorf("the app holds no tokens for %s; start with: Given %s has authorized the app", person, person)
	}
	tok, hint := t.access, "access_token"
	if kind == "refresh token" {
		tok, hint = t.refresh, "refresh_token"
	}
	req, err := http.NewRequest(http.MethodPost, ww.mkt.URL+"/oauth/revoke", strings.NewReader(url.Values{"token": {tok}, "token_type_hint": {hint}}.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(ww.manifest.ClientID, ww.manifest.ClientSecret)
	resp, body, err := ww.do(req)
	if err != nil {
		return fmt.Errorf("the revoke endpoint did not answer: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("revoking %s's %s: the revoke endpoint answered %d %s, not 200", person, kind, resp.StatusCode, body)
	}
	return nil
}
