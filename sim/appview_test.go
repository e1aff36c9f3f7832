package sim

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/appcert/appcert/reference"
)

// The app's view and the marketplace's agree: for a conforming app, which
// takes everything the marketplace sends it, every extension request the
// marketplace would send is one the app's view lets it serve, with the
// isShared the marketplace would send. Were it not so, the certification
// suite would hold apps to what they cannot know.
func TestProperty_AppViewServesWhatTheMarketplaceSends(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		r := newRun(t, reference.Pipedrive, identity)
		views := map[AppID]*reference.AppView{}
		view := func(a AppID) *reference.AppView {
			if views[a] == nil {
				views[a] = reference.NewAppView()
			}
			return views[a]
		}
		r.after = func(t *rapid.T, c reference.Command, res reference.Result) {
			m := r.st.Model
			for _, e := range res.Effects {
				var app AppID
				var user UserID
				switch e := e.(type) {
				case reference.Redirect:
					app, user = e.App, e.User
				case reference.SharingCallback:
					app, user = e.App, e.User
				case reference.UninstallCallback:
					app, user = e.App, e.User
				default:
					continue
				}
				u, _ := m.User(user)
				view(app).Learn(e, u.Company)
			}
			for _, a := range r.w.apps {
				for _, id := range r.w.users {
					u, ok := m.User(id)
					if !ok {
						continue
					}
					for _, k := range []reference.ExtensionKind{reference.JSONPanel, reference.LinkAction} {
						use := m.Extension(a, id, k)
						if !use.Allowed {
							continue
						}
						var claim *bool
						if k == reference.JSONPanel {
							claim = &use.IsShared
						}
						if !view(a).CanServe(id, u.Company, claim) {
							t.Logf("after these steps:\n%s", Words(m, r.applied))
							t.Fatalf("the marketplace sends %d's %s of %s (isShared %v), which the app's view cannot serve", id, k, a, use.IsShared)
						}
					}
				}
			}
		}
		t.Repeat(r.actions())
	})
}
