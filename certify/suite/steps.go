package suite

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/appcert/appcert/certify/result"
	"github.com/appcert/appcert/fakes/marketplace"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/reference"
	"github.com/appcert/appcert/rules"
	"github.com/appcert/appcert/stepdef"
)

// vocabulary is what the certification phrases are written with; each
// placeholder gives its handler a typed value.
var vocabulary = stepdef.Vocabulary{
	"{name}":    {RE: `([A-Z][A-Za-z]*)`},
	"{names}":   {RE: `([A-Z][A-Za-z]*(?:(?:, | and )[A-Z][A-Za-z]*)*)`},
	"{users}":   {RE: `(all users|[A-Z][A-Za-z]*(?:(?:, | and )[A-Z][A-Za-z]*)*)`},
	"{list}":    {RE: `(.+)`},
	"{ids}":     {RE: `(deals? \d+(?:(?:, | and | to )\d+)*)`, Parse: func(s string) (any, error) { return parseIDs(s) }},
	"{surface}": {RE: surfaceRE(), Parse: func(s string) (any, error) { return parseSurface(s) }},
	"{answer}":  {RE: `(answered without a server error|answered|refused)`},
	"{token}": {RE: `([a-z ]+)`, Parse: func(s string) (any, error) {
		t, err := marketplace.ParseToken(s)
		if err == nil && t == marketplace.TokenValid {
			err = errors.New("a valid token is not forged; use one of missing, bad signature, expired, another user, another company")
		}
		return t, err
	}},
	"{creds}": {RE: `([a-z ]+)`, Parse: func(s string) (any, error) {
		c, err := marketplace.ParseCredentials(s)
		if err == nil && c == marketplace.CredentialsValid {
			err = errors.New("valid Basic auth is not forged; use wrong or missing")
		}
		return c, err
	}},
}

// surfaceRE matches every surface the marketplace sends, as the scenarios
// write it.
func surfaceRE() string {
	var names []string
	for _, k := range surfaces {
		names = append(names, regexp.QuoteMeta(words(k)))
	}
	return "(" + strings.Join(names, "|") + ")"
}

// parseSurface reads a surface as the scenarios write it.
func parseSurface(s string) (reference.ExtensionKind, error) {
	for _, k := range reference.ExtensionKinds() {
		if words(k) == s {
			return k, nil
		}
	}
	return "", fmt.Errorf("%q is no extension kind", s)
}

const area = "app certification"

// steps is the certification vocabulary.
func steps() []stepdef.Def {
	d := func(pattern, example string, run func(context.Context, *world, stepdef.Args) error) stepdef.Def {
		return stepdef.Def{Phrase: stepdef.Phrase{Area: area, Pattern: pattern, Example: example}, Run: step(run)}
	}
	return []stepdef.Def{
		// People and companies.
		d(`{name}, a company with {list}`, "Acme, a company with Alice, an admin, and Bob", stepCompany),

		// What people do; the model decides what the marketplace sends.
		d(`{name} installs the app for [herself|himself|themselves]`, "Alice installs the app for herself", stepInstallAlone),
		d(`{name} installs the app and shares it with {users}`, "Alice installs the app and shares it with Bob", stepInstallShared),
		d(`{name} installs the app from its Installation URL`, "Alice installs the app from its Installation URL", stepInstallFromApp),
		d(`{name} denies the app's scopes`, "Bob denies the app's scopes", stepDeny),
		d(`{name} removes the app from the other users`, "Alice removes the app from the other users", stepMakePrivate),
		d(`{name} adds the app for {names}[ again|]`, "Alice adds the app for Bob", stepAddUsers),
		d(`{name} uninstalls the app`, "Alice uninstalls the app", stepUninstall),
		d(`an uninstall for {name} arrives with {creds} credentials`, "an uninstall for Alice arrives with wrong credentials", stepForgedUninstall),
		d(`{name}'s access token expires`, "Alice's access token expires", stepExpire),
		d(`the marketplace answers {name}'s next API call with a 429 asking to wait 2 seconds`, "the marketplace answers Alice's next API call with a 429 asking to wait 2 seconds", stepRateLimited),
		d(`{name} uses the app's extensions`, "Alice uses the app's extensions", stepUseExtensions),

		// Checks, on every surface the scenario's check runs on.
		d(`the app accepted every sharing callback`, "the app accepted every sharing callback", stepSharingAccepted),
		d(`the app exchanged {name}'s authorization code`, "the app exchanged Alice's authorization code", stepCodeExchanged),
		d(`the app answered {name}'s denial without an error`, "the app answered Bob's denial without an error", stepDenialAnswered),
		d(`a redirect for {name} with a state the app did not issue is refused`, "a redirect for Bob with a state the app did not issue is refused", stepForeignState),
		d(`{name}'s extensions are {answer}`, "Bob's extensions are refused", stepExtensions),
		d(`{name}'s {surface} is {answer}`, "Bob's JSON panel is refused", stepSurface),
		d(`{name}'s extensions with a forged token ({token}) are refused`, "Alice's extensions with a forged token (expired) are refused", stepForgedToken),
		d(`{name}'s extensions with forged Basic auth ({creds}) are refused`, "Alice's extensions with forged Basic auth (wrong) are refused", stepForgedBasic),
		d(`{name}'s extensions are answered within the deadline`, "Alice's extensions are answered within the deadline", stepInTime),
		d(`{name}'s JSON modal is opened and submitted`, "Alice's JSON modal is opened and submitted", stepSubmit),
		d(`{name}'s JSON modal submit with a forged token ({token}) is refused`, "Alice's JSON modal submit with a forged token (another user) is refused", stepForgedSubmit),
		d(`{name}'s JSON panel on {ids} follows the documented schema`, "Alice's JSON panel on deals 1 to 12 follows the documented schema", stepSchema),
		d(`{name}'s extensions on {ids} show nothing of {name}`, "Gina's extensions on deal 2 show nothing of Acme", stepNothingOf),
		d(`{name}'s JSON panel on {ids} shows nothing only {name} may see`, "Bob's JSON panel on deals 1, 2 and 3 shows nothing only Alice may see", stepNothingHidden),
		d(`the app refreshed {name}'s access token`, "the app refreshed Alice's access token", stepRefreshed),
		d(`the app waited as the 429 said before calling again with {name}'s token`, "the app waited as the 429 said before calling again with Alice's token", stepWaited),
		d(`the app called only what its scopes allow`, "the app called only what its scopes allow", stepScopes),
		d(`the app used every scope it was granted`, "the app used every scope it was granted", stepScopes),

		// Custom UI pages in headless Chromium (the checks' Browser kinds).
		d(pagesStep, "Alice's Custom UI pages call their backend in the browser", stepPagesInBrowser),
		d(`their calls sent again with {name}'s token or ids serve only whom the token names`, "their calls sent again with Gina's token or ids serve only whom the token names", stepReplayed),
	}
}

// pagesStep runs Custom UI pages in the browser: a scenario with it checks
// its check's Browser kinds only (Check.OnPages).
const pagesStep = `{name}'s Custom UI pages call their backend in the browser`

// runsPages reports whether a scenario's steps run Custom UI pages in the
// browser.
func runsPages(texts []string) bool {
	for _, b := range bound() {
		if b.Phrase.Pattern == pagesStep {
			return slices.ContainsFunc(texts, b.RE.MatchString)
		}
	}
	return false
}

// bound is the vocabulary bound once, and only read afterwards.
var bound = sync.OnceValue(func() []stepdef.Bound {
	var out []stepdef.Bound
	for _, d := range steps() {
		out = append(out, vocabulary.Bind(d))
	}
	return out
})

var personName = regexp.MustCompile(`^[A-Z][A-Za-z]*$`)

// names reads "Bob", "Bob and Carol", "Bob, Carol and Dave".
func (w *world) names(list string) ([]*person, error) {
	var out []*person
	for _, n := range strings.FieldsFunc(strings.ReplaceAll(list, " and ", ","), func(r rune) bool { return r == ',' || r == ' ' }) {
		p, err := w.person(n)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func stepCompany(_ context.Context, w *world, a stepdef.Args) error {
	// "Alice, an admin, and Bob": "an admin" marks the name before it.
	list := stepdef.Arg[string](a, 1)
	var people []person
	for _, item := range strings.Split(list, ",") {
		item = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(item), "and "))
		for _, part := range strings.Split(item, " and ") {
			part = strings.TrimSpace(part)
			switch {
			case part == "":
			case part == "an admin":
				if len(people) == 0 {
					return fmt.Errorf("%q: \"an admin\" follows no name", list)
				}
				people[len(people)-1].Admin = true
			case personName.MatchString(part):
				people = append(people, person{Name: part})
			default:
				return fmt.Errorf("%q: can't read %q; write \"Alice, an admin, and Bob\"", list, part)
			}
		}
	}
	if len(people) == 0 {
		return fmt.Errorf("%q names nobody", list)
	}
	return w.addCompany(stepdef.Arg[string](a, 0), people)
}

func stepInstallAlone(ctx context.Context, w *world, a stepdef.Args) error {
	p, err := w.person(stepdef.Arg[string](a, 0))
	if err != nil {
		return err
	}
	return w.apply(ctx, reference.Install{App: w.run.model.ID, By: uid(p), Access: reference.OnlyMe, Accept: true})
}

func stepInstallShared(ctx context.Context, w *world, a stepdef.Args) error {
	p, err := w.person(stepdef.Arg[string](a, 0))
	if err != nil {
		return err
	}
	c := reference.Install{App: w.run.model.ID, By: uid(p), Access: reference.AllUsers, Accept: true}
	if who := stepdef.Arg[string](a, 1); who != "all users" {
		users, err := w.names(who)
		if err != nil {
			return err
		}
		if w.run.model.AllowSpecificUsers {
			c.Access, c.Users = reference.SpecificUsers, uids(users)
		} else if !w.everyoneBut(p, users) {
			w.settleAll(result.NotExercised, fmt.Sprintf("the app does not allow choosing specific users (allow_specific_users: false), and %s are not all of %s's colleagues", who, p.Name))
			return nil
		}
		// Otherwise "all users" is the same people: the story holds.
	}
	return w.apply(ctx, c)
}

// everyoneBut reports whether users are exactly p's colleagues.
func (w *world) everyoneBut(p *person, users []*person) bool {
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

// stepInstallFromApp installs the app for the person alone, the browser
// starting at the app's Installation URL (app-installation-flows): the
// redirect comes back with the app's own state.
func stepInstallFromApp(ctx context.Context, w *world, a stepdef.Args) error {
	p, err := w.person(stepdef.Arg[string](a, 0))
	if err != nil {
		return err
	}
	if w.run.app.InstallationURL == "" {
		w.settleAll(result.NotApplicable, "the manifest declares no installation_url")
		return nil
	}
	w.fromApp = true
	defer func() { w.fromApp = false }()
	return w.apply(ctx, reference.Install{App: w.run.model.ID, By: uid(p), Access: reference.OnlyMe, Accept: true})
}

// stepForeignState sends the person's authorization redirect with a state
// the app never issued, as a forged or replayed one carries, and judges
// that the app refused it (PD-OAUTH-05). It means something only once the
// app's own states were shown to work, so it comes after an install from
// the Installation URL whose code was exchanged.
func stepForeignState(ctx context.Context, w *world, a stepdef.Args) error {
	p, err := w.person(stepdef.Arg[string](a, 0))
	if err != nil {
		return err
	}
	if len(w.open()) == 0 {
		return nil
	}
	ex, err := w.run.market.AuthorizeWithState(ctx, w.run.app.ClientID, p.ID, foreignState())
	if err != nil {
		return err
	}
	// Answered at all, the redirect decides the check: its code taken
	// warns (recorded), left alone passes; a 5xx fails the redirect's
	// own rule, not this one.
	if w.record(w.run.market.JudgeForeignState(ex)...) {
		return nil
	}
	if ex.Err == nil {
		for _, s := range w.open() {
			s.judged++
		}
	}
	return nil
}

// foreignState is a state no app issued: random, so no app can have.
func foreignState() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}

func stepDeny(ctx context.Context, w *world, a stepdef.Args) error {
	p, err := w.person(stepdef.Arg[string](a, 0))
	if err != nil {
		return err
	}
	return w.apply(ctx, reference.Install{App: w.run.model.ID, By: uid(p), Accept: false})
}

func stepMakePrivate(ctx context.Context, w *world, a stepdef.Args) error {
	p, err := w.person(stepdef.Arg[string](a, 0))
	if err != nil {
		return err
	}
	return w.apply(ctx, reference.ManageUsers{App: w.run.model.ID, By: uid(p), Access: reference.OnlyMe})
}

func stepAddUsers(ctx context.Context, w *world, a stepdef.Args) error {
	p, err := w.person(stepdef.Arg[string](a, 0))
	if err != nil {
		return err
	}
	users, err := w.names(stepdef.Arg[string](a, 1))
	if err != nil {
		return err
	}
	c := reference.ManageUsers{App: w.run.model.ID, By: uid(p), Add: uids(users)}
	if !w.run.model.AllowSpecificUsers {
		if !w.everyoneBut(p, users) {
			w.settleAll(result.NotExercised, "the app does not allow choosing specific users (allow_specific_users: false)")
			return nil
		}
		c.Access, c.Add = reference.AllUsers, nil
	}
	return w.apply(ctx, c)
}

func stepUninstall(ctx context.Context, w *world, a stepdef.Args) error {
	p, err := w.person(stepdef.Arg[string](a, 0))
	if err != nil {
		return err
	}
	return w.apply(ctx, reference.Uninstall{App: w.run.model.ID, By: uid(p), Confirmed: true})
}

// stepForgedUninstall sends an uninstall the marketplace never would. It
// names a user the app serves, so that the requests after it show whether
// the app acted on it (protocol.md).
func stepForgedUninstall(ctx context.Context, w *world, a stepdef.Args) error {
	p, err := w.person(stepdef.Arg[string](a, 0))
	if err != nil {
		return err
	}
	if !w.canServe(p, nil) {
		for _, s := range w.open() {
			if err := w.cannot(s, p.Name+" is served before the forged uninstall"); err != nil {
				return err
			}
		}
		return nil
	}
	ex, err := w.run.market.SendUninstall(ctx, w.run.app.ClientID, marketplace.UninstallRequest{CompanyID: p.Company.ID, UserID: p.ID, Credentials: stepdef.Arg[marketplace.Credentials](a, 1)})
	if err != nil {
		return err
	}
	w.forgedUninstall = &ex
	w.record(marketplace.JudgeUninstall(ex)...)
	return nil
}

func stepExpire(_ context.Context, w *world, a stepdef.Args) error {
	p, err := w.person(stepdef.Arg[string](a, 0))
	if err != nil {
		return err
	}
	if !w.view.Authorized(uid(p)) {
		for _, s := range w.open() {
			if err := w.cannot(s, p.Name+"'s access token can expire"); err != nil {
				return err
			}
		}
		return nil
	}
	w.expiredAt[p.ID] = len(w.calls())
	for _, s := range w.subs {
		s.calls = 0 // from now on, the calls that meet the expired token
	}
	if w.run.market.ExpireAccessTokens(p.ID) == 0 {
		w.settleAll(result.Skip, p.Name+" holds no live access token to expire")
	}
	return nil
}

// stepUseExtensions opens every extension the marketplace would show the
// person, so that the app makes the API calls it makes. An extension not
// served leaves its own calls unmade, which the checks after it are told
// (world.unserved); the other extensions' calls are made all the same.
func stepUseExtensions(ctx context.Context, w *world, a stepdef.Args) error {
	p, err := w.person(stepdef.Arg[string](a, 0))
	if err != nil {
		return err
	}
	for _, e := range w.run.app.Extensions {
		k, name := e.Type, e.Name
		if !marketplace.Sends(k) || len(w.open()) == 0 {
			continue
		}
		use := w.ref.Extension(w.run.model.ID, uid(p), k)
		if !use.Allowed {
			continue
		}
		what := fmt.Sprintf("%s uses the app's %s", p.Name, words(k))
		if !w.canServe(p, claimOf(k, use.IsShared)) {
			for _, s := range w.open() {
				if err := w.cannot(s, what); err != nil {
					return err
				}
			}
			return nil
		}
		exs, err := w.send(ctx, nil, p, marketplace.ExtensionRequest{Kind: k, Extension: name, SelectedIDs: []int64{1, 2, 3}, IsShared: use.IsShared})
		if err != nil {
			return err
		}
		if !w.canServe(p, claimOf(k, use.IsShared)) {
			// The app uninstalled itself for them while answering.
			for _, s := range w.open() {
				if err := w.cannot(s, what); err != nil {
					return err
				}
			}
			return nil
		}
		for _, ex := range exs {
			want := marketplace.Answer(w.answerRule(use.IsShared))
			found := w.run.market.JudgeExtension(ex, want)
			if w.record(found...) {
				continue
			}
			if !w.run.market.Held(ex, want) {
				w.unserved = append(w.unserved, fmt.Sprintf("%s: %s", what, firstFail(found, "the "+words(k)+" "+answerText(ex))))
			}
		}
	}
	return nil
}

// claimOf is the claim to the app a request of kind k makes for a viewer
// who never authorized it: its isShared; nil for kinds that carry none;
// none at all (false) for a kind no sharing gives (PD-SHARE-16).
func claimOf(k reference.ExtensionKind, isShared bool) *bool {
	if !k.Shareable() {
		no := false
		return &no
	}
	if !marketplace.SendsIsShared(k) {
		return nil
	}
	return &isShared
}

func stepSharingAccepted(_ context.Context, w *world, _ stepdef.Args) error {
	if len(w.sharing) == 0 {
		return errors.New("no sharing callback was sent in this scenario")
	}
	// The judge found any callback not accepted when it was sent; here
	// each accepted one counts.
	for _, ex := range w.sharing {
		if w.run.market.Held(ex, marketplace.Expectation{}) {
			for _, s := range w.open() {
				s.judged++
			}
		}
	}
	w.sharing = nil
	return nil
}

func stepCodeExchanged(_ context.Context, w *world, a stepdef.Args) error {
	p, err := w.person(stepdef.Arg[string](a, 0))
	if err != nil {
		return err
	}
	ex, ok := w.authorize[p.ID]
	if !ok {
		return fmt.Errorf("%s never authorized the app in this scenario", p.Name)
	}
	// Judged when the redirect was answered; a failure of the scenario's
	// own rule is settled already. A code not exchanged for another reason
	// leaves the rest of the story unchecked, naming that reason.
	if !w.run.market.Exchanged(ex) {
		for _, s := range w.open() {
			if err := w.cannot(s, "the app exchanged "+p.Name+"'s authorization code"); err != nil {
				return err
			}
		}
		return nil
	}
	for _, s := range w.open() {
		s.judged++
	}
	return nil
}

func stepDenialAnswered(_ context.Context, w *world, a stepdef.Args) error {
	p, err := w.person(stepdef.Arg[string](a, 0))
	if err != nil {
		return err
	}
	if _, ok := w.denial[p.ID]; !ok {
		return fmt.Errorf("%s never denied the app in this scenario", p.Name)
	}
	for _, s := range w.open() {
		s.judged++
	}
	return nil
}

// send sends r from viewer v to every extension of kind r.Kind the app
// declares (to r.Extension only, when named), counts the API calls the
// app made while answering (on s, when given) and judges them. A forged
// Basic auth goes only to extensions that have http_auth.
func (w *world) send(ctx context.Context, s *sub, v *person, r marketplace.ExtensionRequest) ([]marketplace.Exchange, error) {
	r.UserID, r.CompanyID = v.ID, v.Company.ID
	var out []marketplace.Exchange
	for _, e := range w.run.app.Extensions {
		if e.Type != r.Kind || (r.Extension != "" && e.Name != r.Extension) || (r.BasicAuth != marketplace.CredentialsValid && !e.HTTPAuth.Set()) {
			continue
		}
		one := r
		one.Extension = e.Name
		before := len(w.calls())
		ex, err := w.run.market.SendExtension(ctx, w.run.app.ClientID, one)
		if err != nil {
			return out, err
		}
		// An uninstall the app caused while answering is the model's
		// before the answer is judged.
		w.catchUp()
		made := w.calls()[before:] // the scenario's calls come one request at a time
		if s != nil {
			s.calls += apiCalls(made)
		}
		// A token used after its user's genuine uninstall shows the app kept
		// serving them, whatever it answered.
		revoked := marketplace.JudgeRevokedUse(made)
		for i := range revoked {
			revoked[i].Exchange = ex
		}
		w.record(revoked...)
		out = append(out, ex)
	}
	return out, nil
}

// answerRule is the rule a wrong answer to an entitled viewer breaks: the
// check's own when its story is about serving the viewer; following the
// sharing callback for a shared viewer; otherwise the judge's default (a
// panel's schema).
func (w *world) answerRule(shared bool) rules.ID {
	switch {
	case w.check.Serves:
		return w.check.Rule
	case shared:
		return rules.PDShare24
	}
	return ""
}

// entitled sends what the marketplace sends for viewer on s's surface
// (the model decides whether it sends anything, and isShared), and judges
// the answers; with submit, a JSON modal is then submitted with the values
// of the blocks it opened with. When the marketplace sends the viewer
// nothing there, the step has nothing to check on s: later steps may.
func (w *world) entitled(ctx context.Context, s *sub, v *person, ids []int64, submit bool, what string) error {
	return w.entitledWant(ctx, s, v, ids, submit, false, what)
}

// entitledWant is entitled; noServerError asks of the answers only that
// they are not 5xx.
func (w *world) entitledWant(ctx context.Context, s *sub, v *person, ids []int64, submit, noServerError bool, what string) error {
	use := w.ref.Extension(w.run.model.ID, uid(v), s.surface)
	if !use.Allowed {
		s.unsent = fmt.Sprintf("the marketplace sends no %s request for %s: %s (sharing mode %s)", words(s.surface), v.Name, use.Reason, w.run.app.SharingMode)
		return nil
	}
	if !w.canServe(v, claimOf(s.surface, use.IsShared)) {
		return w.cannot(s, what)
	}
	exs, err := w.send(ctx, s, v, marketplace.ExtensionRequest{Kind: s.surface, SelectedIDs: ids, IsShared: use.IsShared})
	if err != nil {
		return err
	}
	if !w.canServe(v, claimOf(s.surface, use.IsShared)) {
		// The app uninstalled itself for the viewer while answering.
		return w.cannot(s, what)
	}
	want := marketplace.Answer(w.answerRule(use.IsShared))
	want.NoServerError = noServerError
	judge := func(ex marketplace.Exchange) []marketplace.Finding {
		found := w.run.market.JudgeExtension(ex, want)
		if w.forgedUninstall != nil {
			found = marketplace.AfterForgedUninstall(*w.forgedUninstall, found)
		}
		return found
	}
	for _, ex := range exs {
		w.judged(s, ex, judge(ex), want, what)
		if !submit || s.verdict != "" {
			continue
		}
		subs, err := w.send(ctx, s, v, marketplace.ExtensionRequest{Kind: s.surface, Extension: ex.Extension, SelectedIDs: ids, Submit: modalValues(ex.Body)})
		if err != nil {
			return err
		}
		for _, sx := range subs {
			w.judged(s, sx, judge(sx), want, what)
		}
	}
	return nil
}

// modalValues are what a person fills in a JSON modal: each block of its
// opening answer, with the value it came with or else a line of text.
func modalValues(opening []byte) map[string]any {
	var m struct {
		Data struct {
			Blocks map[string]json.RawMessage `json:"blocks"`
		} `json:"data"`
	}
	values := map[string]any{}
	if json.Unmarshal(opening, &m) != nil {
		return values
	}
	for k, raw := range m.Data.Blocks {
		var b struct {
			Value any `json:"value"`
		}
		_ = json.Unmarshal(raw, &b) // a block that is no object gets the text
		if v, ok := b.Value.(string); ok && v != "" {
			values[k] = v
		} else if b.Value != nil && !ok {
			values[k] = b.Value
		} else {
			values[k] = "Checked by appcert"
		}
	}
	return values
}

// refused sends requests from a viewer the app must refuse, as the
// marketplace never would: for a kind that carries isShared, both with
// isShared=false and with a stale isShared=true.
func (w *world) refused(ctx context.Context, s *sub, v *person, what string) error {
	claims := []*bool{claimOf(s.surface, false)}
	if marketplace.SendsIsShared(s.surface) {
		f, t := false, true
		claims = []*bool{&f, &t}
	}
	for _, claim := range claims {
		if !w.mustRefuse(v, claim) {
			return w.cannot(s, what)
		}
	}
	for _, claim := range claims {
		exs, err := w.send(ctx, s, v, marketplace.ExtensionRequest{Kind: s.surface, SelectedIDs: []int64{1}, IsShared: claim != nil && *claim})
		if err != nil {
			return err
		}
		want := marketplace.Refuse(w.check.Rule)
		for _, ex := range exs {
			w.judged(s, ex, w.run.market.JudgeExtension(ex, want), want, what)
			if s.verdict != "" {
				return nil
			}
		}
	}
	return nil
}

func stepExtensions(ctx context.Context, w *world, a stepdef.Args) error {
	return w.answeredOrRefused(ctx, w.openOn(), stepdef.Arg[string](a, 0), stepdef.Arg[string](a, 1))
}

func stepSurface(ctx context.Context, w *world, a stepdef.Args) error {
	return w.answeredOrRefused(ctx, w.openOn(stepdef.Arg[reference.ExtensionKind](a, 1)), stepdef.Arg[string](a, 0), stepdef.Arg[string](a, 2))
}

func (w *world) answeredOrRefused(ctx context.Context, subs []*sub, name, answer string) error {
	p, err := w.person(name)
	if err != nil {
		return err
	}
	for _, s := range subs {
		what := fmt.Sprintf("%s's %s is %s", p.Name, words(s.surface), answer)
		switch answer {
		case "refused":
			err = w.refused(ctx, s, p, what)
		case "answered without a server error":
			err = w.entitledWant(ctx, s, p, []int64{1}, false, true, what)
		default:
			err = w.entitled(ctx, s, p, []int64{1}, false, what)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func stepInTime(ctx context.Context, w *world, a stepdef.Args) error {
	p, err := w.person(stepdef.Arg[string](a, 0))
	if err != nil {
		return err
	}
	for _, s := range w.openOn() {
		if err := w.entitled(ctx, s, p, []int64{1}, false, fmt.Sprintf("%s's %s is answered within %v", p.Name, words(s.surface), w.run.market.Deadline())); err != nil {
			return err
		}
	}
	return nil
}

// stepSubmit opens the person's JSON modals and submits each with the
// values of its blocks: both answers are judged.
func stepSubmit(ctx context.Context, w *world, a stepdef.Args) error {
	p, err := w.person(stepdef.Arg[string](a, 0))
	if err != nil {
		return err
	}
	for _, s := range w.openOn(reference.JSONModal) {
		if err := w.entitled(ctx, s, p, []int64{1}, true, fmt.Sprintf("%s's JSON modal is opened and submitted", p.Name)); err != nil {
			return err
		}
	}
	return nil
}

// stepForgedSubmit submits the person's JSON modals with a forged token.
func stepForgedSubmit(ctx context.Context, w *world, a stepdef.Args) error {
	p, err := w.person(stepdef.Arg[string](a, 0))
	if err != nil {
		return err
	}
	tok := stepdef.Arg[marketplace.Token](a, 1)
	for _, s := range w.openOn(reference.JSONModal) {
		r := marketplace.ExtensionRequest{Token: tok, Submit: map[string]any{"title": "Checked by appcert"}}
		if err := w.forged(ctx, s, p, r, fmt.Sprintf("%s's JSON modal submit with a forged token (%s)", p.Name, tok)); err != nil {
			return err
		}
	}
	return nil
}

func stepSchema(ctx context.Context, w *world, a stepdef.Args) error {
	p, err := w.person(stepdef.Arg[string](a, 0))
	if err != nil {
		return err
	}
	ids := stepdef.Arg[[]int64](a, 1)
	for _, s := range w.openOn(reference.JSONPanel) {
		if err := w.entitled(ctx, s, p, ids, false, fmt.Sprintf("%s's JSON panel on %s follows the documented schema", p.Name, a.Raw()[1])); err != nil {
			return err
		}
	}
	return nil
}

// stepNothingOf sends the panel request; the judge looks for every other
// company's records in the answer (PD-EXT-05).
func stepNothingOf(ctx context.Context, w *world, a stepdef.Args) error {
	p, err := w.person(stepdef.Arg[string](a, 0))
	if err != nil {
		return err
	}
	other, err := w.company(stepdef.Arg[string](a, 2))
	if err != nil {
		return err
	}
	ids := stepdef.Arg[[]int64](a, 1)
	for _, s := range w.openOn() {
		if err := w.entitled(ctx, s, p, ids, false, fmt.Sprintf("%s's %s shows nothing of %s", p.Name, words(s.surface), other.Name)); err != nil {
			return err
		}
	}
	return nil
}

// stepNothingHidden sends a shared viewer's panel request; the judge looks
// for records the viewer may not see, such as the installing user's
// owner-only deal (PD-SHARE-23). A panel that shows only what it was asked
// about passes.
func stepNothingHidden(ctx context.Context, w *world, a stepdef.Args) error {
	p, err := w.person(stepdef.Arg[string](a, 0))
	if err != nil {
		return err
	}
	owner, err := w.person(stepdef.Arg[string](a, 2))
	if err != nil {
		return err
	}
	ids := stepdef.Arg[[]int64](a, 1)
	for _, s := range w.openOn(reference.JSONPanel) {
		if err := w.entitled(ctx, s, p, ids, false, fmt.Sprintf("%s's JSON panel shows nothing only %s may see", p.Name, owner.Name)); err != nil {
			return err
		}
	}
	return nil
}

// forged sends r, forged, naming an otherwise entitled viewer, so that
// only the credential check can refuse it (protocol.md).
func (w *world) forged(ctx context.Context, s *sub, v *person, r marketplace.ExtensionRequest, what string) error {
	use := w.ref.Extension(w.run.model.ID, uid(v), s.surface)
	if !use.Allowed {
		w.settle(s, result.NotExercised, fmt.Sprintf("the marketplace sends no %s request for %s: %s", words(s.surface), v.Name, use.Reason))
		return nil
	}
	if !w.canServe(v, claimOf(s.surface, use.IsShared)) {
		return w.cannot(s, v.Name+" is otherwise entitled, so that only the credentials can refuse "+what)
	}
	r.Kind, r.SelectedIDs, r.IsShared = s.surface, []int64{1}, use.IsShared
	exs, err := w.send(ctx, s, v, r)
	if err != nil {
		return err
	}
	want := marketplace.Refuse(w.check.Rule)
	for _, ex := range exs {
		w.judged(s, ex, w.run.market.JudgeExtension(ex, want), want, what)
	}
	return nil
}

func stepForgedToken(ctx context.Context, w *world, a stepdef.Args) error {
	p, err := w.person(stepdef.Arg[string](a, 0))
	if err != nil {
		return err
	}
	tok := stepdef.Arg[marketplace.Token](a, 1)
	for _, s := range w.openOn() {
		if err := w.forged(ctx, s, p, marketplace.ExtensionRequest{Token: tok}, fmt.Sprintf("%s's %s with a forged token (%s)", p.Name, words(s.surface), tok)); err != nil {
			return err
		}
	}
	return nil
}

func stepForgedBasic(ctx context.Context, w *world, a stepdef.Args) error {
	p, err := w.person(stepdef.Arg[string](a, 0))
	if err != nil {
		return err
	}
	creds := stepdef.Arg[marketplace.Credentials](a, 1)
	for _, s := range w.openOn() {
		if !slices.ContainsFunc(w.run.app.Extensions, func(e manifest.Extension) bool { return e.Type == s.surface && e.HTTPAuth.Set() }) {
			w.settle(s, result.NotApplicable, fmt.Sprintf("the app's %s has no http_auth, so its requests carry no Basic auth to forge", words(s.surface)))
			continue
		}
		if err := w.forged(ctx, s, p, marketplace.ExtensionRequest{BasicAuth: creds}, fmt.Sprintf("%s's %s with forged Basic auth (%s)", p.Name, words(s.surface), creds)); err != nil {
			return err
		}
	}
	return nil
}

// stepRefreshed judges the calls made after the user's access token
// expired. Only a surface whose answers made API calls can show a refresh:
// one that made none is not exercised.
func stepRefreshed(_ context.Context, w *world, a stepdef.Args) error {
	p, err := w.person(stepdef.Arg[string](a, 0))
	if err != nil {
		return err
	}
	from, ok := w.expiredAt[p.ID]
	if !ok {
		return fmt.Errorf("%s's access token never expired in this scenario", p.Name)
	}
	for _, s := range w.open() {
		if s.calls == 0 {
			w.settle(s, result.NotExercised, fmt.Sprintf("the app made no API call while answering the %s after %s's token expired, so it had nothing to refresh", words(s.surface), p.Name))
		}
	}
	found, decided := marketplace.JudgeRefresh(w.calls()[from:], p.ID)
	if !w.record(found...) && decided {
		for _, s := range w.open() {
			s.judged++
		}
	}
	return nil
}

// rateLimitWait is what the 429 the certification sends asks the app to
// wait.
const rateLimitWait = marketplace.RateWindow

// stepRateLimited makes the marketplace answer the user's next API call
// with a 429 and Retry-After: 2, the longest a rolling 2 s window asks
// for, over budget or not (PD-API-03). Shorter would let an app that
// calls straight back look patient on a slow machine.
func stepRateLimited(_ context.Context, w *world, a stepdef.Args) error {
	p, err := w.person(stepdef.Arg[string](a, 0))
	if err != nil {
		return err
	}
	if !w.view.Authorized(uid(p)) {
		for _, s := range w.open() {
			if err := w.cannot(s, p.Name+"'s API calls can be answered 429"); err != nil {
				return err
			}
		}
		return nil
	}
	w.limitedAt[p.ID] = len(w.calls())
	for _, s := range w.subs {
		s.calls = 0 // from now on, the calls that meet the 429
	}
	if w.run.market.Throttle(w.run.app.ClientID, p.ID, rateLimitWait) == 0 {
		w.settleAll(result.Skip, p.Name+" holds no live access token to answer with a 429")
	}
	return nil
}

// stepWaited judges the calls after the 429: none before the wait it named
// was over.
func stepWaited(_ context.Context, w *world, a stepdef.Args) error {
	p, err := w.person(stepdef.Arg[string](a, 0))
	if err != nil {
		return err
	}
	from, ok := w.limitedAt[p.ID]
	if !ok {
		return fmt.Errorf("the marketplace never answered %s's API calls with a 429 in this scenario", p.Name)
	}
	for _, s := range w.open() {
		if s.calls == 0 {
			w.settle(s, result.NotExercised, fmt.Sprintf("the app made no API call while answering the %s after %s's calls were limited, so it met no 429", words(s.surface), p.Name))
		}
	}
	found, decided := marketplace.JudgeBackoff(w.calls()[from:], p.ID)
	if !w.record(found...) && decided {
		for _, s := range w.open() {
			s.judged++
		}
	}
	return nil
}

// stepScopes judges the scenario's API calls (PD-SCOPE-07, -08); with none
// made, nothing is decided. The calls of an extension that was not served
// may be missing: every call made is still judged against the scopes, but
// a scope no call needed may be one those calls needed, which is not
// decided.
func stepScopes(_ context.Context, w *world, _ stepdef.Args) error {
	calls := w.calls()
	n := apiCalls(calls)
	unserved := strings.Join(w.unserved, "; ")
	if n == 0 {
		if unserved != "" {
			w.settleAll(result.Skip, "cannot check the app's API calls: the app made none, and "+unserved)
			return nil
		}
		w.settleAll(result.NotExercised, "the app made no API call while its extensions were used, so its scopes were not exercised")
		return nil
	}
	found := w.run.market.JudgeCalls(w.run.app.ClientID, calls)
	var unused []string
	if unserved != "" {
		found = slices.DeleteFunc(found, func(f marketplace.Finding) bool {
			if f.Rule == rules.PDScope08 {
				unused = append(unused, f.Reason)
			}
			return f.Rule == rules.PDScope08
		})
	}
	if w.record(found...) {
		return nil
	}
	if len(unused) > 0 && w.check.Rule == rules.PDScope08 {
		w.settleAll(result.Skip, fmt.Sprintf("cannot check that every granted scope is used: %s; the calls of an extension not served may need it (%s)", strings.Join(unused, "; "), unserved))
		return nil
	}
	for _, s := range w.open() {
		s.judged += n
	}
	return nil
}

func uid(p *person) reference.UserID { return reference.UserID(p.ID) }

func uids(ps []*person) []reference.UserID {
	out := make([]reference.UserID, len(ps))
	for i, p := range ps {
		out[i] = uid(p)
	}
	return out
}

// parseIDs reads "deals 1, 2 and 3", "deals 1 to 12" or "deal 2".
func parseIDs(s string) ([]int64, error) {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(s, "deals"), "deal"))
	if from, to, ok := strings.Cut(s, " to "); ok {
		var a, b int64
		if _, err := fmt.Sscan(from, &a); err != nil {
			return nil, fmt.Errorf("%q is not a range of IDs", s)
		}
		if _, err := fmt.Sscan(to, &b); err != nil || b < a || b-a > 100 {
			return nil, fmt.Errorf("%q is not a range of IDs", s)
		}
		var out []int64
		for i := a; i <= b; i++ {
			out = append(out, i)
		}
		return out, nil
	}
	var out []int64
	for _, f := range strings.FieldsFunc(strings.ReplaceAll(s, " and ", ","), func(r rune) bool { return r == ',' || r == ' ' }) {
		var id int64
		if _, err := fmt.Sscan(f, &id); err != nil || id <= 0 {
			return nil, fmt.Errorf("%q is not a list of IDs", s)
		}
		out = append(out, id)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%q names no IDs", s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}
