package marketplace

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/appcert/appcert/certify/result"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/reference"
	"github.com/appcert/appcert/reference/scopes"
	"github.com/appcert/appcert/rules"
)

// Finding is one way the app broke a rule.
type Finding struct {
	Rule rules.ID
	// Severity: result.SeverityFail fails the rule; result.SeverityWarn is
	// reported and fails nothing.
	Severity result.Severity
	Reason   string
	// Setup marks a finding that is most likely a setup mistake (a wrong
	// client secret, redirect URI or OAuth base URL) rather than a defect
	// of the app's code; the reason says what to check.
	Setup bool
	// Exchange is the request and answer the finding is about, when it is
	// about one; Call is the app's own call, when it is about one.
	Exchange Exchange
	Call     *Call
	// Unreadable marks a finding about an answer's format (a JSON panel's
	// schema, PD-EXT-04; a JSON modal's, PD-EXT-06): the status served the
	// viewer, but what came is not the surface's content, so a story that
	// needs the viewer served cannot tell from it whether they were.
	Unreadable bool
}

func (f Finding) String() string { return fmt.Sprintf("%s %s: %s", f.Rule, f.Severity, f.Reason) }

// Expectation says what the answer to an extension request should be. The
// caller decides it from the app's view of who is entitled (protocol.md).
type Expectation struct {
	// Refuse: the app should refuse (401 or 403). Otherwise it should
	// answer: a JSON panel with 200 and the documented schema, a link
	// action with a 2xx or 3xx.
	Refuse bool
	// NoServerError: the viewer is entitled, but the story asks only that
	// the request is not failed with a 5xx; an error answer below 500 holds
	// (PD-API-03: the API call the answer needed met a 429).
	NoServerError bool
	// Rule is what a wrong refusal or a wrong status breaks. Empty:
	// PD-EXT-02 for a refusal; PD-EXT-04 for a panel answer, PD-EXT-06 for
	// a modal's, PD-EXT-02 for a link action's (a genuine request refused
	// proves nothing about forged ones). An answer's format breaks its
	// surface's own rule only (PD-EXT-04, PD-EXT-06), whatever the story:
	// such findings are Unreadable.
	Rule rules.ID
}

// Answer and Refuse are the common expectations.
func Answer(rule rules.ID) Expectation { return Expectation{Rule: rule} }

// Refuse expects a 401 or 403, for the reason rule names.
func Refuse(rule rules.ID) Expectation { return Expectation{Refuse: true, Rule: rule} }

// Held reports whether the exchange got the answer the expectation's story
// needs to go on: a refusal (refuses) when one was expected; otherwise a
// 200 for a JSON panel, a 2xx or 3xx that is no refusal for a link action
// or a Custom UI page, a 2xx for a JSON modal. The findings say what
// broke; this says whether what follows can still be judged.
func (m *Marketplace) Held(ex Exchange, want Expectation) bool {
	if ex.Err != nil {
		return false
	}
	if want.Refuse {
		return m.refuses(ex)
	}
	if want.NoServerError {
		return ex.Status < 500
	}
	if ex.Kind == KindPanel {
		return ex.Status == 200
	}
	if ex.Kind == KindLinkAction || manifest.IsCustomUI(reference.ExtensionKind(ex.Kind)) {
		return ex.Status >= 200 && ex.Status < 400 && !m.refuses(ex)
	}
	return ex.Status >= 200 && ex.Status < 300
}

// refuses reports whether an answer refuses its viewer: a 401 or 403, or,
// from a link action, a redirect to the login_url it declares (a link
// action may send a viewer it does not know to its login). Held and the
// judges take the same answers for refusals.
func (m *Marketplace) refuses(ex Exchange) bool {
	switch {
	case ex.Err != nil:
		return false
	case ex.Status == 401 || ex.Status == 403:
		return true
	}
	return ex.Kind == KindLinkAction && ex.Status >= 300 && ex.Status < 400 && m.toLogin(ex)
}

var (
	// Signs of a stack trace or an unhandled error page in an answer.
	stackTrace = regexp.MustCompile(`goroutine \d+ \[|panic: |\.(go|py|js|ts|rb|php|java):\d+|Traceback \(most recent call last\)|Exception in `)
)

// minSecretLen is the shortest secret looked for in answers: a shorter one
// would be found in innocent text (assumed).
const minSecretLen = 6

// JudgePanel judges the answer to a JSON panel request (PD-EXT-02..05).
func (m *Marketplace) JudgePanel(ex Exchange, want Expectation) []Finding {
	return m.judgeExtension(ex, want, true)
}

// JudgeLinkAction judges the answer to a link action request: a 2xx or 3xx
// for an entitled viewer, 401 or 403 for a refused one (PD-EXT-02, -05).
func (m *Marketplace) JudgeLinkAction(ex Exchange, want Expectation) []Finding {
	return m.judgeExtension(ex, want, false)
}

// JudgeExtension judges the answer to an extension request of any kind,
// with the judge of its surface.
func (m *Marketplace) JudgeExtension(ex Exchange, want Expectation) []Finding {
	switch k := reference.ExtensionKind(ex.Kind); {
	case k == reference.JSONModal && ex.Request.Method == http.MethodPost:
		return m.JudgeModalSubmit(ex, want)
	case k == reference.JSONModal:
		return m.JudgeModalOpen(ex, want)
	case manifest.IsCustomUI(k):
		return m.JudgeCustomUI(ex, want)
	}
	return m.judgeExtension(ex, want, ex.Kind == KindPanel)
}

// ShowsOwnRecords reports whether an answer carries a seeded record of the
// viewer's own company: only such an answer can show that the app keeps
// companies, and records a viewer may not see, apart (PD-EXT-05,
// PD-SHARE-23). An empty panel decides neither.
func (m *Marketplace) ShowsOwnRecords(ex Exchange) bool {
	m.mu.Lock()
	c, ok := m.companies[ex.CompanyID]
	m.mu.Unlock()
	return ok && otherCompanyRecord(ex.Body, c.Name) != ""
}

func (m *Marketplace) judgeExtension(ex Exchange, want Expectation, panel bool) []Finding {
	j := judgement{ex: ex, what: describe(ex)}
	rule := want.Rule
	if rule == "" {
		rule = rules.PDExt02
		if panel && !want.Refuse {
			rule = rules.PDExt04
		}
	}
	if ex.TimedOut && panel {
		// A panel has its own rule for answering in time; any other
		// transport failure (a connection closed mid-body) is the answer's.
		j.fail(rules.PDExt03, "%s", transportReason(ex, m.deadline))
		return j.out
	}
	if !j.answered(rule, m.deadline) {
		return j.out
	}
	if panel && ex.Duration > ex.Deadline {
		j.fail(rules.PDExt03, "answered in %v, after the %v deadline", ex.Duration.Round(1e6), ex.Deadline)
	}
	if ex.Oversize && panel {
		j.unreadable(!want.Refuse, rules.PDExt04, "the answer is larger than %d bytes; reading stopped there", len(ex.Body))
	} else if ex.Oversize {
		j.fail(rule, "the answer is larger than %d bytes; reading stopped there", len(ex.Body))
	}
	m.leaks(&j)
	echoes(&j, want)
	if panel && ex.Status == 200 {
		m.hiddenRecords(&j)
	}

	st := ex.Status
	switch {
	case want.Refuse && m.refuses(ex):
		if panel {
			if t, ok := errorTitle(ex.Body); ok && len([]rune(t)) > 30 {
				j.warn(rules.PDExt04, "the error title %q is longer than 30 characters", t)
			}
		}
	case want.Refuse && st >= 500:
		j.fail(rule, "answered %s; a refusal is 401 or 403, never a 5xx", statusText(ex))
	case want.Refuse:
		j.fail(rule, "answered %s; want a refusal, 401 or 403", statusText(ex))
	case want.NoServerError && st >= 500:
		j.fail(rule, "answered %s; the request may get an error answer, never a 5xx", statusText(ex))
	case want.NoServerError && (panel && st != 200 || !panel && (st < 200 || st >= 400 || m.refuses(ex))):
		// An error answer is what this story allows.
	case !panel && m.refuses(ex) && st >= 300 && st < 400:
		j.fail(rule, "answered %s, which sends the viewer to the login_url; an entitled viewer gets the link action's page", statusText(ex))
	case !panel && m.refuses(ex):
		j.fail(rule, "answered %s; an entitled viewer gets the link action's page", statusText(ex))
	case !panel && st >= 200 && st < 400:
	case !panel:
		j.fail(rule, "answered %s; an entitled viewer gets a 2xx or 3xx", statusText(ex))
	case st != 200:
		j.fail(rule, "answered %s; an entitled viewer gets 200 with the panel's JSON", statusText(ex))
	case !ex.Oversize:
		ext, _ := m.extensionOf(ex)
		for _, p := range panelSchema(ex.Body, ext.Declared) {
			j.unreadable(true, rules.PDExt04, "%s", p)
		}
	}
	return j.out
}

// JudgeSharing judges the answer to a sharing callback: a 2xx (PD-SHARE-24).
// It needs nothing of the marketplace but the exchange.
func JudgeSharing(ex Exchange) []Finding {
	j := judgement{ex: ex, what: describe(ex)}
	if j.answered(rules.PDShare24, ex.Deadline) && (ex.Status < 200 || ex.Status > 299) {
		j.fail(rules.PDShare24, "answered %s; the sharing callback wants a 2xx", statusText(ex))
	}
	return j.out
}

// JudgeUninstall judges an uninstall's answer. The marketplace does not
// read it (PD-UNINST-01), so an app that could not take it at all, or broke
// on it, is only warned about; whether it acted on it is judged by the
// requests that follow (PD-UNINST-02). It needs nothing of the
// marketplace but the exchange.
func JudgeUninstall(ex Exchange) []Finding {
	j := judgement{ex: ex, what: describe(ex)}
	if ex.Err != nil {
		j.warn(rules.PDUninst02, "the app did not take the uninstall: %s", transportReason(ex, ex.Deadline))
	} else if ex.Status >= 500 {
		j.warn(rules.PDUninst02, "answered %s", statusText(ex))
	}
	return j.out
}

// AfterForgedUninstall puts the uninstall the app had to ignore before
// each PD-UNINST-02 failure among found (the answers that followed it): the
// failure is the app acting on that forged request, not the answer alone.
func AfterForgedUninstall(forged Exchange, found []Finding) []Finding {
	out := slices.Clone(found)
	for i, f := range out {
		if f.Rule != rules.PDUninst02 || f.Severity != result.SeverityFail {
			continue
		}
		answer := "answered " + statusText(forged)
		if forged.Err != nil {
			answer = transportReason(forged, forged.Deadline)
		}
		path := forged.Request.URL
		if u, err := url.Parse(path); err == nil {
			path = u.Path
		}
		out[i].Reason = fmt.Sprintf("the app acted on the %s (%s %s, %s), which it must ignore: then the %s",
			describe(forged), forged.Request.Method, path, answer, f.Reason)
	}
	return out
}

// JudgeAuthorize judges the answer to an authorization redirect: any
// status below 500 and, for a code, the code exchanged at the token
// endpoint by the time the app answered (PD-OAUTH-02).
func (m *Marketplace) JudgeAuthorize(ex Exchange) []Finding {
	j, ok := m.judgeRedirect(ex)
	if !ok {
		return j.out
	}
	if ex.Kind == KindAuthorize && !m.Exchanged(ex) {
		reason, setup := m.whyNotExchanged(ex)
		j.fail(rules.PDOAuth02, "%s", reason)
		j.out[len(j.out)-1].Setup = setup
	}
	// Refusing the redirect outright, rather than failing to exchange its
	// code, is the app expecting a state the marketplace never sends for
	// an install it started.
	if ex.Kind == KindAuthorize && !hasState(ex) && ex.Status >= 400 && !m.Exchanged(ex) {
		if !m.tokenRefused(ex) {
			j.fail(rules.PDOAuth04, "answered %s to the redirect of an install the marketplace started, which carries no state (app-installation-flows); the code was never exchanged", statusText(ex))
		}
	}
	return j.out
}

// JudgeForeignState judges the answer to an authorization redirect whose
// state the app never issued (AuthorizeWithState): the app should refuse
// it and never exchange its code, or a forged or replayed redirect installs
// as well. The docs only strongly recommend the check, so an app that
// takes the code is warned about (PD-OAUTH-05); a 5xx or no answer fails
// the redirect's own rule (PD-OAUTH-02).
func (m *Marketplace) JudgeForeignState(ex Exchange) []Finding {
	j, ok := m.judgeRedirect(ex)
	if !ok {
		return j.out
	}
	if m.Exchanged(ex) {
		j.warn(rules.PDOAuth05, "answered %s and exchanged the code of a redirect whose state the app never issued: a forged or replayed redirect installs as well", statusText(ex))
	}
	return j.out
}

// judgeRedirect judges what every authorization redirect's answer owes
// PD-OAUTH-02 (an answer in time, below 500) and the tokens it may have
// handed to the browser; ok is false when there was no answer to judge
// further.
func (m *Marketplace) judgeRedirect(ex Exchange) (j judgement, ok bool) {
	j = judgement{ex: ex, what: describe(ex)}
	if !j.answered(rules.PDOAuth02, m.deadline) {
		return j, false
	}
	if ex.Status >= 500 {
		j.fail(rules.PDOAuth02, "answered %s; the redirect wants any status below 500", statusText(ex))
	}
	m.tokensHanded(&j)
	return j, true
}

// Exchanged reports whether the app exchanged the code an authorization
// redirect carried.
func (m *Marketplace) Exchanged(ex Exchange) bool {
	u, err := url.Parse(ex.Request.URL)
	return err == nil && m.CodeExchanged(u.Query().Get("code"))
}

// whyNotExchanged tells a setup mistake from an app that does not
// exchange codes: the marketplace refused the app's token request (the
// refusal names the wrong secret or redirect URI), or never heard from the
// app at all (its OAuth base URL points elsewhere).
func (m *Marketplace) whyNotExchanged(ex Exchange) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var refused *Call
	heard := false
	for i := len(m.calls) - 1; i >= 0; i-- {
		c := &m.calls[i]
		heard = true
		if c.Template == "/oauth/token" && c.Status != 200 && (c.App == ex.App || c.App == "") && refused == nil {
			refused = c
		}
	}
	switch {
	case refused != nil:
		fix := "check the app's client ID and client secret"
		if strings.Contains(refused.Refusal, "redirect_uri") {
			fix = "check the redirect URI the app sends: it must be the manifest's callback_url"
		}
		return fmt.Sprintf("the app asked for tokens, and the marketplace refused: %d %s; %s", refused.Status, refused.Refusal, fix), true
	case !heard:
		return "the app answered without exchanging the code, and never called the marketplace at all: check that the app's OAuth base URL points at the marketplace appcert serves", true
	}
	return "the app answered without exchanging the code at /oauth/token", false
}

// JudgeScopes judges the app's API calls so far: every call to an endpoint
// its scopes don't grant fails PD-SCOPE-07; every granted scope the calls
// did not need is a PD-SCOPE-08 warning (least privilege, by scopes.Need).
func (m *Marketplace) JudgeScopes(clientID string) []Finding {
	return m.JudgeCalls(clientID, m.CallsBy(clientID))
}

// JudgeCalls is JudgeScopes over the given calls only, such as those made
// for one company: when many stories share one marketplace, each is judged
// on its own calls. Calls of other apps are ignored.
func (m *Marketplace) JudgeCalls(clientID string, calls []Call) []Finding {
	var out []Finding
	a, ok := m.App(clientID)
	if !ok {
		return nil
	}
	var needed []scopes.Call
	seen := map[scopes.Call]bool{}
	for _, c := range calls {
		if c.App != clientID {
			continue
		}
		switch {
		case c.Status == 403 && c.Scope == "" && strings.HasPrefix(c.Path, "/api/"):
			c := c
			// The path as called, version prefix and all: the template
			// ("/activities") is not what the app's code says.
			what := c.Path
			if c.Template == "" {
				what += " (in no scope)"
			}
			out = append(out, Finding{Rule: rules.PDScope07, Severity: result.SeverityFail, Call: &c,
				Reason: fmt.Sprintf("the app called %s %s, which its scopes (%s) don't grant", c.Method, what, strings.Join(a.Scopes, ", "))})
		case c.Scope != "":
			k := scopes.Call{Method: c.Method, Path: c.Template}
			if !seen[k] {
				seen[k] = true
				needed = append(needed, k)
			}
		}
	}
	need, err := scopes.Need(needed)
	if err != nil { // the calls were matched already, so this can't happen
		return out
	}
	for _, s := range a.Scopes {
		if s == "base" || need.Scopes.Has(s) {
			continue
		}
		out = append(out, Finding{Rule: rules.PDScope08, Severity: result.SeverityWarn,
			Reason: fmt.Sprintf("the scope %s was granted and the run never needed it (the calls made needed %s)", s, need.Scopes)})
	}
	return out
}

// judgement gathers the findings about one exchange.
type judgement struct {
	ex   Exchange
	what string
	out  []Finding
}

func (j *judgement) add(v result.Severity, rule rules.ID, format string, args ...any) {
	j.out = append(j.out, Finding{Rule: rule, Severity: v, Exchange: j.ex, Reason: j.what + ": " + fmt.Sprintf(format, args...)})
}
func (j *judgement) fail(rule rules.ID, format string, args ...any) {
	j.add(result.SeverityFail, rule, format, args...)
}
func (j *judgement) warn(rule rules.ID, format string, args ...any) {
	j.add(result.SeverityWarn, rule, format, args...)
}

// unreadable fails the answer's format under its surface's rule; served:
// the answer was meant to serve the viewer, so it is Unreadable too.
func (j *judgement) unreadable(served bool, rule rules.ID, format string, args ...any) {
	j.fail(rule, format, args...)
	j.out[len(j.out)-1].Unreadable = served
}

// Unreadable returns the failures among found that say an answer meant to
// serve the viewer is not in its surface's format.
func Unreadable(found []Finding) []Finding {
	var out []Finding
	for _, f := range found {
		if f.Unreadable && f.Severity == result.SeverityFail {
			out = append(out, f)
		}
	}
	return out
}

// answered reports whether an answer came; if not, it records why under
// rule.
func (j *judgement) answered(rule rules.ID, deadline time.Duration) bool {
	if j.ex.Err == nil {
		return true
	}
	j.fail(rule, "%s", transportReason(j.ex, deadline))
	return false
}

func transportReason(ex Exchange, deadline time.Duration) string {
	switch {
	case ex.TimedOut:
		return fmt.Sprintf("no answer within the %v deadline", deadline)
	case ex.Refused():
		host := ex.Request.URL
		if u, err := url.Parse(ex.Request.URL); err == nil {
			host = u.Host
		}
		return fmt.Sprintf("connection refused: nothing listens at %s (is the app running?)", host)
	default:
		return "no answer: " + ex.Err.Error()
	}
}

// leaks looks for what an answer must never carry: a stack trace or a
// secret (PD-EXT-02), an access or refresh token (PD-OAUTH-06), another
// company's records (PD-EXT-05).
func (m *Marketplace) leaks(j *judgement) {
	body := j.ex.Body
	if loc := stackTrace.FindIndex(body); loc != nil {
		j.fail(rules.PDExt02, "the answer carries a stack trace or error dump (%q)", excerpt(body, loc[0], loc[1]))
	}
	for _, sec := range m.issuedSecrets(j.ex.App) {
		if !sec.token && len(sec.value) >= minSecretLen && bytes.Contains(body, []byte(sec.value)) {
			j.fail(rules.PDExt02, "the answer carries a secret (%s)", sec.kind)
		}
	}
	m.tokensHanded(j)
	m.mu.Lock()
	var others []Company
	for _, c := range m.companies {
		if c.ID != j.ex.CompanyID {
			others = append(others, c)
		}
	}
	m.mu.Unlock()
	sort.Slice(others, func(a, b int) bool { return others[a].ID < others[b].ID })
	for _, c := range others {
		if found := otherCompanyRecord(body, c.Name); found != "" {
			j.fail(rules.PDExt05, "the answer for company %d carries a record of company %d (%q)", j.ex.CompanyID, c.ID, found)
		}
	}
}

// echoes fails a refusal that hands back the credentials it refused: a
// refusal is read by people and logs (PD-EXT-02).
func echoes(j *judgement, want Expectation) {
	if !want.Refuse || (j.ex.Status != 401 && j.ex.Status != 403) {
		return
	}
	for _, e := range j.ex.echoes {
		if len(e) >= minSecretLen && bytes.Contains(j.ex.Body, []byte(e)) {
			j.fail(rules.PDExt02, "the refusal echoes the request's credentials (its token or Basic auth)")
			return
		}
	}
}

// hiddenRecords fails a shared viewer's panel answer that carries a record
// the viewer may not see (by the company's visibility settings): an
// owner-only deal read through the installing user's token (PD-SHARE-23).
func (m *Marketplace) hiddenRecords(j *judgement) {
	u, err := url.Parse(j.ex.Request.URL)
	if err != nil || u.Query().Get("isShared") != "true" {
		return
	}
	m.mu.Lock()
	viewer, ok := m.users[j.ex.UserID]
	var hidden []Deal
	if ok {
		visible := m.seed(viewer).deals
		for _, d := range m.records(viewer.CompanyID).deals {
			if !slices.Contains(visible, d) {
				hidden = append(hidden, d)
			}
		}
	}
	m.mu.Unlock()
	for _, d := range hidden {
		if containsText(j.ex.Body, d.Title) {
			j.fail(rules.PDShare23, "the shared viewer was shown %q, a deal visible to its owner (user %d) only", d.Title, d.UserID)
		}
	}
}

// containsText finds s in a body, raw or as JSON escapes it.
func containsText(body []byte, s string) bool {
	if bytes.Contains(body, []byte(s)) {
		return true
	}
	esc, _ := json.Marshal(s)
	return bytes.Contains(body, bytes.Trim(esc, `"`))
}

// otherCompanyRecord finds a seeded record title of the named company in
// body, raw or as JSON escapes it.
func otherCompanyRecord(body []byte, name string) string {
	forms := []string{name}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(name)
	forms = append(forms, strings.Trim(strings.TrimSpace(b.String()), `"`))
	esc, _ := json.Marshal(name)
	forms = append(forms, strings.Trim(string(esc), `"`))
	for _, f := range forms {
		for _, kind := range []string{" deal ", " person ", " organization "} {
			if i := bytes.Index(body, []byte(f+kind)); i >= 0 {
				end := i + len(f) + len(kind)
				for end < len(body) && body[end] >= '0' && body[end] <= '9' {
					end++
				}
				return string(body[i:end])
			}
		}
	}
	return ""
}

func excerpt(b []byte, from, to int) string {
	from, to = max(0, from-20), min(len(b), to+20)
	return string(b[from:to])
}

func errorTitle(body []byte) (string, bool) {
	var e struct {
		Error struct {
			Title string `json:"title"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil {
		return "", false
	}
	return e.Error.Title, e.Error.Title != ""
}

func statusText(ex Exchange) string {
	s := fmt.Sprintf("%d", ex.Status)
	if loc := ex.Header.Get("Location"); ex.Status >= 300 && ex.Status < 400 && loc != "" {
		s += " (redirect to " + loc + ")"
	}
	return s
}

func describe(ex Exchange) string {
	var s string
	switch ex.Kind {
	case KindPanel:
		s = "JSON panel request"
	case KindLinkAction:
		s = "link action request"
		if u, err := url.Parse(ex.Request.URL); err == nil && u.Query().Get("view") == manifest.ViewList {
			s = "link action request in a list view"
		}
	case string(manifest.JSONModal):
		s = "JSON modal request"
		if ex.Request.Method == "POST" {
			s = "JSON modal submit"
		}
	case string(manifest.CustomUIPanel), string(manifest.CustomUIModal), string(manifest.CustomUIFloatingWindow), string(manifest.CustomUISettings):
		s = SurfaceName(reference.ExtensionKind(ex.Kind)) + " request"
	case KindSharing:
		s = "sharing callback"
	case KindUninstall:
		s = "uninstall"
	case KindAuthorize:
		s = "authorization redirect"
	case KindDeny:
		s = "user_denied redirect"
	default:
		s = "request"
	}
	if ex.Variant != "" {
		s += " (" + ex.Variant + ")"
	}
	return fmt.Sprintf("%s for user %d of company %d", s, ex.UserID, ex.CompanyID)
}

// JudgeRefresh judges the calls an app made for a user after the user's
// access token expired (PD-OAUTH-03): a call that met the expired token
// (401) with no successful refresh after it fails. decided is false when
// the calls cannot tell: the app made no API call for the user, so it had
// nothing to refresh.
func JudgeRefresh(calls []Call, userID int64) (found []Finding, decided bool) {
	var expired *Call
	for i, c := range calls {
		if c.UserID != userID {
			continue
		}
		if c.Template == "/oauth/token" && c.Grant == "refresh_token" && c.Status == 200 {
			return nil, true
		}
		if c.Version > 0 { // an API call
			decided = true
			if expired == nil && c.Status == 401 {
				expired = &calls[i]
			}
		}
	}
	if expired == nil {
		// Calls were made, none with the dead token: some other token
		// served them, which is the app's business.
		return nil, decided
	}
	return []Finding{{Rule: rules.PDOAuth03, Severity: result.SeverityFail, Call: expired,
		Reason: fmt.Sprintf("the app met user %d's expired access token (%s %s answered 401) and never refreshed it", userID, expired.Method, expired.Path)}}, true
}

// JudgeBackoff judges the app's API calls after a 429 to the user's
// tokens: a call before the reset the 429 named fails PD-API-03. decided
// is whether a 429 was met at all.
func JudgeBackoff(calls []Call, userID int64) (found []Finding, decided bool) {
	for i, c := range calls {
		if c.UserID != userID || c.Version == 0 {
			continue
		}
		if c.Early {
			return []Finding{{Rule: rules.PDAPI03, Severity: result.SeverityFail, Call: &calls[i],
				Reason: fmt.Sprintf("after a 429, the app called %s %s again with user %d's token before the wait the 429 named (Retry-After) was over", c.Method, c.Path, userID)}}, true
		}
		if c.Status == 429 {
			decided = true
		}
	}
	return nil, decided
}

// JudgeRevokedUse fails every call among calls that presented a token a
// genuine uninstall ended: the app kept the user's authorization after the
// uninstall, and would serve the user if the token still worked
// (PD-UNINST-02).
func JudgeRevokedUse(calls []Call) []Finding {
	var out []Finding
	for i, c := range calls {
		if c.Revoked {
			out = append(out, Finding{Rule: rules.PDUninst02, Severity: result.SeverityFail, Call: &calls[i],
				Reason: fmt.Sprintf("after user %d's genuine uninstall the app still used their token (%s %s), so it kept serving them", c.UserID, c.Method, c.Path)})
		}
	}
	return out
}

// tokensHanded fails an answer that hands the browser an access or refresh
// token the marketplace issued to the app, in its body or in any header (a
// Location, a cookie), judged on the raw answer (PD-OAUTH-06).
func (m *Marketplace) tokensHanded(j *judgement) {
	for _, sec := range m.issuedSecrets(j.ex.App) {
		if !sec.token {
			continue
		}
		where := ""
		if bytes.Contains(j.ex.Body, []byte(sec.value)) {
			where = "its body"
		}
		for k, vs := range j.ex.Header {
			for _, v := range vs {
				if where == "" && strings.Contains(v, sec.value) {
					where = "its " + k + " header"
				}
			}
		}
		if where != "" {
			j.fail(rules.PDOAuth06, "the answer hands the browser %s the marketplace issued to the app, in %s", sec.kind, where)
		}
	}
}

// tokenRefused reports whether the marketplace refused a token request of
// the app: a setup mistake, which says nothing of how it treats a state.
func (m *Marketplace) tokenRefused(ex Exchange) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range m.calls {
		if c.Template == "/oauth/token" && c.Status != 200 && c.App == ex.App {
			return true
		}
	}
	return false
}

// hasState reports whether a redirect carried a state parameter.
func hasState(ex Exchange) bool {
	u, err := url.Parse(ex.Request.URL)
	return err == nil && u.Query().Has("state")
}
