package steps

import (
	"fmt"
	"strings"

	"github.com/cucumber/godog"

	"github.com/appcert/appcert/reference"
)

func peopleSteps() []def {
	return []def{
		{Phrase: Phrase{Area: AreaPeople, Table: true,
			Pattern: `the company {company} with these people:`,
			Example: "the company \"Acme\" with these people:\n  | name  | role  |\n  | Alice | admin |\n  | Bob   | user  |"},
			run: companyWithPeople},
		{Phrase: Phrase{Area: AreaPeople,
			Pattern: `{person} joins {company}`,
			Example: `Erin joins "Acme"`},
			run: func(w *world, a []string, _ *godog.Table) error { return join(w, a[0], a[1], "user", "") }},
		{Phrase: Phrase{Area: AreaPeople,
			Pattern: `{person} joins {company} as an admin`,
			Example: `Erin joins "Acme" as an admin`},
			run: func(w *world, a []string, _ *godog.Table) error { return join(w, a[0], a[1], "admin", "") }},
	}
}

// companyWithPeople adds a company and its people. The table has a name
// and a role (admin or user) column, and optionally an email column; a
// missing email is name@company.example.
func companyWithPeople(w *world, a []string, t *godog.Table) error {
	name := a[0]
	if _, ok := w.companies[name]; ok {
		return fmt.Errorf("the company %q is already in this scenario", name)
	}
	id := reference.CompanyID(len(w.companies) + 1)
	if err := w.do(reference.AddCompany{Company: id, Name: name}); err != nil {
		return err
	}
	if w.refusal != nil && !w.refusal.checked {
		return w.unchecked()
	}
	w.companies[name] = id
	rows, err := tableRows(t, "name", "role")
	if err != nil {
		return err
	}
	for _, r := range rows {
		if err := joinWith(w, r["name"], name, r["role"], r["email"], scopeList(r["scopes"])); err != nil {
			return err
		}
	}
	return nil
}

// join adds a person to a company. The role is "admin" (global admin
// permissions; Procore's company admin; Zoom's account admin), "user", or
// in Zoom "admin with Marketplace:Edit" or "admin with Marketplace:View".
func join(w *world, person, companyName, role, email string) error {
	return joinWith(w, person, companyName, role, email, nil)
}

func joinWith(w *world, person, companyName, roleText, email string, held []string) error {
	co, err := w.company(companyName)
	if err != nil {
		return err
	}
	if _, ok := w.people[person]; ok {
		return fmt.Errorf("%s is already in this scenario; people's names must be unique", person)
	}
	var admin bool
	var market reference.MarketplaceAccess
	switch strings.ToLower(strings.TrimSpace(roleText)) {
	case "admin":
		admin = true
	case "admin with marketplace:edit":
		admin, market = true, reference.MarketplaceEdit
	case "admin with marketplace:view":
		admin, market = true, reference.MarketplaceView
	case "user", "":
	default:
		return fmt.Errorf("the role of %s is %q; write admin, user, admin with Marketplace:Edit or admin with Marketplace:View", person, roleText)
	}
	if email == "" {
		email = strings.ToLower(person) + "@" + strings.ToLower(strings.ReplaceAll(companyName, " ", "")) + ".example"
	}
	id := reference.UserID(int64(co)*100 + int64(len(w.people)) + 1)
	w.people[person] = id
	w.roles[id] = role{market: market, scopes: held}
	return w.do(reference.JoinCompany{User: id, Company: co, Name: person, Email: email, Admin: admin, Marketplace: market, Scopes: held})
}

// tableRows reads a data table whose first row names the columns, and
// requires the named columns.
func tableRows(t *godog.Table, required ...string) ([]map[string]string, error) {
	if t == nil || len(t.Rows) == 0 {
		return nil, fmt.Errorf("this step needs a table whose first row names the columns: %s", strings.Join(required, ", "))
	}
	var cols []string
	for _, c := range t.Rows[0].Cells {
		cols = append(cols, strings.ToLower(strings.TrimSpace(c.Value)))
	}
	for _, r := range required {
		found := false
		for _, c := range cols {
			found = found || c == r
		}
		if !found {
			return nil, fmt.Errorf("the table has no %q column (it has %s)", r, strings.Join(cols, ", "))
		}
	}
	var out []map[string]string
	for _, row := range t.Rows[1:] {
		m := map[string]string{}
		for i, c := range row.Cells {
			if i < len(cols) {
				m[cols[i]] = strings.TrimSpace(c.Value)
			}
		}
		out = append(out, m)
	}
	return out, nil
}
