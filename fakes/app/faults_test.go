package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/appcert/appcert/internal/jwt"
)

// ruleCheck plays a scenario against an app and returns nil when the app
// kept its rule, or what it did wrong.
type ruleCheck func(e *env) error

// allFaults names every fault constant, so that a fault added without a
// row in Faults() or in the table below fails a test.
func allFaults() []Fault {
	return []Fault{
		FaultServeUnshared, FaultActionAfterRemoval, FaultIgnoreVisibility,
		FaultIgnoreSharingCallback, FaultNoCallbackPost, FaultCallOutsideScopes,
		FaultUnusedScope, FaultSkipJWT, FaultTrustQueryUser, FaultBadToken500,
		FaultIgnoreBasicAuth, FaultSlowPanel, FaultBadPanelSchema,
		FaultLeakOtherCompany, FaultUnauthenticatedUninstall, FaultIgnoreUninstall,
		FaultNoCodeExchange, FaultDenied500, FaultNoRefresh,
		FaultSlowModal, FaultBadModal, FaultBadModalSubmit, FaultCustomUIRefusalPage, FaultUndeclaredPanelField,
		FaultSubmitTrustsQueryUser,
		FaultTokenInPage, FaultNoBackoff, FaultRequireState, FaultAcceptAnyState,
		FaultCustomUITrustsQuery,
	}
}

// faultTable says, for each fault, the rule it breaks and the check that
// shows it.
func faultTable() []struct {
	fault Fault
	rule  string
	check ruleCheck
} {
	return []struct {
		fault Fault
		rule  string
		check ruleCheck
	}{
		{FaultServeUnshared, "PD-SHARE-21", checkUnsharedPanelRefused},
		{FaultActionAfterRemoval, "PD-SHARE-22", checkRemovedViewerRefused},
		{FaultIgnoreVisibility, "PD-SHARE-23", checkSharedViewerVisibility},
		{FaultIgnoreSharingCallback, "PD-SHARE-24", checkFollowsLatestSharing},
		{FaultNoCallbackPost, "PD-SHARE-24", checkFollowsLatestSharing},
		{FaultCallOutsideScopes, "PD-SCOPE-07", checkCallsWithinScopes},
		{FaultUnusedScope, "PD-SCOPE-08", checkUsesEveryScope},
		{FaultSkipJWT, "PD-EXT-02", checkBadCredentialsRefused},
		{FaultTrustQueryUser, "PD-EXT-02", checkBadCredentialsRefused},
		{FaultBadToken500, "PD-EXT-02", checkBadCredentialsRefused},
		{FaultIgnoreBasicAuth, "PD-EXT-02", checkBadCredentialsRefused},
		{FaultSlowPanel, "PD-EXT-03", checkPanelInTime},
		{FaultBadPanelSchema, "PD-EXT-04", checkPanelSchema},
		{FaultLeakOtherCompany, "PD-EXT-05", checkCompaniesIsolated},
		{FaultUnauthenticatedUninstall, "PD-UNINST-02", checkUninstall},
		{FaultIgnoreUninstall, "PD-UNINST-02", checkUninstall},
		{FaultNoCodeExchange, "PD-OAUTH-02", checkCodeExchange},
		{FaultDenied500, "PD-OAUTH-02", checkCodeExchange},
		{FaultNoRefresh, "PD-OAUTH-03", checkRefresh},
		{FaultSlowModal, "PD-EXT-03", checkModalInTime},
		{FaultBadModal, "PD-EXT-06", checkModalContent},
		{FaultBadModalSubmit, "PD-EXT-06", checkModalSubmit},
		{FaultCustomUIRefusalPage, "PD-EXT-02", checkCustomUIRefused},
		{FaultCustomUITrustsQuery, "PD-EXT-05", checkCustomUIBackendServesTheToken},
		{FaultUndeclaredPanelField, "PD-EXT-04", checkPanelDeclaredSchema},
		{FaultSubmitTrustsQueryUser, "PD-EXT-06", checkModalSubmitToken},
		{FaultRequireState, "PD-OAUTH-04", checkStatelessInstall},
		{FaultAcceptAnyState, "PD-OAUTH-05", checkForeignStateRefused},
		{FaultTokenInPage, "PD-OAUTH-06", checkNoTokenInPages},
		{FaultNoBackoff, "PD-API-03", checkBackoff},
	}
}

func TestApp_FaultBreaksItsRule(t *testing.T) {
	rules := map[Fault]string{}
	for _, fi := range Faults() {
		rules[fi.Name] = string(fi.Rule)
	}
	for _, row := range faultTable() {
		t.Run(string(row.fault), func(t *testing.T) {
			t.Parallel()
			if rules[row.fault] != row.rule {
				t.Fatalf("Faults() says %s breaks %q, the table says %q", row.fault, rules[row.fault], row.rule)
			}
			// The check must pass without the fault, or its failure below
			// would prove nothing about the fault.
			if err := row.check(newEnv(t)); err != nil {
				t.Fatalf("conforming app breaks %s: %v", row.rule, err)
			}
			if err := row.check(newEnv(t, row.fault)); err == nil {
				t.Fatalf("with %s the app still keeps %s", row.fault, row.rule)
			} else {
				t.Logf("%s breaks %s: %v", row.fault, row.rule, err)
			}
		})
	}
}

func TestFaults_ListsEveryFaultOnce(t *testing.T) {
	ruleID := regexp.MustCompile(`^PD-(SHARE|SCOPE|EXT|UNINST|OAUTH|API)-\d{2}$`)
	kebab := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	seen := map[Fault]int{}
	for _, fi := range Faults() {
		seen[fi.Name]++
		if !ruleID.MatchString(string(fi.Rule)) {
			t.Errorf("%s: rule %q is not an app rule ID", fi.Name, fi.Rule)
		}
		if !kebab.MatchString(string(fi.Name)) {
			t.Errorf("%s: name is not kebab-case", fi.Name)
		}
		if fi.Description == "" {
			t.Errorf("%s: no description", fi.Name)
		}
		if f, err := ParseFault(string(fi.Name)); err != nil || f != fi.Name {
			t.Errorf("ParseFault(%q) = %q, %v", fi.Name, f, err)
		}
	}
	for _, f := range allFaults() {
		if seen[f] != 1 {
			t.Errorf("%s listed %d times by Faults(), want once", f, seen[f])
		}
	}
	if len(seen) != len(allFaults()) {
		t.Errorf("Faults() lists %d faults, the constants are %d", len(seen), len(allFaults()))
	}
	var tabled []Fault
	for _, row := range faultTable() {
		tabled = append(tabled, row.fault)
	}
	for _, f := range allFaults() {
		if !slices.Contains(tabled, f) {
			t.Errorf("%s has no row in the fault table", f)
		}
	}
}

func TestParseFault_UnknownNameIsAnError(t *testing.T) {
	_, err := ParseFault("serve-everyone")
	if err == nil || !strings.Contains(err.Error(), `"serve-everyone"`) {
		t.Fatalf("ParseFault(serve-everyone) error = %v, want one naming it", err)
	}
}

// PD-SHARE-21: a viewer who never authorized gets no panel when the app is
// not shared with them.
func checkUnsharedPanelRefused(e *env) error {
	e.authorize(admin1)
	e.share(admin1, false)
	if rec := e.panel(user1, "2", false); !refused(rec.Code) {
		return fmt.Errorf("private installation: panel for an unauthorized viewer answered %d", rec.Code)
	}
	if rec := e.panel(user1, "2", true); !refused(rec.Code) {
		return fmt.Errorf("isShared=true but nothing shared: panel answered %d", rec.Code)
	}
	return nil
}

// PD-SHARE-22: once the admin removes the app from the others, a shared
// viewer can use no extension, link action included.
func checkRemovedViewerRefused(e *env) error {
	e.authorize(admin1)
	e.share(admin1, true)
	e.action(user1, "9")
	e.share(admin1, false)
	if rec := e.action(user1, "9"); !refused(rec.Code) {
		return fmt.Errorf("link action after removal answered %d", rec.Code)
	}
	if rec := e.panel(user1, "2", true); !refused(rec.Code) {
		return fmt.Errorf("panel after removal answered %d", rec.Code)
	}
	return nil
}

// PD-SHARE-23: a shared viewer sees no deal that is the installing user's
// alone (odd IDs in the market). Refusing the viewer altogether keeps the
// rule; serving them is shown elsewhere.
func checkSharedViewerVisibility(e *env) error {
	e.authorize(admin1)
	e.share(admin1, true)
	rec := e.panel(user1, "1,2,3,4", true)
	if refused(rec.Code) {
		return nil
	}
	ids, err := servedIDs(rec)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if id == 1 || id == 3 {
			return fmt.Errorf("shared viewer saw deals %v, of which %d is the installing user's alone", ids, id)
		}
	}
	return nil
}

// PD-SHARE-24: the callback is accepted, and access follows the latest one.
func checkFollowsLatestSharing(e *env) error {
	e.authorize(admin1)
	for i, shared := range []bool{true, false, true, false} {
		if rec := e.share(admin1, shared); rec.Code/100 != 2 {
			return fmt.Errorf("sharing callback %d answered %d", i+1, rec.Code)
		}
		rec := e.panel(user1, "2", true)
		if shared && rec.Code != http.StatusOK {
			return fmt.Errorf("after isShared:true the shared viewer got %d", rec.Code)
		}
		if !shared && !refused(rec.Code) {
			return fmt.Errorf("after isShared:false the shared viewer got %d", rec.Code)
		}
	}
	return nil
}

// PD-SCOPE-07: every API call the app makes is within its granted scopes.
func checkCallsWithinScopes(e *env) error {
	e.authorize(admin1)
	if rec := e.panel(admin1, "1,2", false); rec.Code != http.StatusOK {
		return fmt.Errorf("panel answered %d", rec.Code)
	}
	for _, c := range e.market.recorded() {
		if c.Status == http.StatusForbidden {
			return fmt.Errorf("%s %s is outside the granted scopes", c.Method, c.Path)
		}
	}
	return nil
}

// PD-SCOPE-08: every scope the app asks for, base aside, is used in a run.
func checkUsesEveryScope(e *env) error {
	e.authorize(admin1)
	e.panel(admin1, "1,2", false)
	used := map[string]bool{"base": true}
	for _, c := range e.market.recorded() {
		if c.Scope != "" && c.Status == http.StatusOK {
			used[c.Scope] = true
		}
	}
	for _, s := range e.app.Scopes() {
		if !used[s] {
			return fmt.Errorf("scope %s is asked for and never used", s)
		}
	}
	return nil
}

// PD-EXT-02: a request from an entitled viewer with bad credentials is
// refused with 401 or 403, with nothing internal in the body.
func checkBadCredentialsRefused(e *env) error {
	e.authorize(admin1)
	e.authorize(user1)
	if rec := e.panel(admin1, "2", false); rec.Code != http.StatusOK {
		return fmt.Errorf("good request answered %d", rec.Code)
	}
	now := e.now().Unix()
	sign := func(c jwt.Claims, secret string) *string { s := jwt.Sign(c, secret); return &s }
	none := ""
	cases := []struct {
		name string
		req  extReq
	}{
		{"no token", extReq{token: &none}},
		{"bad signature", extReq{token: sign(jwt.Claims{UserID: 100, CompanyID: 1, IssuedAt: now, ExpiresAt: now + 300}, "not-the-secret")}},
		{"expired", extReq{token: sign(jwt.Claims{UserID: 100, CompanyID: 1, IssuedAt: now - 600, ExpiresAt: now - 300}, testJWTSecret)}},
		{"another user", extReq{token: sign(jwt.Claims{UserID: 101, CompanyID: 1, IssuedAt: now, ExpiresAt: now + 300}, testJWTSecret)}},
		{"another company", extReq{token: sign(jwt.Claims{UserID: 100, CompanyID: 2, IssuedAt: now, ExpiresAt: now + 300}, testJWTSecret)}},
		{"wrong basic auth", extReq{basic: &[2]string{testHTTPUser, "guess"}}},
		{"no basic auth", extReq{basic: &[2]string{}}},
	}
	for _, c := range cases {
		for _, path := range []string{"/panel", "/action"} {
			c.req.path, c.req.viewer, c.req.ids, c.req.isShared = path, admin1, "2", "false"
			rec := e.ext(c.req)
			body := rec.Body.String()
			switch {
			case !refused(rec.Code):
				return fmt.Errorf("%s %s: answered %d", path, c.name, rec.Code)
			case strings.Contains(body, "goroutine"), strings.Contains(body, ".go:"):
				return fmt.Errorf("%s %s: stack trace in the body", path, c.name)
			case strings.Contains(body, testJWTSecret), strings.Contains(body, e.market.clientSecret):
				return fmt.Errorf("%s %s: secret in the body", path, c.name)
			}
		}
	}
	return nil
}

// panelDeadline stands in for the marketplace's 10 s, scaled down so the
// test stays fast; the env's SlowPanelDelay is well above it.
const panelDeadline = time.Second

// PD-EXT-03: the panel answers within the deadline.
func checkPanelInTime(e *env) error {
	e.authorize(admin1)
	ctx, cancel := context.WithTimeout(context.Background(), panelDeadline)
	defer cancel()
	start := time.Now()
	rec := e.ext(extReq{path: "/panel", viewer: admin1, ids: "2", isShared: "false", ctx: ctx})
	if took := time.Since(start); took >= panelDeadline || ctx.Err() != nil {
		return fmt.Errorf("panel took %v, deadline %v", took, panelDeadline)
	}
	_, err := servedIDs(rec)
	return err
}

// PD-EXT-04: the panel answer follows the documented schema, even when
// more than ten deals are selected.
func checkPanelSchema(e *env) error {
	e.authorize(admin1)
	rec := e.panel(admin1, "1,2,3,4,5,6,7,8,9,10,11,12", false)
	if rec.Code != http.StatusOK {
		return fmt.Errorf("panel answered %d", rec.Code)
	}
	p, err := decodePanel(rec)
	if err != nil {
		return err
	}
	return validPanelData(p.Data)
}

// validPanelData checks the parts of the schema the app's objects use.
func validPanelData(data []map[string]any) error {
	if len(data) > 10 {
		return fmt.Errorf("%d objects, at most 10 allowed", len(data))
	}
	for i, o := range data {
		if _, ok := o["id"].(float64); !ok {
			return fmt.Errorf("object %d has no numeric id", i)
		}
		if h, ok := o["header"].(string); !ok || h == "" {
			return fmt.Errorf("object %d has no header", i)
		}
		if len(o) > 22 {
			return fmt.Errorf("object %d has %d fields besides id and header, at most 20", i, len(o)-2)
		}
		for k, v := range o {
			switch v := v.(type) {
			case string, float64:
			case map[string]any:
				_, cur := v["code"].(string)
				lbl, isLabel := v["label"].(string)
				if !cur && !(isLabel && len(lbl) <= 40) {
					return fmt.Errorf("object %d field %s is neither currency nor label: %v", i, k, v)
				}
			default:
				return fmt.Errorf("object %d field %s has type %T", i, k, v)
			}
		}
	}
	return nil
}

// PD-EXT-05: the same deal ID in two companies is each company's own deal.
func checkCompaniesIsolated(e *env) error {
	e.authorize(admin1)
	e.authorize(admin2)
	for _, v := range []userKey{admin1, admin2} {
		rec := e.panel(v, "2", false)
		p, err := decodePanel(rec)
		if err != nil {
			return err
		}
		for c, name := range marketCompanies() {
			if c != v.CompanyID && strings.Contains(rec.Body.String(), name) {
				return fmt.Errorf("company %d's viewer got %s's data: %s", v.CompanyID, name, rec.Body.String())
			}
		}
		want := marketCompanies()[v.CompanyID] + " deal 2"
		if rec.Code != http.StatusOK || !slices.ContainsFunc(p.Data, func(o map[string]any) bool { return o["header"] == want }) {
			return fmt.Errorf("company %d's viewer got %d %s, want %q", v.CompanyID, rec.Code, rec.Body.String(), want)
		}
	}
	return nil
}

// PD-UNINST-02: an uninstall with wrong credentials changes nothing, a
// genuine one ends the user's access, and that of viewers sharing it.
func checkUninstall(e *env) error {
	e.authorize(admin1)
	e.share(admin1, true)
	for _, creds := range [][2]string{{"", ""}, {"acme-client", "guess"}, {"someone", "acme-secret"}} {
		e.uninstall(admin1, creds[0], creds[1])
		if rec := e.panel(admin1, "2", false); rec.Code != http.StatusOK {
			return fmt.Errorf("after an uninstall with credentials %q the user got %d", creds, rec.Code)
		}
	}
	e.genuineUninstall(admin1)
	if rec := e.panel(admin1, "2", false); !refused(rec.Code) {
		return fmt.Errorf("after a genuine uninstall the user got %d", rec.Code)
	}
	if rec := e.panel(user1, "2", true); !refused(rec.Code) {
		return fmt.Errorf("after the installing user's uninstall a shared viewer got %d", rec.Code)
	}
	return nil
}

// PD-OAUTH-02: a fresh code is exchanged, and a denial is answered below 500.
func checkCodeExchange(e *env) error {
	if rec := e.do(http.MethodGet, "/callback?error=user_denied&state=s0", ""); rec.Code >= 500 {
		return fmt.Errorf("user_denied answered %d", rec.Code)
	}
	if rec := e.authorize(admin1); rec.Code >= 500 {
		return fmt.Errorf("redirect with a code answered %d", rec.Code)
	}
	for _, c := range e.market.recorded() {
		if c.Grant == "authorization_code" && c.Status == http.StatusOK {
			return nil
		}
	}
	return errors.New("the code was never exchanged")
}

// PD-OAUTH-03: a panel request made after the access token expired is
// served.
func checkRefresh(e *env) error {
	e.authorize(admin1)
	e.market.expire(admin1)
	_, err := servedIDs(e.panel(admin1, "2", false))
	return err
}

// PD-OAUTH-04: a redirect without a state, as the marketplace sends for an
// install it started, is completed.
func checkStatelessInstall(e *env) error {
	code := e.market.code(admin1)
	if rec := e.do(http.MethodGet, "/callback?code="+code, ""); rec.Code >= 400 {
		return fmt.Errorf("a redirect without a state answered %d", rec.Code)
	}
	for _, c := range e.market.recorded() {
		if c.Grant == "authorization_code" && c.Status == http.StatusOK {
			return nil
		}
	}
	return errors.New("the code of a redirect without a state was never exchanged")
}

// PD-OAUTH-05: the app's own state, from its Installation URL to the
// browser, completes the install; a state it never issued, or its own
// brought back by another browser, is refused and its code never
// exchanged.
func checkForeignStateRefused(e *env) error {
	start := e.do(http.MethodGet, "/install", "")
	loc, err := url.Parse(start.Header().Get("Location"))
	if start.Code != http.StatusFound || err != nil || loc.Query().Get("state") == "" {
		return fmt.Errorf("the Installation URL answered %d to %q, not a redirect with a state", start.Code, start.Header().Get("Location"))
	}
	state := loc.Query().Get("state")
	cookies := start.Result().Cookies()
	exchanged := func() int {
		n := 0
		for _, c := range e.market.recorded() {
			if c.Grant == "authorization_code" && c.Status == http.StatusOK {
				n++
			}
		}
		return n
	}
	for _, forged := range []struct {
		name, state string
		cookies     bool
	}{{"a state it never issued", "0123456789abcdef", true}, {"its state from another browser", state, false}} {
		req := httptest.NewRequest(http.MethodGet, "/callback?code="+e.market.code(admin1)+"&state="+forged.state, nil)
		if forged.cookies {
			for _, c := range cookies {
				req.AddCookie(c)
			}
		}
		if rec := e.serve(req); rec.Code < 400 || rec.Code >= 500 {
			return fmt.Errorf("a redirect with %s answered %d, want a refusal", forged.name, rec.Code)
		}
		if n := exchanged(); n != 0 {
			return fmt.Errorf("the code of a redirect with %s was exchanged", forged.name)
		}
	}
	req := httptest.NewRequest(http.MethodGet, "/callback?code="+e.market.code(admin1)+"&state="+state, nil)
	for _, c := range cookies {
		req.AddCookie(c)
	}
	if rec := e.serve(req); rec.Code != http.StatusOK || exchanged() != 1 {
		return fmt.Errorf("the app's own state came back and the install answered %d", rec.Code)
	}
	return nil
}

// PD-OAUTH-06: the page the redirect answers with carries no token the
// marketplace issued.
func checkNoTokenInPages(e *env) error {
	rec := e.authorize(admin1)
	for _, c := range e.market.tokens() {
		if strings.Contains(rec.Body.String(), c) {
			return fmt.Errorf("the redirect's page carries the token %s", c)
		}
	}
	return nil
}

// PD-API-03: after a 429 with Retry-After, the panel's next call waits.
func checkBackoff(e *env) error {
	e.authorize(admin1)
	e.market.limitNext(1)
	start := time.Now()
	if _, err := servedIDs(e.panel(admin1, "2", false)); err != nil {
		return err
	}
	if d := time.Since(start); d < time.Second {
		return fmt.Errorf("the panel was served %v after a 429 asking to wait 1s: the app did not wait", d)
	}
	return nil
}

// faultOverlaps are the other rules a fault unavoidably breaks too. The
// sharing rules overlap: a panel served to a viewer the app was removed
// from breaks the panel rule (PD-SHARE-21), the any-extension rule
// (PD-SHARE-22) and following the latest callback (PD-SHARE-24); a removal
// the app never hears of keeps the removed viewer served (PD-SHARE-22).
func faultOverlaps() map[Fault][]string {
	return map[Fault][]string{
		FaultServeUnshared:         {"PD-SHARE-22", "PD-SHARE-24", "PD-EXT-06"},
		FaultIgnoreSharingCallback: {"PD-SHARE-22"},
	}
}

func TestApp_FaultBreaksNothingElse(t *testing.T) {
	checks := map[string][]ruleCheck{}
	for _, row := range faultTable() {
		if len(checks[row.rule]) == 0 {
			checks[row.rule] = append(checks[row.rule], row.check)
		}
	}
	for _, row := range faultTable() {
		switch row.fault {
		case FaultSlowPanel:
			// It only delays the panel; every other check would wait for it.
			continue
		case FaultNoCodeExchange, FaultRequireState:
			// An app that exchanges no code, or refuses the state-less
			// redirects of every install the marketplace starts,
			// authorizes nobody, so every check that needs an authorized
			// user fails with it.
			continue
		}
		t.Run(string(row.fault), func(t *testing.T) {
			t.Parallel()
			for rule, cs := range checks {
				if rule == row.rule || slices.Contains(faultOverlaps()[row.fault], rule) {
					continue
				}
				for _, check := range cs {
					if err := check(newEnv(t, row.fault)); err != nil {
						t.Errorf("%s breaks %s as well: %v", row.fault, rule, err)
					}
				}
			}
		})
	}
}
