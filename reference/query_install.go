package reference

import "slices"

// Installation is how a user has an app in Procore or Zoom.
type Installation struct {
	App     AppID
	User    UserID
	By      UserID // who installed it: the user, or an admin on their behalf (PC-05, ZM-12)
	Account bool   // Zoom: installed for the whole account (ZM-02)
	Status  Status // authorized, reauthorize, or disabled (ZM-11)
}

// Installation returns u's installation of app, if u has it.
func (m *Market) Installation(app AppID, u UserID) (Installation, bool) {
	a, uu, co, ref := m.st.lookup(app, u)
	if ref != nil || !m.st.installed(a, uu) {
		return Installation{}, false
	}
	in := Installation{App: app, User: u, By: u, Status: m.st.status(a, uu)}
	if au, ok := uu.auths.get(a); ok {
		if au.by != 0 {
			in.By = au.by
		}
	} else {
		in.Account, in.By = true, co.installs[app].by
	}
	return in, true
}

// CanInstall says whether u may install app for themselves now: nil, or the
// refusal an Install would meet (a *Refusal). Asking notifies no one.
func (m *Market) CanInstall(app AppID, u UserID) error {
	a, uu, co, ref := m.st.lookup(app, u)
	if ref != nil {
		return ref
	}
	if m.st.installed(a, uu) {
		return refuse("X-02", ReasonAlreadyInstalled, "user %d already has %q", u, app)
	}
	if ref := m.st.canInstall(a, uu, co); ref != nil {
		return ref
	}
	return nil
}

// MissingScopes lists the scopes app requires that u does not hold, in the
// app's order: what the user is shown when the app won't install (ZM-08).
func (m *Market) MissingScopes(app AppID, u UserID) []string {
	a, uu, _, ref := m.st.lookup(app, u)
	if ref != nil {
		return nil
	}
	return missingScopes(a.Scopes, uu.scopes)
}

// Admins returns a company's admins, sorted.
func (m *Market) Admins(c CompanyID) []UserID {
	co, ok := m.st.companies[c]
	if !ok {
		return nil
	}
	return slices.Clone(co.admins)
}

// AllowUserInstalls returns a Procore company's "Allow User Installs"
// setting (PC-01); ok is false for an unknown company.
func (m *Market) AllowUserInstalls(c CompanyID) (allow, ok bool) {
	co, ok := m.st.companies[c]
	if !ok {
		return false, false
	}
	return !co.userInstallsOff, true
}

// Permissions returns a Zoom account's Permissions page (ZM-03, 04, 05, 14).
func (m *Market) Permissions(c CompanyID) (AccountPermissions, bool) {
	co, ok := m.st.companies[c]
	if !ok {
		return AccountPermissions{}, false
	}
	return co.perms, true
}

// RequestEmailSettings is a Zoom account's pre-approval request email
// (ZM-10): whether it is on, the chosen recipients, and who gets it now.
type RequestEmailSettings struct {
	On         bool
	Recipients []UserID // chosen; empty: every admin holding Marketplace:Edit
	To         []UserID // who a request would be emailed to now; none when off
}

// RequestEmails returns a Zoom account's request email settings.
func (m *Market) RequestEmails(c CompanyID) (RequestEmailSettings, bool) {
	co, ok := m.st.companies[c]
	if !ok {
		return RequestEmailSettings{}, false
	}
	out := RequestEmailSettings{On: !co.emailsOff, Recipients: slices.Clone(co.recipients)}
	if out.On {
		out.To = m.st.recipients(co)
	}
	return out, true
}

// PreApprovalState is an app's pre-approval in a Zoom account.
type PreApprovalState struct {
	On            bool
	Disabled      bool     // switched off after being on: disabled for every user (ZM-11)
	WhoCanInstall []string // empty: anyone the account's rules allow (ZM-09)
}

// PreApproval returns app's pre-approval in account c.
func (m *Market) PreApproval(c CompanyID, app AppID) PreApprovalState {
	co, ok := m.st.companies[c]
	if !ok {
		return PreApprovalState{}
	}
	pa := co.preapprovals[app]
	if pa == nil {
		return PreApprovalState{}
	}
	return PreApprovalState{On: pa.on, Disabled: !pa.on, WhoCanInstall: slices.Clone(pa.whoCanInstall)}
}
