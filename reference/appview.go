package reference

// AppView is the app's view of who is entitled (protocol.md, "Who is
// entitled"): what one app knows from what the marketplace told it, and
// so all a conforming app can be held to. It learns from the effects that
// reach the app (authorization redirects, sharing callbacks, uninstalls)
// that the app took; the marketplace's view is Market.Extension. The two
// must agree: every request the marketplace sends is one this view lets
// through (sim checks it). Pure data, no clock.
type AppView struct {
	authorized map[UserID]CompanyID // users whose authorization the app took
	shared     map[UserID]bool      // the latest sharing callback taken, by installing user
	companies  map[UserID]CompanyID // the installing users' companies
}

// NewAppView returns the view of an app told nothing yet.
func NewAppView() *AppView {
	return &AppView{authorized: map[UserID]CompanyID{}, shared: map[UserID]bool{}, companies: map[UserID]CompanyID{}}
}

// Learn takes an effect that reached the app and that the app took. A
// redirect does not name the user's company, so company does.
func (v *AppView) Learn(e Effect, company CompanyID) {
	switch e := e.(type) {
	case Redirect:
		if !e.Denied {
			v.Authorize(e.User, company)
		}
	case SharingCallback:
		v.Share(e.User, e.Company, e.IsShared)
	case UninstallCallback:
		v.Uninstall(e.User)
	}
}

// Authorize records that the app exchanged u's authorization code.
func (v *AppView) Authorize(u UserID, c CompanyID) { v.authorized[u] = c }

// Share records a sharing callback the app accepted for installer's
// installation.
func (v *AppView) Share(installer UserID, c CompanyID, on bool) {
	v.shared[installer], v.companies[installer] = on, c
}

// Uninstall records a genuine uninstall the app took: it forgets u.
func (v *AppView) Uninstall(u UserID) {
	delete(v.authorized, u)
	delete(v.shared, u)
}

// Authorized reports whether the app holds u's own authorization.
func (v *AppView) Authorized(u UserID) bool {
	_, ok := v.authorized[u]
	return ok
}

// MustRefuse reports whether, by what the app was told, viewer of company
// c has no claim. claim is the request's isShared; nil for a kind that
// carries none (a link action).
func (v *AppView) MustRefuse(viewer UserID, c CompanyID, claim *bool) bool {
	if v.Authorized(viewer) {
		return false
	}
	if claim != nil && !*claim {
		return true
	}
	return !v.sharedIn(c, false)
}

// CanServe reports whether, by what the app was told, viewer of company c
// has a claim and the app holds a token to serve it with: the viewer's own,
// or that of an installing user whose installation is shared.
func (v *AppView) CanServe(viewer UserID, c CompanyID, claim *bool) bool {
	if v.Authorized(viewer) {
		return true
	}
	if claim != nil && !*claim {
		return false
	}
	return v.sharedIn(c, true)
}

// sharedIn reports whether an installation of company c is shared now
// (withToken: and the app holds its installing user's token).
func (v *AppView) sharedIn(c CompanyID, withToken bool) bool {
	for u, on := range v.shared {
		if on && v.companies[u] == c && (!withToken || v.Authorized(u)) {
			return true
		}
	}
	return false
}
