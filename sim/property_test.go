package sim

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/appcert/appcert/reference"
)

// The background every property run starts from, as a feature file's
// Background would: two companies, admins and users, one app per sharing
// mode. Actions add more of each.
const (
	acme, globex                CompanyID = 1, 2
	alice, bob, carol, dave     UserID    = 1, 2, 3, 4
	gina, hank                  UserID    = 5, 6
	insights, notes, solo       AppID     = "deal-insights", "notes-sync", "solo-tool"
	firstNewUser                          = 7
	maxUsers, maxApps, maxComps           = 10, 4, 3
)

type (
	CompanyID = reference.CompanyID
	UserID    = reference.UserID
	AppID     = reference.AppID
)

func background() []reference.Command {
	return []reference.Command{
		reference.AddCompany{Company: acme, Name: "Acme"},
		reference.AddCompany{Company: globex, Name: "Globex"},
		reference.JoinCompany{User: alice, Company: acme, Name: "Alice", Admin: true},
		reference.JoinCompany{User: bob, Company: acme, Name: "Bob"},
		reference.JoinCompany{User: carol, Company: acme, Name: "Carol"},
		reference.JoinCompany{User: dave, Company: acme, Name: "Dave", Admin: true},
		reference.JoinCompany{User: gina, Company: globex, Name: "Gina", Admin: true},
		reference.JoinCompany{User: hank, Company: globex, Name: "Hank"},
		reference.PublishApp{App: reference.App{ID: insights, Name: "Deal Insights", Mode: reference.ModeSharedExtensions,
			AllowSpecificUsers: true, Scopes: []string{"deals:read"}, Extensions: reference.ExtensionKinds()}},
		reference.PublishApp{App: reference.App{ID: notes, Name: "Notes Sync", Mode: reference.ModeAddToAccount,
			Scopes: []string{"deals:read", "contacts:read"}, Extensions: reference.ExtensionKinds()}},
		reference.PublishApp{App: reference.App{ID: solo, Name: "Solo Tool", Mode: reference.ModeNone,
			Scopes: []string{"admin", "activities:full"}, Extensions: []reference.ExtensionKind{reference.JSONPanel, reference.LinkAction}}},
	}
}

func userNames() []string {
	return []string{"Alice", "Bob", "Carol", "Dave", "Gina", "Hank", "Erin", "Frank", "Ivy", "Judy", "Kim", "Leo"}
}

// scopeSets are the scope lists apps request; the last is invalid.
func scopeSets() [][]string {
	return [][]string{{"deals:read"}, {"deals:full"}, {"deals:read", "contacts:read"}, {"admin", "activities:full"}, {}, {"deals:write"}}
}

// world is what a property run knows it created: the enumerations the
// model's queries do not give.
type world struct {
	companies []CompanyID
	names     map[CompanyID]string
	users     []UserID
	admins    map[CompanyID][]UserID
	apps      []AppID
	requests  []reference.RequestID
}

func (w *world) learn(c reference.Command, r reference.Result) {
	if !r.OK() {
		return
	}
	switch x := c.(type) {
	case reference.AddCompany:
		w.companies = append(w.companies, x.Company)
		w.names[x.Company] = x.Name
	case reference.RequestApp:
		w.requests = append(w.requests, reference.RequestID(r.Event.Seq))
	case reference.JoinCompany:
		w.users = append(w.users, x.User)
		if x.Admin {
			w.admins[x.Company] = append(w.admins[x.Company], x.User)
		}
	case reference.PublishApp:
		w.apps = append(w.apps, x.App.ID)
	}
}

// run is one property run: the model under test, the stepper checking
// it, and the commands applied after the background.
type run struct {
	w       *world
	st      *Stepper
	applied []reference.Command
	// after, when set, sees every command and its result once the
	// invariants held.
	after func(*rapid.T, reference.Command, reference.Result)
}

// backgrounds are each profile's background: the feature suite's own, so
// that a counterexample pastes into a scenario of that suite.
func backgrounds() map[reference.Profile][]reference.Command {
	return map[reference.Profile][]reference.Command{
		reference.Pipedrive: background(),
		reference.Procore:   procoreBackground(),
		reference.Zoom:      zoomBackground(),
	}
}

// newRun builds the background through wrap(model), so mutants see it too.
func newRun(t *rapid.T, p reference.Profile, wrap func(Model) Model) *run {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	m := wrap(NewModel(p, func() time.Time { now = now.Add(time.Second); return now }))
	w := &world{admins: map[CompanyID][]UserID{}, names: map[CompanyID]string{}}
	st := NewStepper(m, Invariants())
	st.Exhaustive = true
	st.Admins = func(c CompanyID) []UserID { return w.admins[c] }
	st.Requests = func() []reference.RequestID { return w.requests }
	r := &run{w: w, st: st}
	for _, c := range backgrounds()[p] {
		res := m.Apply(c)
		if !res.OK() {
			t.Fatalf("background: %s: %v", c.Kind(), res.Refusal)
		}
		w.learn(c, res)
	}
	if v := st.Feed(m.DrainLog()); v != nil {
		t.Fatalf("background: %v", v)
	}
	return r
}

func (r *run) step(t *rapid.T, c reference.Command) {
	users := slices.Clone(r.w.users)
	if j, ok := c.(reference.JoinCompany); ok && !slices.Contains(users, j.User) {
		users = append(users, j.User)
	}
	r.applied = append(r.applied, c)
	res, _, v := r.st.Step(c, users, slices.Clone(r.w.apps))
	if v != nil {
		// The details go to the log: rapid shrinks only while the failure
		// message stays the same, so it names the invariant alone.
		t.Logf("%v\nafter these steps (paste into a scenario):\n%s", v, Words(r.st.Model, r.applied))
		t.Fatalf("invariant %s (%v) violated", v.Invariant, v.Rules)
	}
	r.w.learn(c, res)
	if r.after != nil {
		r.after(t, c, res)
	}
}

func (r *run) user(t *rapid.T, label string) UserID {
	// Now and then a user nobody knows, to exercise the refusals.
	return rapid.SampledFrom(append(slices.Clone(r.w.users), 999)).Draw(t, label)
}

func (r *run) app(t *rapid.T) AppID {
	return rapid.SampledFrom(append(slices.Clone(r.w.apps), "no-such-app")).Draw(t, "app")
}

// actor draws a user, an admin half the time: admins do most sharing.
func (r *run) actor(t *rapid.T) UserID {
	var admins []UserID
	for _, c := range r.w.companies {
		admins = append(admins, r.w.admins[c]...)
	}
	if len(admins) > 0 && rapid.Bool().Draw(t, "admin acts") {
		return rapid.SampledFrom(admins).Draw(t, "by")
	}
	return r.user(t, "by")
}

// holders draws users to remove: half the time among by's colleagues who
// authorized app.
func (r *run) holders(t *rapid.T, app AppID, by UserID) []UserID {
	var have []UserID
	me, _ := r.st.Model.User(by)
	for _, u := range r.w.users {
		if v, _ := r.st.Model.User(u); u != by && v.Company == me.Company && r.st.Model.Status(app, u) == reference.StatusAuthorized {
			have = append(have, u)
		}
	}
	if len(have) > 0 && rapid.Bool().Draw(t, "remove holders") {
		return rapid.SliceOfNDistinct(rapid.SampledFrom(have), 1, 3, rapid.ID).Draw(t, "remove")
	}
	return r.userSet(t, "remove", by)
}

// adder draws an app and a user to manage its users: half the time the
// admin who added the app.
func (r *run) adder(t *rapid.T) (AppID, UserID) {
	type pair struct {
		app AppID
		by  UserID
	}
	var have []pair
	for _, c := range r.w.companies {
		for _, u := range r.w.admins[c] {
			for _, a := range r.w.apps {
				if v, err := r.st.Model.ManageUsersView(a, u); err == nil && v.CanEdit {
					have = append(have, pair{a, u})
				}
			}
		}
	}
	if len(have) > 0 && rapid.Float64().Draw(t, "adder acts") < 0.7 {
		p := rapid.SampledFrom(have).Draw(t, "adder")
		return p.app, p.by
	}
	return r.app(t), r.actor(t)
}

// holder draws a user, half the time one who has app to (re)authorize.
func (r *run) holder(t *rapid.T, app AppID) UserID {
	var have []UserID
	for _, u := range r.w.users {
		if st := r.st.Model.Status(app, u); st == reference.StatusAuthorize || st == reference.StatusReauthorize {
			have = append(have, u)
		}
	}
	if len(have) > 0 && rapid.Bool().Draw(t, "holder acts") {
		return rapid.SampledFrom(have).Draw(t, "by")
	}
	return r.user(t, "by")
}

// userSet draws up to three users, mostly others of by's company: sharing
// across companies, or with oneself, is refused, so it is drawn only now
// and then.
func (r *run) userSet(t *rapid.T, label string, by UserID) []UserID {
	from := r.w.users
	if u, ok := r.st.Model.User(by); ok && rapid.Float64().Draw(t, label+" colleagues") < 0.8 {
		from = nil
		for _, x := range r.w.users {
			if v, _ := r.st.Model.User(x); v.Company == u.Company && x != by {
				from = append(from, x)
			}
		}
	}
	if len(from) == 0 {
		return nil
	}
	return rapid.SliceOfNDistinct(rapid.SampledFrom(from), 0, 3, rapid.ID).Draw(t, label)
}

func accesses() []reference.Access {
	return []reference.Access{"", reference.OnlyMe, reference.SpecificUsers, reference.AllUsers}
}

func modes() []reference.SharingMode {
	return []reference.SharingMode{reference.ModeNone, reference.ModeAddToAccount, reference.ModeSharedExtensions}
}

// actions is the whole Pipedrive command set, drawn over the run's world.
func (r *run) actions() map[string]func(*rapid.T) {
	return map[string]func(*rapid.T){
		"AddCompany": func(t *rapid.T) {
			if len(r.w.companies) >= maxComps {
				t.Skip("enough companies")
			}
			id := CompanyID(len(r.w.companies) + 1)
			r.step(t, reference.AddCompany{Company: id, Name: fmt.Sprintf("Company %d", id)})
		},
		"JoinCompany": func(t *rapid.T) {
			if len(r.w.users) >= maxUsers {
				t.Skip("enough users")
			}
			id := UserID(len(r.w.users) + 1)
			r.step(t, reference.JoinCompany{User: id, Company: rapid.SampledFrom(r.w.companies).Draw(t, "company"),
				Name: userNames()[int(id-1)%len(userNames())], Admin: rapid.Bool().Draw(t, "admin")})
		},
		"PublishApp": func(t *rapid.T) {
			if len(r.w.apps) >= maxApps {
				t.Skip("enough apps")
			}
			n := len(r.w.apps) + 1
			exts := rapid.SliceOfNDistinct(rapid.SampledFrom(reference.ExtensionKinds()), 1, 8, rapid.ID).Draw(t, "extensions")
			r.step(t, reference.PublishApp{App: reference.App{ID: AppID(fmt.Sprintf("app-%d", n)), Name: fmt.Sprintf("App %d", n),
				Mode: rapid.SampledFrom(modes()).Draw(t, "mode"), AllowSpecificUsers: rapid.Bool().Draw(t, "specific"),
				Scopes: rapid.SampledFrom(scopeSets()[:5]).Draw(t, "scopes"), Extensions: exts}})
		},
		"SetSharingMode": func(t *rapid.T) {
			by := rapid.SampledFrom([]reference.Party{reference.PartyMarketplace, reference.PartyMarketplace, reference.PartyVendor}).Draw(t, "by")
			r.step(t, reference.SetSharingMode{App: r.app(t), Mode: rapid.SampledFrom(modes()).Draw(t, "mode"), By: by})
		},
		"Install": func(t *rapid.T) {
			app, by := r.app(t), r.actor(t)
			r.step(t, reference.Install{App: app, By: by, Access: rapid.SampledFrom(accesses()).Draw(t, "access"),
				Users: r.userSet(t, "users", by), Email: rapid.Bool().Draw(t, "email"), Accept: rapid.Float64().Draw(t, "accept") < 0.85})
		},
		"Authorize": func(t *rapid.T) {
			app := r.app(t)
			r.step(t, reference.Authorize{App: app, By: r.holder(t, app), Accept: rapid.Float64().Draw(t, "accept") < 0.85})
		},
		"ManageUsers": func(t *rapid.T) {
			app, by := r.adder(t)
			r.step(t, reference.ManageUsers{App: app, By: by, Access: rapid.SampledFrom(accesses()).Draw(t, "access"),
				Add: r.userSet(t, "add", by), Remove: r.holders(t, app, by), Email: rapid.Bool().Draw(t, "email")})
		},
		"ChangeScopes": func(t *rapid.T) {
			r.step(t, reference.ChangeScopes{App: r.app(t), Scopes: rapid.SampledFrom(scopeSets()).Draw(t, "scopes")})
		},
		"ExpireAuthorization": func(t *rapid.T) {
			r.step(t, reference.ExpireAuthorization{App: r.app(t), User: r.user(t, "user")})
		},
		"Uninstall": func(t *rapid.T) {
			r.step(t, reference.Uninstall{App: r.app(t), By: r.user(t, "by")})
		},
		"OpenApps": func(t *rapid.T) {
			r.step(t, reference.OpenApps{User: r.user(t, "user")})
		},
		"CreateObject": func(t *rapid.T) {
			r.step(t, reference.CreateObject{App: r.app(t), By: r.user(t, "by"),
				Object: rapid.SampledFrom([]reference.ObjectKind{reference.ActivityType, reference.Pipeline, reference.DealField, "report"}).Draw(t, "object"),
				Name:   rapid.SampledFrom([]string{"Renewals", "Demo call", ""}).Draw(t, "name")})
		},
	}
}

// counterexample is the commands of a property run after its background,
// and the model they ran on, to name people and apps.
type counterexample struct {
	cmds  []reference.Command
	names Names
}

// property is the state-machine property of profile p over wrap(model);
// on return, *last holds the last run rapid made, which after a failure is
// the shrunk counterexample.
func property(p reference.Profile, wrap func(Model) Model, last *counterexample) func(*rapid.T) {
	return func(t *rapid.T) {
		r := newRun(t, p, wrap)
		defer func() {
			if last != nil {
				*last = counterexample{r.applied, r.st.Model}
			}
		}()
		switch p {
		case reference.Procore:
			t.Repeat(r.procoreActions())
		case reference.Zoom:
			t.Repeat(r.zoomActions())
		default:
			t.Repeat(r.actions())
		}
	}
}

func identity(m Model) Model { return m }

// TestProperty_PipedriveInvariantsHold runs every invariant after every
// command of random Pipedrive command sequences.
func TestProperty_PipedriveInvariantsHold(t *testing.T) {
	rapid.Check(t, property(reference.Pipedrive, identity, nil))
}
