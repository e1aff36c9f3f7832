package steps

import (
	"fmt"
	"strings"

	"github.com/cucumber/godog"

	"github.com/appcert/appcert/reference"
)

func installSteps() []def {
	return []def{
		{Phrase: Phrase{Area: AreaInstalls,
			Pattern: `{person} [installs|has installed] {app}`,
			Example: `Bob installs "Notes Sync"`},
			run: func(w *world, a []string, _ *godog.Table) error { return install(w, a[0], a[1], "only me", "", true) }},
		{Phrase: Phrase{Area: AreaInstalls,
			Pattern: `{person} [installs|has installed] {app} for {access}{email}`,
			Example: `Alice installs "Deal Insights" for Bob and Carol and emails them`},
			run: func(w *world, a []string, _ *godog.Table) error { return install(w, a[0], a[1], a[2], a[3], true) }},
		{Phrase: Phrase{Area: AreaInstalls,
			Pattern: `{person} installs {app} and denies the scopes`,
			Example: `Bob installs "Notes Sync" and denies the scopes`},
			run: func(w *world, a []string, _ *godog.Table) error { return install(w, a[0], a[1], "only me", "", false) }},
		{Phrase: Phrase{Area: AreaInstalls,
			Pattern: `{person} [authorizes|has authorized|re-authorizes] {app}`,
			Example: `Bob authorizes "Deal Insights"`},
			run: func(w *world, a []string, _ *godog.Table) error { return authorize(w, a[0], a[1], true) }},
		{Phrase: Phrase{Area: AreaInstalls,
			Pattern: `{person} denies the scopes of {app}`,
			Example: `Bob denies the scopes of "Deal Insights"`},
			run: func(w *world, a []string, _ *godog.Table) error { return authorize(w, a[0], a[1], false) }},
		{Phrase: Phrase{Area: AreaInstalls,
			Pattern: `{person} [adds|has added] {app} to {people}{email}`,
			Example: `Alice adds "Deal Insights" to Carol and Dave`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return manage(w, a[0], a[1], "", a[2], "", a[3])
			}},
		{Phrase: Phrase{Area: AreaInstalls,
			Pattern: `{person} [adds|has added] {app} to all users{email}`,
			Example: `Alice adds "Deal Insights" to all users`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return manage(w, a[0], a[1], reference.AllUsers, "", "", a[2])
			}},
		{Phrase: Phrase{Area: AreaInstalls,
			Pattern: `{person} removes {app} from {people}`,
			Example: `Alice removes "Deal Insights" from Bob`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return manage(w, a[0], a[1], "", "", a[2], "")
			}},
		{Phrase: Phrase{Area: AreaInstalls,
			Pattern: `{person} makes {app} private`,
			Example: `Alice makes "Deal Insights" private`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return manage(w, a[0], a[1], reference.OnlyMe, "", "", "")
			}},
		{Phrase: Phrase{Area: AreaInstalls,
			Pattern: `{person} saves "Manage users" for {app} adding {people} and removing {people}{email}`,
			Example: `Alice saves "Manage users" for "Deal Insights" adding Carol and Dave and removing Bob`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return manage(w, a[0], a[1], "", a[2], a[3], a[4])
			}},
		{Phrase: Phrase{Area: AreaInstalls,
			Pattern: `{person} opens "Manage users" for {app}`,
			Example: `Dave opens "Manage users" for "Deal Insights"`},
			run: openManageUsers},
		{Phrase: Phrase{Area: AreaInstalls,
			Pattern: `{person} opens Pipedrive`,
			Example: `Bob opens Pipedrive`},
			run: func(w *world, a []string, _ *godog.Table) error {
				u, err := w.person(a[0])
				if err != nil {
					return err
				}
				return w.do(reference.OpenApps{User: u})
			}},
		{Phrase: Phrase{Area: AreaInstalls,
			Pattern: `{person} [uninstalls|has uninstalled] {app}`,
			Example: `Bob uninstalls "Notes Sync"`},
			run: func(w *world, a []string, _ *godog.Table) error {
				u, app, err := w.personApp(a[0], a[1])
				if err != nil {
					return err
				}
				return w.do(reference.Uninstall{App: app, By: u, Confirmed: true})
			}},
		{Phrase: Phrase{Area: AreaInstalls,
			Pattern: `{person} starts uninstalling {app} but does not confirm`,
			Example: `Bob starts uninstalling "Z Notes" but does not confirm`,
			Note: `Zoom only. Declining the confirmation is recorded as a refusal: follow it with ` +
				`Then it is refused because "uninstall not confirmed" (and, if you like, And nothing has changed).`},
			run: func(w *world, a []string, _ *godog.Table) error {
				u, app, err := w.personApp(a[0], a[1])
				if err != nil {
					return err
				}
				if w.profile != reference.Zoom {
					return fmt.Errorf("only Zoom asks to confirm an uninstall; this scenario runs %s (tag the feature @zoom)", w.profile)
				}
				return w.do(reference.Uninstall{App: app, By: u})
			}},
		{Phrase: Phrase{Area: AreaInstalls,
			Pattern: `{person}'s authorization of {app} expires`,
			Example: `Bob's authorization of "Deal Insights" expires`},
			run: func(w *world, a []string, _ *godog.Table) error {
				u, app, err := w.personApp(a[0], a[1])
				if err != nil {
					return err
				}
				return w.do(reference.ExpireAuthorization{App: app, User: u})
			}},
	}
}

func (w *world) personApp(person, app string) (reference.UserID, reference.AppID, error) {
	u, err := w.person(person)
	if err != nil {
		return 0, "", err
	}
	id, err := w.app(app)
	return u, id, err
}

// personAppMarket is personApp for a step that then queries the market,
// with the scenario's apps listed.
func (w *world) personAppMarket(person, app string) (*reference.Market, reference.UserID, reference.AppID, error) {
	u, id, err := w.personApp(person, app)
	if err != nil {
		return nil, 0, "", err
	}
	m, err := w.market()
	return m, u, id, err
}

// access reads "only me" (or herself, himself, themselves, with or
// without "only"), "all users" or a list of people.
func (w *world) access(s string) (reference.Access, []reference.UserID, error) {
	switch {
	case strings.HasPrefix(s, "only "), s == "herself", s == "himself", s == "themselves":
		return reference.OnlyMe, nil, nil
	case s == "all users":
		return reference.AllUsers, nil, nil
	}
	ids, err := w.personList(s)
	return reference.SpecificUsers, ids, err
}

func install(w *world, person, app, access, email string, accept bool) error {
	u, id, err := w.personApp(person, app)
	if err != nil {
		return err
	}
	acc, users, err := w.access(access)
	if err != nil {
		return err
	}
	return w.do(reference.Install{App: id, By: u, Access: acc, Users: users, Email: email != "", Accept: accept})
}

func authorize(w *world, person, app string, accept bool) error {
	u, id, err := w.personApp(person, app)
	if err != nil {
		return err
	}
	return w.do(reference.Authorize{App: id, By: u, Accept: accept})
}

// manage is a save of the "Manage users" view ("+ Add" included).
func manage(w *world, person, app string, access reference.Access, add, remove, email string) error {
	u, id, err := w.personApp(person, app)
	if err != nil {
		return err
	}
	c := reference.ManageUsers{App: id, By: u, Access: access, Email: email != ""}
	if add != "" {
		if c.Add, err = w.personList(add); err != nil {
			return err
		}
	}
	if remove != "" {
		if c.Remove, err = w.personList(remove); err != nil {
			return err
		}
	}
	return w.do(c)
}

func openManageUsers(w *world, a []string, _ *godog.Table) error {
	m, u, id, err := w.personAppMarket(a[0], a[1])
	if err != nil {
		return err
	}
	v, err := m.ManageUsersView(id, u)
	if err != nil {
		ref, ok := err.(*reference.Refusal)
		if !ok {
			return fmt.Errorf("opening Manage users: %v", err)
		}
		w.view = nil
		w.refuse(ref)
		return nil
	}
	w.view, w.viewer, w.refusal = &v, u, nil
	return nil
}
