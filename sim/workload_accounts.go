package sim

import (
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/appcert/appcert/reference"
)

// The Procore and Zoom workload: users install apps under their account's
// rules or ask the admins for them, admins decide the requests and change
// the settings (Allow User Installs; the Permissions page, pre-approvals,
// roles and held scopes, the request email), and mistakes the model must
// refuse.

// accountScopes are the scopes Zoom apps require and users hold.
func accountScopes() []string {
	return []string{"meeting:read", "meeting:write", "recording:read", "cloud:write", "user:read"}
}

func makeAccountApps(rng *rand.Rand, n int, p reference.Profile, companies int) []reference.App {
	apps := make([]reference.App, n)
	for i := range apps {
		a := reference.App{ID: reference.AppID("app-" + strconv.Itoa(i+1)), Name: "App " + strconv.Itoa(i+1)}
		if p == reference.Zoom {
			a.Level = reference.UserLevel
			if rng.Float64() < 0.2 {
				a.Level = reference.AccountLevel
			}
			a.Development = rng.Float64() < 0.1
			a.MadeByOwner = rng.Float64() < 0.1
			if rng.Float64() < 0.1 {
				a.MakerCompany = reference.CompanyID(1 + rng.IntN(companies))
			}
			a.Scopes = heldScopes(rng, rng.IntN(3))
		}
		apps[i] = a
	}
	return apps
}

// heldScopes draws meeting:read and up to extra more scopes, sorted.
func heldScopes(rng *rand.Rand, extra int) []string {
	all := accountScopes()
	out := []string{all[0]}
	for range extra {
		if x := all[1+rng.IntN(len(all)-1)]; !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	slices.Sort(out)
	return out
}

// joinAccount gives a joining user an address and, in Zoom, the scopes
// they hold; a company's first admin holds Marketplace:Edit, the others
// Edit or View in turn.
func (w *Workload) joinAccount(j *reference.JoinCompany, n int) {
	j.Email = "user" + strconv.Itoa(int(j.User)) + "@company" + strconv.Itoa(int(j.Company)) + ".example"
	if w.cfg.Profile != reference.Zoom {
		return
	}
	j.Scopes = heldScopes(w.rng, 1+w.rng.IntN(4))
	if j.Admin {
		j.Marketplace = reference.MarketplaceEdit
		if (n/adminEvery)%2 == 1 {
			j.Marketplace = reference.MarketplaceView
		}
	}
}

// editor is company i's first user: an admin holding Marketplace:Edit in
// Zoom, and in Procore an admin.
func (w *Workload) editor(i int) reference.UserID { return reference.UserID(w.base[i] + 1) }

// nextAccount is the k-th action of the mix (Mix's order).
func (w *Workload) nextAccount(k int) reference.Command {
	switch k {
	case 0:
		return w.installAccount()
	case 1:
		u := w.user()
		return reference.Authorize{App: w.app().ID, By: u, Accept: w.rng.IntN(8) != 0}
	case 3:
		return w.uninstallAccount()
	case 10:
		return w.request()
	case 11:
		return w.decide()
	case 12:
		return w.setting()
	case 13:
		return w.preApproval()
	case 14:
		i := w.company()
		u := w.member(i)
		if x, ok := w.m.User(u); ok && !x.Admin {
			return reference.SetRole{User: u, By: w.admin(i), Scopes: heldScopes(w.rng, w.rng.IntN(4))}
		}
		return reference.OpenApps{User: u}
	case 15:
		i := w.company()
		c := reference.SetRequestEmails{By: w.editor(i), On: w.rng.IntN(4) != 0}
		if w.rng.IntN(2) == 0 {
			c.Recipients = []reference.UserID{w.editor(i)}
		}
		return c
	case 9:
		return w.mistakeAccount()
	}
	return reference.OpenApps{User: w.user()}
}

// installAccount is a user installing an app they do not have.
func (w *Workload) installAccount() reference.Command {
	u := w.user()
	for range 4 {
		if a := w.app(); w.m.Status(a.ID, u) == reference.StatusNone {
			return reference.Install{App: a.ID, By: u, Accept: w.rng.IntN(10) != 0}
		}
	}
	return reference.OpenApps{User: u}
}

func (w *Workload) uninstallAccount() reference.Command {
	u := w.user()
	for range 4 {
		a := w.app()
		if in, ok := w.m.Installation(a.ID, u); ok && !in.Account {
			return reference.Uninstall{App: a.ID, By: u, Confirmed: w.rng.IntN(20) != 0}
		}
	}
	return reference.OpenApps{User: u}
}

// request is a user asking for an app: an install request, or in Zoom
// the app's usual kind (pre-approval, or Request to Install).
func (w *Workload) request() reference.Command {
	i := w.company()
	u := w.member(i)
	// An app the user does not have, and not pre-approved: else the user
	// has no reason to ask, and installs.
	var a reference.AppID
	for range 4 {
		x := w.app().ID
		if _, has := w.m.Installation(x, u); !has && !w.m.PreApproval(reference.CompanyID(i+1), x).On {
			a = x
			break
		}
	}
	if a == "" {
		return w.installAccount()
	}
	c := reference.RequestApp{App: a, By: u}
	if w.rng.IntN(3) == 0 {
		c.Notes = "for the team"
	}
	return c
}

// decide is an admin deciding a pending request, mostly approving.
func (w *Workload) decide() reference.Command {
	if len(w.pending) == 0 {
		return w.request()
	}
	k := w.rng.IntN(len(w.pending))
	id := w.pending[k]
	w.pending[k] = w.pending[len(w.pending)-1]
	w.pending = w.pending[:len(w.pending)-1]
	by := reference.UserID(0)
	if r, ok := w.m.Request(id); ok {
		by = w.editor(int(r.Company) - 1)
	}
	return reference.DecideRequest{Request: id, By: by, Approve: w.rng.IntN(10) < 6}
}

// setting is an admin switching one of the account's settings.
func (w *Workload) setting() reference.Command {
	i := w.company()
	co := reference.CompanyID(i + 1)
	// Settings that hold users back are switched on less often than off,
	// so that most companies let most users install most of the time.
	if w.cfg.Profile == reference.Procore {
		return reference.SetAllowUserInstalls{By: w.admin(i), Allow: w.rng.IntN(4) != 0}
	}
	p, _ := w.m.Permissions(co)
	switch i := w.rng.IntN(8); {
	case i < len(permissionNames()):
		p = flipPermission(p, i)
	default:
		p.BlockUserInstalls, p.RequirePreApproval = false, false
	}
	return reference.SetAccountPermissions{By: w.editor(i), Permissions: p}
}

// preApproval is an admin pre-approving an app, now and then for listed
// users only, or switching a pre-approval off.
func (w *Workload) preApproval() reference.Command {
	if w.cfg.Profile != reference.Zoom {
		return w.setting()
	}
	i := w.company()
	by, a := w.editor(i), w.app().ID
	c := reference.SetPreApproval{App: a, By: by, On: true}
	if w.m.PreApproval(reference.CompanyID(i+1), a).On {
		switch r := w.rng.IntN(10); {
		case r < 5:
			c.On = false
		case r < 7:
			if _, ok := w.m.Installation(a, by); ok {
				u, _ := w.m.User(w.member(i))
				c.WhoCanInstall = []string{u.Email}
			}
		}
	}
	return c
}

// mistakeAccount is an action the model must refuse: a user changing a
// setting, an admin filing a request, a decision on a request nobody
// filed, an unconfirmed uninstall.
func (w *Workload) mistakeAccount() reference.Command {
	i := w.company()
	u := w.member(i)
	if (int(u)-w.base[i]-1)%adminEvery == 0 {
		u++ // the next user is not an admin (or has not joined: refused too)
	}
	switch w.rng.IntN(4) {
	case 0:
		if w.cfg.Profile == reference.Procore {
			return reference.SetAllowUserInstalls{By: u, Allow: false}
		}
		return reference.SetAccountPermissions{By: u, Permissions: reference.AccountPermissions{BlockUserInstalls: true}}
	case 1:
		return reference.RequestApp{App: w.app().ID, By: w.editor(i)}
	case 2:
		return reference.DecideRequest{Request: 1, By: w.editor(i), Approve: true}
	}
	return reference.Uninstall{App: w.app().ID, By: u}
}

// observeAccount keeps the pending requests.
func (w *Workload) observeAccount(c reference.Command, r reference.Result) {
	if _, ok := c.(reference.RequestApp); ok && r.OK() {
		w.pending = append(w.pending, reference.RequestID(r.Event.Seq))
	}
}
