package sim

import (
	"fmt"
	"slices"
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

// Words returns cmds as Gherkin steps in the phrasing of the feature
// suite's steps (steps/: `appcert steps` lists them), one a line, so that a
// shrunk counterexample pastes into a .feature file. Listing commands
// (companies, apps) are Given steps, the rest When steps; a repeated
// keyword becomes And. A command no step phrases (a user who does not
// exist, an access the steps cannot say) is written plainly and marked.
//
// The steps change one account setting at a time (a permission, the
// request email), so a command that saves a whole settings page is phrased
// as the switches it may change: Words takes every company to start from
// its default settings, as a scenario's do.
func Words(n Names, cmds []reference.Command) string { return words(n, cmds, true) }

// WordsMidRun is Words for commands that follow others it does not see,
// as a simulation's window does: a settings page is phrased switch by
// switch in full until the commands say what it holds.
func WordsMidRun(n Names, cmds []reference.Command) string { return words(n, cmds, false) }

func words(n Names, cmds []reference.Command, fresh bool) string {
	var b strings.Builder
	last := ""
	ph := &phraser{n: n, fresh: fresh, perms: map[reference.CompanyID]*knownPage{}, emails: map[reference.CompanyID]bool{}}
	for _, c := range cmds {
		kw := "When"
		switch c.(type) {
		case reference.AddCompany, reference.PublishApp:
			kw = "Given"
		}
		for _, line := range strings.Split(ph.phrase(c), "\n") {
			if strings.HasPrefix(line, "|") { // a step's table
				fmt.Fprintf(&b, "      %s\n", line)
				continue
			}
			shown := kw
			if kw == last {
				shown = "And"
			}
			last = kw
			fmt.Fprintf(&b, "    %s %s\n", shown, line)
		}
	}
	return b.String()
}

// Phrase is one command in the words of the feature steps, without its
// keyword; a command some steps phrase together is several lines, and a
// step's table follows its line. Settings pages are phrased in full.
func Phrase(n Names, c reference.Command) string {
	return (&phraser{n: n, perms: map[reference.CompanyID]*knownPage{}, emails: map[reference.CompanyID]bool{}}).phrase(c)
}

// phraser phrases commands in turn, keeping what it can know of each
// company's settings: the steps change them one switch at a time.
type phraser struct {
	n     Names
	fresh bool // companies start from their default settings
	perms map[reference.CompanyID]*knownPage
	// emails: whether the company is known to have no chosen recipients
	// of the request email (the steps cannot clear a choice).
	emails map[reference.CompanyID]bool
}

// knownPage is a Permissions page as far as the commands so far tell:
// whether a command that might have been refused changed a switch is not
// known, so such a switch is phrased again.
type knownPage struct {
	on, known [5]bool
}

func (p *phraser) phrase(c reference.Command) string {
	n := p.n
	user := func(id reference.UserID) string { return personName(n, id) }
	app := func(id reference.AppID) string {
		if a, ok := n.App(id); ok {
			return strconv.Quote(a.Name)
		}
		return strconv.Quote(string(id))
	}
	switch x := c.(type) {
	case reference.AddCompany:
		return fmt.Sprintf("the company %q with these people:\n| name | role |", x.Name)
	case reference.JoinCompany:
		if x.Marketplace != reference.MarketplaceNone || len(x.Scopes) > 0 {
			break // only a company's table of people gives roles at once
		}
		s := fmt.Sprintf("%s joins %s", personWord(x.Name, x.User), companyName(n, x.Company))
		if x.Admin {
			s += " as an admin"
		}
		return s
	case reference.PublishApp:
		a := x.App
		name := strconv.Quote(a.Name)
		if a.Mode == "" { // Procore's and Zoom's apps have no sharing mode
			return p.phraseApp(a)
		}
		var lines []string
		switch a.Mode {
		case reference.ModeNone, "":
			lines = append(lines, fmt.Sprintf("the app %s has no sharing", name))
		default:
			lines = append(lines, fmt.Sprintf("the app %s is shared in the %s mode", name, modeWord(a.Mode)))
			if !a.AllowSpecificUsers {
				lines = append(lines, fmt.Sprintf("the app %s does not allow choosing specific users", name))
			}
		}
		if len(a.Scopes) == 0 {
			lines = append(lines, fmt.Sprintf("the app %s requests no scopes", name))
		} else {
			lines = append(lines, fmt.Sprintf("the app %s requests the scopes %q", name, strings.Join(a.Scopes, ", ")))
		}
		if len(a.Extensions) == 0 {
			lines = append(lines, fmt.Sprintf("the app %s has no extensions", name))
		}
		return strings.Join(lines, "\n")
	case reference.SetSharingMode:
		if x.By == "" {
			break
		}
		return fmt.Sprintf("the %s sets the sharing mode of %s to %s", x.By, app(x.App), modeWord(x.Mode))
	case reference.Install:
		switch {
		case !x.Accept:
			return fmt.Sprintf("%s installs %s and denies the scopes", user(x.By), app(x.App))
		case x.Access == "" || x.Access == reference.OnlyMe:
			return fmt.Sprintf("%s installs %s", user(x.By), app(x.App))
		case x.Access == reference.AllUsers:
			return fmt.Sprintf("%s installs %s for all users%s", user(x.By), app(x.App), emailWords(x.Email))
		case x.Access == reference.SpecificUsers && len(x.Users) > 0:
			return fmt.Sprintf("%s installs %s for %s%s", user(x.By), app(x.App), people(n, x.Users), emailWords(x.Email))
		}
	case reference.Authorize:
		if !x.Accept {
			return fmt.Sprintf("%s denies the scopes of %s", user(x.By), app(x.App))
		}
		return fmt.Sprintf("%s authorizes %s", user(x.By), app(x.App))
	case reference.ManageUsers:
		by, a := user(x.By), app(x.App)
		switch {
		case x.Access == reference.OnlyMe && len(x.Add)+len(x.Remove) == 0:
			return fmt.Sprintf("%s makes %s private", by, a)
		case x.Access == reference.AllUsers && len(x.Add)+len(x.Remove) == 0:
			return fmt.Sprintf("%s adds %s to all users%s", by, a, emailWords(x.Email))
		case x.Access != "":
		case len(x.Add) > 0 && len(x.Remove) > 0:
			return fmt.Sprintf("%s saves \"Manage users\" for %s adding %s and removing %s%s", by, a, people(n, x.Add), people(n, x.Remove), emailWords(x.Email))
		case len(x.Add) > 0:
			return fmt.Sprintf("%s adds %s to %s%s", by, a, people(n, x.Add), emailWords(x.Email))
		case len(x.Remove) > 0 && !x.Email:
			return fmt.Sprintf("%s removes %s from %s", by, a, people(n, x.Remove))
		}
	case reference.ChangeScopes:
		return fmt.Sprintf("the vendor changes the scopes of %s to %q", app(x.App), strings.Join(x.Scopes, ", "))
	case reference.ExpireAuthorization:
		return fmt.Sprintf("%s's authorization of %s expires", user(x.User), app(x.App))
	case reference.Uninstall:
		if !x.Confirmed && p.profile() == reference.Zoom {
			return fmt.Sprintf("%s starts uninstalling %s but does not confirm", user(x.By), app(x.App))
		}
		return fmt.Sprintf("%s uninstalls %s", user(x.By), app(x.App))
	case reference.OpenApps:
		return fmt.Sprintf("%s opens Pipedrive", user(x.User))
	case reference.CreateObject:
		switch x.Object {
		case reference.ActivityType, reference.Pipeline, reference.DealField:
			return fmt.Sprintf("%s creates the %s %q for %s", app(x.App), strings.ReplaceAll(string(x.Object), "_", " "), x.Name, user(x.By))
		}
	default:
		if s := p.phraseAccounts(c); s != "" {
			return s
		}
	}
	return phraseOther(c)
}

func modeWord(m reference.SharingMode) string {
	switch m {
	case reference.ModeAddToAccount:
		return "add-to-account"
	case reference.ModeSharedExtensions:
		return "shared-extensions"
	}
	return string(m)
}

func emailWords(email bool) string {
	if email {
		return " and emails them"
	}
	return ""
}

// people is "Bob", "Bob and Carol", "Bob, Carol and Dave".
func people(n Names, ids []reference.UserID) string {
	names := make([]string, len(ids))
	for i, id := range ids {
		names[i] = personName(n, id)
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// personName is how the steps name a user: bare, a capital then letters.
func personName(n Names, id reference.UserID) string {
	if u, ok := n.User(id); ok {
		return personWord(u.Name, id)
	}
	return personWord("", id)
}

// personWord makes a name the steps accept ([A-Z][A-Za-z-]*): names
// that are not one (User 12) become Ux plus the ID in letters.
func personWord(name string, id reference.UserID) string {
	ok := name != "" && name[0] >= 'A' && name[0] <= 'Z'
	for _, r := range name {
		ok = ok && (r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '-')
	}
	if ok {
		return name
	}
	return "Ux" + letters(int64(id))
}

// letters writes i in base 26 with the letters a to z.
func letters(i int64) string {
	if i < 0 {
		i = -i
	}
	var b []byte
	for {
		b = append(b, byte('a'+i%26))
		i /= 26
		if i == 0 {
			break
		}
	}
	slices.Reverse(b)
	return string(b)
}

func companyName(n Names, id reference.CompanyID) string {
	if m := n.Market(); m != nil {
		if name, ok := m.CompanyName(id); ok {
			return strconv.Quote(name)
		}
	}
	return strconv.Quote("company " + itoa(int64(id)))
}

// phraseOther words a command no step phrases, marked so that it is not
// taken for a step of the suite.
func phraseOther(c reference.Command) string {
	return fmt.Sprintf("[no step says this] the command %s %+v", c.Kind(), c)
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
