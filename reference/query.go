package reference

import (
	"slices"
	"strings"

	"github.com/appcert/appcert/reference/scopes"
)

// Status is u's status for app (PD-SHARE-15): their own authorization first,
// then an admin's addition.
func (m *Market) Status(app AppID, u UserID) Status {
	a, ok := m.st.apps[app]
	uu, ok2 := m.st.users.get(u)
	if !ok || !ok2 {
		return StatusNone
	}
	return m.st.status(a, uu)
}

func (s *state) status(a *appState, u *user) Status {
	co := s.companies[u.company]
	st := StatusNone
	if au, ok := u.auths.get(a); ok {
		st = StatusAuthorized
		if au.expired || au.version != a.version {
			st = StatusReauthorize
		}
	} else if _, ok := co.installs[a.ID]; ok { // Zoom: the account's installation (ZM-02)
		st = StatusAuthorized
	} else if sh := co.shares[a.ID]; sh != nil && sh.includes(u.id) {
		return StatusAuthorize
	}
	if st != StatusNone && co.switchedOff(a.ID) {
		return StatusDisabled // ZM-11, ZM-18
	}
	return st
}

// Dock is the apps dock as a user sees it (PD-SHARE-14).
type Dock struct {
	AddedByAdmin []AppID // added by an admin, not yet authorized: their own section
	Apps         []AppID // authorized or needing re-authorization: quick access or other apps
	// Bubble is the notification bubble the user sees: it appears at the
	// first open or refresh after an addition (PD-SHARE-14) and stays while
	// an app it announced waits in the Added by Admin section (assumed:
	// PD-SHARE-27).
	Bubble bool
	// BubbleDue: an addition since the user last opened the web app, whose
	// bubble appears at their next open or refresh.
	BubbleDue bool
}

// Dock returns u's apps dock.
func (m *Market) Dock(u UserID) Dock {
	var d Dock
	uu, ok := m.st.users.get(u)
	if !ok {
		return d
	}
	for _, e := range uu.auths {
		d.Apps = append(d.Apps, e.app)
	}
	co := m.st.companies[uu.company]
	for _, id := range sortedKeys(co.shares) {
		sh := co.shares[id]
		if uu.auths.hasID(id) || !sh.includes(u) {
			continue
		}
		d.AddedByAdmin = append(d.AddedByAdmin, id)
		if sh.addedSeq(u) > uu.openedSeq {
			d.BubbleDue = true
		} else {
			d.Bubble = true
		}
	}
	return d
}

// UserRow is one user in the Manage users view.
type UserRow struct {
	User   UserID
	Name   string
	Status Status
}

// ManageView is the "Manage users" view of an app as one admin sees it
// (PD-SHARE-11, 12).
type ManageView struct {
	Access  Access
	Users   []UserRow // the users the app is added to, by ID
	AddedBy UserID    // zero when the viewer may not see who added the app
	CanEdit bool      // only the adding admin edits (PD-SHARE-10)
}

// Find returns the rows whose name contains q, ignoring case.
func (v ManageView) Find(q string) []UserRow {
	var out []UserRow
	for _, r := range v.Users {
		if strings.Contains(strings.ToLower(r.Name), strings.ToLower(q)) {
			out = append(out, r)
		}
	}
	return out
}

// ManageUsersView returns the Manage users view of app in viewer's company.
// Only admins open it; the company must have installed the app.
func (m *Market) ManageUsersView(app AppID, viewer UserID) (ManageView, error) {
	a, u, co, ref := m.st.lookup(app, viewer)
	if ref != nil {
		return ManageView{}, ref
	}
	if !u.admin {
		return ManageView{}, refuse("PD-SHARE-03", ReasonNotAdmin, "user %d", viewer)
	}
	sh := co.shares[app]
	if sh == nil {
		return ManageView{}, refuse("PD-SHARE-12", ReasonNotInstalled, "%q has no company installation", app)
	}
	v := ManageView{Access: sh.access, CanEdit: sh.by == viewer}
	if viewer == sh.by || sh.includes(viewer) {
		v.AddedBy = sh.by
	}
	var ids []UserID
	if sh.access == AllUsers {
		m.st.users.each(func(x *user) {
			if x.company == co.id && sh.includes(x.id) {
				ids = append(ids, x.id)
			}
		})
	} else {
		ids = sortedKeys(sh.users)
	}
	slices.Sort(ids)
	for _, id := range ids {
		x := m.st.users.at(id)
		v.Users = append(v.Users, UserRow{User: id, Name: x.name, Status: m.st.status(a, x)})
	}
	return v, nil
}

// Use is whether a user may use one of an app's extensions, and how
// (PD-SHARE-16, 18, 19).
type Use struct {
	Allowed    bool
	OnBehalfOf UserID // whose authorization the app's API calls use
	IsShared   bool   // the JSON panel request's isShared
	Reason     Reason // when not allowed
}

// Extension decides whether viewer may use app's extension of kind k.
func (m *Market) Extension(app AppID, viewer UserID, k ExtensionKind) Use {
	a, u, co, ref := m.st.lookup(app, viewer)
	if ref != nil {
		return Use{Reason: ref.Reason}
	}
	if !slices.Contains(a.Extensions, k) {
		return Use{Reason: ReasonNoExtension}
	}
	switch m.st.status(a, u) {
	case StatusAuthorized:
		return Use{Allowed: true, OnBehalfOf: viewer}
	case StatusReauthorize:
		return Use{Reason: ReasonReauthorize}
	}
	// Not authorized: only link actions and JSON panels of a shared-extensions
	// app, for users the adding admin shares it with, on the admin's behalf.
	sh := co.shares[app]
	if a.Mode == ModeSharedExtensions && k.Shareable() && sh != nil && sh.includes(viewer) &&
		m.st.status(a, m.st.users.at(sh.by)) == StatusAuthorized {
		return Use{Allowed: true, OnBehalfOf: sh.by, IsShared: true}
	}
	if k == DockWindow {
		return Use{Reason: ReasonOpensAppDetails}
	}
	return Use{Reason: ReasonNotAuthorized}
}

// APIDecision is whether an app's API call on behalf of a user is allowed,
// and which scope grants it (PD-SCOPE-01, 02, 05).
type APIDecision struct {
	Allowed  bool
	Endpoint scopes.Endpoint
	Scope    string // the granting scope, when allowed
	Reason   Reason
	Rule     string
}

// APICall decides app's call method path on behalf of user u.
func (m *Market) APICall(app AppID, u UserID, method, path string) APIDecision {
	a, uu, _, ref := m.st.lookup(app, u)
	if ref == nil {
		ref = m.st.only(Pipedrive, "the scope-checked API")
	}
	if ref != nil {
		return APIDecision{Reason: ref.Reason, Rule: ref.Rule}
	}
	return m.st.apiAccess(a, uu, method, path)
}

func (s *state) apiAccess(a *appState, u *user, method, path string) APIDecision {
	switch s.status(a, u) {
	case StatusAuthorized:
	case StatusReauthorize:
		return APIDecision{Reason: ReasonReauthorize, Rule: "PD-SCOPE-04"}
	default:
		return APIDecision{Reason: ReasonNotAuthorized, Rule: "PD-SHARE-07"}
	}
	match, err := scopes.MatchCall(method, path)
	if err != nil {
		return APIDecision{Reason: ReasonUnknownEndpoint, Rule: "PD-SCOPE-02"}
	}
	d := APIDecision{Endpoint: match.Endpoint}
	dec := match.Check(a.granted)
	if !dec.Allowed {
		d.Reason, d.Rule = ReasonScopeMismatch, "PD-SCOPE-02"
		return d
	}
	if match.OnlyAdmin(a.granted) && !u.admin {
		d.Reason, d.Rule = ReasonAdminOnly, "PD-SCOPE-05"
		return d
	}
	d.Allowed, d.Scope = true, dec.Scope
	return d
}

// Granted returns the scopes an authorized user granted app: all of the
// app's scopes and base, or none (PD-SCOPE-03).
func (m *Market) Granted(app AppID, u UserID) []string {
	a, uu, _, ref := m.st.lookup(app, u)
	if ref != nil || m.st.status(a, uu) != StatusAuthorized {
		return nil
	}
	return a.granted.Names()
}

// ObjectUsable reports whether app, on behalf of u, can use a company object
// an earlier installation created, admin or not (PD-SCOPE-06).
func (m *Market) ObjectUsable(app AppID, u UserID, k ObjectKind, name string) bool {
	a, uu, co, ref := m.st.lookup(app, u)
	if ref != nil || m.st.status(a, uu) != StatusAuthorized {
		return false
	}
	_, ok := co.objects[objectKey{k, name}]
	return ok
}

// User describes a user, for views and reports.
type User struct {
	ID          UserID
	Company     CompanyID
	Name        string
	Email       string
	Admin       bool
	Marketplace MarketplaceAccess // Zoom
	Scopes      []string          // Zoom: the scopes the user holds, sorted
}

// User returns the user with id.
func (m *Market) User(id UserID) (User, bool) {
	u, ok := m.st.users.get(id)
	if !ok {
		return User{}, false
	}
	return User{ID: u.id, Company: u.company, Name: u.name, Email: u.email, Admin: u.admin,
		Marketplace: u.market, Scopes: slices.Clone(u.scopes)}, true
}

// App returns the app with id as currently listed.
func (m *Market) App(id AppID) (App, bool) {
	a, ok := m.st.apps[id]
	if !ok {
		return App{}, false
	}
	out := a.App
	out.Scopes, out.Extensions = slices.Clone(a.Scopes), slices.Clone(a.Extensions)
	return out, true
}

// CompanyName returns a company's name.
func (m *Market) CompanyName(id CompanyID) (string, bool) {
	c, ok := m.st.companies[id]
	if !ok {
		return "", false
	}
	return c.name, true
}
