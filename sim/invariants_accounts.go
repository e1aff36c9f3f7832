package sim

import (
	"fmt"
	"slices"
	"strings"

	"github.com/appcert/appcert/reference"
)

// The invariants of Procore's and Zoom's install rules: who may install
// what under the account's settings, what settings changes leave alone,
// and requests. Each passes trivially in the profiles it does not concern.

// pairs calls f for every user and app both snapshots know, with the
// user's company's settings before and after; f's error stops it.
func pairs(c *Check, f func(i, j int, before, after *CompanyObs, u reference.User, app reference.App) error) error {
	s := c.After
	for i, uo := range s.User {
		if !uo.Known || !c.Before.User[i].Known {
			continue
		}
		ka, kb := s.CompanyIndex(uo.User.Company), c.Before.CompanyIndex(uo.User.Company)
		if ka < 0 || kb < 0 {
			continue
		}
		for j := range s.Apps {
			if !s.App[j].Known || !c.Before.App[j].Known {
				continue
			}
			if err := f(i, j, &c.Before.Company[kb], &s.Company[ka], uo.User, s.App[j].App); err != nil {
				return err
			}
		}
	}
	return nil
}

// gainedOwn reports whether the command gave user i app j through an
// installation the user made: not installed before, installed after, by
// themselves (an admin's install on a requester's behalf is the admin's).
func gainedOwn(c *Check, i, j int) bool {
	b, a := c.Before.At(i, j), c.After.At(i, j)
	return !b.Installed && a.Installed && a.Install.By == c.After.Users[i]
}

// canEdit: a Zoom admin holding Marketplace:Edit, whom the account's
// install rules do not hold back (ZM-17).
func canEdit(u reference.User) bool { return u.Admin && u.Marketplace == reference.MarketplaceEdit }

// gate is one of the account rules that stop a user installing: held
// reports whether it holds user u back from app (Apps[j]) under the
// company's settings s.
type gate struct {
	profile reference.Profile
	what    string
	held    func(s CompanyObs, j int, u reference.User, app reference.App) bool
}

// checkGate: while a gate holds a user back (before the command), the user
// installs nothing it holds back, and afterwards an install it holds back
// would be refused.
func checkGate(c *Check, g gate) error {
	if c.Model.Profile() != g.profile {
		return nil
	}
	return pairs(c, func(i, j int, before, after *CompanyObs, u reference.User, app reference.App) error {
		if g.held(*before, j, u, app) && gainedOwn(c, i, j) {
			return fmt.Errorf("%s: user %d installed %q past %s", c.Cmd.Kind(), u.ID, app.ID, g.what)
		}
		if a := c.After.At(i, j); g.held(*after, j, u, app) && !a.Installed && a.Can == "" {
			return fmt.Errorf("after %s, user %d may install %q past %s", c.Cmd.Kind(), u.ID, app.ID, g.what)
		}
		return nil
	})
}

// checkUserInstallsOff: with Allow User Installs OFF no user but a
// company admin installs or authorizes an app, and an attempt is refused
// with one email to every admin (PC-06, PC-07); admins are not held back
// (PC-08).
func checkUserInstallsOff(c *Check) error {
	if c.Model.Profile() != reference.Procore {
		return nil
	}
	err := checkGate(c, gate{reference.Procore, "Allow User Installs OFF",
		func(s CompanyObs, _ int, u reference.User, _ reference.App) bool {
			return !s.AllowUserInstalls && !u.Admin
		}})
	if err != nil {
		return err
	}
	if err := pairs(c, func(i, j int, _, _ *CompanyObs, u reference.User, app reference.App) error {
		if a := c.After.At(i, j); u.Admin && a.Can == reference.ReasonUserInstallsOff {
			return fmt.Errorf("company admin %d is held back from %q by Allow User Installs OFF", u.ID, app.ID)
		}
		return nil
	}); err != nil {
		return err
	}
	return checkAttemptEmail(c)
}

// checkAttemptEmail: a refused attempt emails every company admin from
// no-reply@procore.com about it (PC-06, PC-07); nothing else is emailed.
func checkAttemptEmail(c *Check) error {
	r := c.Result
	if r.OK() || r.Refusal.Reason != reference.ReasonUserInstallsOff {
		return nil
	}
	var app reference.AppID
	var by reference.UserID
	verb := ""
	switch x := c.Cmd.(type) {
	case reference.Install:
		app, by, verb = x.App, x.By, "install"
	case reference.Authorize:
		app, by, verb = x.App, x.By, "authorize"
	default:
		return fmt.Errorf("%s refused because %s", c.Cmd.Kind(), r.Refusal.Reason)
	}
	u, _ := c.Model.User(by)
	a, _ := c.Model.App(app)
	admins := c.Model.Admins(u.Company)
	if len(admins) == 0 {
		if len(r.Effects) > 0 {
			return fmt.Errorf("an attempt in a company without admins has effects %+v", r.Effects)
		}
		return nil
	}
	name, _ := c.Model.Market().CompanyName(u.Company)
	subject := fmt.Sprintf("%s attempted to %s %s on %s", u.Email, verb, a.Name, name)
	if len(r.Effects) != 1 {
		return fmt.Errorf("the refused attempt of user %d on %q has %d effects, want one email to the admins: %+v", by, app, len(r.Effects), r.Effects)
	}
	e, ok := r.Effects[0].(reference.Email)
	if !ok || e.From != "no-reply@procore.com" || e.Subject != subject || e.To.Company != u.Company || e.To.All || !slices.Equal(e.To.Users, admins) {
		return fmt.Errorf("the refused attempt of user %d on %q has the effect %+v, want an email from no-reply@procore.com to admins %v with the subject %q",
			by, app, r.Effects[0], admins, subject)
	}
	return nil
}

// checkUserInstallsBlocked: with user installs blocked only admins holding
// Marketplace:Edit install apps themselves (ZM-14, ZM-23).
func checkUserInstallsBlocked(c *Check) error {
	return checkGate(c, gate{reference.Zoom, "the block on user installs",
		func(s CompanyObs, _ int, u reference.User, _ reference.App) bool {
			return s.Permissions.BlockUserInstalls && !canEdit(u)
		}})
}

// needsPreApproval is whether the account's permissions require
// pre-approval of app: public and development apps each by their own
// switch, the exemptions applying to both (ZM-03, ZM-04, ZM-05, ZM-20).
func needsPreApproval(p reference.AccountPermissions, app reference.App, co reference.CompanyID) bool {
	req := p.RequirePreApproval
	if app.Development {
		req = p.RequireForDevelopment
	}
	if (app.MadeByOwner && p.ExemptOwnerApps) || (app.MakerCompany == co && p.ExemptMemberApps) {
		return false
	}
	return req
}

// checkPreApprovalRequired: where the account requires pre-approval of an
// app that is not pre-approved, only admins holding Marketplace:Edit
// install it (ZM-03, ZM-04, ZM-05, ZM-17).
func checkPreApprovalRequired(c *Check) error {
	return checkGate(c, gate{reference.Zoom, "a required pre-approval",
		func(s CompanyObs, j int, u reference.User, app reference.App) bool {
			return needsPreApproval(s.Permissions, app, u.Company) && !s.PreApproval[j].On && !canEdit(u)
		}})
}

// checkWhoCanInstall: a pre-approved app with a Who Can Install list is
// installed only by the listed users and admins holding Marketplace:Edit
// (ZM-09, ZM-17).
func checkWhoCanInstall(c *Check) error {
	return checkGate(c, gate{reference.Zoom, "Who Can Install",
		func(s CompanyObs, j int, u reference.User, _ reference.App) bool {
			pa := s.PreApproval[j]
			return pa.On && len(pa.WhoCanInstall) > 0 && !canEdit(u) && !slices.Contains(pa.WhoCanInstall, strings.ToLower(u.Email))
		}})
}

// checkScopesHeld: a user installing an app holds every scope it
// requires, admins too; an admin installing on a requester's behalf is not
// checked against the requester's (ZM-08, ZM-19). A user is shown exactly
// the scopes they lack, and an install that would go ahead lacks none.
func checkScopesHeld(c *Check) error {
	if c.Model.Profile() != reference.Zoom {
		return nil
	}
	var by reference.UserID
	var app reference.AppID
	switch x := c.Cmd.(type) {
	case reference.Install:
		by, app = x.By, x.App
	case reference.Authorize:
		by, app = x.By, x.App
	}
	return pairs(c, func(i, j int, _, _ *CompanyObs, u reference.User, a reference.App) error {
		missing := missingOf(a.Scopes, c.Before.User[i].User.Scopes)
		if u.ID == by && a.ID == app && len(missing) > 0 && !c.Before.At(i, j).Installed && c.After.At(i, j).Installed {
			return fmt.Errorf("user %d installed %q without the scopes %v", u.ID, a.ID, missing)
		}
		shown := c.Model.MissingScopes(a.ID, u.ID)
		want := missingOf(a.Scopes, u.Scopes)
		if !slices.Equal(shown, want) {
			return fmt.Errorf("user %d is shown the missing permissions %v for %q, want %v", u.ID, shown, a.ID, want)
		}
		if p := c.After.At(i, j); !p.Installed && p.Can == "" && len(want) > 0 {
			return fmt.Errorf("user %d may install %q without the scopes %v", u.ID, a.ID, want)
		}
		return nil
	})
}

// missingOf lists the scopes of required that held lacks, in required's
// order, once each.
func missingOf(required, held []string) []string {
	var out []string
	for _, x := range required {
		if !slices.Contains(held, x) && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// checkSwitchedOff: an app whose pre-approval an admin switched off is
// disabled for every user of the account: installations are kept but
// disabled, nobody may install it, and nobody gets it until it is
// pre-approved again (ZM-11, ZM-18).
func checkSwitchedOff(c *Check) error {
	if c.Model.Profile() != reference.Zoom {
		return nil
	}
	return pairs(c, func(i, j int, before, after *CompanyObs, u reference.User, app reference.App) error {
		b, a := c.Before.At(i, j), c.After.At(i, j)
		if before.PreApproval[j].Disabled && after.PreApproval[j].Disabled && !b.Installed && a.Installed {
			return fmt.Errorf("%s: user %d got %q while its pre-approval is switched off", c.Cmd.Kind(), u.ID, app.ID)
		}
		if !after.PreApproval[j].Disabled {
			if a.Status == reference.StatusDisabled {
				return fmt.Errorf("user %d has %q disabled, but its pre-approval is not switched off", u.ID, app.ID)
			}
			return nil
		}
		switch {
		case a.Installed && a.Status != reference.StatusDisabled:
			return fmt.Errorf("user %d has %q as %q, though its pre-approval is switched off", u.ID, app.ID, a.Status)
		case !a.Installed && a.Can != reference.ReasonAppDisabled:
			return fmt.Errorf("user %d, %q switched off: an install would meet %q, want %q", u.ID, app.ID, a.Can, reference.ReasonAppDisabled)
		}
		return nil
	})
}

// checkSettingsKeep: changing a setting uninstalls nothing. The account's
// permissions and Allow User Installs, request email and roles leave every
// installation as it was (ZM-06); pre-approving with a Who Can Install list
// keeps those who installed the app (ZM-09); switching pre-approval off
// keeps installations, disabled, and on again enables them (ZM-18).
func checkSettingsKeep(c *Check) error {
	if !c.Result.OK() {
		return nil
	}
	sameStatus := true
	switch c.Cmd.(type) {
	case reference.SetAccountPermissions, reference.SetAllowUserInstalls, reference.SetRequestEmails, reference.SetRole:
	case reference.SetPreApproval:
		sameStatus = false
	default:
		return nil
	}
	for _, e := range c.Result.Effects {
		if _, ok := e.(reference.UninstallCallback); ok {
			return fmt.Errorf("%s uninstalled: %+v", c.Cmd.Kind(), e)
		}
	}
	for i, u := range c.Before.Users {
		for j, a := range c.Before.Apps {
			b, n := c.Before.At(i, j), c.After.At(i, j)
			if !b.Installed {
				continue
			}
			if !n.Installed || n.Install.By != b.Install.By || n.Install.Account != b.Install.Account {
				return fmt.Errorf("%s changed user %d's installation of %q: %+v became %+v", c.Cmd.Kind(), u, a, b.Install, n.Install)
			}
			if sameStatus && n.Status != b.Status {
				return fmt.Errorf("%s changed user %d's status of %q from %q to %q", c.Cmd.Kind(), u, a, b.Status, n.Status)
			}
		}
	}
	return nil
}

// checkDecided: a request is filed pending, is decided once, by the
// command deciding it, and never changes again; approving an install
// request leaves the requester with the app, and denying tells them
// (PC-05, ZM-07, ZM-12, ZM-15).
func checkDecided(c *Check) error {
	d, deciding := c.Cmd.(reference.DecideRequest)
	for k, id := range c.Before.Requests {
		b, a := c.Before.Req[k], c.After.Req[k]
		switch {
		case !b.Known && !a.Known:
			continue
		case !b.Known:
			if _, ok := c.Cmd.(reference.RequestApp); !ok || !c.Result.OK() || a.Request.State != reference.RequestPending {
				return fmt.Errorf("%s: request %d appeared as %+v", c.Cmd.Kind(), id, a.Request)
			}
			continue
		case !a.Known:
			return fmt.Errorf("%s: request %d vanished", c.Cmd.Kind(), id)
		}
		mine := deciding && d.Request == id && c.Result.OK()
		if mine && b.Request.State != reference.RequestPending {
			return fmt.Errorf("request %d, %s by user %d, was decided again by user %d", id, b.Request.State, b.Request.DecidedBy, d.By)
		}
		if !mine {
			if a != b {
				return fmt.Errorf("%s changed request %d: %+v became %+v", c.Cmd.Kind(), id, b.Request, a.Request)
			}
			continue
		}
		want := b.Request
		want.State, want.DecidedBy, want.Note = reference.RequestDenied, d.By, d.Note
		if d.Approve {
			want.State = reference.RequestApproved
		}
		if a.Request != want {
			return fmt.Errorf("deciding request %d left it %+v, want %+v", id, a.Request, want)
		}
		if err := checkDecision(c, d, a.Request); err != nil {
			return err
		}
	}
	return nil
}

// checkDecision: an approved install request leaves the requester with
// the app (PC-05, ZM-12), an approved pre-approval request the app
// pre-approved (ZM-07); a denial is a notice to the requester (PC-05,
// ZM-15).
func checkDecision(c *Check, d reference.DecideRequest, r reference.Request) error {
	if !d.Approve {
		for _, e := range c.Result.Effects {
			if n, ok := e.(reference.Notice); ok && n.Kind == reference.NoticeRequestDenied && n.To.Includes(r.Company, r.By) && n.App == r.App {
				return nil
			}
		}
		return fmt.Errorf("denying request %d told requester %d nothing: %+v", r.ID, r.By, c.Result.Effects)
	}
	if r.Kind == reference.RequestInstall {
		if _, ok := c.Model.Installation(r.App, r.By); !ok {
			return fmt.Errorf("approving install request %d left requester %d without %q", r.ID, r.By, r.App)
		}
	} else if !c.Model.PreApproval(r.Company, r.App).On {
		return fmt.Errorf("approving pre-approval request %d left %q not pre-approved", r.ID, r.App)
	}
	return nil
}
