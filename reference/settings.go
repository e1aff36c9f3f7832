package reference

import (
	"slices"
	"strings"
	"time"
)

// SetAllowUserInstalls is a Procore company admin switching the company's
// "Allow User Installs" setting (PC-01), ON by default.
type SetAllowUserInstalls struct {
	By    UserID
	Allow bool
}

// AccountPermissions is a Zoom account's Permissions page (ZM-03, 04, 05,
// 14). The zero value, nothing required and nothing blocked, is a new
// account's.
type AccountPermissions struct {
	RequirePreApproval    bool // members need pre-approval to install a public app (ZM-03)
	RequireForDevelopment bool // members need pre-approval to install a development app (ZM-05)
	ExemptOwnerApps       bool // apps the marketplace owner made need none (ZM-04)
	ExemptMemberApps      bool // apps the account's members made need none (ZM-04)
	BlockUserInstalls     bool // members may not install apps at all (ZM-14)
}

// SetAccountPermissions is a Zoom admin with Marketplace:Edit saving the
// account's Permissions page. Installations made before stay (ZM-06).
type SetAccountPermissions struct {
	By          UserID
	Permissions AccountPermissions
}

// SetPreApproval is a Zoom admin with Marketplace:Edit switching an app's
// Pre-approve setting. On, WhoCanInstall optionally limits installs to the
// listed addresses, for an app installed on the account or made by one of
// its members (ZM-09). Off, the app is disabled for every user of the
// account until it is pre-approved again (ZM-11, ZM-18).
type SetPreApproval struct {
	App           AppID
	By            UserID
	On            bool
	WhoCanInstall []string
}

// SetRequestEmails is a Zoom admin with Marketplace:Edit turning the
// pre-approval request email on or off and choosing up to five recipients
// among the admins holding Marketplace:Edit; none chosen, every such admin
// gets it (ZM-10).
type SetRequestEmails struct {
	By         UserID
	On         bool
	Recipients []UserID
}

// SetRole is a Zoom account admin setting a user's Marketplace role (admins
// only, set by an admin holding Marketplace:Edit) and the scopes the user
// holds (ZM-02, ZM-08, ZM-16, ZM-25).
type SetRole struct {
	User        UserID
	By          UserID
	Marketplace MarketplaceAccess
	Scopes      []string
}

func (SetAllowUserInstalls) Kind() string  { return "set_allow_user_installs" }
func (SetAccountPermissions) Kind() string { return "set_account_permissions" }
func (SetPreApproval) Kind() string        { return "set_pre_approval" }
func (SetRequestEmails) Kind() string      { return "set_request_emails" }
func (SetRole) Kind() string               { return "set_role" }

// maxRecipients is how many admins the pre-approval request email may name
// (ZM-10).
const maxRecipients = 5

// actor finds the acting user of a setting command and checks the profile.
func (s *state) actor(p Profile, what string, by UserID) (*user, *company, *Refusal) {
	if ref := s.only(p, what); ref != nil {
		return nil, nil, ref
	}
	u, ok := s.users.get(by)
	if !ok {
		return nil, nil, refuse("X-02", ReasonUnknownUser, "user %d", by)
	}
	return u, s.companies[u.company], nil
}

// editor is actor for the commands that need Marketplace:Edit (ZM-02).
func (s *state) editor(what string, by UserID, rule string) (*user, *company, *Refusal) {
	u, co, ref := s.actor(Zoom, what, by)
	if ref == nil && !u.canEdit() {
		ref = refuse(rule, ReasonNotMarketplaceEdit, "user %d", by)
	}
	return u, co, ref
}

func (c SetAllowUserInstalls) apply(s *state, _ time.Time) (who, []Effect, *Refusal) {
	u, co, ref := s.actor(Procore, "Allow User Installs", c.By)
	if ref != nil {
		return who{}, nil, ref
	}
	if !u.admin {
		return who{}, nil, refuse("PC-01", ReasonNotAdmin, "user %d is not a company admin", c.By)
	}
	co.userInstallsOff = !c.Allow
	return who{Actor: c.By, Company: co.id}, nil, nil
}

func (c SetAccountPermissions) apply(s *state, _ time.Time) (who, []Effect, *Refusal) {
	_, co, ref := s.editor("account permissions", c.By, "ZM-02")
	if ref != nil {
		return who{}, nil, ref
	}
	co.perms = c.Permissions
	return who{Actor: c.By, Company: co.id}, nil, nil
}

func (c SetPreApproval) apply(s *state, _ time.Time) (who, []Effect, *Refusal) {
	u, co, ref := s.editor("pre-approval", c.By, "ZM-07")
	if ref != nil {
		return who{}, nil, ref
	}
	a, ok := s.apps[c.App]
	if !ok {
		return who{}, nil, refuse("X-02", ReasonUnknownApp, "app %q", c.App)
	}
	pa := co.preapprovals[c.App]
	if !c.On {
		if len(c.WhoCanInstall) > 0 {
			return who{}, nil, refuse("ZM-09", ReasonInvalid, "a Who Can Install list for an app switched off")
		}
		if pa == nil || !pa.on {
			return who{}, nil, refuse("ZM-11", ReasonNotPreApproved, "%q is not pre-approved in account %d", c.App, co.id)
		}
		pa.on, pa.whoCanInstall = false, nil
		return who{Actor: c.By, Company: co.id, App: c.App}, nil, nil
	}
	list, ref := normalEmails(c.WhoCanInstall)
	if ref != nil {
		return who{}, nil, ref
	}
	if len(list) > 0 && !s.installed(a, u) && a.MakerCompany != co.id {
		return who{}, nil, refuse("ZM-09", ReasonNotActivated, "%q is neither installed on nor made by account %d", c.App, co.id)
	}
	co.preapprovals[c.App] = &preApproval{on: true, whoCanInstall: list}
	return who{Actor: c.By, Company: co.id, App: c.App}, nil, nil
}

// normalEmails lower-cases, sorts and de-duplicates a Who Can Install list.
func normalEmails(in []string) ([]string, *Refusal) {
	if len(in) == 0 {
		return nil, nil
	}
	out := make([]string, 0, len(in))
	for _, e := range in {
		e = strings.ToLower(strings.TrimSpace(e))
		if !strings.Contains(e, "@") {
			return nil, refuse("ZM-09", ReasonInvalid, "email address %q", e)
		}
		out = append(out, e)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func (c SetRequestEmails) apply(s *state, _ time.Time) (who, []Effect, *Refusal) {
	_, co, ref := s.editor("request email", c.By, "ZM-10")
	if ref != nil {
		return who{}, nil, ref
	}
	var to []UserID
	if len(c.Recipients) > 0 {
		to = slices.Clone(c.Recipients)
		slices.Sort(to)
		to = slices.Compact(to)
	}
	if len(to) > maxRecipients {
		return who{}, nil, refuse("ZM-10", ReasonTooManyRecipients, "%d recipients chosen", len(to))
	}
	if ref := s.checkColleagues(co.id, to); ref != nil {
		return who{}, nil, ref
	}
	for _, id := range to {
		if !s.users.at(id).canEdit() {
			return who{}, nil, refuse("ZM-10", ReasonNotMarketplaceEdit, "recipient %d", id)
		}
	}
	co.emailsOff, co.recipients = !c.On, to
	return who{Actor: c.By, Company: co.id}, nil, nil
}

func (c SetRole) apply(s *state, _ time.Time) (who, []Effect, *Refusal) {
	by, co, ref := s.actor(Zoom, "roles", c.By)
	if ref != nil {
		return who{}, nil, ref
	}
	if !by.admin {
		return who{}, nil, refuse("ZM-16", ReasonNotAdmin, "user %d", c.By)
	}
	if ref := s.checkColleagues(co.id, []UserID{c.User}); ref != nil {
		return who{}, nil, ref
	}
	u := s.users.at(c.User)
	held, ref := s.checkRole(u.admin, c.Marketplace, c.Scopes)
	if ref != nil {
		return who{}, nil, ref
	}
	// Only an admin holding Marketplace:Edit changes a Marketplace role,
	// their own included; otherwise any admin could give themselves the
	// role that gates the account's apps (assumed: ZM-25).
	if c.Marketplace != u.market && !by.canEdit() {
		return who{}, nil, refuse("ZM-25", ReasonNotMarketplaceEdit, "user %d changes Marketplace roles without Marketplace:Edit", c.By)
	}
	u.market, u.scopes = c.Marketplace, held
	return who{Actor: c.By, Company: co.id}, nil, nil
}
