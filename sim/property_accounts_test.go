package sim

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/appcert/appcert/reference"
)

// The Procore and Zoom backgrounds are those of
// features/marketplace/{procore,zoom}: the same people, emails, roles,
// held scopes and apps.
const (
	erin                     UserID = 7
	fieldForms               AppID  = "field-forms"
	zNotes, recorderApp, crm AppID  = "z-notes", "recorder", "crm"
)

func procoreBackground() []reference.Command {
	join := func(id UserID, co CompanyID, name, email string, admin bool) reference.Command {
		return reference.JoinCompany{User: id, Company: co, Name: name, Email: email, Admin: admin}
	}
	return []reference.Command{
		reference.AddCompany{Company: acme, Name: "Acme"},
		join(alice, acme, "Alice", "alice@acme.test", true),
		join(dave, acme, "Dave", "dave@acme.test", true),
		join(bob, acme, "Bob", "bob@acme.test", false),
		join(carol, acme, "Carol", "carol@acme.test", false),
		reference.AddCompany{Company: globex, Name: "Globex"},
		join(gina, globex, "Gina", "gina@globex.test", true),
		join(hank, globex, "Hank", "hank@globex.test", false),
		reference.PublishApp{App: reference.App{ID: fieldForms, Name: "Field Forms"}},
	}
}

func zoomBackground() []reference.Command {
	join := func(id UserID, co CompanyID, name, email string, m reference.MarketplaceAccess, held ...string) reference.Command {
		return reference.JoinCompany{User: id, Company: co, Name: name, Email: email, Admin: m != reference.MarketplaceNone, Marketplace: m, Scopes: held}
	}
	edit, view, none := reference.MarketplaceEdit, reference.MarketplaceView, reference.MarketplaceNone
	return []reference.Command{
		reference.AddCompany{Company: acme, Name: "Acme"},
		join(alice, acme, "Alice", "alice@acme.test", edit, "meeting:read", "recording:read"),
		join(erin, acme, "Erin", "erin@acme.test", edit, "meeting:read"),
		join(dave, acme, "Dave", "dave@acme.test", view, "meeting:read"),
		join(bob, acme, "Bob", "bob@acme.test", none, "meeting:read", "meeting:write"),
		join(carol, acme, "Carol", "carol@acme.test", none, "meeting:read"),
		reference.AddCompany{Company: globex, Name: "Globex"},
		join(gina, globex, "Gina", "gina@globex.test", edit, "meeting:read"),
		join(hank, globex, "Hank", "hank@globex.test", none, "meeting:read"),
		reference.PublishApp{App: reference.App{ID: zNotes, Name: "Z Notes", Level: reference.UserLevel, Scopes: []string{"meeting:read"}}},
		reference.PublishApp{App: reference.App{ID: recorderApp, Name: "Recorder", Level: reference.UserLevel,
			Scopes: []string{"meeting:read", "recording:read", "cloud:write"}}},
		reference.PublishApp{App: reference.App{ID: crm, Name: "CRM", Level: reference.AccountLevel, Scopes: []string{"meeting:read"}}},
	}
}

// zoomScopes are the scopes Zoom apps require and users hold.
func zoomScopes() []string {
	return []string{"meeting:read", "meeting:write", "recording:read", "cloud:write"}
}

// joinCmd is a user joining as the people steps make them join: named in
// turn, with the steps' default address (name@company.example).
func (r *run) joinCmd(t *rapid.T) reference.Command {
	if len(r.w.users) >= maxUsers {
		t.Skip("enough users")
	}
	id := UserID(len(r.w.users) + 1)
	co := rapid.SampledFrom(r.w.companies).Draw(t, "company")
	name := userNames()[int(id-1)%len(userNames())]
	email := strings.ToLower(name) + "@" + strings.ToLower(strings.ReplaceAll(r.w.names[co], " ", "")) + ".example"
	return reference.JoinCompany{User: id, Company: co, Name: name, Email: email, Admin: rapid.Bool().Draw(t, "admin")}
}

func (r *run) addCompany(t *rapid.T) {
	if len(r.w.companies) >= maxComps {
		t.Skip("enough companies")
	}
	id := CompanyID(len(r.w.companies) + 1)
	r.step(t, reference.AddCompany{Company: id, Name: fmt.Sprintf("Company %d", id)})
}

// colleagueAdmin draws an admin of u's company, or anyone now and then.
func (r *run) colleagueAdmin(t *rapid.T, u UserID) UserID {
	x, _ := r.st.Model.User(u)
	if admins := r.w.admins[x.Company]; len(admins) > 0 && rapid.Float64Range(0, 1).Draw(t, "colleague admin") < 0.8 {
		return rapid.SampledFrom(admins).Draw(t, "admin")
	}
	return r.actor(t)
}

// requestID draws a request: mostly a pending one, now and then a decided
// one or one nobody filed.
func (r *run) requestID(t *rapid.T) reference.RequestID {
	var pending []reference.RequestID
	for _, id := range r.w.requests {
		if q, _ := r.st.Model.Request(id); q.State == reference.RequestPending {
			pending = append(pending, id)
		}
	}
	switch x := rapid.Float64Range(0, 1).Draw(t, "which request"); {
	case len(pending) > 0 && x < 0.6:
		return rapid.SampledFrom(pending).Draw(t, "request")
	case len(r.w.requests) > 0 && x < 0.95:
		return rapid.SampledFrom(r.w.requests).Draw(t, "request")
	}
	return 9999
}

func (r *run) decide(t *rapid.T) {
	id := r.requestID(t)
	by := r.actor(t)
	if q, ok := r.st.Model.Request(id); ok {
		by = r.colleagueAdmin(t, q.By)
	}
	r.step(t, reference.DecideRequest{Request: id, By: by, Approve: rapid.Bool().Draw(t, "approve"),
		Note: rapid.SampledFrom([]string{"", "we use another tool"}).Draw(t, "note")})
}

// installed draws a user who has app, half the time.
func (r *run) installed(t *rapid.T, app AppID) UserID {
	var have []UserID
	for _, u := range r.w.users {
		if _, ok := r.st.Model.Installation(app, u); ok {
			have = append(have, u)
		}
	}
	if len(have) > 0 && rapid.Bool().Draw(t, "holder uninstalls") {
		return rapid.SampledFrom(have).Draw(t, "by")
	}
	return r.actor(t)
}

// commonActions are the commands Procore and Zoom share.
func (r *run) commonActions() map[string]func(*rapid.T) {
	return map[string]func(*rapid.T){
		"AddCompany":  r.addCompany,
		"JoinCompany": func(t *rapid.T) { r.step(t, r.joinCmd(t)) },
		"Install": func(t *rapid.T) {
			by := r.installer(t)
			c := reference.Install{App: r.installApp(t, by), By: by, Accept: rapid.Float64Range(0, 1).Draw(t, "accept") < 0.85}
			if rapid.Float64Range(0, 1).Draw(t, "share") > 0.95 { // Pipedrive's sharing: refused
				c.Access = reference.AllUsers
			}
			r.step(t, c)
		},
		"Authorize": func(t *rapid.T) {
			by := r.installer(t)
			r.step(t, reference.Authorize{App: r.installApp(t, by), By: by, Accept: rapid.Float64Range(0, 1).Draw(t, "accept") < 0.85})
		},
		"Uninstall": func(t *rapid.T) {
			app := r.app(t)
			r.step(t, reference.Uninstall{App: app, By: r.installed(t, app), Confirmed: rapid.Float64Range(0, 1).Draw(t, "confirm") < 0.85})
		},
		"RequestApp": func(t *rapid.T) {
			r.step(t, reference.RequestApp{App: r.app(t), By: r.user(t, "by"),
				Type:  rapid.SampledFrom([]reference.RequestKind{"", "", reference.RequestInstall, reference.RequestPreApproval}).Draw(t, "type"),
				Notes: rapid.SampledFrom([]string{"", "for the site diaries"}).Draw(t, "notes")})
		},
		"DecideRequest": r.decide,
		// One action for the two that matter least here, so that the
		// settings and installs come up often enough.
		"ExpireOrChangeScopes": func(t *rapid.T) {
			if rapid.Bool().Draw(t, "expire") {
				r.step(t, reference.ExpireAuthorization{App: r.app(t), User: r.user(t, "user")})
				return
			}
			r.step(t, reference.ChangeScopes{App: r.app(t), Scopes: rapid.SliceOfNDistinct(rapid.SampledFrom(zoomScopes()), 0, 2, rapid.ID).Draw(t, "scopes")})
		},
	}
}

// installer draws who installs: mostly a user who is not an admin, whom
// the account's rules hold back, else an editor.
func (r *run) installer(t *rapid.T) UserID {
	var users []UserID
	for _, u := range r.w.users {
		if x, _ := r.st.Model.User(u); !x.Admin {
			users = append(users, u)
		}
	}
	switch k := rapid.IntRange(0, 2).Draw(t, "installer"); {
	case k < 2 && len(users) > 0:
		return rapid.SampledFrom(users).Draw(t, "by")
	case k == 2:
		return r.editor(t) // an editor installs, and may then list who else can
	}
	return r.actor(t)
}

// editor draws an admin holding Marketplace:Edit most of the time: the
// settings are theirs (ZM-02).
func (r *run) editor(t *rapid.T) UserID {
	var eds []UserID
	for _, c := range r.w.companies {
		for _, a := range r.w.admins[c] {
			if u, _ := r.st.Model.User(a); u.Marketplace == reference.MarketplaceEdit {
				eds = append(eds, a)
			}
		}
	}
	if len(eds) > 0 && rapid.Float64Range(0, 1).Draw(t, "editor acts") < 0.75 {
		return rapid.SampledFrom(eds).Draw(t, "by")
	}
	return r.actor(t)
}

// installApp draws the app by installs: in Zoom, mostly one whose
// pre-approval its account set, where the rules have most to say.
// (rapid leans towards the first choice and false: the common case is
// drawn so.)
func (r *run) installApp(t *rapid.T, by UserID) AppID {
	if r.st.Model.Profile() == reference.Zoom {
		co := company(r.st.Model, by)
		var set []AppID
		for _, a := range r.w.apps {
			if pa := r.st.Model.PreApproval(co, a); pa.On || pa.Disabled {
				set = append(set, a)
			}
		}
		if len(set) > 0 && !rapid.Bool().Draw(t, "any app") {
			return rapid.SampledFrom(set).Draw(t, "app")
		}
	}
	return r.app(t)
}

// listable draws an editor and an app they have, which they may limit
// with Who Can Install (ZM-09).
func (r *run) listable(t *rapid.T) (AppID, UserID, bool) {
	type pair struct {
		app AppID
		by  UserID
	}
	var have []pair
	for _, c := range r.w.companies {
		for _, u := range r.w.admins[c] {
			if x, _ := r.st.Model.User(u); x.Marketplace != reference.MarketplaceEdit {
				continue
			}
			for _, a := range r.w.apps {
				if _, ok := r.st.Model.Installation(a, u); ok {
					have = append(have, pair{a, u})
				}
			}
		}
	}
	if len(have) == 0 {
		return "", 0, false
	}
	p := rapid.SampledFrom(have).Draw(t, "editor's app")
	return p.app, p.by, true
}

// procoreActions is the whole Procore command set, with now and then a
// command of another marketplace, which it refuses.
func (r *run) procoreActions() map[string]func(*rapid.T) {
	acts := r.commonActions()
	acts["PublishApp"] = func(t *rapid.T) {
		if len(r.w.apps) >= maxApps {
			t.Skip("enough apps")
		}
		n := len(r.w.apps) + 1
		r.step(t, reference.PublishApp{App: reference.App{ID: AppID(fmt.Sprintf("app-%d", n)), Name: fmt.Sprintf("App %d", n)}})
	}
	acts["SetAllowUserInstalls"] = func(t *rapid.T) {
		r.step(t, reference.SetAllowUserInstalls{By: r.actor(t), Allow: rapid.Bool().Draw(t, "allow")})
	}
	acts["OtherMarketplace"] = func(t *rapid.T) {
		r.step(t, rapid.SampledFrom([]reference.Command{
			reference.SetPreApproval{App: fieldForms, By: alice, On: true},
			reference.SetRole{User: bob, By: alice, Scopes: []string{"meeting:read"}},
			reference.ManageUsers{App: fieldForms, By: alice, Access: reference.AllUsers},
		}).Draw(t, "command"))
	}
	return acts
}

// zoomActions is the whole Zoom command set.
func (r *run) zoomActions() map[string]func(*rapid.T) {
	acts := r.commonActions()
	acts["PublishApp"] = func(t *rapid.T) {
		if len(r.w.apps) >= maxApps+2 {
			t.Skip("enough apps")
		}
		n := len(r.w.apps) + 1
		a := reference.App{ID: AppID(fmt.Sprintf("app-%d", n)), Name: fmt.Sprintf("App %d", n),
			Level:       rapid.SampledFrom([]reference.AppLevel{reference.UserLevel, reference.UserLevel, reference.AccountLevel}).Draw(t, "level"),
			Development: rapid.Float64Range(0, 1).Draw(t, "development") > 0.7, MadeByOwner: rapid.Float64Range(0, 1).Draw(t, "by Zoom") > 0.7,
			Scopes: rapid.SliceOfNDistinct(rapid.SampledFrom(zoomScopes()), 0, 2, rapid.ID).Draw(t, "scopes")}
		if rapid.Float64Range(0, 1).Draw(t, "by a member") > 0.7 {
			a.MakerCompany = rapid.SampledFrom(r.w.companies).Draw(t, "maker")
		}
		r.step(t, reference.PublishApp{App: a})
	}
	acts["SetAccountPermissions"] = func(t *rapid.T) {
		by := r.editor(t)
		u, _ := r.st.Model.User(by)
		p, _ := r.st.Model.Permissions(u.Company)
		p = flipPermission(p, rapid.IntRange(0, len(permissionNames())-1).Draw(t, "switch"))
		r.step(t, reference.SetAccountPermissions{By: by, Permissions: p})
	}
	acts["SetPreApproval"] = func(t *rapid.T) {
		// Mostly a list, set by an editor who has the app, as ZM-09 asks;
		// else a switch: on where it is off, off where it is on.
		if app, by, ok := r.listable(t); ok && !rapid.Bool().Draw(t, "switch") {
			r.step(t, reference.SetPreApproval{App: app, By: by, On: true, WhoCanInstall: r.emails(t, by)})
			return
		}
		by := r.editor(t)
		app := r.app(t)
		on := !r.st.Model.PreApproval(company(r.st.Model, by), app).On
		if rapid.Float64Range(0, 1).Draw(t, "flip") > 0.8 {
			on = !on
		}
		r.step(t, reference.SetPreApproval{App: app, By: by, On: on})
	}
	requestEmails := func(t *rapid.T) {
		by := r.editor(t)
		c := reference.SetRequestEmails{By: by, On: rapid.Float64Range(0, 1).Draw(t, "on") < 0.7}
		if rapid.Bool().Draw(t, "choose") {
			c.On, c.Recipients = true, r.userSet(t, "recipients", 0)
		}
		r.step(t, c)
	}
	role := func(t *rapid.T) {
		u := r.user(t, "user")
		x, _ := r.st.Model.User(u)
		c := reference.SetRole{User: u, By: r.colleagueAdmin(t, u), Marketplace: x.Marketplace, Scopes: x.Scopes}
		if rapid.Bool().Draw(t, "role") {
			c.Marketplace = rapid.SampledFrom([]reference.MarketplaceAccess{reference.MarketplaceNone, reference.MarketplaceView, reference.MarketplaceEdit}).Draw(t, "marketplace")
		} else {
			c.Scopes = rapid.SliceOfNDistinct(rapid.SampledFrom(zoomScopes()), 0, 4, rapid.ID).Draw(t, "scopes")
			slices.Sort(c.Scopes)
		}
		r.step(t, c)
	}
	// Roles and the request email share one action: they bear on fewer
	// rules than installs and pre-approval.
	acts["SetRoleOrRequestEmails"] = func(t *rapid.T) {
		if rapid.Bool().Draw(t, "request email") {
			requestEmails(t)
			return
		}
		role(t)
	}
	// Installs and pre-approvals weigh double: most rules are about them.
	acts["Install (again)"] = acts["Install"]
	acts["SetPreApproval (again)"] = acts["SetPreApproval"]
	return acts
}

// emails draws a Who Can Install list: the addresses of one or two of
// by's colleagues, and now and then one nobody has.
func (r *run) emails(t *rapid.T, by UserID) []string {
	var out, from []string
	me, _ := r.st.Model.User(by)
	for _, u := range r.w.users {
		if x, _ := r.st.Model.User(u); x.Company == me.Company && u != by {
			from = append(from, x.Email)
		}
	}
	if len(from) > 0 {
		out = rapid.SliceOfNDistinct(rapid.SampledFrom(from), 1, 2, rapid.ID).Draw(t, "listed")
	}
	if rapid.Float64Range(0, 1).Draw(t, "stranger") > 0.8 {
		out = append(out, "someone@elsewhere.example")
	}
	return out
}

// TestProperty_ProcoreInvariantsHold runs every invariant after every
// command of random Procore command sequences.
func TestProperty_ProcoreInvariantsHold(t *testing.T) {
	rapid.Check(t, property(reference.Procore, identity, nil))
}

// TestProperty_ZoomInvariantsHold runs every invariant after every command
// of random Zoom command sequences.
func TestProperty_ZoomInvariantsHold(t *testing.T) {
	rapid.Check(t, property(reference.Zoom, identity, nil))
}
