package steps

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cucumber/godog"

	"github.com/appcert/appcert/fakes/marketplace"
	"github.com/appcert/appcert/reference"
)

// certWorld is one certification scenario: its companies and people, the
// reference model that decides what the marketplace sends (the
// marketplace's view), and what the app has been told (the app's view,
// protocol.md "Who is entitled"), which is all the checks hold it to.
type certWorld struct {
	run  *CertifyRun
	res  *CertifyScenario
	step string
	done bool // the scenario's outcome is settled (skipped, n/a, failed)

	now time.Time
	ref *reference.Market

	companies map[string]*certCompany
	people    map[string]*certPerson

	// The app's view. authorized: users whose authorization code the app
	// exchanged and who have not uninstalled since; shared: the latest
	// sharing callback the app accepted, by installing user.
	authorized map[int64]bool
	shared     map[int64]bool
	// gaps say what the app was not told, or did not take: a code it did
	// not exchange, a callback it refused. A check that needs that
	// knowledge is skipped, naming the gap.
	gaps []string

	sharing   []marketplace.Exchange         // sharing callbacks sent in this scenario
	authorize map[int64]marketplace.Exchange // the latest authorization redirect, by user
	denial    map[int64]marketplace.Exchange // the latest user_denied redirect, by user
	expiredAt map[int64]int                  // the scenario's call count when the user's tokens expired
}

type certCompany struct {
	ID   int64
	Name string // the scenario's name for it ("Acme")
	Full string // the marketplace's, unique in the run ("Acme 7")
}

type certPerson struct {
	ID      int64
	Name    string
	Company *certCompany
	Admin   bool
}

func newCertWorld(r *CertifyRun, res *CertifyScenario) (*certWorld, error) {
	w := &certWorld{
		run: r, res: res,
		now:        time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
		companies:  map[string]*certCompany{},
		people:     map[string]*certPerson{},
		authorized: map[int64]bool{},
		shared:     map[int64]bool{},
		authorize:  map[int64]marketplace.Exchange{},
		denial:     map[int64]marketplace.Exchange{},
		expiredAt:  map[int64]int{},
	}
	w.ref = reference.New(reference.Pipedrive, func() time.Time { w.now = w.now.Add(time.Minute); return w.now })
	if res := w.ref.Apply(reference.PublishApp{App: r.refApp}); !res.OK() {
		return nil, fmt.Errorf("the reference model does not list the app: %v", res.Refusal)
	}
	return w, nil
}

// end settles the scenario's outcome; the first one stands.
func (w *certWorld) end(status, reason string) {
	if w.done {
		return
	}
	w.done = true
	w.res.Status, w.res.Reason = status, w.redact(reason)
	if status != StatusPassed {
		w.res.Step = w.step
	}
}

// finish closes the scenario once godog is done with it.
func (w *certWorld) finish(err error) {
	switch {
	case w.done:
	case err == nil || errors.Is(err, godog.ErrSkip):
		w.end(StatusPassed, "")
	case errors.Is(err, godog.ErrUndefined):
		w.end(StatusFailed, "a step is not defined: "+err.Error())
	default:
		w.end(StatusFailed, err.Error())
	}
	w.res.Duration = time.Since(w.res.started)
}

// addCompany creates a company and its people, in the marketplace and in
// the model, with IDs no other scenario of the run uses.
func (w *certWorld) addCompany(name string, people []certPerson) error {
	if _, ok := w.companies[name]; ok {
		return fmt.Errorf("the scenario already has a company called %s", name)
	}
	id := w.run.companySeq.Add(1)
	c := &certCompany{ID: id, Name: name, Full: fmt.Sprintf("%s %d", name, id)}
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
		// Users are numbered after companies' worth of room, so a user ID
		// never reads like a company ID in a report.
		p.ID, p.Company = 1000+w.run.userSeq.Add(1), c
		email := strings.ToLower(fmt.Sprintf("%s.%d@%s.test", p.Name, p.ID, name))
		if err := w.run.market.AddUser(marketplace.User{ID: p.ID, CompanyID: c.ID, Name: p.Name, Email: email, Admin: p.Admin}); err != nil {
			return err
		}
		r := w.ref.Apply(reference.JoinCompany{User: reference.UserID(p.ID), Company: reference.CompanyID(c.ID), Name: p.Name, Email: email, Admin: p.Admin})
		if !r.OK() {
			return fmt.Errorf("the reference model refused %s: %v", p.Name, r.Refusal)
		}
		w.people[p.Name] = &p
	}
	return nil
}

func (w *certWorld) person(name string) (*certPerson, error) {
	p, ok := w.people[name]
	if !ok {
		return nil, fmt.Errorf("nobody called %s is in this scenario; add them with \"Acme, a company with %s\"", name, name)
	}
	return p, nil
}

func (w *certWorld) company(name string) (*certCompany, error) {
	c, ok := w.companies[name]
	if !ok {
		return nil, fmt.Errorf("no company called %s is in this scenario", name)
	}
	return c, nil
}

// apply runs an action of the story in the model and sends the app what
// the marketplace sends for it. A refusal by the model means the app's
// manifest rules the story out (sharing an app whose mode is none).
func (w *certWorld) apply(ctx context.Context, c reference.Command) error {
	r := w.ref.Apply(c)
	if !r.OK() {
		return naf("the marketplace refuses %q for this app: %s (%s, rule %s)", w.step, r.Refusal.Reason, r.Refusal.Detail, r.Refusal.Rule)
	}
	return w.deliver(ctx, r.Effects)
}

// deliver sends the effects that reach the app, judges the answers and
// learns what the app now knows. A failure of the scenario's own rule
// fails the step; other findings are recorded, and what the app missed
// becomes a gap.
func (w *certWorld) deliver(ctx context.Context, effects []reference.Effect) error {
	m, id := w.run.market, w.run.app.ClientID
	var own []string
	for _, e := range effects {
		var ex marketplace.Exchange
		var err error
		var found []marketplace.Finding
		switch e := e.(type) {
		case reference.Redirect:
			u := w.byID(int64(e.User))
			if e.Denied {
				ex, err = m.Deny(ctx, id, int64(e.User))
				if err != nil {
					return err
				}
				w.denial[int64(e.User)] = ex
				found = m.JudgeAuthorize(ex)
				break
			}
			ex, err = m.Authorize(ctx, id, int64(e.User))
			if err != nil {
				return err
			}
			w.authorize[int64(e.User)] = ex
			found = m.JudgeAuthorize(ex)
			if codeExchanged(m, ex) {
				w.authorized[int64(e.User)] = true
			} else {
				w.gap("the app did not exchange %s's authorization code, so it cannot know %s (PD-OAUTH-02)", u.Name, u.Name)
			}
		case reference.SharingCallback:
			u := w.byID(int64(e.User))
			ex, err = m.SendSharing(ctx, id, int64(e.Company), int64(e.User), e.IsShared)
			if err != nil {
				return err
			}
			w.sharing = append(w.sharing, ex)
			found = m.JudgeSharing(ex)
			if ex.Err == nil && ex.Status >= 200 && ex.Status <= 299 {
				w.shared[int64(e.User)] = e.IsShared
			} else {
				w.gap("the app did not accept the sharing callback {isShared: %t} for %s's installation (%s; PD-SHARE-24)", e.IsShared, u.Name, answerText(ex))
			}
		case reference.UninstallCallback:
			u := w.byID(int64(e.User))
			ex, err = m.SendUninstall(ctx, id, int64(e.Company), int64(e.User), marketplace.CredentialsValid)
			if err != nil {
				return err
			}
			found = m.JudgeUninstall(ex)
			if ex.Err == nil && ex.Status < 500 {
				delete(w.authorized, int64(e.User))
				delete(w.shared, int64(e.User))
			} else {
				w.gap("the app did not take %s's uninstall (%s; PD-UNINST-02)", u.Name, answerText(ex))
			}
		default:
			continue // emails and notices do not reach the app
		}
		w.record(found...)
		own = append(own, w.ownFailures(found)...)
	}
	if len(own) > 0 {
		return errors.New(strings.Join(own, "; "))
	}
	return nil
}

func codeExchanged(m *marketplace.Marketplace, ex marketplace.Exchange) bool {
	u, err := url.Parse(ex.Request.URL)
	return err == nil && m.CodeExchanged(u.Query().Get("code"))
}

func (w *certWorld) byID(id int64) *certPerson {
	for _, p := range w.people {
		if p.ID == id {
			return p
		}
	}
	return &certPerson{ID: id, Name: fmt.Sprintf("user %d", id)}
}

func (w *certWorld) gap(format string, args ...any) {
	g := fmt.Sprintf(format, args...)
	if !slices.Contains(w.gaps, g) {
		w.gaps = append(w.gaps, g)
	}
}

// cannot explains why the app can't be held to an expectation: the gaps,
// or, with none, a scenario that asks what the app could not know.
func (w *certWorld) cannot(what string) error {
	if len(w.gaps) > 0 {
		return skipf("cannot check that %s: %s", what, strings.Join(w.gaps, "; "))
	}
	return fmt.Errorf("the scenario expects that %s, which the app cannot know from what it was told (protocol.md, \"Who is entitled\")", what)
}

// The app's view of a viewer's claim (protocol.md, "Who is entitled").
// claim is the request's isShared, nil for a link action, which has none.

// mustRefuse: by what the app was told, the viewer has no claim.
func (w *certWorld) mustRefuse(v *certPerson, claim *bool) bool {
	if w.authorized[v.ID] {
		return false
	}
	if claim != nil && !*claim {
		return true
	}
	return !w.sharedIn(v.Company, false)
}

// canServe: by what the app was told, the viewer has a claim, and the app
// holds a token to serve it with (the viewer's own or the installing
// user's).
func (w *certWorld) canServe(v *certPerson, claim *bool) bool {
	if w.authorized[v.ID] {
		return true
	}
	if claim != nil && !*claim {
		return false
	}
	return w.sharedIn(v.Company, true)
}

// sharedIn reports whether an installation of c is shared now: its latest
// accepted callback said isShared: true and its installing user has not
// uninstalled (withToken: and the app holds that user's token).
func (w *certWorld) sharedIn(c *certCompany, withToken bool) bool {
	for id, on := range w.shared {
		if on && w.byID(id).Company == c && (!withToken || w.authorized[id]) {
			return true
		}
	}
	return false
}

// record keeps findings for the report, secrets redacted.
func (w *certWorld) record(fs ...marketplace.Finding) {
	for _, f := range fs {
		cf := CertifyFinding{Rule: f.Rule, Verdict: string(f.Verdict), Reason: w.redact(f.Reason), Scenario: w.res.Name}
		if f.Exchange.Kind != "" {
			cf.Exchange = w.exchange(f.Exchange)
		}
		if f.Call != nil {
			cf.Call = fmt.Sprintf("%s %s → %d", f.Call.Method, f.Call.Path, f.Call.Status)
		}
		w.res.Findings = append(w.res.Findings, cf)
	}
}

// ownFailures are the reasons of the failures of the scenario's own rule.
func (w *certWorld) ownFailures(fs []marketplace.Finding) []string {
	var out []string
	for _, f := range fs {
		if f.Verdict == marketplace.Fail && f.Rule == w.res.Rule {
			out = append(out, f.Rule+": "+w.redact(f.Reason))
		}
	}
	return out
}

// settle ends a check: the findings are recorded; a failure of the
// scenario's rule fails the step; an answer that is not what the story
// needs (none came, or it broke another rule first) skips the rest, since
// what follows can't be judged.
func (w *certWorld) settle(found []marketplace.Finding, storyHeld bool, what string) error {
	w.record(found...)
	if own := w.ownFailures(found); len(own) > 0 {
		return errors.New(strings.Join(own, "; "))
	}
	if storyHeld {
		return nil
	}
	var why []string
	for _, f := range found {
		if f.Verdict == marketplace.Fail {
			why = append(why, f.Rule+": "+f.Reason)
		}
	}
	if len(why) == 0 {
		why = append(why, "the answer was not what the story needs")
	}
	return skipf("cannot check that %s: %s", what, strings.Join(why, "; "))
}

// calls are the app's calls to the marketplace made for this scenario's
// companies, in order.
func (w *certWorld) calls() []marketplace.Call {
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

// secretish finds what a report must not show: tokens the marketplace
// issued (<company>:<user>:<hex> tokens, <company>.<user>.<hex> codes) and
// JWTs.
var secretish = regexp.MustCompile(`\b\d+[:.]\d+[:.][0-9a-f]{40}\b|eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)

// queryCredential finds the query parameters that carry credentials.
var queryCredential = regexp.MustCompile(`([?&](?:token|code)=)[^&#]*`)

func (w *certWorld) redact(s string) string {
	s = secretish.ReplaceAllString(s, "[redacted]")
	for _, sec := range w.run.app.Secrets() {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, "[redacted]")
		}
	}
	return s
}

// bodyExcerpt is how much of an answer a report shows.
const bodyExcerpt = 400

func (w *certWorld) exchange(ex marketplace.Exchange) *CertifyExchange {
	req := ex.Request.Method + " " + queryCredential.ReplaceAllString(ex.Request.URL, "${1}[redacted]")
	body := strings.ToValidUTF8(string(ex.Body), "\uFFFD")
	if len(body) > bodyExcerpt {
		cut := bodyExcerpt
		for cut > 0 && !utf8.RuneStart(body[cut]) {
			cut--
		}
		body = body[:cut] + "…"
	}
	out := &CertifyExchange{
		Kind: ex.Kind, Variant: ex.Variant, Request: w.redact(req), Status: ex.Status,
		Body: w.redact(body), BodySize: len(ex.Body), Oversize: ex.Oversize, Duration: ex.Duration,
	}
	if ex.Err != nil {
		out.Error = w.redact(ex.Err.Error())
	}
	return out
}

// answerText says in a few words what came back.
func answerText(ex marketplace.Exchange) string {
	switch {
	case ex.TimedOut:
		return fmt.Sprintf("no answer within %v", ex.Deadline)
	case ex.Err != nil:
		return "no answer: " + ex.Err.Error()
	}
	return fmt.Sprintf("answered %d", ex.Status)
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
