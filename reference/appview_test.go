package reference

import "testing"

// The app's view (protocol.md, "Who is entitled"): who must be refused and
// who can be served, from what the app was told.
func TestAppView_WhoIsEntitled(t *testing.T) {
	const (
		acme, globex CompanyID = 1, 2
		alice, bob   UserID    = 1, 2
		gina         UserID    = 3
	)
	v := NewAppView()
	yes, no := true, false
	check := func(when string, u UserID, c CompanyID, claim *bool, refuse, serve bool) {
		t.Helper()
		if got := v.MustRefuse(u, c, claim); got != refuse {
			t.Errorf("%s: MustRefuse(%d) = %v", when, u, got)
		}
		if got := v.CanServe(u, c, claim); got != serve {
			t.Errorf("%s: CanServe(%d) = %v", when, u, got)
		}
	}
	check("nothing told", bob, acme, &yes, true, false)
	v.Learn(Redirect{User: alice}, acme)
	check("Alice authorized", alice, acme, &no, false, true)
	check("Alice authorized", bob, acme, &yes, true, false)
	v.Learn(Redirect{User: gina, Denied: true}, globex)
	check("a denial authorizes nobody", gina, globex, nil, true, false)
	v.Learn(SharingCallback{User: alice, Company: acme, IsShared: true}, acme)
	check("shared", bob, acme, &yes, false, true)
	check("shared, link action", bob, acme, nil, false, true)
	check("shared, but isShared=false", bob, acme, &no, true, false)
	check("shared in another company", gina, globex, &yes, true, false)
	v.authorized = map[UserID]CompanyID{} // Alice's code was never exchanged, say
	check("shared, no token", bob, acme, &yes, false, false)
	v.Authorize(alice, acme)
	v.Learn(SharingCallback{User: alice, Company: acme, IsShared: false}, acme)
	check("unshared", bob, acme, &yes, true, false)
	v.Learn(UninstallCallback{User: alice, Company: acme}, acme)
	check("uninstalled", alice, acme, &yes, true, false)
}
