package steps

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/cucumber/godog"

	"github.com/appcert/appcert/reference"
)

// permissions are the switches of a Zoom account's Permissions page, in
// the words scenarios use.
var permissions = map[string]func(*reference.AccountPermissions) *bool{
	"Require pre-approval":                      func(p *reference.AccountPermissions) *bool { return &p.RequirePreApproval },
	"Require pre-approval for development apps": func(p *reference.AccountPermissions) *bool { return &p.RequireForDevelopment },
	"Exempt apps made by Zoom":                  func(p *reference.AccountPermissions) *bool { return &p.ExemptOwnerApps },
	"Exempt apps made by account members":       func(p *reference.AccountPermissions) *bool { return &p.ExemptMemberApps },
	"Block user installs":                       func(p *reference.AccountPermissions) *bool { return &p.BlockUserInstalls },
}

func permissionNames() string {
	var ns []string
	for n := range permissions {
		ns = append(ns, fmt.Sprintf("%q", n))
	}
	slices.Sort(ns)
	return strings.Join(ns, ", ")
}

// zoomSteps are the steps of the Zoom suite (ZM rules).
func zoomSteps() []def {
	return []def{
		{Phrase: Phrase{Area: AreaZoom,
			Pattern: `the app {app} is an account-level app`,
			Example: `the app "CRM" is an account-level app`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return w.draft(a[0], func(x *reference.App) { x.Level = reference.AccountLevel })
			}},
		{Phrase: Phrase{Area: AreaZoom,
			Pattern: `the app {app} is a user-level app`,
			Example: `the app "Z Notes" is a user-level app`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return w.draft(a[0], func(x *reference.App) { x.Level = reference.UserLevel })
			}},
		{Phrase: Phrase{Area: AreaZoom,
			Pattern: `the app {app} is a development app`,
			Example: `the app "Third Dev" is a development app`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return w.draft(a[0], func(x *reference.App) { x.Development = true })
			}},
		{Phrase: Phrase{Area: AreaZoom,
			Pattern: `the app {app} is made by Zoom`,
			Example: `the app "Whiteboard" is made by Zoom`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return w.draft(a[0], func(x *reference.App) { x.MadeByOwner = true })
			}},
		{Phrase: Phrase{Area: AreaZoom,
			Pattern: `the app {app} is made by a member of {company}`,
			Example: `the app "Acme Dev" is made by a member of "Acme"`},
			run: func(w *world, a []string, _ *godog.Table) error {
				co, err := w.company(a[1])
				if err != nil {
					return err
				}
				return w.draft(a[0], func(x *reference.App) { x.MakerCompany = co })
			}},
		{Phrase: Phrase{Area: AreaZoom,
			Pattern: `{person} [turns|has turned] the permission {text} {setting}`,
			Example: `Alice turns the permission "Require pre-approval" ON`},
			run: setPermission},
		{Phrase: Phrase{Area: AreaZoom,
			Pattern: `the permission {text} is {setting} for {company}`,
			Example: `the permission "Require pre-approval" is OFF for "Acme"`},
			run: permissionIs},
		{Phrase: Phrase{Area: AreaZoom,
			Pattern: `{person} [pre-approves|has pre-approved] {app}`,
			Example: `Alice pre-approves "Recorder"`},
			run: func(w *world, a []string, _ *godog.Table) error { return preApprove(w, a[0], a[1], true, "") }},
		{Phrase: Phrase{Area: AreaZoom,
			Pattern: `{person} [pre-approves|has pre-approved] {app} with Who Can Install {text}`,
			Example: `Alice pre-approves "Z Notes" with Who Can Install "carol@acme.example"`},
			run: func(w *world, a []string, _ *godog.Table) error { return preApprove(w, a[0], a[1], true, a[2]) }},
		{Phrase: Phrase{Area: AreaZoom,
			Pattern: `{person} [switches|has switched] off the pre-approval of {app}`,
			Example: `Alice switches off the pre-approval of "Z Notes"`},
			run: func(w *world, a []string, _ *godog.Table) error { return preApprove(w, a[0], a[1], false, "") }},
		{Phrase: Phrase{Area: AreaZoom,
			Pattern: `{app} is {text} in {company}`,
			Example: `"Recorder" is "pre-approved" in "Acme"`},
			run: preApprovalIs},
		{Phrase: Phrase{Area: AreaZoom,
			Pattern: `{person} [turns|has turned] the pre-approval request email {setting}`,
			Example: `Alice turns the pre-approval request email OFF`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return requestEmails(w, a[0], a[1] == "ON", "", false)
			}},
		{Phrase: Phrase{Area: AreaZoom,
			Pattern: `{person} [chooses|has chosen] {people} to get the pre-approval request email`,
			Example: `Alice chooses Erin to get the pre-approval request email`},
			run: func(w *world, a []string, _ *godog.Table) error { return requestEmails(w, a[0], true, a[1], true) }},
		{Phrase: Phrase{Area: AreaZoom,
			Pattern: `pre-approval requests in {company} are emailed to {people}`,
			Example: `pre-approval requests in "Acme" are emailed to Alice and Erin`},
			run: func(w *world, a []string, _ *godog.Table) error { return emailedTo(w, a[0], a[1]) }},
		{Phrase: Phrase{Area: AreaZoom,
			Pattern: `pre-approval requests in {company} are emailed to nobody`,
			Example: `pre-approval requests in "Acme" are emailed to nobody`},
			run: func(w *world, a []string, _ *godog.Table) error { return emailedTo(w, a[0], "") }},
		{Phrase: Phrase{Area: AreaZoom,
			Pattern: `{person} [gives|has given] {person} the Marketplace role {text}`,
			Example: `Alice gives Dave the Marketplace role "Marketplace:Edit"`},
			run: func(w *world, a []string, _ *godog.Table) error { return setRole(w, a[0], a[1], a[2], nil, true) }},
		{Phrase: Phrase{Area: AreaZoom,
			Pattern: `{person} [gives|has given] {person} the scopes {text}`,
			Example: `Alice gives Carol the scopes "meeting:read, recording:read"`,
			Note:    "adds to the scopes the person holds; to replace them, use \"{person} sets {person}'s scopes to {text}\""},
			run: func(w *world, a []string, _ *godog.Table) error {
				u, err := w.person(a[1])
				if err != nil {
					return err
				}
				return setRole(w, a[0], a[1], "", append(slices.Clone(w.roles[u].scopes), scopeList(a[2])...), false)
			}},
		{Phrase: Phrase{Area: AreaZoom,
			Pattern: `{person} [sets|has set] {person}'s scopes to {text}`,
			Example: `Alice sets Carol's scopes to "meeting:read"`,
			Note:    "replaces the scopes the person holds; \"\" for none"},
			run: func(w *world, a []string, _ *godog.Table) error {
				return setRole(w, a[0], a[1], "", scopeList(a[2]), false)
			}},
		{Phrase: Phrase{Area: AreaZoom,
			Pattern: `{person} may install {app}`,
			Example: `Carol may install "Whiteboard"`},
			run: func(w *world, a []string, _ *godog.Table) error { return mayInstall(w, a[0], a[1], true, "") }},
		{Phrase: Phrase{Area: AreaZoom,
			Pattern: `{person} may not install {app} because {text}`,
			Example: `Carol may not install "Recorder" because "pre-approval required"`},
			run: func(w *world, a []string, _ *godog.Table) error { return mayInstall(w, a[0], a[1], false, a[2]) }},
		{Phrase: Phrase{Area: AreaZoom,
			Pattern: `{person} is shown the missing permissions {text} for {app}`,
			Example: `Carol is shown the missing permissions "recording:read, cloud:write" for "Recorder"`},
			run: missingPermissions},
		{Phrase: Phrase{Area: AreaZoom,
			Pattern: `{person} has {app} through the account`,
			Example: `Bob has "CRM" through the account`},
			run: func(w *world, a []string, _ *godog.Table) error {
				m, u, id, err := w.personAppMarket(a[0], a[1])
				if err != nil {
					return err
				}
				in, ok := m.Installation(id, u)
				switch {
				case !ok:
					return fmt.Errorf("%s does not have %q", a[0], a[1])
				case !in.Account:
					return fmt.Errorf("%s has %q through their own installation, not the account's", a[0], a[1])
				}
				return nil
			}},
	}
}

func setPermission(w *world, a []string, _ *godog.Table) error {
	u, err := w.person(a[0])
	if err != nil {
		return err
	}
	field, ok := permissions[a[1]]
	if !ok {
		return fmt.Errorf("there is no permission %q; the permissions are %s", a[1], permissionNames())
	}
	m, err := w.market()
	if err != nil {
		return err
	}
	p, _ := m.Permissions(w.companyOf(u))
	*field(&p) = a[2] == "ON"
	return w.do(reference.SetAccountPermissions{By: u, Permissions: p})
}

func permissionIs(w *world, a []string, _ *godog.Table) error {
	field, ok := permissions[a[0]]
	if !ok {
		return fmt.Errorf("there is no permission %q; the permissions are %s", a[0], permissionNames())
	}
	co, err := w.company(a[2])
	if err != nil {
		return err
	}
	m, err := w.market()
	if err != nil {
		return err
	}
	p, _ := m.Permissions(co)
	if got := onOff(*field(&p)); got != a[1] {
		return fmt.Errorf("the permission %q is %s for %q, not %s", a[0], got, a[2], a[1])
	}
	return nil
}

func preApprove(w *world, person, app string, on bool, who string) error {
	u, id, err := w.personApp(person, app)
	if err != nil {
		return err
	}
	return w.do(reference.SetPreApproval{App: id, By: u, On: on, WhoCanInstall: scopeList(who)})
}

// preApprovalIs checks an app's pre-approval in an account: "pre-approved",
// "not pre-approved" or "disabled" (switched off after being on).
func preApprovalIs(w *world, a []string, _ *godog.Table) error {
	id, err := w.app(a[0])
	if err != nil {
		return err
	}
	co, err := w.company(a[2])
	if err != nil {
		return err
	}
	m, err := w.market()
	if err != nil {
		return err
	}
	pa := m.PreApproval(co, id)
	got := "not pre-approved"
	switch {
	case pa.On:
		got = "pre-approved"
	case pa.Disabled:
		got = "disabled"
	}
	switch a[1] {
	case "pre-approved", "not pre-approved", "disabled":
	default:
		return fmt.Errorf(`write "pre-approved", "not pre-approved" or "disabled", not %q`, a[1])
	}
	if got != a[1] {
		return fmt.Errorf("%q is %s in %q, not %s", a[0], got, a[2], a[1])
	}
	return nil
}

func requestEmails(w *world, person string, on bool, recipients string, choose bool) error {
	u, err := w.person(person)
	if err != nil {
		return err
	}
	m, err := w.market()
	if err != nil {
		return err
	}
	cur, _ := m.RequestEmails(w.companyOf(u))
	to := cur.Recipients
	if choose {
		if to, err = w.personList(recipients); err != nil {
			return err
		}
	}
	return w.do(reference.SetRequestEmails{By: u, On: on, Recipients: to})
}

func emailedTo(w *world, company, people string) error {
	co, err := w.company(company)
	if err != nil {
		return err
	}
	m, err := w.market()
	if err != nil {
		return err
	}
	s, _ := m.RequestEmails(co)
	var got []string
	for _, u := range s.To {
		got = append(got, w.nameOf(u))
	}
	if want := splitNames(people); !slices.Equal(sorted(got), sorted(want)) {
		return fmt.Errorf("pre-approval requests in %q are emailed to %s, not %s", company, joinNames(got), joinNames(want))
	}
	return nil
}

func setRole(w *world, admin, person, market string, held []string, setMarket bool) error {
	by, err := w.person(admin)
	if err != nil {
		return err
	}
	u, err := w.person(person)
	if err != nil {
		return err
	}
	r := w.roles[u]
	if setMarket {
		r.market = reference.MarketplaceAccess(market)
		if market == "none" {
			r.market = reference.MarketplaceNone
		}
	} else {
		r.scopes = held
	}
	if err := w.do(reference.SetRole{User: u, By: by, Marketplace: r.market, Scopes: r.scopes}); err != nil {
		return err
	}
	if w.lastResult.OK() {
		w.roles[u] = r
	}
	return nil
}

func mayInstall(w *world, person, app string, want bool, reason string) error {
	m, u, id, err := w.personAppMarket(person, app)
	if err != nil {
		return err
	}
	err = m.CanInstall(id, u)
	var ref *reference.Refusal
	errors.As(err, &ref)
	switch {
	case want && ref != nil:
		return fmt.Errorf("%s may not install %q: %s (rule %s: %s)", person, app, ref.Reason, ref.Rule, ref.Detail)
	case !want && ref == nil:
		return fmt.Errorf("%s may install %q", person, app)
	case !want && string(ref.Reason) != reason:
		return fmt.Errorf("%s may not install %q because %q (rule %s), not because %q", person, app, ref.Reason, ref.Rule, reason)
	}
	return nil
}

func missingPermissions(w *world, a []string, _ *godog.Table) error {
	m, u, id, err := w.personAppMarket(a[0], a[2])
	if err != nil {
		return err
	}
	got := m.MissingScopes(id, u)
	if want := scopeList(a[1]); !slices.Equal(got, want) {
		return fmt.Errorf("%s is shown the missing permissions %q for %q, not %q", a[0], strings.Join(got, ", "), a[2], a[1])
	}
	return nil
}
