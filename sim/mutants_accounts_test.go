package sim

import (
	"slices"
	"strings"

	"github.com/appcert/appcert/reference"
)

// The Procore and Zoom mutants. Those that let an install through do it
// the way an admin could: lift the setting, install, put the setting back,
// so the model's state stays one its commands reach, and only the
// invariant of the rule broken has something to see.
func accountMutants() []mutant {
	return []mutant{
		{reference.Procore, "installs go through with Allow User Installs OFF", []string{"user-installs-off"}, func(m Model) Model { return &allowOffIgnored{base{m}} }},
		{reference.Procore, "a refused attempt emails nobody", []string{"user-installs-off"}, func(m Model) Model { return &silentAttempt{base{m}} }},
		{reference.Procore, "a decided request is decided again", []string{"decided-stays-decided"}, func(m Model) Model {
			return &decideAgain{base: base{m}, verdict: map[reference.RequestID]reference.DecideRequest{}}
		}},
		{reference.Procore, "approving a request installs nothing", []string{"decided-stays-decided"}, func(m Model) Model { return &approveInstallsNothing{base{m}} }},
		{reference.Zoom, "pre-approval ignored", []string{"pre-approval-required"}, func(m Model) Model {
			return &permissionsLifted{base{m}, reference.ReasonPreApprovalRequired}
		}},
		{reference.Zoom, "users install past the block on user installs", []string{"user-installs-blocked"}, func(m Model) Model {
			return &permissionsLifted{base{m}, reference.ReasonUserInstallsBlocked}
		}},
		{reference.Zoom, "Who Can Install ignored", []string{"who-can-install"}, func(m Model) Model { return &listIgnored{base{m}} }},
		{reference.Zoom, "held scopes not checked", []string{"scopes-held"}, func(m Model) Model { return &scopesUnchecked{base{m}} }},
		// An uninstall also takes a user out of reauthorize without cause.
		{reference.Zoom, "changing the permissions uninstalls", []string{"settings-keep-installations", "reauthorize"}, func(m Model) Model {
			return &permissionsUninstall{tracker{base: base{m}}}
		}},
		{reference.Zoom, "a switched-off app stays usable", []string{"switched-off-disables", "reauthorize"}, func(m Model) Model { return &offStaysUsable{base{m}} }},
	}
}

// attempt is the app and user of an install or authorization.
func attempt(c reference.Command) (AppID, UserID, bool) {
	switch x := c.(type) {
	case reference.Install:
		return x.App, x.By, true
	case reference.Authorize:
		return x.App, x.By, true
	}
	return "", 0, false
}

// editor is an admin of co holding Marketplace:Edit, and whether it has
// one who passes ok.
func editor(m Model, co CompanyID, ok func(UserID) bool) (UserID, bool) {
	for _, a := range m.Admins(co) {
		if u, _ := m.User(a); u.Marketplace == reference.MarketplaceEdit && ok(a) {
			return a, true
		}
	}
	return 0, false
}

func anyone(UserID) bool { return true }

type allowOffIgnored struct{ base }

func (m *allowOffIgnored) Apply(c reference.Command) reference.Result {
	r := m.Model.Apply(c)
	if _, by, ok := attempt(c); ok && !r.OK() && r.Refusal.Reason == reference.ReasonUserInstallsOff {
		if admins := m.Admins(company(m.Model, by)); len(admins) > 0 {
			m.Model.Apply(reference.SetAllowUserInstalls{By: admins[0], Allow: true})
			r = m.Model.Apply(c)
			m.Model.Apply(reference.SetAllowUserInstalls{By: admins[0], Allow: false})
		}
	}
	return r
}

type silentAttempt struct{ base }

func (m *silentAttempt) Apply(c reference.Command) reference.Result {
	r := m.Model.Apply(c)
	if !r.OK() {
		r.Effects = nil
	}
	return r
}

// decideAgain accepts a decision on a decided request and shows it.
type decideAgain struct {
	base
	verdict map[reference.RequestID]reference.DecideRequest
}

func (m *decideAgain) Apply(c reference.Command) reference.Result {
	r := m.Model.Apply(c)
	if d, ok := c.(reference.DecideRequest); ok && !r.OK() && r.Refusal.Reason == reference.ReasonAlreadyDecided {
		m.verdict[d.Request] = d
		return reference.Result{}
	}
	return r
}

func (m *decideAgain) Request(id reference.RequestID) (reference.Request, bool) {
	q, ok := m.Model.Request(id)
	if d, again := m.verdict[id]; again && ok {
		q.State, q.DecidedBy, q.Note = reference.RequestDenied, d.By, d.Note
		if d.Approve {
			q.State = reference.RequestApproved
		}
	}
	return q, ok
}

type approveInstallsNothing struct{ base }

func (m *approveInstallsNothing) Apply(c reference.Command) reference.Result {
	r := m.Model.Apply(c)
	if d, ok := c.(reference.DecideRequest); ok && r.OK() && d.Approve {
		if q, _ := m.Request(d.Request); q.Kind == reference.RequestInstall {
			m.Model.Apply(reference.Uninstall{App: q.App, By: q.By, Confirmed: true})
		}
	}
	return r
}

// permissionsLifted lets an install the account's permissions refuse for
// reason through, where the permissions are all that stand in the way.
type permissionsLifted struct {
	base
	reason reference.Reason
}

func (m *permissionsLifted) Apply(c reference.Command) reference.Result {
	r := m.Model.Apply(c)
	app, by, ok := attempt(c)
	if !ok || r.OK() || r.Refusal.Reason != m.reason || len(m.MissingScopes(app, by)) > 0 {
		return r
	}
	u, _ := m.User(by)
	if list := m.PreApproval(u.Company, app).WhoCanInstall; len(list) > 0 && !slices.Contains(list, strings.ToLower(u.Email)) {
		return r
	}
	ed, ok := editor(m.Model, u.Company, anyone)
	if !ok {
		return r
	}
	p, _ := m.Permissions(u.Company)
	m.Model.Apply(reference.SetAccountPermissions{By: ed})
	r = m.Model.Apply(c)
	m.Model.Apply(reference.SetAccountPermissions{By: ed, Permissions: p})
	return r
}

// listIgnored lets a user the Who Can Install list leaves out install.
type listIgnored struct{ base }

func (m *listIgnored) Apply(c reference.Command) reference.Result {
	r := m.Model.Apply(c)
	app, by, ok := attempt(c)
	if !ok || r.OK() || r.Refusal.Reason != reference.ReasonNotOnWhoCanInstall || len(m.MissingScopes(app, by)) > 0 {
		return r
	}
	co := company(m.Model, by)
	a, _ := m.App(app)
	// Setting the list again needs an editor who has the app, or an app
	// of the account's members (ZM-09).
	ed, ok := editor(m.Model, co, func(e UserID) bool {
		_, has := m.Installation(app, e)
		return has || a.MakerCompany == co
	})
	if !ok {
		return r
	}
	list := m.PreApproval(co, app).WhoCanInstall
	m.Model.Apply(reference.SetPreApproval{App: app, By: ed, On: true})
	r = m.Model.Apply(c)
	m.Model.Apply(reference.SetPreApproval{App: app, By: ed, On: true, WhoCanInstall: list})
	return r
}

// scopesUnchecked lends a user the scopes they lack for the install.
type scopesUnchecked struct{ base }

func (m *scopesUnchecked) Apply(c reference.Command) reference.Result {
	r := m.Model.Apply(c)
	app, by, ok := attempt(c)
	if !ok || r.OK() || r.Refusal.Reason != reference.ReasonMissingScopes {
		return r
	}
	u, _ := m.User(by)
	admins := m.Admins(u.Company)
	if len(admins) == 0 {
		return r
	}
	m.Model.Apply(reference.SetRole{User: by, By: admins[0], Marketplace: u.Marketplace, Scopes: append(slices.Clone(u.Scopes), m.MissingScopes(app, by)...)})
	r = m.Model.Apply(c)
	m.Model.Apply(reference.SetRole{User: by, By: admins[0], Marketplace: u.Marketplace, Scopes: u.Scopes})
	return r
}

// permissionsUninstall removes the account's users' own installations
// when the permissions change.
type permissionsUninstall struct{ tracker }

func (m *permissionsUninstall) Apply(c reference.Command) reference.Result {
	r := m.tracker.Apply(c)
	if _, ok := c.(reference.SetAccountPermissions); !ok || !r.OK() {
		return r
	}
	for _, u := range m.users {
		if company(m.Model, u) != r.Event.Company {
			continue
		}
		for _, a := range m.apps {
			if in, ok := m.Installation(a, u); ok && !in.Account {
				r.Effects = append(r.Effects, m.Model.Apply(reference.Uninstall{App: a, By: u, Confirmed: true}).Effects...)
			}
		}
	}
	return r
}

type offStaysUsable struct{ base }

func (m *offStaysUsable) Status(a AppID, u UserID) reference.Status {
	if st := m.Model.Status(a, u); st != reference.StatusDisabled {
		return st
	}
	return reference.StatusAuthorized
}
