package sim

import (
	"errors"
	"fmt"
	"slices"

	"github.com/appcert/appcert/reference"
	"github.com/appcert/appcert/reference/scopes"
)

// Invariant is a property of the model that must hold after every command.
// Rules names the catalogue rules it pins; `appcert rules` lists them.
type Invariant struct {
	Name  string
	Rules []string
	Check func(*Check) error
}

// Check is what an invariant looks at: one command, and snapshots of the
// same users and apps taken just before and just after it.
type Check struct {
	Model  Model             // the model after the command
	Cmd    reference.Command // the command
	Result reference.Result  // what Apply returned
	Before *Snapshot
	After  *Snapshot

	// Replica is a model rebuilt only from the events logged so far; nil
	// when the caller does not keep one.
	Replica Model
	// BeforeMarket is the whole market before the command, for exact
	// comparisons; nil where copying it costs too much (the simulator).
	BeforeMarket *reference.Market
	// Admins lists a company's admins, to read its Manage users views.
	Admins func(reference.CompanyID) []reference.UserID
	// Exhaustive asks for the checks that cost O(market) per query
	// (Manage users views of all-users shares); the properties set it.
	Exhaustive bool
}

// Violation is an invariant that did not hold.
type Violation struct {
	Invariant string
	Rules     []string
	Err       error
}

func (v *Violation) Error() string {
	return fmt.Sprintf("invariant %s (%v) violated: %v", v.Invariant, v.Rules, v.Err)
}

func (v *Violation) Unwrap() error { return v.Err }

// Run checks every invariant, returning the first violation.
func Run(invs []Invariant, c *Check) *Violation {
	for _, inv := range invs {
		if err := inv.Check(c); err != nil {
			return &Violation{Invariant: inv.Name, Rules: inv.Rules, Err: err}
		}
	}
	return nil
}

// Invariants returns the invariants of every profile; each one passes
// trivially on commands and profiles it does not concern.
func Invariants() []Invariant {
	return []Invariant{
		{"replay", []string{"X-01"}, checkReplay},
		{"refusal-changes-nothing", []string{"X-02"}, checkRefusal},
		{"company-isolation", []string{"X-03"}, checkIsolation},
		// The checks of one command kind come before the checks of the whole
		// state, so a violation is reported by the rule it breaks first.
		{"removal-keeps-authorization", []string{"PD-SHARE-13"}, checkRemoval},
		{"joiners-get-all-users-apps", []string{"PD-SHARE-09"}, checkJoiners},
		{"reauthorize", []string{"PD-SHARE-15", "PD-SCOPE-04"}, checkReauthorize},
		{"extension-access", []string{"PD-SHARE-16", "PD-SHARE-18", "PD-SHARE-19"}, checkExtensions},
		{"granted-scopes", []string{"PD-SCOPE-01", "PD-SCOPE-02", "PD-SCOPE-03"}, checkScopes},
		// Procore and Zoom (invariants_accounts.go).
		{"decided-stays-decided", []string{"PC-05", "ZM-07", "ZM-12"}, checkDecided},
		{"settings-keep-installations", []string{"ZM-06", "ZM-09", "ZM-18"}, checkSettingsKeep},
		{"user-installs-off", []string{"PC-06", "PC-07", "PC-08"}, checkUserInstallsOff},
		{"user-installs-blocked", []string{"ZM-14", "ZM-23"}, checkUserInstallsBlocked},
		{"pre-approval-required", []string{"ZM-03", "ZM-04", "ZM-05"}, checkPreApprovalRequired},
		{"who-can-install", []string{"ZM-09"}, checkWhoCanInstall},
		{"scopes-held", []string{"ZM-08", "ZM-19"}, checkScopesHeld},
		{"switched-off-disables", []string{"ZM-11", "ZM-18"}, checkSwitchedOff},
	}
}

// InvariantsFor returns the invariants naming rule.
func InvariantsFor(rule string) []Invariant {
	var out []Invariant
	for _, inv := range Invariants() {
		if slices.Contains(inv.Rules, rule) {
			out = append(out, inv)
		}
	}
	return out
}

// checkReplay: the log replays to the same state, and each event says who
// did what to which company and app.
func checkReplay(c *Check) error {
	if e := c.Result.Event; e != nil {
		if e.Seq == 0 || e.At.IsZero() || e.Command == nil || e.Command.Kind() != c.Cmd.Kind() {
			return fmt.Errorf("event %+v does not record the %s", *e, c.Cmd.Kind())
		}
		if e.Actor != 0 {
			u, ok := c.Model.User(e.Actor)
			if !ok || u.Company != e.Company {
				return fmt.Errorf("event %d names actor %d of company %d, but the actor is %+v", e.Seq, e.Actor, e.Company, u)
			}
		}
	}
	if c.Replica == nil {
		return nil
	}
	// Compare the markets themselves, not the model's answers: queries are
	// the other invariants' concern. Exhaustively, the whole state; else
	// what the snapshot's users and apps see.
	if c.Exhaustive {
		if !c.Replica.Market().StateEqual(c.Model.Market()) {
			return errors.New("the market rebuilt from the log has a different state")
		}
		return nil
	}
	live := Take(Wrap(c.Model.Market()), c.After.Users, c.After.Apps)
	if d := Take(Wrap(c.Replica.Market()), c.After.Users, c.After.Apps).Diff(live, nil); d != "" {
		return fmt.Errorf("the market rebuilt from the log differs: %s", d)
	}
	return nil
}

// checkRefusal: a refused command changes nothing, logs nothing, has no
// effects, and says why. The one refusal with effects is Procore's
// install attempt with Allow User Installs OFF, which emails the admins
// (PC-06); user-installs-off checks that email.
func checkRefusal(c *Check) error {
	r := c.Result
	if r.OK() {
		return nil
	}
	if r.Event != nil || (len(r.Effects) > 0 && r.Refusal.Reason != reference.ReasonUserInstallsOff) {
		return fmt.Errorf("refused %s logged %v with effects %v", c.Cmd.Kind(), r.Event, r.Effects)
	}
	if r.Refusal.Reason == "" || r.Refusal.Rule == "" {
		return fmt.Errorf("refused %s without a reason and rule: %+v", c.Cmd.Kind(), *r.Refusal)
	}
	if d := c.Before.Diff(c.After, nil); d != "" {
		return fmt.Errorf("refused %s (%s) changed the market: %s", c.Cmd.Kind(), r.Refusal.Reason, d)
	}
	if c.BeforeMarket != nil && !c.BeforeMarket.StateEqual(c.Model.Market()) {
		return fmt.Errorf("refused %s (%s) changed the market's state", c.Cmd.Kind(), r.Refusal.Reason)
	}
	return nil
}

// checkIsolation: what a company's users do changes nothing another
// company's users see, its effects reach only that company, and nobody
// uses an extension on behalf of another company's user.
func checkIsolation(c *Check) error {
	if e := c.Result.Event; e != nil && e.Company != 0 {
		other := func(o UserObs) bool { return o.Known && o.User.Company == e.Company }
		if d := c.Before.Diff(c.After, other); d != "" {
			return fmt.Errorf("%s in company %d changed what company %s sees", c.Cmd.Kind(), e.Company, d)
		}
		if d := c.Before.DiffAccounts(c.After, e.Company); d != "" {
			return fmt.Errorf("%s in company %d changed another company's: %s", c.Cmd.Kind(), e.Company, d)
		}
		for _, eff := range c.Result.Effects {
			if co, ok := effectCompany(eff); ok && co != e.Company {
				return fmt.Errorf("%s in company %d has an effect for company %d: %+v", c.Cmd.Kind(), e.Company, co, eff)
			}
		}
	}
	s := c.After
	for i, u := range s.User {
		if !u.Known {
			continue
		}
		for j := range s.Apps {
			for k, use := range s.At(i, j).Ext {
				if !use.Allowed {
					continue
				}
				if b, ok := c.Model.User(use.OnBehalfOf); !ok || b.Company != u.User.Company {
					return fmt.Errorf("user %d of company %d uses %q's %s on behalf of %+v",
						u.User.ID, u.User.Company, s.Apps[j], reference.ExtensionKinds()[k], b)
				}
			}
		}
	}
	return nil
}

// effectCompany is the company an effect is for, where it names one.
func effectCompany(e reference.Effect) (reference.CompanyID, bool) {
	switch x := e.(type) {
	case reference.SharingCallback:
		return x.Company, true
	case reference.UninstallCallback:
		return x.Company, true
	case reference.Email:
		if x.To.Company != 0 || x.To.All || len(x.To.Users) > 0 {
			return x.To.Company, true
		}
	case reference.Notice:
		return x.To.Company, true
	}
	return 0, false
}

// checkExtensions pins seed 000's extension table: an authorized user uses
// every extension the app has, for themselves, with isShared false; a user
// the app was shared with who has not authorized uses only the link actions
// and JSON panels of a shared-extensions app, on behalf of the authorized
// adding admin, with isShared true; nobody else uses any (PD-SHARE-16, 18,
// 19).
func checkExtensions(c *Check) error {
	s := c.After
	kinds := reference.ExtensionKinds()
	for i, uo := range s.User {
		if !uo.Known {
			continue
		}
		u := uo.User.ID
		for j, a := range s.Apps {
			if !s.App[j].Known {
				continue
			}
			app := s.App[j].App
			p := s.At(i, j)
			for k, kind := range kinds {
				use := p.Ext[k]
				has := slices.Contains(app.Extensions, kind)
				where := func() string {
					return fmt.Sprintf("user %d, %q (%s, status %q), %s: %+v", u, a, app.Mode, p.Status, kind, use)
				}
				if use.IsShared && !use.Allowed {
					return fmt.Errorf("isShared without access: %s", where())
				}
				switch {
				case !has:
					if use.Allowed {
						return fmt.Errorf("an extension the app does not have is usable: %s", where())
					}
				case p.Status == reference.StatusAuthorized:
					if !use.Allowed || use.OnBehalfOf != u || use.IsShared {
						return fmt.Errorf("an authorized user must use it, for themselves, with isShared false: %s", where())
					}
				case p.Status == reference.StatusAuthorize:
					sharable := app.Mode == reference.ModeSharedExtensions && (kind == reference.LinkAction || kind == reference.JSONPanel)
					if use.Allowed {
						if !sharable || !use.IsShared || use.OnBehalfOf == u || c.Model.Status(a, use.OnBehalfOf) != reference.StatusAuthorized {
							return fmt.Errorf("a user who has not authorized may use only a shared-extensions app's link actions and panels, shared, for the authorized adding admin: %s", where())
						}
					} else if sharable && c.Exhaustive {
						if by := addingAdmin(c, uo.User.Company, a); by != 0 && c.Model.Status(a, by) == reference.StatusAuthorized {
							return fmt.Errorf("shared with the user by authorized admin %d, yet not usable: %s", by, where())
						}
					}
				default:
					if use.Allowed {
						return fmt.Errorf("usable without the app: %s", where())
					}
				}
			}
		}
	}
	return nil
}

// addingAdmin finds the admin who added app to company, through the Manage
// users view only that admin can edit; zero when there is none.
func addingAdmin(c *Check, co reference.CompanyID, app reference.AppID) reference.UserID {
	if c.Admins == nil {
		return 0
	}
	for _, adm := range c.Admins(co) {
		if v, err := c.Model.ManageUsersView(app, adm); err == nil && v.CanEdit {
			return adm
		}
	}
	return 0
}

// checkRemoval: taking an app away from users in Manage users never takes
// away their own authorization (PD-SHARE-13).
func checkRemoval(c *Check) error {
	mu, ok := c.Cmd.(reference.ManageUsers)
	if !ok || !c.Result.OK() {
		return nil
	}
	for _, eff := range c.Result.Effects {
		if _, ok := eff.(reference.UninstallCallback); ok {
			return fmt.Errorf("managing users of %q uninstalled: %+v", mu.App, eff)
		}
	}
	j := c.Before.AppIndex(mu.App)
	if j < 0 {
		return nil
	}
	for i, u := range c.Before.Users {
		b, a := c.Before.At(i, j).Status, c.After.At(i, j).Status
		if (b == reference.StatusAuthorized || b == reference.StatusReauthorize) && a != b {
			return fmt.Errorf("managing users of %q changed user %d's own authorization from %q to %q", mu.App, u, b, a)
		}
	}
	return nil
}

// checkJoiners: a user who joins has exactly the apps an admin of the
// company added for all users, each to authorize (PD-SHARE-09).
func checkJoiners(c *Check) error {
	j, ok := c.Cmd.(reference.JoinCompany)
	// Elsewhere a joiner has the account's account-level apps (ZM-02).
	if !ok || !c.Result.OK() || c.Model.Profile() != reference.Pipedrive {
		return nil
	}
	i := c.After.UserIndex(j.User)
	if i < 0 {
		return nil
	}
	noticed := map[reference.AppID]bool{}
	for _, eff := range c.Result.Effects {
		if n, ok := eff.(reference.Notice); ok && n.Kind == reference.NoticeAddedByAdmin {
			noticed[n.App] = true
		}
	}
	for k, a := range c.After.Apps {
		st := c.After.At(i, k).Status
		if st != reference.StatusNone && st != reference.StatusAuthorize {
			return fmt.Errorf("joiner %d starts with %q as %q", j.User, a, st)
		}
		got := st == reference.StatusAuthorize
		if got != noticed[a] {
			return fmt.Errorf("joiner %d has %q as %q, but the join %s notice for it", j.User, a, st, map[bool]string{true: "sent a", false: "sent no"}[noticed[a]])
		}
		if c.Exhaustive && c.Admins != nil {
			all := false
			for _, adm := range c.Admins(j.Company) {
				if v, err := c.Model.ManageUsersView(a, adm); err == nil {
					all = v.Access == reference.AllUsers
					break
				}
			}
			if got != all {
				return fmt.Errorf("joiner %d has %q as %q, but the company's access to it is all users: %v", j.User, a, st, all)
			}
		}
	}
	return nil
}

// checkScopes: an authorized user has granted all of the app's scopes and
// base, others nothing; no call outside the granted scopes is allowed, and
// base's calls always are (PD-SCOPE-01, 02, 03).
func checkScopes(c *Check) error {
	// The scope catalogue is Pipedrive's; Zoom's scopes are only held
	// (scopes-held).
	if c.Model.Profile() != reference.Pipedrive {
		return nil
	}
	s := c.After
	probes := Probes()
	// Match each probe once: a call no scope lists has no match and must
	// never be allowed.
	matches := make([]*scopes.Match, len(probes))
	for k, pr := range probes {
		if m, err := scopes.MatchCall(pr.Method, pr.Path); err == nil {
			matches[k] = &m
		}
	}
	for i, uo := range s.User {
		if !uo.Known {
			continue
		}
		for j, a := range s.Apps {
			if !s.App[j].Known {
				continue
			}
			p := s.At(i, j)
			authorized := p.Status == reference.StatusAuthorized
			if !authorized {
				if p.Granted != nil {
					return fmt.Errorf("user %d, %q, status %q: granted %v", uo.User.ID, a, p.Status, p.Granted)
				}
			} else {
				want := slices.Sorted(slices.Values(append(slices.Clone(s.App[j].App.Scopes), "base")))
				got := slices.Sorted(slices.Values(p.Granted))
				if !slices.Equal(slices.Compact(want), got) {
					return fmt.Errorf("user %d authorized %q: granted %v, want the app's scopes and base %v", uo.User.ID, a, got, want)
				}
			}
			set, err := scopes.ParseSet(p.Granted)
			if err != nil {
				return fmt.Errorf("user %d, %q: granted %v: %v", uo.User.ID, a, p.Granted, err)
			}
			for k, pr := range probes {
				d := p.Calls[k]
				where := func() string {
					return fmt.Sprintf("user %d, %q (status %q, granted %v): %s %s: %+v", uo.User.ID, a, p.Status, p.Granted, pr.Method, pr.Path, d)
				}
				if d.Allowed && (!authorized || matches[k] == nil || !matches[k].Check(set).Allowed || !slices.Contains(p.Granted, d.Scope)) {
					return fmt.Errorf("a call outside the granted scopes is allowed: %s", where())
				}
				if authorized && pr.Path == "/users/me" && !d.Allowed {
					return fmt.Errorf("base is not granted: %s", where())
				}
			}
		}
	}
	return nil
}

// checkReauthorize: a user's status becomes reauthorize exactly when the
// app's scopes change or their authorization expires, and leaves it only
// when they authorize again or uninstall (PD-SHARE-15, PD-SCOPE-04).
func checkReauthorize(c *Check) error {
	var changed reference.AppID
	var expired struct {
		app reference.AppID
		u   reference.UserID
	}
	if c.Result.OK() {
		switch x := c.Cmd.(type) {
		case reference.ChangeScopes:
			changed = x.App
		case reference.ExpireAuthorization:
			expired.app, expired.u = x.App, x.User
		}
	}
	for i, u := range c.Before.Users {
		for j, a := range c.Before.Apps {
			b, n := c.Before.At(i, j).Status, c.After.At(i, j).Status
			switch n {
			case reference.StatusNone, reference.StatusAuthorize, reference.StatusAuthorized, reference.StatusReauthorize:
			case reference.StatusDisabled:
				if c.Model.Profile() != reference.Zoom {
					return fmt.Errorf("user %d, %q: status %q outside Zoom", u, a, n)
				}
			default:
				return fmt.Errorf("user %d, %q: unknown status %q", u, a, n)
			}
			// Disabling hides the status and enabling shows it again
			// (switched-off-disables): not this rule's transitions.
			if b == reference.StatusDisabled || n == reference.StatusDisabled {
				continue
			}
			// A Zoom account's installation is the admin's, not an
			// authorization the user gave: scope changes leave it be.
			if c.Before.At(i, j).Install.Account || c.After.At(i, j).Install.Account {
				continue
			}
			cause := a == changed || (a == expired.app && u == expired.u)
			own := b == reference.StatusAuthorized || b == reference.StatusReauthorize
			if cause && own && n != reference.StatusReauthorize {
				return fmt.Errorf("user %d, %q: %s left the status %q, want reauthorize", u, a, c.Cmd.Kind(), n)
			}
			if n == reference.StatusReauthorize && b != reference.StatusReauthorize && !(cause && b == reference.StatusAuthorized) {
				return fmt.Errorf("user %d, %q: %s moved the status from %q to reauthorize", u, a, c.Cmd.Kind(), b)
			}
			if b == reference.StatusReauthorize && n != reference.StatusReauthorize && !endsReauthorize(c, a, u) {
				return fmt.Errorf("user %d, %q: %s moved the status from reauthorize to %q", u, a, c.Cmd.Kind(), n)
			}
		}
	}
	return nil
}

func endsReauthorize(c *Check, a reference.AppID, u reference.UserID) bool {
	if !c.Result.OK() {
		return false
	}
	switch x := c.Cmd.(type) {
	case reference.Authorize:
		return x.App == a && x.By == u && x.Accept
	case reference.Uninstall:
		return x.App == a && x.By == u
	}
	return false
}
