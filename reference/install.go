package reference

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// What Procore and Zoom share: a user installing an app for themselves under
// the account's rules, an admin installing on a user's behalf, and mail to
// the account's admins. The profile switches each marketplace's rules on.

// Sender addresses of the marketplaces' mail.
const (
	procoreNoReply = "no-reply@procore.com" // PC-04
	zoomNoReply    = "no-reply@zoom.us"     // assumed: ZM-22
)

// only refuses a command that the market's profile does not have.
func (s *state) only(p Profile, what string) *Refusal {
	if s.profile != p {
		return refuse("X-02", ReasonNotInProfile, "%s: %s only, this market runs %s", what, p, s.profile)
	}
	return nil
}

// checkAppProfile refuses app fields of another marketplace and fills in
// the defaults of this one.
func (s *state) checkAppProfile(a *App) *Refusal {
	zoomish := (a.Level != "" && a.Level != UserLevel) || a.Development || a.MadeByOwner || a.MakerCompany != 0
	switch s.profile {
	case Zoom:
		if a.Mode != ModeNone {
			return refuse("X-02", ReasonNotInProfile, "sharing mode %q is Pipedrive's", a.Mode)
		}
		if a.Level == "" {
			a.Level = UserLevel
		}
		if a.Level != UserLevel && a.Level != AccountLevel {
			return refuse("ZM-01", ReasonInvalid, "app level %q", a.Level)
		}
	case Procore:
		if a.Mode != ModeNone || zoomish || a.Level != "" {
			return refuse("X-02", ReasonNotInProfile, "sharing modes and app levels are not Procore's")
		}
	default:
		if zoomish || a.Level != "" {
			return refuse("X-02", ReasonNotInProfile, "app levels, development apps and makers are Zoom's")
		}
	}
	return nil
}

// checkRole validates a user's Zoom role and held scopes and returns the
// scopes sorted, without duplicates. Only admins hold the Marketplace role
// (ZM-16).
func (s *state) checkRole(admin bool, m MarketplaceAccess, held []string) ([]string, *Refusal) {
	if s.profile != Zoom {
		if m != MarketplaceNone || len(held) > 0 {
			return nil, refuse("X-02", ReasonNotInProfile, "Marketplace roles and held scopes are Zoom's")
		}
		return nil, nil
	}
	switch m {
	case MarketplaceNone, MarketplaceView, MarketplaceEdit:
	default:
		return nil, refuse("ZM-02", ReasonInvalid, "Marketplace access %q", m)
	}
	if m != MarketplaceNone && !admin {
		return nil, refuse("ZM-16", ReasonNotAdmin, "only admins hold the Marketplace role")
	}
	for _, x := range held {
		if strings.TrimSpace(x) == "" {
			return nil, refuse("ZM-08", ReasonInvalid, "an empty scope")
		}
	}
	if len(held) == 0 {
		return nil, nil
	}
	out := slices.Clone(held)
	slices.Sort(out)
	return slices.Compact(out), nil
}

// canEdit: an admin holding Marketplace:Edit (ZM-02, 03, 07).
func (u *user) canEdit() bool { return u.admin && u.market == MarketplaceEdit }

// hasRole: an admin holding the Marketplace role at all (ZM-07: App Requests).
func (u *user) hasRole() bool { return u.admin && u.market != MarketplaceNone }

// installed reports whether u has app a: their own installation or, in
// Zoom, the account's.
func (s *state) installed(a *appState, u *user) bool {
	if u.auths.has(a) {
		return true
	}
	_, ok := s.companies[u.company].installs[a.ID]
	return ok
}

// installOwn is a user installing an app for themselves in Procore or Zoom
// (PC-02, PC-06, ZM-01..14). verb says what the user tried, for the attempt
// email.
func (s *state) installOwn(a *appState, u *user, co *company, accept bool, verb string) (who, []Effect, *Refusal) {
	if s.installed(a, u) {
		return who{}, nil, refuse("X-02", ReasonAlreadyInstalled, "user %d already has %q", u.id, a.ID)
	}
	if ref := s.canInstall(a, u, co); ref != nil {
		return who{}, s.attemptEmail(a, u, co, ref, verb), ref
	}
	w := who{Actor: u.id, Company: co.id, App: a.ID}
	if !accept {
		return w, []Effect{Redirect{App: a.ID, User: u.id, Denied: true}}, nil
	}
	s.installFor(a, co, u, u.id)
	return w, []Effect{Redirect{App: a.ID, User: u.id, InstallationURL: a.InstallationURL}}, nil
}

// installFor installs a for u, by u or by an admin on u's behalf (PC-05,
// ZM-12): an account-level app is installed for the whole account.
func (s *state) installFor(a *appState, co *company, u *user, by UserID) {
	if a.Level == AccountLevel {
		ai := accountInstall{by: by}
		if by != u.id {
			ai.onFor = u.id
		}
		co.installs[a.ID] = ai
		return
	}
	au := authorization{version: a.version}
	if by != u.id {
		au.by = by
	}
	u.setAuth(a, au)
}

// canInstall applies the account's install rules to u installing a for
// themselves; nil means the install goes ahead. It changes nothing.
func (s *state) canInstall(a *appState, u *user, co *company) *Refusal {
	switch s.profile {
	case Procore:
		if co.userInstallsOff && !u.admin { // admins are not held back (PC-08)
			return refuse("PC-06", ReasonUserInstallsOff, "company %d has Allow User Installs OFF", co.id)
		}
	case Zoom:
		return s.zoomCanInstall(a, u, co)
	}
	return nil
}

func (s *state) zoomCanInstall(a *appState, u *user, co *company) *Refusal {
	pa := co.preapprovals[a.ID]
	if co.switchedOff(a.ID) {
		return refuse("ZM-11", ReasonAppDisabled, "%q's pre-approval is switched off in account %d", a.ID, co.id)
	}
	edit := u.canEdit()
	if a.Level == AccountLevel && !edit {
		if u.admin { // an admin lacks the role, as when deciding a request (ZM-02)
			return refuse("ZM-02", ReasonNotMarketplaceEdit, "%q is installed by admins with Marketplace:Edit", a.ID)
		}
		return refuse("ZM-12", ReasonAdminInstallOnly, "%q is installed by admins: use Request to Install", a.ID)
	}
	if !edit { // Marketplace:Edit admins pre-approve for themselves (ZM-17)
		if co.perms.BlockUserInstalls {
			return refuse("ZM-14", ReasonUserInstallsBlocked, "account %d does not let users install apps", co.id)
		}
		if co.perms.requires(a.App, co.id) && pa == nil {
			rule := "ZM-03"
			if a.Development {
				rule = "ZM-05"
			}
			return refuse(rule, ReasonPreApprovalRequired, "%q is not pre-approved in account %d", a.ID, co.id)
		}
		if pa != nil && len(pa.whoCanInstall) > 0 {
			if _, ok := slices.BinarySearch(pa.whoCanInstall, strings.ToLower(u.email)); !ok {
				return refuse("ZM-09", ReasonNotOnWhoCanInstall, "%q is not on %q's list", u.email, a.ID)
			}
		}
	}
	if missing := missingScopes(a.Scopes, u.scopes); len(missing) > 0 {
		return refuse("ZM-08", ReasonMissingScopes, "missing scopes: %s", strings.Join(missing, ", "))
	}
	return nil
}

// requires reports whether the account's permissions require pre-approval
// for app a, exemptions considered (ZM-03, 04, 05).
func (p AccountPermissions) requires(a App, account CompanyID) bool {
	req := p.RequirePreApproval
	if a.Development {
		req = p.RequireForDevelopment
	}
	switch {
	case !req:
		return false
	case a.MadeByOwner && p.ExemptOwnerApps, a.MakerCompany == account && p.ExemptMemberApps:
		return false
	}
	return true
}

// missingScopes lists the scopes an app requires that a user does not hold
// (held is sorted), in the app's order (ZM-08).
func missingScopes(required, held []string) []string {
	var out []string
	for _, x := range required {
		if _, ok := slices.BinarySearch(held, x); !ok && !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// attemptEmail is what a refused install or authorization makes the
// marketplace do: with Allow User Installs OFF, Procore emails every company
// admin about the attempt (PC-06, PC-07). Every other refusal does nothing.
func (s *state) attemptEmail(a *appState, u *user, co *company, ref *Refusal, verb string) []Effect {
	if ref.Reason != ReasonUserInstallsOff || len(co.admins) == 0 {
		return nil
	}
	return []Effect{s.mailTo(co, co.admins, procoreNoReply,
		fmt.Sprintf("%s attempted to %s %s on %s", u.email, verb, a.Name, co.name), "")}
}

// mailTo is an email to some of a company's users, named both by ID and by
// address. The recipients are copied: the admin index changes later.
func (s *state) mailTo(co *company, to []UserID, from, subject, body string) Email {
	addrs := make([]string, len(to))
	for i, id := range to {
		addrs[i] = s.users.at(id).email
	}
	return Email{To: Audience{Company: co.id, Users: slices.Clone(to)}, ToAddrs: addrs, From: from, Subject: subject, Body: body}
}

// uninstall is Procore's and Zoom's uninstall: a user's own installation,
// or in Zoom an account-level app, which only an admin with Marketplace:Edit
// removes. Zoom asks for confirmation first (ZM-13, ZM-24).
func (s *state) uninstall(a *appState, u *user, co *company, confirmed bool, at time.Time) (who, []Effect, *Refusal) {
	own := u.auths.has(a)
	_, account := co.installs[a.ID]
	switch {
	case !own && !account:
		return who{}, nil, refuse("ZM-13", ReasonNotInstalled, "user %d does not have %q", u.id, a.ID)
	case !own && !u.canEdit():
		return who{}, nil, refuse("ZM-24", ReasonNotMarketplaceEdit, "%q is the account's: only an admin with Marketplace:Edit removes it", a.ID)
	case s.profile == Zoom && !confirmed:
		return who{}, nil, refuse("ZM-13", ReasonUninstallUnconfirmed, "confirm removing %q", a.ID)
	}
	if own {
		u.dropAuth(a)
	} else {
		delete(co.installs, a.ID)
	}
	return who{Actor: u.id, Company: co.id, App: a.ID},
		[]Effect{UninstallCallback{App: a.ID, Company: co.id, User: u.id, At: at}}, nil
}
