package reference

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/appcert/appcert/reference/scopes"
)

// Party is who performs a command that no company user performs.
type Party string

const (
	PartyMarketplace Party = "marketplace"
	PartyVendor      Party = "vendor"
	PartyCompany     Party = "company"
)

// AddCompany creates a company.
type AddCompany struct {
	Company CompanyID
	Name    string
}

// JoinCompany adds a user to a company; a user who joins after an admin
// shared an app with all users gets it too (PD-SHARE-09).
type JoinCompany struct {
	User    UserID
	Company CompanyID
	Name    string
	Email   string
	Admin   bool // global admin permissions; Procore's company admin; Zoom's account admin

	// Zoom only: the admin's Marketplace role (ZM-02) and the scopes the user
	// holds (ZM-08). SetRole changes them later.
	Marketplace MarketplaceAccess
	Scopes      []string
}

// PublishApp lists an app on the marketplace.
type PublishApp struct{ App App }

// SetSharingMode sets an app's sharing mode; only the marketplace may
// (PD-SHARE-02).
type SetSharingMode struct {
	App  AppID
	Mode SharingMode
	By   Party
}

// Install is a user installing an app: the access choice and email option
// of step 1 and the all-or-nothing acceptance of the scopes of step 2
// (PD-SHARE-04, PD-SCOPE-03). Accept false is the user denying the scopes.
type Install struct {
	App    AppID
	By     UserID
	Access Access   // empty means OnlyMe
	Users  []UserID // with SpecificUsers
	Email  bool     // email the added users instead of in-app notices
	Accept bool
}

// Authorize is a user accepting (or denying) an app's scopes for themselves:
// an added user authorizing, or any user re-authorizing (PD-SHARE-07, 15).
type Authorize struct {
	App    AppID
	By     UserID
	Accept bool
}

// ManageUsers is the "Manage users" view's save, and "+ Add": the adding
// admin adds and removes users together (PD-SHARE-12, 25). Access, when set,
// switches the access choice; OnlyMe makes the installation private.
type ManageUsers struct {
	App    AppID
	By     UserID
	Access Access
	Add    []UserID
	Remove []UserID
	Email  bool
}

// ChangeScopes is the vendor changing the app's scopes (PD-SCOPE-04).
type ChangeScopes struct {
	App    AppID
	Scopes []string
}

// ExpireAuthorization is a user's authorization of an app expiring.
type ExpireAuthorization struct {
	App  AppID
	User UserID
}

// Uninstall is a user uninstalling an app they authorized. In Zoom it is
// also an admin with Marketplace:Edit removing an account-level app from the
// account, and it must be confirmed (ZM-13); other marketplaces ignore
// Confirmed.
type Uninstall struct {
	App       AppID
	By        UserID
	Confirmed bool
}

// OpenApps is a user opening or refreshing the web app, which shows and
// clears the notification bubble (PD-SHARE-14).
type OpenApps struct{ User UserID }

// CreateObject is an app creating a company-level object through the API on
// behalf of a user (PD-SCOPE-06).
type CreateObject struct {
	App    AppID
	By     UserID
	Object ObjectKind
	Name   string
}

func (AddCompany) Kind() string          { return "add_company" }
func (JoinCompany) Kind() string         { return "join_company" }
func (PublishApp) Kind() string          { return "publish_app" }
func (SetSharingMode) Kind() string      { return "set_sharing_mode" }
func (Install) Kind() string             { return "install" }
func (Authorize) Kind() string           { return "authorize" }
func (ManageUsers) Kind() string         { return "manage_users" }
func (ChangeScopes) Kind() string        { return "change_scopes" }
func (ExpireAuthorization) Kind() string { return "expire_authorization" }
func (Uninstall) Kind() string           { return "uninstall" }
func (OpenApps) Kind() string            { return "open_apps" }
func (CreateObject) Kind() string        { return "create_object" }

func (c AddCompany) apply(s *state, _ time.Time) (who, []Effect, *Refusal) {
	if c.Company <= 0 || c.Name == "" {
		return who{}, nil, refuse("X-02", ReasonInvalid, "a company needs a positive ID and a name")
	}
	if _, ok := s.companies[c.Company]; ok {
		return who{}, nil, refuse("X-02", ReasonDuplicate, "company %d", c.Company)
	}
	s.companies[c.Company] = &company{id: c.Company, name: c.Name, shares: map[AppID]*share{}, objects: map[objectKey]AppID{},
		preapprovals: map[AppID]*preApproval{}, installs: map[AppID]accountInstall{}, pending: map[pendingKey]RequestID{}}
	return who{Company: c.Company}, nil, nil
}

func (c JoinCompany) apply(s *state, _ time.Time) (who, []Effect, *Refusal) {
	co, ok := s.companies[c.Company]
	if !ok {
		return who{}, nil, refuse("X-02", ReasonUnknownCompany, "company %d", c.Company)
	}
	if c.User <= 0 || c.Name == "" {
		return who{}, nil, refuse("X-02", ReasonInvalid, "a user needs a positive ID and a name")
	}
	if _, ok := s.users.get(c.User); ok {
		return who{}, nil, refuse("X-02", ReasonDuplicate, "user %d", c.User)
	}
	held, ref := s.checkRole(c.Admin, c.Marketplace, c.Scopes)
	if ref != nil {
		return who{}, nil, ref
	}
	s.users.put(&user{id: c.User, company: c.Company, name: c.Name, email: c.Email, admin: c.Admin,
		market: c.Marketplace, scopes: held})
	if c.Admin {
		i, _ := slices.BinarySearch(co.admins, c.User)
		co.admins = slices.Insert(co.admins, i, c.User)
	}
	// Joining is the commonest command of a growing company: collect the
	// all-users shares on the stack and sort only those, not every share.
	var buf [4]AppID
	all := buf[:0]
	for id, sh := range co.shares {
		if sh.access == AllUsers {
			all = append(all, id)
		}
	}
	slices.Sort(all)
	var effects []Effect
	for _, id := range all {
		effects = append(effects, Notice{Kind: NoticeAddedByAdmin, To: Audience{Company: c.Company, Users: []UserID{c.User}}, App: id, By: co.shares[id].by})
	}
	return who{Actor: c.User, Company: c.Company}, effects, nil
}

func (c PublishApp) apply(s *state, _ time.Time) (who, []Effect, *Refusal) {
	a := c.App
	if a.ID == "" || a.Name == "" {
		return who{}, nil, refuse("X-02", ReasonInvalid, "an app needs an ID and a name")
	}
	if _, ok := s.apps[a.ID]; ok {
		return who{}, nil, refuse("X-02", ReasonDuplicate, "app %q", a.ID)
	}
	if a.Mode == "" {
		a.Mode = ModeNone
	}
	if !validMode(a.Mode) {
		return who{}, nil, refuse("PD-SHARE-02", ReasonInvalid, "sharing mode %q", a.Mode)
	}
	if ref := s.checkAppProfile(&a); ref != nil {
		return who{}, nil, ref
	}
	granted, err := s.grantedScopes(a.Scopes)
	if err != nil {
		return who{}, nil, refuse("PD-SCOPE-02", ReasonInvalid, "%v", err)
	}
	a.Scopes = slices.Clone(a.Scopes)
	a.Extensions = slices.Clone(a.Extensions)
	s.apps[a.ID] = &appState{App: a, granted: granted, idx: len(s.apps)}
	return who{App: a.ID}, nil, nil
}

func (c SetSharingMode) apply(s *state, _ time.Time) (who, []Effect, *Refusal) {
	a, ok := s.apps[c.App]
	if !ok {
		return who{}, nil, refuse("X-02", ReasonUnknownApp, "app %q", c.App)
	}
	if ref := s.only(Pipedrive, "sharing modes"); ref != nil {
		return who{}, nil, ref
	}
	if c.By != PartyMarketplace {
		return who{}, nil, refuse("PD-SHARE-02", ReasonMarketplaceOnly, "%s tried to set it", partyName(c.By))
	}
	if !validMode(c.Mode) {
		return who{}, nil, refuse("PD-SHARE-02", ReasonInvalid, "sharing mode %q", c.Mode)
	}
	a.Mode = c.Mode
	return who{App: c.App}, nil, nil
}

func (c Install) apply(s *state, _ time.Time) (who, []Effect, *Refusal) {
	a, u, co, ref := s.lookup(c.App, c.By)
	if ref != nil {
		return who{}, nil, ref
	}
	if s.profile != Pipedrive {
		if (c.Access != "" && c.Access != OnlyMe) || len(c.Users) > 0 || c.Email {
			return who{}, nil, refuse("X-02", ReasonNotInProfile, "adding an app to other users is Pipedrive's, not %s's", s.profile)
		}
		return s.installOwn(a, u, co, c.Accept, "install")
	}
	access := c.Access
	if access == "" {
		access = OnlyMe
	}
	if u.auths.has(a) {
		return who{}, nil, refuse("X-02", ReasonAlreadyAuthorized, "user %d already installed %q", c.By, c.App)
	}
	sh := co.shares[c.App]
	if access != OnlyMe {
		if ref := s.checkSharing(a, u, co, access, c.Users); ref != nil {
			return who{}, nil, ref
		}
	}
	w := who{Actor: c.By, Company: u.company, App: c.App}
	if !c.Accept {
		return w, []Effect{Redirect{App: c.App, User: c.By, Denied: true}}, nil
	}
	next := s.seq + 1
	u.setAuth(a, authorization{version: a.version})
	effects := []Effect{Redirect{App: c.App, User: c.By, InstallationURL: a.InstallationURL}}
	// An admin's installation of a sharable app is the company account's
	// installation, which "+ Add" can share later (PD-SHARE-25).
	if sh == nil && u.admin && a.Mode != ModeNone {
		sh = &share{by: c.By, access: OnlyMe, users: map[UserID]uint64{}}
		co.shares[c.App] = sh
	}
	if sh != nil && sh.by == c.By && access != OnlyMe {
		sh.access, sh.email = access, c.Email
		if access == AllUsers {
			sh.allSeq = next
		} else {
			for _, x := range c.Users {
				if x != c.By {
					sh.users[x] = next
				}
			}
		}
		// The callback follows whether anyone but the installer has the app:
		// "specific users" naming only herself is a private install
		// (PD-SHARE-20).
		shared := sh.sharedWithOthers()
		effects = append(effects, SharingCallback{App: c.App, Company: u.company, User: c.By, IsShared: shared})
		if shared {
			effects = append(effects, addedNotice(a, u, sh, c.Email, c.Users, access))
		}
	} else {
		effects = append(effects, SharingCallback{App: c.App, Company: u.company, User: c.By, IsShared: false})
	}
	return w, effects, nil
}

// checkSharing is the validation common to sharing at install and in
// "Manage users" (PD-SHARE-02, 03, 05, 10, X-03).
func (s *state) checkSharing(a *appState, u *user, co *company, access Access, users []UserID) *Refusal {
	if a.Mode == ModeNone {
		return refuse("PD-SHARE-01", ReasonModeForbids, "%q has sharing mode none", a.ID)
	}
	if !u.admin {
		return refuse("PD-SHARE-03", ReasonNotAdmin, "user %d has no global admin permissions", u.id)
	}
	if sh := co.shares[a.ID]; sh != nil && sh.by != u.id {
		return refuse("PD-SHARE-10", ReasonNotAddingAdmin, "%q was added by user %d", a.ID, sh.by)
	}
	switch access {
	case OnlyMe, AllUsers:
	case SpecificUsers:
		if !a.AllowSpecificUsers {
			return refuse("PD-SHARE-05", ReasonSpecificUsersBlocked, "%q", a.ID)
		}
	default:
		return refuse("PD-SHARE-04", ReasonInvalid, "access %q", access)
	}
	return s.checkColleagues(co.id, users)
}

// checkColleagues refuses users who do not exist or belong to another
// company.
func (s *state) checkColleagues(c CompanyID, users []UserID) *Refusal {
	for _, x := range users {
		v, ok := s.users.get(x)
		if !ok {
			return refuse("X-02", ReasonUnknownUser, "user %d", x)
		}
		if v.company != c {
			return refuse("X-03", ReasonOtherCompany, "user %d is not in company %d", x, c)
		}
	}
	return nil
}

// addedNotice tells the newly added users: an email naming the admin and
// the app when the admin chose it, in-app notices otherwise (PD-SHARE-08).
func addedNotice(a *appState, by *user, sh *share, email bool, users []UserID, access Access) Effect {
	to := Audience{Company: by.company}
	if access == AllUsers {
		to.All, to.Except = true, []UserID{by.id}
	} else {
		for _, x := range users {
			if x != by.id {
				to.Users = append(to.Users, x)
			}
		}
	}
	if email {
		return Email{To: to, From: "noreply@pipedrive.com", Subject: fmt.Sprintf("%s added %s for you", by.name, a.Name)}
	}
	return Notice{Kind: NoticeAddedByAdmin, To: to, App: a.ID, By: by.id, Detail: fmt.Sprintf("%s added %s for you", by.name, a.Name)}
}

func (c Authorize) apply(s *state, _ time.Time) (who, []Effect, *Refusal) {
	a, u, co, ref := s.lookup(c.App, c.By)
	if ref != nil {
		return who{}, nil, ref
	}
	st := s.status(a, u)
	switch st {
	case StatusAuthorized:
		return who{}, nil, refuse("PD-SHARE-15", ReasonAlreadyAuthorized, "user %d, app %q", c.By, c.App)
	case StatusDisabled:
		return who{}, nil, refuse("ZM-11", ReasonAppDisabled, "%q is disabled in account %d", c.App, u.company)
	case StatusNone:
		if s.profile == Procore { // authorizing an integration installs it (PC-06, PC-10)
			return s.installOwn(a, u, co, c.Accept, "authorize")
		}
		return who{}, nil, refuse("PD-SHARE-15", ReasonNothingToAuthorize, "user %d has not been added to %q", c.By, c.App)
	}
	w := who{Actor: c.By, Company: u.company, App: c.App}
	if !c.Accept {
		return w, []Effect{Redirect{App: c.App, User: c.By, Denied: true}}, nil
	}
	prev, _ := u.auths.get(a)
	u.setAuth(a, authorization{version: a.version, by: prev.by})
	effects := []Effect{Redirect{App: c.App, User: c.By, InstallationURL: a.InstallationURL}}
	if st == StatusAuthorize { // a first authorization installs the app for the user
		effects = append(effects, SharingCallback{App: c.App, Company: u.company, User: c.By, IsShared: false})
	}
	return w, effects, nil
}

func (c ManageUsers) apply(s *state, _ time.Time) (who, []Effect, *Refusal) {
	a, u, co, ref := s.lookup(c.App, c.By)
	if ref != nil {
		return who{}, nil, ref
	}
	if ref := s.only(Pipedrive, "Manage users"); ref != nil {
		return who{}, nil, ref
	}
	// Who may manage comes before whether there is anything to manage: a
	// regular user is refused as not an admin (PD-SHARE-03, X-02).
	if a.Mode == ModeNone {
		return who{}, nil, refuse("PD-SHARE-01", ReasonModeForbids, "%q has sharing mode none", a.ID)
	}
	if !u.admin {
		return who{}, nil, refuse("PD-SHARE-03", ReasonNotAdmin, "user %d has no global admin permissions", u.id)
	}
	sh := co.shares[c.App]
	if sh == nil {
		return who{}, nil, refuse("PD-SHARE-25", ReasonNotInstalled, "%q has no company installation in company %d", c.App, co.id)
	}
	access := c.Access
	if access == "" {
		access = sh.access
		if access == OnlyMe && len(c.Add) > 0 {
			access = SpecificUsers
		}
	}
	if ref := s.checkSharing(a, u, co, access, append(slices.Clone(c.Add), c.Remove...)); ref != nil {
		return who{}, nil, ref
	}
	if access == OnlyMe && len(c.Add) > 0 {
		return who{}, nil, refuse("PD-SHARE-04", ReasonInvalid, "making the app private and adding users at once")
	}
	if slices.Contains(c.Add, c.By) || slices.Contains(c.Remove, c.By) {
		return who{}, nil, refuse("PD-SHARE-06", ReasonInvalid, "the adding admin always has the app")
	}
	next := s.seq + 1
	before := sh.sharedWithOthers()
	var added []UserID
	switch {
	case access == OnlyMe:
		clear(sh.users)
	case access == AllUsers:
		if sh.access != AllUsers {
			clear(sh.users)
			sh.allSeq = next
		}
		for _, x := range c.Add {
			if _, removed := sh.users[x]; removed {
				delete(sh.users, x)
				added = append(added, x)
			}
		}
		for _, x := range c.Remove {
			sh.users[x] = next
		}
	default: // SpecificUsers
		if sh.access == AllUsers {
			clear(sh.users)
		}
		for _, x := range c.Add {
			if _, ok := sh.users[x]; !ok {
				sh.users[x] = next
				added = append(added, x)
			}
		}
		for _, x := range c.Remove {
			delete(sh.users, x)
		}
	}
	wasAll := sh.access == AllUsers
	sh.access = access
	if access != OnlyMe {
		sh.email = c.Email
	}
	var effects []Effect
	switch {
	case access == AllUsers && !wasAll:
		effects = append(effects, addedNotice(a, u, sh, c.Email, nil, AllUsers))
	case len(added) > 0:
		effects = append(effects, addedNotice(a, u, sh, c.Email, added, SpecificUsers))
	}
	if after := sh.sharedWithOthers(); before != after {
		effects = append(effects, SharingCallback{App: c.App, Company: co.id, User: c.By, IsShared: after})
	}
	return who{Actor: c.By, Company: co.id, App: c.App}, effects, nil
}

func (c ChangeScopes) apply(s *state, _ time.Time) (who, []Effect, *Refusal) {
	a, ok := s.apps[c.App]
	if !ok {
		return who{}, nil, refuse("X-02", ReasonUnknownApp, "app %q", c.App)
	}
	granted, err := s.grantedScopes(c.Scopes)
	if err != nil {
		return who{}, nil, refuse("PD-SCOPE-02", ReasonInvalid, "%v", err)
	}
	a.Scopes, a.granted = slices.Clone(c.Scopes), granted
	a.version++ // every earlier authorization now needs re-authorizing
	return who{App: c.App}, nil, nil
}

func (c ExpireAuthorization) apply(s *state, _ time.Time) (who, []Effect, *Refusal) {
	a, u, _, ref := s.lookup(c.App, c.User)
	if ref != nil {
		return who{}, nil, ref
	}
	au, ok := u.auths.get(a)
	if !ok {
		return who{}, nil, refuse("PD-SHARE-15", ReasonNotInstalled, "user %d has not authorized %q", c.User, c.App)
	}
	au.expired = true
	u.setAuth(a, au)
	return who{Actor: c.User, Company: u.company, App: c.App}, nil, nil
}

func (c Uninstall) apply(s *state, at time.Time) (who, []Effect, *Refusal) {
	a, u, co, ref := s.lookup(c.App, c.By)
	if ref != nil {
		return who{}, nil, ref
	}
	if s.profile != Pipedrive {
		return s.uninstall(a, u, co, c.Confirmed, at)
	}
	if !u.auths.has(a) {
		return who{}, nil, refuse("PD-UNINST-01", ReasonNotInstalled, "user %d has not installed %q", c.By, c.App)
	}
	u.dropAuth(a)
	// The adding admin's uninstall ends the company installation (assumed):
	// the users it added keep only their own authorizations.
	if sh := co.shares[c.App]; sh != nil && sh.by == c.By {
		delete(co.shares, c.App)
	}
	return who{Actor: c.By, Company: u.company, App: c.App},
		[]Effect{UninstallCallback{App: c.App, Company: u.company, User: c.By, At: at}}, nil
}

func (c OpenApps) apply(s *state, _ time.Time) (who, []Effect, *Refusal) {
	u, ok := s.users.get(c.User)
	if !ok {
		return who{}, nil, refuse("X-02", ReasonUnknownUser, "user %d", c.User)
	}
	u.openedSeq = s.seq + 1
	return who{Actor: c.User, Company: u.company}, nil, nil
}

func (c CreateObject) apply(s *state, _ time.Time) (who, []Effect, *Refusal) {
	a, u, co, ref := s.lookup(c.App, c.By)
	if ref != nil {
		return who{}, nil, ref
	}
	if ref := s.only(Pipedrive, "company objects through Pipedrive's API"); ref != nil {
		return who{}, nil, ref
	}
	path, ok := objectEndpoints[c.Object]
	if !ok || c.Name == "" {
		return who{}, nil, refuse("PD-SCOPE-06", ReasonInvalid, "object kind %q, name %q", c.Object, c.Name)
	}
	if d := s.apiAccess(a, u, "POST", path); !d.Allowed {
		return who{}, nil, &Refusal{Reason: d.Reason, Rule: d.Rule, Detail: fmt.Sprintf("POST %s for user %d", path, u.id)}
	}
	k := objectKey{c.Object, c.Name}
	if _, ok := co.objects[k]; ok {
		return who{}, nil, refuse("PD-SCOPE-06", ReasonDuplicate, "%s %q", c.Object, c.Name)
	}
	co.objects[k] = c.App
	return who{Actor: c.By, Company: co.id, App: c.App}, nil, nil
}

// objectEndpoints is the API call that creates each kind of company object.
var objectEndpoints = map[ObjectKind]string{
	ActivityType: "/activityTypes",
	Pipeline:     "/pipelines",
	DealField:    "/dealFields",
}

// lookup finds the app, the user and the user's company a command names.
func (s *state) lookup(app AppID, id UserID) (*appState, *user, *company, *Refusal) {
	a, ok := s.apps[app]
	if !ok {
		return nil, nil, nil, refuse("X-02", ReasonUnknownApp, "app %q", app)
	}
	u, ok := s.users.get(id)
	if !ok {
		return nil, nil, nil, refuse("X-02", ReasonUnknownUser, "user %d", id)
	}
	return a, u, s.companies[u.company], nil
}

// grantedScopes parses an app's scopes against Pipedrive's catalogue. Other
// marketplaces' scopes are their own strings, which the model keeps as listed
// and never matches against an API (ZM-08).
func (s *state) grantedScopes(names []string) (scopes.Set, error) {
	if s.profile != Pipedrive {
		for _, n := range names {
			if strings.TrimSpace(n) == "" {
				return 0, fmt.Errorf("an empty scope")
			}
		}
		return 0, nil
	}
	set, err := scopes.ParseSet(names)
	if err != nil {
		return 0, err
	}
	return set.With("base"), nil
}

func validMode(m SharingMode) bool {
	return m == ModeNone || m == ModeAddToAccount || m == ModeSharedExtensions
}

func partyName(p Party) string {
	if p == "" {
		return "an unnamed party"
	}
	return "the " + string(p)
}

func sortedKeys[K interface{ ~string | ~int64 }, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
