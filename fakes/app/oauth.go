package app

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// tokenAnswer is the token endpoint's answer (protocol.md).
type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
	ExpiresIn    int64  `json:"expires_in"`
	APIDomain    string `json:"api_domain"`
}

// me is the answer of GET /api/v1/users/me (marketplace-getting-user-data).
type me struct {
	ID        int64    `json:"id"`
	CompanyID int64    `json:"company_id"`
	Name      string   `json:"name"`
	Email     string   `json:"email"`
	IsAdmin   flexBool `json:"is_admin"`
}

// flexBool is v1's 1 or 0, tolerated as true or false.
type flexBool bool

func (f *flexBool) UnmarshalJSON(b []byte) error {
	switch string(bytes.TrimSpace(b)) {
	case "1", "true":
		*f = true
	case "0", "false", "null":
		*f = false
	default:
		return fmt.Errorf("is_admin: want 1, 0, true or false, got %s", b)
	}
	return nil
}

// stateCookie ties a state the app issued to the browser it sent to the
// marketplace; stateLifetime is how long the user has to approve.
const (
	stateCookie   = "sample_oauth_state"
	stateLifetime = 10 * time.Minute
)

// handleInstall is the Installation URL: the app starts authorization
// itself (app-installation-flows), with a state of its own, kept on the
// server and in a cookie, and sends the browser to the marketplace's
// /oauth/authorize.
func (a *App) handleInstall(w http.ResponseWriter, r *http.Request) {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	state := hex.EncodeToString(b)
	a.mu.Lock()
	now := a.now()
	for s, until := range a.states {
		if !now.Before(until) {
			delete(a.states, s)
		}
	}
	a.states[state] = now.Add(stateLifetime)
	a.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: state, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: r.TLS != nil, MaxAge: int(stateLifetime / time.Second)})
	q := url.Values{"client_id": {a.opts.ClientID}, "redirect_uri": {a.redirectURI(r)}, "state": {state}}
	http.Redirect(w, r, strings.TrimSuffix(a.opts.OAuthBaseURL, "/")+"/oauth/authorize?"+q.Encode(), http.StatusFound)
}

// stateIssued reports whether state is one the app issued to this browser
// and has not seen back yet; a state is good once.
func (a *App) stateIssued(r *http.Request, state string) bool {
	c, err := r.Cookie(stateCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(state)) != 1 {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	until, ok := a.states[state]
	delete(a.states, state)
	return ok && a.now().Before(until)
}

// redirectURI is the app's callback URL, sent with the code exchange and
// when it starts authorization itself.
func (a *App) redirectURI(r *http.Request) string {
	if a.opts.RedirectURI != "" {
		return a.opts.RedirectURI
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/callback"
}

// handleAuthorize is the OAuth redirect: GET /callback?code=…[&state=…].
// An install the marketplace starts carries no state; one the app started
// at its Installation URL carries the app's own, which must come back to
// the browser it was issued to (PD-OAUTH-05), or the redirect is refused.
func (a *App) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		if e == "user_denied" {
			if a.has(FaultDenied500) {
				textPage(w, http.StatusInternalServerError, "internal error: authorization returned user_denied")
				return
			}
			textPage(w, http.StatusOK, "Authorization cancelled. You can install the app again from the marketplace.")
			return
		}
		textPage(w, http.StatusBadRequest, "Authorization failed: "+e)
		return
	}
	if a.has(FaultRequireState) && !q.Has("state") {
		// The bug: the install the marketplace starts carries no state.
		textPage(w, http.StatusBadRequest, "Authorization failed: the request carries no state.")
		return
	}
	if q.Has("state") && !a.has(FaultAcceptAnyState) && !a.stateIssued(r, q.Get("state")) {
		textPage(w, http.StatusForbidden, "Authorization refused: this sign-in was not started here. Please install the app again.")
		return
	}
	code := q.Get("code")
	if code == "" {
		textPage(w, http.StatusBadRequest, "Authorization failed: the redirect carries no code.")
		return
	}
	if a.has(FaultNoCodeExchange) {
		textPage(w, http.StatusOK, "Thanks for installing the app.")
		return
	}
	redirect := a.redirectURI(r)
	ctx, cancel := context.WithTimeout(r.Context(), a.budget())
	defer cancel()
	tok, err := a.token(ctx, url.Values{
		"grant_type":   {"authorization_code"},
		"code":         {code},
		"redirect_uri": {redirect},
	})
	if err != nil {
		// The redirect must be answered below 500 (protocol.md); the user
		// can retry the installation, so say so without internals.
		textPage(w, http.StatusBadRequest, "Authorization failed: the marketplace did not accept the code. Please install the app again.")
		return
	}
	who, err := a.usersMe(ctx, tok)
	if err != nil {
		textPage(w, http.StatusBadRequest, "Authorization failed: could not read your user. Please install the app again.")
		return
	}
	a.mu.Lock()
	a.users[userKey{who.CompanyID, who.ID}] = &authorization{
		AccessToken:  tok.AccessToken,
		RefreshToken: tok.RefreshToken,
		Expiry:       a.expiry(tok.ExpiresIn),
		Scopes:       splitScopes(tok.Scope),
		APIDomain:    tok.APIDomain,
		Name:         who.Name,
		Email:        who.Email,
		IsAdmin:      bool(who.IsAdmin),
	}
	a.mu.Unlock()
	if a.has(FaultTokenInPage) {
		// The bug: a "debug" line that hands the token to the browser.
		textPage(w, http.StatusOK, fmt.Sprintf("Thanks, %s: the app is installed (token %s).", who.Name, tok.AccessToken))
		return
	}
	textPage(w, http.StatusOK, fmt.Sprintf("Thanks, %s: the app is installed.", who.Name))
}

func (a *App) expiry(expiresIn int64) time.Time {
	if expiresIn <= 0 {
		// No lifetime given: let the API say when the token is dead.
		return time.Time{}
	}
	return a.now().Add(time.Duration(expiresIn) * time.Second)
}

func splitScopes(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}

// errTokenRejected is a 4xx from the token endpoint: the code or refresh
// token is no good, as opposed to the marketplace being unreachable.
var errTokenRejected = errors.New("token endpoint rejected the grant")

// token posts form to the token endpoint with the app's Basic auth.
func (a *App) token(ctx context.Context, form url.Values) (tokenAnswer, error) {
	endpoint := strings.TrimSuffix(a.opts.OAuthBaseURL, "/") + "/oauth/token"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return tokenAnswer{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(a.opts.ClientID, a.opts.ClientSecret)
	res, err := a.client.Do(req)
	if err != nil {
		return tokenAnswer{}, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return tokenAnswer{}, err
	}
	if res.StatusCode >= 400 && res.StatusCode < 500 {
		return tokenAnswer{}, errTokenRejected
	}
	if res.StatusCode != http.StatusOK {
		return tokenAnswer{}, fmt.Errorf("token endpoint: status %d", res.StatusCode)
	}
	var t tokenAnswer
	if err := json.Unmarshal(body, &t); err != nil {
		return tokenAnswer{}, fmt.Errorf("token endpoint: %w", err)
	}
	if t.AccessToken == "" || t.APIDomain == "" {
		return tokenAnswer{}, errors.New("token endpoint: answer lacks access_token or api_domain")
	}
	return t, nil
}

// usersMe learns who a fresh token belongs to.
func (a *App) usersMe(ctx context.Context, tok tokenAnswer) (me, error) {
	status, body, err := a.apiGet(ctx, tok.APIDomain, tok.AccessToken, "/api/v1/users/me")
	if err != nil {
		return me{}, err
	}
	if status != http.StatusOK {
		return me{}, fmt.Errorf("users/me: status %d", status)
	}
	var m me
	if err := unwrapData(body, &m); err != nil {
		return me{}, fmt.Errorf("users/me: %w", err)
	}
	if m.ID == 0 || m.CompanyID == 0 {
		return me{}, errors.New("users/me: answer lacks id or company_id")
	}
	return m, nil
}

// unwrapData decodes the API's {"success":true,"data":…} envelope into v.
func unwrapData(body []byte, v any) error {
	var env struct {
		Data json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return err
	}
	if len(env.Data) == 0 || string(env.Data) == "null" {
		return errors.New("answer has no data")
	}
	return json.Unmarshal(env.Data, v)
}

// apiGet calls GET {domain}{path} with the bearer token and returns the
// status and body. Over the rate limit (429) it waits as Retry-After says
// and tries again, as core-api-concepts-rate-limiting asks, while the
// request's time allows; otherwise the 429 is the answer.
func (a *App) apiGet(ctx context.Context, domain, accessToken, path string) (int, []byte, error) {
	for attempt := 0; ; attempt++ {
		status, wait, body, err := a.apiGetOnce(ctx, domain, accessToken, path)
		if err != nil || status != http.StatusTooManyRequests || attempt == 2 {
			return status, body, err
		}
		if a.has(FaultNoBackoff) {
			continue // the bug: straight back at the API
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return status, body, nil
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return 0, nil, ctx.Err()
		}
	}
}

func (a *App) apiGetOnce(ctx context.Context, domain, accessToken, path string) (int, time.Duration, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(domain, "/")+path, nil)
	if err != nil {
		return 0, 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	req.Header.Set("Accept", "application/json")
	res, err := a.client.Do(req)
	if err != nil {
		return 0, 0, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return 0, 0, nil, err
	}
	return res.StatusCode, retryAfter(res.Header), body, nil
}

// retryAfter reads how long a 429 asks to wait: Retry-After, else
// x-ratelimit-reset, else a second.
func retryAfter(h http.Header) time.Duration {
	for _, k := range []string{"Retry-After", "X-Ratelimit-Reset"} {
		if n, err := strconv.Atoi(h.Get(k)); err == nil && n >= 0 {
			return time.Duration(n) * time.Second
		}
	}
	return time.Second
}

// refresh replaces the access token of owner, which failed as stale. When
// another request refreshed it meanwhile, it returns that token instead of
// spending the refresh token again.
func (a *App) refresh(ctx context.Context, owner userKey, stale string) (authorization, error) {
	a.refreshMu.Lock()
	defer a.refreshMu.Unlock()
	a.mu.Lock()
	cur, ok := a.users[owner]
	var snapshot authorization
	if ok {
		snapshot = *cur
	}
	a.mu.Unlock()
	if !ok {
		return authorization{}, errNotAuthorized
	}
	if snapshot.AccessToken != stale {
		return snapshot, nil
	}
	if snapshot.RefreshToken == "" {
		return authorization{}, errTokenRejected
	}
	tok, err := a.token(ctx, url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {snapshot.RefreshToken},
	})
	if err != nil {
		return authorization{}, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	cur, ok = a.users[owner]
	if !ok || cur.AccessToken != stale {
		// Uninstalled or re-authorized while the refresh was in flight: the
		// newer state wins.
		if !ok {
			return authorization{}, errNotAuthorized
		}
		return *cur, nil
	}
	cur.AccessToken = tok.AccessToken
	if tok.RefreshToken != "" {
		cur.RefreshToken = tok.RefreshToken
	}
	cur.Expiry = a.expiry(tok.ExpiresIn)
	if tok.Scope != "" {
		cur.Scopes = splitScopes(tok.Scope)
	}
	if tok.APIDomain != "" {
		cur.APIDomain = tok.APIDomain
	}
	return *cur, nil
}

// errNotAuthorized: the user the app would act for is no longer authorized.
var errNotAuthorized = errors.New("user is not authorized")

// textPage answers the browser that followed an OAuth redirect.
func textPage(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}
