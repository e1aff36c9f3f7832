package sim

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"pgregory.net/rapid"

	"github.com/appcert/appcert/reference"
)

// A mutant wraps the model and breaks one rule. Each must be caught by the
// invariants (by one of those named in catchers), or the invariant checks
// nothing.
type mutant struct {
	profile  reference.Profile
	name     string
	catchers []string
	wrap     func(Model) Model
}

// base forwards everything to the model; mutants override one method.
type base struct{ Model }

// tracker remembers, from the commands it sees accepted, what the mutants
// need to know: every user and their company.
type tracker struct {
	base
	users []UserID
	apps  []AppID
}

func (m *tracker) Apply(c reference.Command) reference.Result {
	r := m.Model.Apply(c)
	if !r.OK() {
		return r
	}
	switch x := c.(type) {
	case reference.JoinCompany:
		m.users = append(m.users, x.User)
	case reference.PublishApp:
		m.apps = append(m.apps, x.App.ID)
	}
	return r
}

func company(m Model, u UserID) CompanyID {
	x, _ := m.User(u)
	return x.Company
}

func mutants() []mutant {
	return append([]mutant{
		{reference.Pipedrive, "replay drops every authorization", []string{"replay"}, func(m Model) Model { return &dropReplay{base{m}} }},
		{reference.Pipedrive, "a refused share still installs privately", []string{"refusal-changes-nothing"}, func(m Model) Model { return &refusalInstalls{base{m}} }},
		{reference.Pipedrive, "sharing with all users leaks to other companies", []string{"company-isolation"}, func(m Model) Model { return &leak{base: base{m}, shared: map[AppID]CompanyID{}} }},
		{reference.Pipedrive, "a link action works unauthorized in add-to-account mode", []string{"extension-access"}, func(m Model) Model { return &linkWithoutAuth{base{m}} }},
		{reference.Pipedrive, "isShared true for an authorized viewer", []string{"extension-access"}, func(m Model) Model { return &sharedForAuthorized{base{m}} }},
		{reference.Pipedrive, "a shared panel acts for the viewer, not the installer", []string{"extension-access"}, func(m Model) Model { return &panelForViewer{base{m}} }},
		{reference.Pipedrive, "removing an authorized user uninstalls", []string{"removal-keeps-authorization"}, func(m Model) Model { return &removalUninstalls{base{m}} }},
		{reference.Pipedrive, "a joiner gets a specific-users app", []string{"joiners-get-all-users-apps", "extension-access"}, func(m Model) Model {
			return &joinerGetsSpecific{base: base{m}, specific: map[CompanyID][]AppID{}, joined: map[UserID][]AppID{}}
		}},
		{reference.Pipedrive, "a call outside the granted scopes is allowed", []string{"granted-scopes"}, func(m Model) Model { return &outsideScopes{base{m}} }},
		{reference.Pipedrive, "base is not granted", []string{"granted-scopes"}, func(m Model) Model { return &noBase{base{m}} }},
		{reference.Pipedrive, "scopes change without reauthorize", []string{"reauthorize"}, func(m Model) Model { return &silentScopes{tracker: tracker{base: base{m}}} }},
		{reference.Pipedrive, "an expired authorization stays authorized", []string{"reauthorize"}, func(m Model) Model { return &ignoreExpiry{base{m}} }},
		{reference.Pipedrive, "opening the web app asks to reauthorize", []string{"reauthorize", "extension-access", "granted-scopes"}, func(m Model) Model {
			return &openReauthorizes{base: base{m}, opened: map[UserID]bool{}}
		}},
	}, accountMutants()...)
}

type dropReplay struct{ base }

func (m *dropReplay) Replica() Replica { return dropAuthorizations{m.Model.Replica()} }

type dropAuthorizations struct{ Replica }

func (r dropAuthorizations) Feed(events []reference.Event) error {
	return r.Replica.Feed(slices.DeleteFunc(slices.Clone(events), func(e reference.Event) bool {
		_, ok := e.Command.(reference.Authorize)
		return ok
	}))
}

type refusalInstalls struct{ base }

func (m *refusalInstalls) Apply(c reference.Command) reference.Result {
	r := m.Model.Apply(c)
	if in, ok := c.(reference.Install); ok && !r.OK() && r.Refusal.Reason == reference.ReasonNotAdmin {
		m.Model.Apply(reference.Install{App: in.App, By: in.By, Accept: true})
	}
	return r
}

type leak struct {
	base
	shared map[AppID]CompanyID
}

func (m *leak) Apply(c reference.Command) reference.Result {
	r := m.Model.Apply(c)
	if in, ok := c.(reference.Install); ok && r.OK() && in.Accept && in.Access == reference.AllUsers {
		m.shared[in.App] = company(m.Model, in.By)
	}
	return r
}

func (m *leak) Status(a AppID, u UserID) reference.Status {
	st := m.Model.Status(a, u)
	if co, ok := m.shared[a]; ok && st == reference.StatusNone && company(m.Model, u) != co {
		return reference.StatusAuthorize
	}
	return st
}

type linkWithoutAuth struct{ base }

func (m *linkWithoutAuth) Extension(a AppID, u UserID, k reference.ExtensionKind) reference.Use {
	use := m.Model.Extension(a, u, k)
	if app, _ := m.App(a); k == reference.LinkAction && app.Mode == reference.ModeAddToAccount && m.Status(a, u) == reference.StatusAuthorize {
		return reference.Use{Allowed: true, OnBehalfOf: u}
	}
	return use
}

type sharedForAuthorized struct{ base }

func (m *sharedForAuthorized) Extension(a AppID, u UserID, k reference.ExtensionKind) reference.Use {
	use := m.Model.Extension(a, u, k)
	if app, _ := m.App(a); use.Allowed && k == reference.JSONPanel && app.Mode == reference.ModeSharedExtensions {
		use.IsShared = true
	}
	return use
}

type panelForViewer struct{ base }

func (m *panelForViewer) Extension(a AppID, u UserID, k reference.ExtensionKind) reference.Use {
	use := m.Model.Extension(a, u, k)
	if use.IsShared {
		use.OnBehalfOf = u
	}
	return use
}

type removalUninstalls struct{ base }

func (m *removalUninstalls) Apply(c reference.Command) reference.Result {
	mu, ok := c.(reference.ManageUsers)
	if !ok {
		return m.Model.Apply(c)
	}
	var authorized []UserID
	for _, x := range mu.Remove {
		if m.Status(mu.App, x) == reference.StatusAuthorized {
			authorized = append(authorized, x)
		}
	}
	r := m.Model.Apply(c)
	if r.OK() {
		for _, x := range authorized {
			r.Effects = append(r.Effects, m.Model.Apply(reference.Uninstall{App: mu.App, By: x}).Effects...)
		}
	}
	return r
}

type joinerGetsSpecific struct {
	base
	specific map[CompanyID][]AppID
	joined   map[UserID][]AppID
}

func (m *joinerGetsSpecific) Apply(c reference.Command) reference.Result {
	r := m.Model.Apply(c)
	if !r.OK() {
		return r
	}
	switch x := c.(type) {
	case reference.Install:
		if x.Accept && x.Access == reference.SpecificUsers {
			co := company(m.Model, x.By)
			m.specific[co] = append(m.specific[co], x.App)
		}
	case reference.JoinCompany:
		m.joined[x.User] = slices.Clone(m.specific[x.Company])
	}
	return r
}

func (m *joinerGetsSpecific) Status(a AppID, u UserID) reference.Status {
	st := m.Model.Status(a, u)
	if st == reference.StatusNone && slices.Contains(m.joined[u], a) {
		return reference.StatusAuthorize
	}
	return st
}

type outsideScopes struct{ base }

func (m *outsideScopes) APICall(a AppID, u UserID, method, path string) reference.APIDecision {
	d := m.Model.APICall(a, u, method, path)
	if d.Reason == reference.ReasonScopeMismatch {
		d.Allowed, d.Scope, d.Reason, d.Rule = true, "deals:full", "", ""
	}
	return d
}

type noBase struct{ base }

func (m *noBase) Granted(a AppID, u UserID) []string {
	return slices.DeleteFunc(m.Model.Granted(a, u), func(s string) bool { return s == "base" })
}

type silentScopes struct{ tracker }

// Apply re-authorizes, unasked, every user the scope change asked to.
func (m *silentScopes) Apply(c reference.Command) reference.Result {
	r := m.tracker.Apply(c)
	if cs, ok := c.(reference.ChangeScopes); ok && r.OK() {
		for _, u := range m.users {
			if m.Status(cs.App, u) == reference.StatusReauthorize {
				m.Model.Apply(reference.Authorize{App: cs.App, By: u, Accept: true})
			}
		}
	}
	return r
}

type ignoreExpiry struct{ base }

func (m *ignoreExpiry) Apply(c reference.Command) reference.Result {
	if x, ok := c.(reference.ExpireAuthorization); ok && m.Status(x.App, x.User) == reference.StatusAuthorized {
		return reference.Result{} // accepted, and nothing happens
	}
	return m.Model.Apply(c)
}

type openReauthorizes struct {
	base
	opened map[UserID]bool
}

func (m *openReauthorizes) Apply(c reference.Command) reference.Result {
	r := m.Model.Apply(c)
	if o, ok := c.(reference.OpenApps); ok && r.OK() {
		m.opened[o.User] = true
	}
	return r
}

func (m *openReauthorizes) Status(a AppID, u UserID) reference.Status {
	st := m.Model.Status(a, u)
	if st == reference.StatusAuthorized && m.opened[u] {
		return reference.StatusReauthorize
	}
	return st
}

// recorder is a rapid.TB that keeps a property's failure instead of
// failing the test, so a test can require the failure.
type recorder struct {
	name   string
	mu     sync.Mutex
	failed bool
	out    []string
}

func (r *recorder) Helper()      {}
func (r *recorder) Name() string { return r.name }
func (r *recorder) Logf(f string, a ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.out = append(r.out, fmt.Sprintf(f, a...))
}
func (r *recorder) Log(a ...any)              { r.Logf("%s", fmt.Sprint(a...)) }
func (r *recorder) Skipf(f string, a ...any)  { r.Logf("skip: "+f, a...) }
func (r *recorder) Skip(a ...any)             { r.Log(a...) }
func (r *recorder) SkipNow()                  {}
func (r *recorder) Errorf(f string, a ...any) { r.Fail(); r.Logf(f, a...) }
func (r *recorder) Error(a ...any)            { r.Fail(); r.Log(a...) }
func (r *recorder) Fatalf(f string, a ...any) { r.Errorf(f, a...) }
func (r *recorder) Fatal(a ...any)            { r.Error(a...) }
func (r *recorder) FailNow()                  { r.Fail() }
func (r *recorder) Fail()                     { r.mu.Lock(); r.failed = true; r.mu.Unlock() }
func (r *recorder) Failed() bool              { r.mu.Lock(); defer r.mu.Unlock(); return r.failed }
func (r *recorder) output() string            { return strings.Join(r.out, "\n") }

// caughtBy returns the invariant the failure names.
func (r *recorder) caughtBy() string {
	out := r.output()
	i := strings.Index(out, "invariant ")
	if i < 0 {
		return ""
	}
	name, _, _ := strings.Cut(out[i+len("invariant "):], " ")
	return name
}

// TestMutant_EveryMutantIsCaught runs the Pipedrive property against each
// mutant: it must fail, on one of the invariants the mutant targets, and
// rapid must shrink the counterexample to a few steps.
func TestMutant_EveryMutantIsCaught(t *testing.T) {
	// Most shrink to one to four steps; a few, cut short by the shrink
	// time limit, to ten or so.
	const maxSteps = 12
	for _, mu := range mutants() {
		t.Run(mu.name, func(t *testing.T) {
			t.Parallel()
			// Independent rounds of rapid's checks, keeping the shortest
			// counterexample: a few mutants need a particular sequence of
			// three or four commands to show, and now and then a shrink
			// runs out of time on a long first failure. A round that finds
			// nothing is cheap (no shrinking), so a mutant not yet caught
			// gets more of them than one caught too long: 40 rounds make a
			// miss of a mutant caught one round in three about one run in a
			// million. One caught too long gets up to 16 rounds: under a
			// full CI run's load, "Who Can Install ignored" once shrank to
			// 38 steps or more in each of 8 (9, 11 and 3 on an idle machine).
			var best *recorder
			var shortest []reference.Command
			var names Names
			rounds := 0
			for round := 0; round < 40 && (best == nil || (len(shortest) > maxSteps && round < 16)); round++ {
				rounds++
				rec := &recorder{name: t.Name()}
				var last counterexample
				rapid.Check(rec, property(mu.profile, mu.wrap, &last))
				if !rec.failed {
					continue
				}
				if by := rec.caughtBy(); !slices.Contains(mu.catchers, by) {
					t.Fatalf("caught by %q, not by %v:\n%s", by, mu.catchers, rec.output())
				}
				if best == nil || len(last.cmds) < len(shortest) {
					best, shortest, names = rec, last.cmds, last.names
				}
			}
			if best == nil {
				t.Fatalf("the mutant survived %d rounds: no invariant noticed", rounds)
			}
			t.Logf("caught by %s in %d rounds; shrunk to %d steps:\n%s", best.caughtBy(), rounds, len(shortest), Words(names, shortest))
			if len(shortest) > maxSteps {
				t.Errorf("the shortest counterexample has %d steps, want at most %d:\n%s", len(shortest), maxSteps, best.output())
			}
		})
	}
}

// TestMain sets rapid's defaults for this package unless the command line
// sets them: sequences of 15 steps on average (the mutants need three or
// four), at most 8 s of shrinking per failure (30 s by default): shrinking
// stops as soon as it can cut no more, well inside a second on an idle
// machine, and the budget is room for a loaded one, where 2 s left
// counterexamples past the mutant test's bound; and no fail files: a stored failure would
// replay in every later round instead of a fresh search, and a failure is
// reproduced from its printed seed. `make props` runs longer sequences.
func TestMain(m *testing.M) {
	flag.Parse()
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	for name, value := range map[string]string{"rapid.steps": "15", "rapid.shrinktime": "8s", "rapid.nofailfile": "true"} {
		if set[name] {
			continue
		}
		if err := flag.Set(name, value); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
	os.Exit(m.Run())
}
