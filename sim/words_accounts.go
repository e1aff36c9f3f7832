package sim

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/appcert/appcert/reference"
)

// The phrasing of Procore's and Zoom's commands, in the words of the
// steps of features/marketplace/{procore,zoom}.

// permissionNames are the switches of a Zoom account's Permissions page as
// the steps name them, in knownPage's order.
func permissionNames() [5]string {
	return [5]string{"Require pre-approval", "Require pre-approval for development apps", "Exempt apps made by Zoom",
		"Exempt apps made by account members", "Block user installs"}
}

func permissionSwitches(p reference.AccountPermissions) [5]bool {
	return [5]bool{p.RequirePreApproval, p.RequireForDevelopment, p.ExemptOwnerApps, p.ExemptMemberApps, p.BlockUserInstalls}
}

// flipPermission flips switch i (in permissionNames' order) of the
// Permissions page, one at a time as an admin uses it; the workload and the
// properties both change settings this way.
func flipPermission(p reference.AccountPermissions, i int) reference.AccountPermissions {
	switch i {
	case 0:
		p.RequirePreApproval = !p.RequirePreApproval
	case 1:
		p.RequireForDevelopment = !p.RequireForDevelopment
	case 2:
		p.ExemptOwnerApps = !p.ExemptOwnerApps
	case 3:
		p.ExemptMemberApps = !p.ExemptMemberApps
	default:
		p.BlockUserInstalls = !p.BlockUserInstalls
	}
	return p
}

func onOff(b bool) string {
	if b {
		return "ON"
	}
	return "OFF"
}

func (p *phraser) profile() reference.Profile {
	if m := p.n.Market(); m != nil {
		return m.Profile()
	}
	return ""
}

func (p *phraser) appName(id reference.AppID) string {
	if a, ok := p.n.App(id); ok {
		return strconv.Quote(a.Name)
	}
	return strconv.Quote(string(id))
}

// phraseApp lists a Procore or Zoom app: its level, kind and maker, and the
// scopes it requires.
func (p *phraser) phraseApp(a reference.App) string {
	name := strconv.Quote(a.Name)
	var lines []string
	if a.Level == reference.AccountLevel {
		lines = append(lines, fmt.Sprintf("the app %s is an account-level app", name))
	}
	if a.Development {
		lines = append(lines, fmt.Sprintf("the app %s is a development app", name))
	}
	if a.MadeByOwner {
		lines = append(lines, fmt.Sprintf("the app %s is made by Zoom", name))
	}
	if a.MakerCompany != 0 {
		lines = append(lines, fmt.Sprintf("the app %s is made by a member of %s", name, companyName(p.n, a.MakerCompany)))
	}
	if len(a.Scopes) > 0 {
		lines = append(lines, fmt.Sprintf("the app %s requires the scopes %q", name, strings.Join(a.Scopes, ", ")))
	}
	if len(lines) == 0 {
		lines = append(lines, fmt.Sprintf("the app %s is listed", name))
	}
	return strings.Join(lines, "\n")
}

// phraseAccounts phrases the commands of Procore and Zoom, or returns ""
// for a command no step says.
func (p *phraser) phraseAccounts(c reference.Command) string {
	user := func(id reference.UserID) string { return personName(p.n, id) }
	switch x := c.(type) {
	case reference.SetAllowUserInstalls:
		return fmt.Sprintf("%s turns Allow User Installs %s", user(x.By), onOff(x.Allow))
	case reference.RequestApp:
		switch {
		case x.Type == "" && x.Notes == "":
			return fmt.Sprintf("%s requests %s", user(x.By), p.appName(x.App))
		case x.Type == "":
			return fmt.Sprintf("%s requests %s with the notes %q", user(x.By), p.appName(x.App), x.Notes)
		case x.Notes != "":
		case x.Type == reference.RequestPreApproval:
			return fmt.Sprintf("%s requests pre-approval of %s", user(x.By), p.appName(x.App))
		case x.Type == reference.RequestInstall:
			return fmt.Sprintf("%s requests to install %s", user(x.By), p.appName(x.App))
		}
	case reference.DecideRequest:
		// The steps name a request by its requester and app: the latest
		// such request.
		m := p.n.Market()
		if m == nil {
			break
		}
		r, ok := m.Request(x.Request)
		if !ok {
			break
		}
		switch {
		case x.Approve:
			return fmt.Sprintf("%s approves %s's request for %s", user(x.By), user(r.By), p.appName(r.App))
		case x.Note == "":
			return fmt.Sprintf("%s denies %s's request for %s", user(x.By), user(r.By), p.appName(r.App))
		default:
			return fmt.Sprintf("%s denies %s's request for %s saying %q", user(x.By), user(r.By), p.appName(r.App), x.Note)
		}
	case reference.SetAccountPermissions:
		return p.phrasePermissions(x)
	case reference.SetPreApproval:
		switch {
		case x.On && len(x.WhoCanInstall) == 0:
			return fmt.Sprintf("%s pre-approves %s", user(x.By), p.appName(x.App))
		case x.On:
			return fmt.Sprintf("%s pre-approves %s with Who Can Install %q", user(x.By), p.appName(x.App), strings.Join(x.WhoCanInstall, ", "))
		case len(x.WhoCanInstall) == 0:
			return fmt.Sprintf("%s switches off the pre-approval of %s", user(x.By), p.appName(x.App))
		}
	case reference.SetRequestEmails:
		return p.phraseRequestEmails(x)
	case reference.SetRole:
		return p.phraseRole(x)
	}
	return ""
}

// phrasePermissions is a Permissions page saved: a step for each switch
// the page may change.
func (p *phraser) phrasePermissions(x reference.SetAccountPermissions) string {
	u, ok := p.n.User(x.By)
	if !ok {
		return ""
	}
	page := p.perms[u.Company]
	if page == nil {
		page = &knownPage{}
		if p.fresh {
			page.known = [5]bool{true, true, true, true, true}
		}
		p.perms[u.Company] = page
	}
	want := permissionSwitches(x.Permissions)
	var lines []string
	for k, name := range permissionNames() {
		if !page.known[k] || page.on[k] != want[k] {
			lines = append(lines, fmt.Sprintf("%s turns the permission %q %s", personName(p.n, x.By), name, onOff(want[k])))
		}
		// A refused save leaves the switch as it was: it is known only
		// where the page already had the value.
		page.known[k] = page.known[k] && page.on[k] == want[k]
	}
	if len(lines) == 0 {
		lines = append(lines, fmt.Sprintf("%s turns the permission %q %s", personName(p.n, x.By), permissionNames()[0], onOff(want[0])))
	}
	return strings.Join(lines, "\n")
}

// phraseRequestEmails is the request email's settings saved: choosing
// recipients turns the email on; the steps cannot clear a choice.
func (p *phraser) phraseRequestEmails(x reference.SetRequestEmails) string {
	u, ok := p.n.User(x.By)
	if !ok {
		return ""
	}
	none, seen := p.emails[u.Company]
	if !seen {
		none = p.fresh
	}
	by := personName(p.n, x.By)
	if len(x.Recipients) == 0 {
		if !none {
			return ""
		}
		return fmt.Sprintf("%s turns the pre-approval request email %s", by, onOff(x.On))
	}
	p.emails[u.Company] = false
	s := fmt.Sprintf("%s chooses %s to get the pre-approval request email", by, people(p.n, x.Recipients))
	if !x.On {
		s += fmt.Sprintf("\n%s turns the pre-approval request email OFF", by)
	}
	return s
}

// phraseRole is a user's role and held scopes set: a step for each, but
// for what a non-admin cannot hold.
func (p *phraser) phraseRole(x reference.SetRole) string {
	u, ok := p.n.User(x.User)
	if !ok {
		return ""
	}
	by, who := personName(p.n, x.By), personName(p.n, x.User)
	role := string(x.Marketplace)
	if x.Marketplace == reference.MarketplaceNone {
		role = "none"
	}
	var lines []string
	if u.Admin || x.Marketplace != reference.MarketplaceNone {
		lines = append(lines, fmt.Sprintf("%s gives %s the Marketplace role %q", by, who, role))
	}
	if u.Admin || x.Marketplace == reference.MarketplaceNone {
		lines = append(lines, fmt.Sprintf("%s sets %s's scopes to %q", by, who, strings.Join(x.Scopes, ", ")))
	}
	return strings.Join(lines, "\n")
}
