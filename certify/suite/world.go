package suite

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"

	"github.com/appcert/appcert/certify/result"
	"github.com/appcert/appcert/fakes/marketplace"
	"github.com/appcert/appcert/reference"
)

// world is one certification scenario: its companies and people, the
// reference model that decides what the marketplace sends (the
// marketplace's view), what the app has been told (the app's view,
// protocol.md "Who is entitled"), which is all the checks hold it to, and
// the scenario's sub-checks, one per surface its check runs on.
type world struct {
	run   *Run
	res   *result.Scenario
	check Check
	subs  []*sub
	step  string

	started time.Time
	now     time.Time
	ref     *reference.Market

	companies map[string]*company
	people    map[string]*person

	// view is the app's view: what it was told and took.
	view *reference.AppView
	// gaps say what the app was not told, or did not take: a code it did
	// not exchange, a callback it refused, each naming the finding. A check
	// that needs that knowledge is skipped, naming the gap.
	gaps []string

	sharing   []marketplace.Exchange         // sharing callbacks sent in this scenario
	authorize map[int64]marketplace.Exchange // the latest authorization redirect, by user
	denial    map[int64]marketplace.Exchange // the latest user_denied redirect, by user
	expiredAt map[int64]int                  // the scenario's call count when the user's tokens expired
	limitedAt map[int64]int                  // the scenario's call count when the user's tokens were answered 429
	// fromApp: the authorization redirects being delivered start at the
	// app's Installation URL, the browser played through it.
	fromApp bool
	// forgedUninstall is the latest uninstall sent with wrong or missing
	// credentials: an answer after it that fails PD-UNINST-02 names it.
	forgedUninstall *marketplace.Exchange

	// revoked are users the app uninstalled itself for, by revoking their
	// refresh token, heard from the marketplace's goroutine and not yet
	// applied to the model (catchUp).
	revokedMu sync.Mutex
	revoked   []int64

	pages []loadedPage // Custom UI pages run in the browser, with the calls they made

	// unserved say which extensions the app did not serve when they were
	// used (stepUseExtensions), and why: their API calls may be missing.
	unserved []string
}

// sub is a sub-check: the check on one surface in this scenario. An open
// one (no verdict yet) ends as PASS when exchanges were judged, NOT
// EXERCISED when none could decide it.
type sub struct {
	surface result.Surface
	verdict result.Verdict
	judged  int
	calls   int // API calls the app made while answering on this surface
	reason  string
	step    string
	// unsent says why a step sent nothing on this surface (the
	// marketplace shows the viewer none), for a sub-check nothing decides.
	unsent string
	// browser: a browser step ran (or meant to run) this surface's page.
	browser bool
}

type company struct {
	ID   int64
	Name string // the scenario's name for it ("Acme")
	Full string // the marketplace's, unique in the run ("Acme 7", 7 its ID's last digits)
}

type person struct {
	ID      int64
	Name    string
	Company *company
	Admin   bool
}

func newWorld(r *Run, res *result.Scenario, c Check) (*world, error) {
	w := &world{
		run: r, res: res, check: c,
		started:   timeNow(),
		now:       time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
		companies: map[string]*company{},
		people:    map[string]*person{},
		view:      reference.NewAppView(),
		authorize: map[int64]marketplace.Exchange{},
		denial:    map[int64]marketplace.Exchange{},
		expiredAt: map[int64]int{},
		limitedAt: map[int64]int{},
	}
	surfaces, why := c.Surfaces(r.app)
	if len(surfaces) == 0 {
		for _, k := range c.kinds() {
			w.subs = append(w.subs, &sub{surface: k, verdict: result.NotApplicable, reason: why})
		}
		if len(c.kinds()) == 0 {
			w.subs = append(w.subs, &sub{surface: result.App, verdict: result.NotApplicable, reason: why})
		}
	}
	for _, s := range surfaces {
		w.subs = append(w.subs, &sub{surface: s})
	}
	w.ref = reference.New(reference.Pipedrive, func() time.Time { w.now = w.now.Add(time.Minute); return w.now })
	if res := w.ref.Apply(reference.PublishApp{App: r.model}); !res.OK() {
		return nil, fmt.Errorf("the reference model does not list the app: %v", res.Refusal)
	}
	return w, nil
}

// open returns the sub-checks still undecided.
func (w *world) open() []*sub {
	var out []*sub
	for _, s := range w.subs {
		if s.verdict == "" {
			out = append(out, s)
		}
	}
	return out
}

// openOn returns the open sub-checks on surfaces the marketplace sends
// requests to, restricted to kinds when any are given.
func (w *world) openOn(kinds ...reference.ExtensionKind) []*sub {
	var out []*sub
	for _, s := range w.open() {
		if marketplace.Sends(s.surface) && (len(kinds) == 0 || slices.Contains(kinds, s.surface)) {
			out = append(out, s)
		}
	}
	return out
}

// settle decides a sub-check; the first decision stands.
func (w *world) settle(s *sub, v result.Verdict, reason string) {
	if s.verdict != "" {
		return
	}
	s.verdict, s.reason, s.step = v, w.run.redact.Redact(reason), w.step
}

func (w *world) settleAll(v result.Verdict, reason string) {
	for _, s := range w.open() {
		w.settle(s, v, reason)
	}
}

// settledErr is what a step returns once nothing is open: an error when a
// sub-check failed, so godog's reports show the scenario failed.
func (w *world) settledErr() error {
	var fails []string
	for _, s := range w.subs {
		if s.verdict == result.Fail {
			fails = append(fails, words(s.surface)+": "+s.reason)
		}
	}
	if len(fails) > 0 {
		return errors.New(strings.Join(fails, "; "))
	}
	return errSettled
}

func (w *world) interrupted() {
	w.res.Interrupted = true
	w.settleAll(result.Skip, "the run was cancelled before this check ended")
}

// finish closes the scenario once godog is done with it: open sub-checks
// pass when something was judged, and are not exercised otherwise.
func (w *world) finish(err error) error {
	if err != nil && !errors.Is(err, godog.ErrSkip) && len(w.open()) > 0 {
		if errors.Is(err, godog.ErrUndefined) {
			w.settleAll(result.Skip, "a step is not defined: "+err.Error())
		} else {
			w.settleAll(result.Skip, "the check could not run: "+err.Error())
		}
	}
	w.step = ""
	for _, s := range w.open() {
		switch {
		case w.ownWarned(s.surface):
			w.settle(s, result.Warn, "")
		case s.judged > 0:
			w.settle(s, result.Pass, "")
		case s.unsent != "":
			w.settle(s, result.NotExercised, s.unsent)
		default:
			w.settle(s, result.NotExercised, "nothing in this scenario could decide it; it needs "+w.check.Exercise)
		}
	}
	v := result.Verdict("")
	for _, s := range w.subs {
		w.res.Checks = append(w.res.Checks, result.SubCheck{Surface: s.surface, Verdict: s.verdict, Judged: s.judged, Reason: s.reason, Step: s.step, Browser: s.browser})
		v = result.Worst(v, s.verdict)
	}
	w.res.Verdict = v
	w.res.Duration = timeNow().Sub(w.started)
	if v == result.Fail && err == nil {
		return w.settledErr()
	}
	return nil
}

// ownWarned reports whether a warning of the scenario's own rule was found
// on the surface.
func (w *world) ownWarned(s result.Surface) bool {
	return slices.ContainsFunc(w.res.Findings, func(f result.Finding) bool {
		return f.Rule == w.check.Rule && f.Severity == result.SeverityWarn && (f.Surface == s || f.Surface == result.App)
	})
}

// surfaceOf is the surface an exchange is on: its extension kind, or the
// app for a callback or redirect.
func surfaceOf(ex marketplace.Exchange) result.Surface {
	if k := reference.ExtensionKind(ex.Kind); marketplace.Sends(k) {
		return k
	}
	return result.App
}

// record keeps findings for the report, deduplicated, secrets redacted. A
// failure of the scenario's own rule fails the sub-checks it is about (all
// of them when it is about the app as a whole); it returns whether one
// did.
func (w *world) record(fs ...marketplace.Finding) bool {
	own := false
	for _, f := range fs {
		rf := result.Finding{Rule: f.Rule, Surface: result.App, Severity: f.Severity, Reason: w.run.redact.Redact(f.Reason),
			Setup: f.Setup, Scenarios: []string{w.res.Name}}
		rf.StableReason = w.stable(rf.Reason)
		if f.Exchange.Kind != "" {
			rf.Surface = surfaceOf(f.Exchange)
			rf.Exchange = w.run.redact.Exchange(f.Exchange)
			rf.Request = f.Exchange.Kind
			if f.Exchange.Variant != "" {
				rf.Request += " (" + f.Exchange.Variant + ")"
			}
		}
		if f.Call != nil {
			rf.Call = fmt.Sprintf("%s %s → %d", f.Call.Method, f.Call.Path, f.Call.Status)
			rf.Request = "API call " + f.Call.Method + " " + f.Call.Template
		}
		w.res.Findings = result.Merge(w.res.Findings, rf)
		if f.Severity != result.SeverityFail || f.Rule != w.check.Rule {
			continue
		}
		for _, s := range w.open() {
			if rf.Surface == result.App || s.surface == rf.Surface || s.surface == result.App {
				w.settle(s, result.Fail, string(f.Rule)+": "+f.Reason)
				own = true
			}
		}
	}
	return own
}

var (
	// origin is a URL's scheme, host and port: the app's and the
	// marketplace's ports change from run to run.
	origin = regexp.MustCompile(`\bhttps?://[^/\s"'?#]+`)
	number = regexp.MustCompile(`\b\d+\b`)
)

// stable is a reason as it reads in any run: the run's user and company
// IDs (new in every run) given as the scenario's names, a company's
// marketplace name ("Acme 7") as the scenario's ("Acme"), and URLs without
// their origin.
func (w *world) stable(reason string) string {
	names := map[string]string{}
	for _, p := range w.people {
		names[strconv.FormatInt(p.ID, 10)] = p.Name
	}
	for _, c := range w.companies {
		names[strconv.FormatInt(c.ID, 10)] = c.Name
		reason = regexp.MustCompile(`\b`+regexp.QuoteMeta(c.Full)+`\b`).ReplaceAllString(reason, c.Name)
	}
	reason = origin.ReplaceAllString(reason, "")
	return number.ReplaceAllStringFunc(reason, func(n string) string {
		if name, ok := names[n]; ok {
			return name
		}
		if id, err := strconv.ParseInt(n, 10, 64); err == nil && (id/companyIDs == w.run.ids || id/userIDs == w.run.ids) {
			return "…" // another scenario's
		}
		return n
	})
}

// judged settles an exchange's sub-check: FAIL was settled by record; an
// answer the story did not need skips it, naming what broke; otherwise
// the exchange counts, when it can decide the check. A check whose story
// is serving the viewer (Check.Serves) is decided by the answer only when
// it is in its surface's format: one that is not fails the format's own
// rule (PD-EXT-04, PD-EXT-06), and skips this check naming that finding.
func (w *world) judged(s *sub, ex marketplace.Exchange, found []marketplace.Finding, want marketplace.Expectation, what string) {
	if w.record(found...) || s.verdict != "" {
		return
	}
	if !w.run.market.Held(ex, want) {
		var why []string
		for _, f := range found {
			if f.Severity == result.SeverityFail {
				why = append(why, string(f.Rule)+" FAIL: "+f.Reason)
			}
		}
		if len(why) == 0 {
			why = append(why, "the "+words(s.surface)+" "+answerText(ex)+", which is not what the story needs")
		}
		w.settle(s, result.Skip, fmt.Sprintf("cannot check that %s: %s", what, strings.Join(why, "; ")))
		return
	}
	if w.check.Decides != nil && !w.check.Decides(w.run.market, ex) {
		return
	}
	if bad := marketplace.Unreadable(found); w.check.Serves && len(bad) > 0 {
		var why []string
		for _, f := range bad {
			why = append(why, string(f.Rule)+" FAIL: "+f.Reason)
		}
		w.settle(s, result.Skip, fmt.Sprintf("cannot check that %s: the answer is not the %s's content, so it does not show the viewer served (%s)", what, words(s.surface), strings.Join(why, "; ")))
		return
	}
	s.judged++
}

// addCompany creates a company and its people, in the marketplace and in
// the model, with IDs no other scenario of the run, and no other run, uses.
func (w *world) addCompany(name string, people []person) error {
	if _, ok := w.companies[name]; ok {
		return fmt.Errorf("the scenario already has a company called %s", name)
	}
	n := w.run.companySeq.Add(1)
	if n >= companyIDs {
		return fmt.Errorf("the run has used all its %d company IDs", companyIDs-1)
	}
	c := &company{ID: w.run.ids*companyIDs + n, Name: name, Full: fmt.Sprintf("%s %d", name, n)}
	if err := w.run.market.AddCompany(marketplace.Company{ID: c.ID, Name: c.Full}); err != nil {
		return err
	}
	if r := w.ref.Apply(reference.AddCompany{Company: reference.CompanyID(c.ID), Name: c.Full}); !r.OK() {
		return fmt.Errorf("the reference model refused the company: %v", r.Refusal)
	}
	w.companies[name] = c
	for _, p := range people {
		if _, ok := w.people[p.Name]; ok {
			return fmt.Errorf("the scenario already has someone called %s", p.Name)
		}
		n := w.run.userSeq.Add(1)
		if firstUser+n >= userIDs {
			return fmt.Errorf("the run has used all its %d user IDs", userIDs-firstUser-1)
		}
		p.ID, p.Company = w.run.ids*userIDs+firstUser+n, c
		email := strings.ToLower(fmt.Sprintf("%s.%d@%s.test", p.Name, p.ID, name))
		if err := w.run.market.AddUser(marketplace.User{ID: p.ID, CompanyID: c.ID, Name: p.Name, Email: email, Admin: p.Admin}); err != nil {
			return err
		}
		r := w.ref.Apply(reference.JoinCompany{User: reference.UserID(p.ID), Company: reference.CompanyID(c.ID), Name: p.Name, Email: email, Admin: p.Admin})
		if !r.OK() {
			return fmt.Errorf("the reference model refused %s: %v", p.Name, r.Refusal)
		}
		w.people[p.Name] = &p
		w.run.register(p.ID, w)
	}
	return nil
}

// heard queues an uninstall the app caused for userID.
func (w *world) heard(userID int64) {
	w.revokedMu.Lock()
	defer w.revokedMu.Unlock()
	w.revoked = append(w.revoked, userID)
}

// catchUp applies the uninstalls the app caused since it last ran: the
// marketplace uninstalled the app for the user, so the model does too and
// what the scenario expects follows; the app knows, as it asked for it.
// Nothing is sent to the app. It reports whether anything changed.
func (w *world) catchUp() bool {
	w.revokedMu.Lock()
	users := w.revoked
	w.revoked = nil
	w.revokedMu.Unlock()
	for _, id := range users {
		u := w.byID(id)
		if u.Company == nil {
			continue // not one of the scenario's people
		}
		res := w.ref.Apply(reference.Uninstall{App: w.run.model.ID, By: reference.UserID(id)})
		if !res.OK() {
			continue // not installed in the model: nothing follows
		}
		for _, e := range res.Effects {
			w.view.Learn(e, reference.CompanyID(u.Company.ID))
		}
		w.view.Uninstall(reference.UserID(id))
		w.gap("the app uninstalled itself for %s, revoking the refresh token at /oauth/revoke", u.Name)
	}
	return len(users) > 0
}

func (w *world) person(name string) (*person, error) {
	p, ok := w.people[name]
	if !ok {
		return nil, fmt.Errorf("nobody called %s is in this scenario; add them with \"Acme, a company with %s\"", name, name)
	}
	return p, nil
}

func (w *world) company(name string) (*company, error) {
	c, ok := w.companies[name]
	if !ok {
		return nil, fmt.Errorf("no company called %s is in this scenario", name)
	}
	return c, nil
}

// apply runs an action of the story in the model and sends the app what
// the marketplace sends for it. A refusal by the model means this
// manifest lets the story not happen: what is open is not exercised.
func (w *world) apply(ctx context.Context, c reference.Command) error {
	r := w.ref.Apply(c)
	if !r.OK() {
		w.settleAll(result.NotExercised, fmt.Sprintf("the marketplace refuses %q for this app: %s (%s, rule %s)", w.step, r.Refusal.Reason, r.Refusal.Detail, r.Refusal.Rule))
		return nil
	}
	return w.deliver(ctx, r.Effects)
}

// deliver sends the effects that reach the app, judges the answers and
// learns what the app now knows; what it missed becomes a gap.
func (w *world) deliver(ctx context.Context, effects []reference.Effect) error {
	m, id := w.run.market, w.run.app.ClientID
	for _, e := range effects {
		var ex marketplace.Exchange
		var err error
		var found []marketplace.Finding
		switch e := e.(type) {
		case reference.Redirect:
			u := w.byID(int64(e.User))
			if e.Denied {
				if ex, err = m.Deny(ctx, id, int64(e.User)); err != nil {
					return err
				}
				w.denial[int64(e.User)] = ex
				found = m.JudgeAuthorize(ex)
				break
			}
			if w.fromApp {
				got, err := m.AuthorizeFromApp(ctx, id, int64(e.User), false)
				if err != nil {
					return err
				}
				if got.Stopped != "" {
					w.authorize[int64(e.User)] = got.Start
					w.gap("%s's install from the app's Installation URL never came back to the app: %s", u.Name, got.Stopped)
					continue
				}
				ex = got.Redirect
			} else if ex, err = m.Authorize(ctx, id, int64(e.User)); err != nil {
				return err
			}
			w.authorize[int64(e.User)] = ex
			found = m.JudgeAuthorize(ex)
			if m.Exchanged(ex) {
				w.view.Learn(e, reference.CompanyID(u.Company.ID))
			} else {
				w.gap("the app did not exchange %s's authorization code, so it cannot know %s (%s)", u.Name, u.Name, firstFail(found, "the redirect "+answerText(ex)))
			}
		case reference.SharingCallback:
			u := w.byID(int64(e.User))
			if ex, err = m.SendSharing(ctx, id, marketplace.SharingRequest{CompanyID: int64(e.Company), UserID: int64(e.User), IsShared: e.IsShared}); err != nil {
				return err
			}
			w.sharing = append(w.sharing, ex)
			found = marketplace.JudgeSharing(ex)
			if w.run.market.Held(ex, marketplace.Expectation{}) {
				w.view.Learn(e, e.Company)
			} else {
				w.gap("the app did not accept the sharing callback {isShared: %t} for %s's installation (%s)", e.IsShared, u.Name, firstFail(found, answerText(ex)))
			}
		case reference.UninstallCallback:
			u := w.byID(int64(e.User))
			if ex, err = m.SendUninstall(ctx, id, marketplace.UninstallRequest{CompanyID: int64(e.Company), UserID: int64(e.User), Credentials: marketplace.CredentialsValid}); err != nil {
				return err
			}
			found = marketplace.JudgeUninstall(ex)
			if ex.Err == nil && ex.Status < 500 {
				w.view.Learn(e, e.Company)
			} else {
				w.gap("the app did not take %s's uninstall (%s)", u.Name, firstFail(found, answerText(ex)))
			}
		default:
			continue // emails and notices do not reach the app
		}
		w.record(found...)
	}
	return nil
}

// firstFail names the first failure found, or else says what.
func firstFail(fs []marketplace.Finding, otherwise string) string {
	for _, f := range fs {
		if f.Severity == result.SeverityFail {
			return string(f.Rule) + " FAIL: " + f.Reason
		}
	}
	return otherwise
}

func (w *world) byID(id int64) *person {
	for _, p := range w.people {
		if p.ID == id {
			return p
		}
	}
	return &person{ID: id, Name: fmt.Sprintf("user %d", id)}
}

func (w *world) gap(format string, args ...any) {
	g := fmt.Sprintf(format, args...)
	if !slices.Contains(w.gaps, g) {
		w.gaps = append(w.gaps, g)
	}
}

// cannot skips a sub-check the app can't be held to, naming the gaps; with
// none, the scenario asks what the app could not know, which is the
// scenario's mistake.
func (w *world) cannot(s *sub, what string) error {
	if len(w.gaps) > 0 {
		w.settle(s, result.Skip, fmt.Sprintf("cannot check that %s: %s", what, strings.Join(w.gaps, "; ")))
		return nil
	}
	return fmt.Errorf("the scenario expects that %s, which the app cannot know from what it was told (protocol.md, \"Who is entitled\")", what)
}

// mustRefuse and canServe ask the app's view about a viewer's claim
// (protocol.md, "Who is entitled"); claim is the request's isShared, nil
// for a kind that carries none.
func (w *world) mustRefuse(v *person, claim *bool) bool {
	return w.view.MustRefuse(uid(v), reference.CompanyID(v.Company.ID), claim)
}

func (w *world) canServe(v *person, claim *bool) bool {
	return w.view.CanServe(uid(v), reference.CompanyID(v.Company.ID), claim)
}

// calls are the app's calls to the marketplace made for this scenario's
// companies, in order.
func (w *world) calls() []marketplace.Call {
	mine := map[int64]bool{}
	for _, c := range w.companies {
		mine[c.ID] = true
	}
	var out []marketplace.Call
	for _, c := range w.run.market.CallsBy(w.run.app.ClientID) {
		if mine[c.CompanyID] {
			out = append(out, c)
		}
	}
	return out
}

// apiCalls counts the calls to the API among calls.
func apiCalls(calls []marketplace.Call) int {
	n := 0
	for _, c := range calls {
		if c.Version > 0 {
			n++
		}
	}
	return n
}

// answerText says in a few words what came back.
func answerText(ex marketplace.Exchange) string {
	switch {
	case ex.TimedOut:
		return fmt.Sprintf("got no answer within %v", ex.Deadline)
	case ex.Err != nil:
		return "got no answer: " + ex.Err.Error()
	}
	return fmt.Sprintf("was answered %d", ex.Status)
}
