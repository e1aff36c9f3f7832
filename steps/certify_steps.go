package steps

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/appcert/appcert/fakes/marketplace"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/reference"
)

const (
	certName = `([A-Z][A-Za-z]*)`
	certIDs  = `(deals? \d+(?:(?:, | and | to )\d+)*)`
	certExt  = `(JSON panel|link action)`
)

// certSteps is the certification vocabulary, compiled once and only read
// afterwards.
var certSteps = sync.OnceValue(func() []certStep {
	steps := []certStep{
		// People and companies.
		{pattern: `^` + certName + `, a company with (.+)$`, example: "Acme, a company with Alice, an admin, and Bob", run: stepCompany},

		// What people do; the model decides what the marketplace sends.
		{pattern: `^` + certName + ` installs the app for (?:herself|himself|themselves)$`, example: "Alice installs the app for herself", run: stepInstallAlone},
		{pattern: `^` + certName + ` installs the app and shares it with (all users|[A-Z][A-Za-z, ]*)$`, example: "Alice installs the app and shares it with Bob", run: stepInstallShared},
		{pattern: `^` + certName + ` denies the app's scopes$`, example: "Bob denies the app's scopes", run: stepDeny},
		{pattern: `^` + certName + ` removes the app from the other users$`, example: "Alice removes the app from the other users", run: stepMakePrivate},
		{pattern: `^` + certName + ` adds the app for ([A-Z][A-Za-z, ]*?)(?: again)?$`, example: "Alice adds the app for Bob", run: stepAddUsers},
		{pattern: `^` + certName + ` uninstalls the app$`, example: "Alice uninstalls the app", run: stepUninstall},
		{pattern: `^an uninstall for ` + certName + ` arrives with (wrong|missing) credentials$`, example: "an uninstall for Alice arrives with wrong credentials", run: stepForgedUninstall},
		{pattern: `^` + certName + `'s access token expires$`, example: "Alice's access token expires", run: stepExpire},
		{pattern: `^` + certName + ` uses the app's extensions$`, example: "Alice uses the app's extensions", run: stepUseExtensions},

		// Checks.
		{pattern: `^the app accepted every sharing callback$`, example: "the app accepted every sharing callback", run: stepSharingAccepted},
		{pattern: `^the app exchanged ` + certName + `'s authorization code$`, example: "the app exchanged Alice's authorization code", run: stepCodeExchanged},
		{pattern: `^the app answered ` + certName + `'s denial without an error$`, example: "the app answered Bob's denial without an error", run: stepDenialAnswered},
		{pattern: `^` + certName + `'s ` + certExt + ` is (answered|refused)$`, example: "Bob's JSON panel is refused", run: stepAnsweredOrRefused},
		{pattern: `^` + certName + `'s JSON panel is answered within the deadline$`, example: "Alice's JSON panel is answered within the deadline", run: stepInTime},
		{pattern: `^` + certName + `'s JSON panel on ` + certIDs + ` (shows|does not show) deal (\d+)$`, example: "Bob's JSON panel on deals 1, 2 and 3 does not show deal 3", run: stepShowsDeal},
		{pattern: `^` + certName + `'s JSON panel on ` + certIDs + ` follows the documented schema$`, example: "Alice's JSON panel on deals 1 to 12 follows the documented schema", run: stepSchema},
		{pattern: `^` + certName + `'s JSON panel on ` + certIDs + ` shows nothing of ` + certName + `$`, example: "Gina's JSON panel on deal 2 shows nothing of Acme", run: stepNothingOf},
		{pattern: `^` + certName + `'s ` + certExt + ` with a forged token \(([a-z ]+)\) is refused$`, example: "Alice's JSON panel with a forged token (expired) is refused", run: stepForgedToken},
		{pattern: `^` + certName + `'s ` + certExt + ` with forged Basic auth \(([a-z ]+)\) is refused$`, example: "Alice's link action with forged Basic auth (wrong) is refused", run: stepForgedBasic},
		{pattern: `^the app refreshed ` + certName + `'s access token$`, example: "the app refreshed Alice's access token", run: stepRefreshed},
		{pattern: `^the app called only what its scopes allow$`, example: "the app called only what its scopes allow", run: stepScopesAllowed},
		{pattern: `^the app used every scope it was granted$`, example: "the app used every scope it was granted", run: stepScopesUsed},
	}
	for i := range steps {
		steps[i].re = regexp.MustCompile(steps[i].pattern)
	}
	return steps
})

var certPersonName = regexp.MustCompile(`^[A-Z][A-Za-z]*$`)

// names reads "Bob", "Bob and Carol", "Bob, Carol and Dave".
func (w *certWorld) names(list string) ([]*certPerson, error) {
	var out []*certPerson
	for _, n := range strings.FieldsFunc(strings.ReplaceAll(list, " and ", ","), func(r rune) bool { return r == ',' || r == ' ' }) {
		p, err := w.person(n)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func stepCompany(_ context.Context, w *certWorld, a []string) error {
	// "Alice, an admin, and Bob": "an admin" marks the name before it.
	var people []certPerson
	for _, item := range strings.Split(a[1], ",") {
		item = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(item), "and "))
		for _, part := range strings.Split(item, " and ") {
			part = strings.TrimSpace(part)
			switch {
			case part == "":
			case part == "an admin":
				if len(people) == 0 {
					return fmt.Errorf("%q: \"an admin\" follows no name", a[1])
				}
				people[len(people)-1].Admin = true
			case certPersonName.MatchString(part):
				people = append(people, certPerson{Name: part})
			default:
				return fmt.Errorf("%q: can't read %q; write \"Alice, an admin, and Bob\"", a[1], part)
			}
		}
	}
	if len(people) == 0 {
		return fmt.Errorf("%q names nobody", a[1])
	}
	return w.addCompany(a[0], people)
}

func stepInstallAlone(ctx context.Context, w *certWorld, a []string) error {
	p, err := w.person(a[0])
	if err != nil {
		return err
	}
	return w.apply(ctx, reference.Install{App: w.run.refApp.ID, By: uid(p), Access: reference.OnlyMe, Accept: true})
}

func stepInstallShared(ctx context.Context, w *certWorld, a []string) error {
	p, err := w.person(a[0])
	if err != nil {
		return err
	}
	c := reference.Install{App: w.run.refApp.ID, By: uid(p), Access: reference.AllUsers, Accept: true}
	if a[1] != "all users" {
		users, err := w.names(a[1])
		if err != nil {
			return err
		}
		if w.run.refApp.AllowSpecificUsers {
			c.Access, c.Users = reference.SpecificUsers, uids(users)
		} else if !w.everyoneBut(p, users) {
			return naf("the app does not allow choosing specific users (allow_specific_users: false), and %s are not all of %s's colleagues", a[1], p.Name)
		}
		// Otherwise "all users" is the same people: the story holds.
	}
	return w.apply(ctx, c)
}

// everyoneBut reports whether users are exactly p's colleagues.
func (w *certWorld) everyoneBut(p *certPerson, users []*certPerson) bool {
	n := 0
	for _, q := range w.people {
		if q.Company == p.Company && q != p {
			n++
			if !slices.Contains(users, q) {
				return false
			}
		}
	}
	return n == len(users)
}

func stepDeny(ctx context.Context, w *certWorld, a []string) error {
	p, err := w.person(a[0])
	if err != nil {
		return err
	}
	return w.apply(ctx, reference.Install{App: w.run.refApp.ID, By: uid(p), Accept: false})
}

func stepMakePrivate(ctx context.Context, w *certWorld, a []string) error {
	p, err := w.person(a[0])
	if err != nil {
		return err
	}
	return w.apply(ctx, reference.ManageUsers{App: w.run.refApp.ID, By: uid(p), Access: reference.OnlyMe})
}

func stepAddUsers(ctx context.Context, w *certWorld, a []string) error {
	p, err := w.person(a[0])
	if err != nil {
		return err
	}
	users, err := w.names(a[1])
	if err != nil {
		return err
	}
	c := reference.ManageUsers{App: w.run.refApp.ID, By: uid(p), Add: uids(users)}
	if !w.run.refApp.AllowSpecificUsers {
		if !w.everyoneBut(p, users) {
			return naf("the app does not allow choosing specific users (allow_specific_users: false)")
		}
		c.Access, c.Add = reference.AllUsers, nil
	}
	return w.apply(ctx, c)
}

func stepUninstall(ctx context.Context, w *certWorld, a []string) error {
	p, err := w.person(a[0])
	if err != nil {
		return err
	}
	return w.apply(ctx, reference.Uninstall{App: w.run.refApp.ID, By: uid(p), Confirmed: true})
}

// stepForgedUninstall sends an uninstall the marketplace never would. It
// names a user the app serves, so that the request after it shows whether
// the app acted on it (protocol.md).
func stepForgedUninstall(ctx context.Context, w *certWorld, a []string) error {
	p, err := w.person(a[0])
	if err != nil {
		return err
	}
	if !w.canServe(p, nil) {
		return w.cannot(p.Name + " is served before the forged uninstall")
	}
	creds, err := marketplace.ParseCredentials(a[1])
	if err != nil {
		return err
	}
	ex, err := w.run.market.SendUninstall(ctx, w.run.app.ClientID, p.Company.ID, p.ID, creds)
	if err != nil {
		return err
	}
	w.record(w.run.market.JudgeUninstall(ex)...)
	return nil
}

func stepExpire(_ context.Context, w *certWorld, a []string) error {
	p, err := w.person(a[0])
	if err != nil {
		return err
	}
	if !w.authorized[p.ID] {
		return w.cannot(p.Name + "'s access token can expire")
	}
	w.expiredAt[p.ID] = len(w.calls())
	if w.run.market.ExpireAccessTokens(p.ID) == 0 {
		return skipf("%s holds no live access token to expire", p.Name)
	}
	return nil
}

// stepUseExtensions opens every extension the marketplace would show the
// person, so that the app makes the API calls it makes. An extension that
// is not served leaves the calls unmade, so the scope checks after it
// can't run.
func stepUseExtensions(ctx context.Context, w *certWorld, a []string) error {
	p, err := w.person(a[0])
	if err != nil {
		return err
	}
	used := 0
	for _, typ := range []string{manifest.JSONPanel, manifest.LinkAction} {
		if _, ok := w.run.app.Extension(typ, ""); !ok {
			continue
		}
		use := w.ref.Extension(w.run.refApp.ID, uid(p), reference.ExtensionKind(typ))
		if !use.Allowed {
			continue
		}
		what := fmt.Sprintf("%s uses the app's %s", p.Name, strings.ReplaceAll(typ, "_", " "))
		claim := &use.IsShared
		if typ == manifest.LinkAction {
			claim = nil
		}
		if !w.canServe(p, claim) {
			return w.cannot(what)
		}
		ex, err := w.send(ctx, typ, p, []int64{1, 2, 3}, &use.IsShared, marketplace.TokenValid, marketplace.CredentialsValid)
		if err != nil {
			return err
		}
		if err := w.settle(w.judge(typ, ex, marketplace.Answer(w.answerRule(use.IsShared))), answered(typ, ex), what); err != nil {
			return err
		}
		used++
	}
	if used == 0 {
		return naf("the app has no JSON panel or link action %s may use", p.Name)
	}
	return nil
}

func stepSharingAccepted(_ context.Context, w *certWorld, _ []string) error {
	if len(w.sharing) == 0 {
		return errors.New("no sharing callback was sent in this scenario")
	}
	for _, ex := range w.sharing {
		if ex.Err != nil || ex.Status < 200 || ex.Status > 299 {
			return fmt.Errorf("PD-SHARE-24: the sharing callback for user %d of company %d was not accepted: %s", ex.UserID, ex.CompanyID, answerText(ex))
		}
	}
	return nil
}

func stepCodeExchanged(_ context.Context, w *certWorld, a []string) error {
	p, err := w.person(a[0])
	if err != nil {
		return err
	}
	ex, ok := w.authorize[p.ID]
	if !ok {
		return fmt.Errorf("%s never authorized the app in this scenario", p.Name)
	}
	if !codeExchanged(w.run.market, ex) {
		return fmt.Errorf("PD-OAUTH-02: the app answered %s's authorization redirect (%s) without exchanging the code at /oauth/token", p.Name, answerText(ex))
	}
	return nil
}

func stepDenialAnswered(_ context.Context, w *certWorld, a []string) error {
	p, err := w.person(a[0])
	if err != nil {
		return err
	}
	ex, ok := w.denial[p.ID]
	if !ok {
		return fmt.Errorf("%s never denied the app in this scenario", p.Name)
	}
	if ex.Err != nil || ex.Status >= 500 {
		return fmt.Errorf("PD-OAUTH-02: the app answered %s's user_denied redirect with %s", p.Name, answerText(ex))
	}
	return nil
}

// extension returns the app's extension of type typ, or n/a when the app
// has none.
func (w *certWorld) extension(typ string) (manifest.Extension, error) {
	e, ok := w.run.app.Extension(typ, "")
	if !ok {
		return e, naf("the app has no %s", strings.ReplaceAll(typ, "_", " "))
	}
	return e, nil
}

// send sends an extension request for viewer. isShared is the panel's
// claim; link actions carry none.
func (w *certWorld) send(ctx context.Context, typ string, v *certPerson, ids []int64, isShared *bool, tok marketplace.Token, creds marketplace.Credentials) (marketplace.Exchange, error) {
	if typ == manifest.JSONPanel {
		return w.run.market.SendPanel(ctx, w.run.app.ClientID, marketplace.PanelRequest{
			UserID: v.ID, CompanyID: v.Company.ID, SelectedIDs: ids, IsShared: isShared != nil && *isShared, Token: tok, BasicAuth: creds,
		})
	}
	return w.run.market.SendLinkAction(ctx, w.run.app.ClientID, marketplace.LinkRequest{
		UserID: v.ID, CompanyID: v.Company.ID, SelectedIDs: ids, Token: tok, BasicAuth: creds,
	})
}

func (w *certWorld) judge(typ string, ex marketplace.Exchange, want marketplace.Expectation) []marketplace.Finding {
	if typ == manifest.JSONPanel {
		return w.run.market.JudgePanel(ex, want)
	}
	return w.run.market.JudgeLinkAction(ex, want)
}

// answered reports whether ex got the answer an entitled viewer gets.
func answered(typ string, ex marketplace.Exchange) bool {
	if ex.Err != nil {
		return false
	}
	if typ == manifest.JSONPanel {
		return ex.Status == 200
	}
	return ex.Status >= 200 && ex.Status < 400
}

func refusedStatus(ex marketplace.Exchange) bool {
	return ex.Err == nil && (ex.Status == 401 || ex.Status == 403)
}

// answerRule is the rule a wrong answer to an entitled viewer breaks. The
// stories of following the callback, the uninstall and the refresh are
// about serving the user; a shared viewer refused after the app was told
// isShared: true breaks following the callback (PD-SHARE-24); otherwise the
// marketplace's default (a panel's schema, PD-EXT-04).
func (w *certWorld) answerRule(shared bool) string {
	switch w.res.Rule {
	case "PD-SHARE-24", "PD-UNINST-02", "PD-OAUTH-03":
		return w.res.Rule
	}
	if shared {
		return "PD-SHARE-24"
	}
	return ""
}

// entitled sends what the marketplace sends for viewer (the model decides
// whether it sends anything, and isShared), and judges the answer.
func (w *certWorld) entitled(ctx context.Context, typ string, v *certPerson, ids []int64, what string) (marketplace.Exchange, error) {
	if _, err := w.extension(typ); err != nil {
		return marketplace.Exchange{}, err
	}
	use := w.ref.Extension(w.run.refApp.ID, uid(v), reference.ExtensionKind(typ))
	if !use.Allowed {
		return marketplace.Exchange{}, naf("the marketplace sends no %s request for %s: %s (sharing mode %s)",
			strings.ReplaceAll(typ, "_", " "), v.Name, use.Reason, w.run.app.SharingMode)
	}
	claim := &use.IsShared
	if typ == manifest.LinkAction {
		claim = nil
	}
	if !w.canServe(v, claim) {
		return marketplace.Exchange{}, w.cannot(what)
	}
	ex, err := w.send(ctx, typ, v, ids, &use.IsShared, marketplace.TokenValid, marketplace.CredentialsValid)
	if err != nil {
		return ex, err
	}
	return ex, w.settle(w.judge(typ, ex, marketplace.Answer(w.answerRule(use.IsShared))), answered(typ, ex), what)
}

// refused sends requests from a viewer the app must refuse, as the
// marketplace never would: a panel both with isShared=false and with a
// stale isShared=true.
func (w *certWorld) refused(ctx context.Context, typ string, v *certPerson, what string) error {
	if _, err := w.extension(typ); err != nil {
		return err
	}
	claims := []*bool{nil}
	if typ == manifest.JSONPanel {
		f, t := false, true
		claims = []*bool{&f, &t}
	}
	for _, claim := range claims {
		if !w.mustRefuse(v, claim) {
			return w.cannot(what)
		}
	}
	for _, claim := range claims {
		ex, err := w.send(ctx, typ, v, []int64{1}, claim, marketplace.TokenValid, marketplace.CredentialsValid)
		if err != nil {
			return err
		}
		if err := w.settle(w.judge(typ, ex, marketplace.Refuse(w.res.Rule)), refusedStatus(ex), what); err != nil {
			return err
		}
	}
	return nil
}

func extType(s string) string {
	if s == "JSON panel" {
		return manifest.JSONPanel
	}
	return manifest.LinkAction
}

func stepAnsweredOrRefused(ctx context.Context, w *certWorld, a []string) error {
	p, err := w.person(a[0])
	if err != nil {
		return err
	}
	what := fmt.Sprintf("%s's %s is %s", p.Name, a[1], a[2])
	if a[2] == "refused" {
		return w.refused(ctx, extType(a[1]), p, what)
	}
	_, err = w.entitled(ctx, extType(a[1]), p, []int64{1}, what)
	return err
}

func stepInTime(ctx context.Context, w *certWorld, a []string) error {
	p, err := w.person(a[0])
	if err != nil {
		return err
	}
	_, err = w.entitled(ctx, manifest.JSONPanel, p, []int64{1}, fmt.Sprintf("%s's JSON panel is answered within %v", p.Name, w.run.market.Deadline()))
	return err
}

// dealsOnly makes a step about deals n/a for a panel on another resource.
func (w *certWorld) dealsOnly() error {
	e, err := w.extension(manifest.JSONPanel)
	if err != nil {
		return err
	}
	if e.Resource != manifest.ResourceDeal {
		return naf("the app's JSON panel sits on %ss; only deals have owner-only records", e.Resource)
	}
	return nil
}

func stepShowsDeal(ctx context.Context, w *certWorld, a []string) error {
	p, err := w.person(a[0])
	if err != nil {
		return err
	}
	if err := w.dealsOnly(); err != nil {
		return err
	}
	ids, err := parseIDs(a[1])
	if err != nil {
		return err
	}
	var deal int64
	fmt.Sscan(a[3], &deal)
	what := fmt.Sprintf("%s's JSON panel on %s %s deal %d", p.Name, a[1], a[2], deal)
	ex, err := w.entitled(ctx, manifest.JSONPanel, p, ids, what)
	if err != nil {
		return err
	}
	title := fmt.Sprintf("%s deal %d", p.Company.Full, deal)
	// An object with the deal's ID counts, unless the judge found it to be
	// another company's record (a leak is PD-EXT-05's, not this rule's).
	leaked := slices.ContainsFunc(w.res.Findings, func(f CertifyFinding) bool {
		return f.Rule == "PD-EXT-05" && f.Exchange != nil && f.Exchange.Request == w.exchange(ex).Request
	})
	shown := containsText(ex.Body, title) || (!leaked && panelHasID(ex.Body, deal))
	switch {
	case a[2] == "shows" && !shown:
		return skipf("%s's JSON panel does not show deal %d (%q) even to %s, who may see it, so hiding it from others proves nothing", p.Name, deal, title, p.Name)
	case a[2] == "does not show" && shown:
		owner := w.ownerOf(p.Company)
		f := marketplace.Finding{Rule: w.res.Rule, Verdict: marketplace.Fail, Exchange: ex,
			Reason: fmt.Sprintf("the JSON panel showed %s deal %d (%q), which is visible to its owner %s only (visible_to 1)", p.Name, deal, title, owner)}
		if w.res.Rule == "" {
			f.Rule = "PD-SHARE-23"
		}
		w.record(f)
		return errors.New(f.Rule + ": " + f.Reason)
	}
	return nil
}

// ownerOf names the owner of a company's owner-only deal: its first admin.
func (w *certWorld) ownerOf(c *certCompany) string {
	var best *certPerson
	for _, p := range w.people {
		if p.Company == c && p.Admin && (best == nil || p.ID < best.ID) {
			best = p
		}
	}
	if best == nil {
		return "the company's first admin"
	}
	return best.Name
}

func stepSchema(ctx context.Context, w *certWorld, a []string) error {
	p, err := w.person(a[0])
	if err != nil {
		return err
	}
	ids, err := parseIDs(a[1])
	if err != nil {
		return err
	}
	_, err = w.entitled(ctx, manifest.JSONPanel, p, ids, fmt.Sprintf("%s's JSON panel on %s follows the documented schema", p.Name, a[1]))
	return err
}

func stepNothingOf(ctx context.Context, w *certWorld, a []string) error {
	p, err := w.person(a[0])
	if err != nil {
		return err
	}
	other, err := w.company(a[2])
	if err != nil {
		return err
	}
	ids, err := parseIDs(a[1])
	if err != nil {
		return err
	}
	ex, err := w.entitled(ctx, manifest.JSONPanel, p, ids, fmt.Sprintf("%s's JSON panel shows nothing of %s", p.Name, other.Name))
	if err != nil {
		return err
	}
	// The judge looks for every other company's records; this names the
	// one the story is about, should an app show it in another form.
	if containsText(ex.Body, other.Full) {
		f := marketplace.Finding{Rule: "PD-EXT-05", Verdict: marketplace.Fail, Exchange: ex,
			Reason: fmt.Sprintf("the JSON panel for %s of %s names %s", p.Name, p.Company.Full, other.Full)}
		w.record(f)
		if w.res.Rule == f.Rule {
			return errors.New(f.Rule + ": " + f.Reason)
		}
	}
	return nil
}

// forged sends a forged request naming an otherwise entitled viewer, so
// that only the credential check can refuse it (protocol.md).
func (w *certWorld) forged(ctx context.Context, typ string, v *certPerson, tok marketplace.Token, creds marketplace.Credentials, what string) error {
	use := w.ref.Extension(w.run.refApp.ID, uid(v), reference.ExtensionKind(typ))
	if !use.Allowed {
		return naf("the marketplace sends no %s request for %s: %s", strings.ReplaceAll(typ, "_", " "), v.Name, use.Reason)
	}
	claim := &use.IsShared
	if typ == manifest.LinkAction {
		claim = nil
	}
	if !w.canServe(v, claim) {
		return w.cannot(v.Name + " is otherwise entitled, so that only the credentials can refuse " + what)
	}
	ex, err := w.send(ctx, typ, v, []int64{1}, &use.IsShared, tok, creds)
	if err != nil {
		return err
	}
	return w.settle(w.judge(typ, ex, marketplace.Refuse("PD-EXT-02")), refusedStatus(ex), what)
}

func stepForgedToken(ctx context.Context, w *certWorld, a []string) error {
	p, err := w.person(a[0])
	if err != nil {
		return err
	}
	typ := extType(a[1])
	if _, err := w.extension(typ); err != nil {
		return err
	}
	tok, err := marketplace.ParseToken(a[2])
	if err != nil {
		return err
	}
	if tok == marketplace.TokenValid {
		return errors.New("a valid token is not forged; use one of missing, bad signature, expired, another user, another company")
	}
	return w.forged(ctx, typ, p, tok, marketplace.CredentialsValid, fmt.Sprintf("%s's %s with a forged token (%s)", p.Name, a[1], tok))
}

func stepForgedBasic(ctx context.Context, w *certWorld, a []string) error {
	p, err := w.person(a[0])
	if err != nil {
		return err
	}
	typ := extType(a[1])
	e, err := w.extension(typ)
	if err != nil {
		return err
	}
	if !e.HTTPAuth.Set() {
		return naf("the app's %s has no http_auth, so its requests carry no Basic auth", a[1])
	}
	creds, err := marketplace.ParseCredentials(a[2])
	if err != nil {
		return err
	}
	if creds == marketplace.CredentialsValid {
		return errors.New("valid Basic auth is not forged; use wrong or missing")
	}
	return w.forged(ctx, typ, p, marketplace.TokenValid, creds, fmt.Sprintf("%s's %s with forged Basic auth (%s)", p.Name, a[1], creds))
}

func stepRefreshed(_ context.Context, w *certWorld, a []string) error {
	p, err := w.person(a[0])
	if err != nil {
		return err
	}
	from, ok := w.expiredAt[p.ID]
	if !ok {
		return fmt.Errorf("%s's access token never expired in this scenario", p.Name)
	}
	calls := w.calls()[from:]
	var expired *marketplace.Call
	for i, c := range calls {
		if c.UserID != p.ID {
			continue
		}
		if c.Template == "/oauth/token" && c.Grant == "refresh_token" && c.Status == 200 {
			return nil
		}
		if expired == nil && c.Status == 401 && strings.HasPrefix(c.Path, "/api/") {
			expired = &calls[i]
		}
	}
	if expired == nil {
		apiCalls := slices.ContainsFunc(calls, func(c marketplace.Call) bool { return strings.HasPrefix(c.Path, "/api/") })
		if !apiCalls {
			return naf("the app made no API call for %s after the token expired, so it had nothing to refresh", p.Name)
		}
		// Calls were made, none with the dead token: some other token
		// served them, which is the app's business.
		return nil
	}
	f := marketplace.Finding{Rule: "PD-OAUTH-03", Verdict: marketplace.Fail, Call: expired,
		Reason: fmt.Sprintf("the app met %s's expired access token (%s %s answered 401) and never refreshed it", p.Name, expired.Method, expired.Path)}
	w.record(f)
	return errors.New(f.Rule + ": " + f.Reason)
}

// scopeFindings judges this scenario's calls and keeps the rule's findings.
func (w *certWorld) scopeFindings(rule string) []marketplace.Finding {
	var out []marketplace.Finding
	for _, f := range w.run.market.JudgeCalls(w.run.app.ClientID, w.calls()) {
		if f.Rule == rule {
			out = append(out, f)
		}
	}
	return out
}

func stepScopesAllowed(_ context.Context, w *certWorld, _ []string) error {
	found := w.scopeFindings("PD-SCOPE-07")
	w.record(found...)
	if own := w.ownFailures(found); len(own) > 0 {
		return errors.New(strings.Join(own, "; "))
	}
	if len(found) > 0 {
		return errors.New(found[0].Rule + ": " + found[0].Reason)
	}
	return nil
}

// stepScopesUsed records an unused scope as a warning: it fails nothing
// (PD-SCOPE-08).
func stepScopesUsed(_ context.Context, w *certWorld, _ []string) error {
	w.record(w.scopeFindings("PD-SCOPE-08")...)
	return nil
}

func uid(p *certPerson) reference.UserID { return reference.UserID(p.ID) }

func uids(ps []*certPerson) []reference.UserID {
	out := make([]reference.UserID, len(ps))
	for i, p := range ps {
		out[i] = uid(p)
	}
	return out
}

// containsText finds s in a body, raw or as JSON escapes it.
func containsText(body []byte, s string) bool {
	if bytes.Contains(body, []byte(s)) {
		return true
	}
	esc, _ := json.Marshal(s)
	return bytes.Contains(body, bytes.Trim(esc, `"`))
}

// panelHasID reports whether a panel answer has an object with that id.
func panelHasID(body []byte, id int64) bool {
	var p struct {
		Data json.RawMessage `json:"data"`
	}
	if json.Unmarshal(body, &p) != nil {
		return false
	}
	var objs []map[string]any
	if json.Unmarshal(p.Data, &objs) != nil {
		var one map[string]any
		if json.Unmarshal(p.Data, &one) != nil {
			return false
		}
		objs = []map[string]any{one}
	}
	for _, o := range objs {
		if n, ok := o["id"].(float64); ok && int64(n) == id {
			return true
		}
	}
	return false
}
