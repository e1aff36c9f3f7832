package sim

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/appcert/appcert/reference"
)

// Names resolves IDs to the names the feature steps use.
type Names interface {
	User(reference.UserID) (reference.User, bool)
	App(reference.AppID) (reference.App, bool)
	Market() *reference.Market
}

// Words returns cmds as Gherkin steps in the feature suite's phrasing, one
// a line, so a shrunk counterexample pastes into a .feature file. Listing
// commands (companies, apps) are Given steps, the rest When steps; a
// repeated keyword becomes And.
func Words(n Names, cmds []reference.Command) string {
	var b strings.Builder
	last := ""
	for _, c := range cmds {
		kw := "When"
		switch c.(type) {
		case reference.AddCompany, reference.PublishApp:
			kw = "Given"
		}
		shown := kw
		if kw == last {
			shown = "And"
		}
		last = kw
		fmt.Fprintf(&b, "    %s %s\n", shown, Phrase(n, c))
	}
	return b.String()
}

// Phrase is one command in the words of a feature step, without its keyword.
func Phrase(n Names, c reference.Command) string {
	user := func(id reference.UserID) string { return strconv.Quote(userName(n, id)) }
	app := func(id reference.AppID) string {
		if a, ok := n.App(id); ok {
			return strconv.Quote(a.Name)
		}
		return strconv.Quote(string(id))
	}
	switch x := c.(type) {
	case reference.AddCompany:
		return fmt.Sprintf("a company %q", x.Name)
	case reference.JoinCompany:
		s := fmt.Sprintf("%q joins %s", x.Name, companyName(n, x.Company))
		if x.Admin {
			s += " as an admin"
		}
		return s
	case reference.PublishApp:
		a := x.App
		s := fmt.Sprintf("an app %q with sharing mode %q", a.Name, a.Mode)
		if a.AllowSpecificUsers {
			s += " that allows specific users"
		}
		if len(a.Scopes) > 0 {
			s += fmt.Sprintf(", scopes %q", strings.Join(a.Scopes, ", "))
		}
		if len(a.Extensions) > 0 {
			ks := make([]string, len(a.Extensions))
			for i, k := range a.Extensions {
				ks[i] = string(k)
			}
			s += fmt.Sprintf(" and extensions %q", strings.Join(ks, ", "))
		}
		return s
	case reference.SetSharingMode:
		who := "the " + string(x.By)
		if x.By == "" {
			who = "someone"
		}
		return fmt.Sprintf("%s sets the sharing mode of %s to %q", who, app(x.App), x.Mode)
	case reference.Install:
		if !x.Accept {
			return fmt.Sprintf("%s installs %s and denies the scopes", user(x.By), app(x.App))
		}
		s := fmt.Sprintf("%s installs %s %s", user(x.By), app(x.App), accessWords(n, x.Access, x.Users))
		if x.Email && x.Access != "" && x.Access != reference.OnlyMe {
			s += " and emails them"
		}
		return s
	case reference.Authorize:
		if !x.Accept {
			return fmt.Sprintf("%s denies the scopes of %s", user(x.By), app(x.App))
		}
		return fmt.Sprintf("%s authorizes %s", user(x.By), app(x.App))
	case reference.ManageUsers:
		var parts []string
		if x.Access != "" {
			parts = append(parts, "sets the access to "+strings.ReplaceAll(string(x.Access), "_", " "))
		}
		if len(x.Add) > 0 {
			parts = append(parts, "adds "+userList(n, x.Add))
		}
		if len(x.Remove) > 0 {
			parts = append(parts, "removes "+userList(n, x.Remove))
		}
		if len(parts) == 0 {
			parts = append(parts, "saves without changes")
		}
		s := fmt.Sprintf("%s manages the users of %s: %s", user(x.By), app(x.App), strings.Join(parts, ", "))
		if x.Email {
			s += ", emailing them"
		}
		return s
	case reference.ChangeScopes:
		return fmt.Sprintf("the vendor changes the scopes of %s to %q", app(x.App), strings.Join(x.Scopes, ", "))
	case reference.ExpireAuthorization:
		return fmt.Sprintf("the authorization of %s by %s expires", app(x.App), user(x.User))
	case reference.Uninstall:
		return fmt.Sprintf("%s uninstalls %s", user(x.By), app(x.App))
	case reference.OpenApps:
		return fmt.Sprintf("%s opens the web app", user(x.User))
	case reference.CreateObject:
		return fmt.Sprintf("%s creates the %s %q on behalf of %s", app(x.App), strings.ReplaceAll(string(x.Object), "_", " "), x.Name, user(x.By))
	}
	return phraseOther(n, c)
}

func accessWords(n Names, a reference.Access, users []reference.UserID) string {
	switch a {
	case "", reference.OnlyMe:
		return "only for themselves"
	case reference.AllUsers:
		return "for all users"
	case reference.SpecificUsers:
		if len(users) == 0 {
			return "for specific users: none"
		}
		return "for specific users " + userList(n, users)
	}
	return fmt.Sprintf("with access %q", a)
}

func userList(n Names, ids []reference.UserID) string {
	q := make([]string, len(ids))
	for i, id := range ids {
		q[i] = strconv.Quote(userName(n, id))
	}
	return strings.Join(q, ", ")
}

func userName(n Names, id reference.UserID) string {
	if u, ok := n.User(id); ok && u.Name != "" {
		return u.Name
	}
	return "user " + itoa(int64(id))
}

func companyName(n Names, id reference.CompanyID) string {
	if m := n.Market(); m != nil {
		if name, ok := m.CompanyName(id); ok {
			return strconv.Quote(name)
		}
	}
	return strconv.Quote("company " + itoa(int64(id)))
}

// phraseOther words a command of a kind this file does not know yet.
func phraseOther(_ Names, c reference.Command) string {
	return fmt.Sprintf("the command %s %+v is applied", c.Kind(), c)
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
