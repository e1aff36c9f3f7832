package reference

import (
	"maps"
	"slices"

	"github.com/appcert/appcert/reference/scopes"
)

// state is everything the commands change. Markets compare states with
// reflect.DeepEqual, so every change goes through the commands' apply
// functions, which keep nil and empty maps the same way on every path.
type state struct {
	seq       uint64 // sequence number of the last accepted command
	companies map[CompanyID]*company
	users     map[UserID]*user
	apps      map[AppID]*appState
}

type appState struct {
	App
	granted scopes.Set // the app's scopes plus base (PD-SCOPE-01)
	version int        // bumped when the scopes change (PD-SCOPE-04)
}

type company struct {
	id      CompanyID
	name    string
	shares  map[AppID]*share // the company-account installation of an app, by its adding admin
	objects map[objectKey]AppID
}

type objectKey struct {
	Kind ObjectKind
	Name string
}

type user struct {
	id        UserID
	company   CompanyID
	name      string
	email     string
	admin     bool
	auths     map[AppID]authorization // the user's own authorization (PD-SHARE-07)
	openedSeq uint64                  // when the user last opened or refreshed the web app
}

type authorization struct {
	version int  // the app's scope version the user accepted
	expired bool // the authorization expired (PD-SHARE-15)
}

// share is an admin's addition of an app to the company's users. With
// AllUsers, users holds the users removed since; with SpecificUsers, the users
// added. Either way the value is the sequence number of the change, which the
// notification bubble compares with the user's last visit (PD-SHARE-14).
type share struct {
	by     UserID
	access Access
	users  map[UserID]uint64
	allSeq uint64 // when the app was added to all users
	email  bool
}

func newState(Profile) state {
	return state{
		companies: map[CompanyID]*company{},
		users:     map[UserID]*user{},
		apps:      map[AppID]*appState{},
	}
}

// includes reports whether the share adds the app to u. The adding admin is
// never "added": they hold their own authorization.
func (sh *share) includes(u UserID) bool {
	if u == sh.by {
		return false
	}
	switch sh.access {
	case AllUsers:
		_, removed := sh.users[u]
		return !removed
	case SpecificUsers:
		_, added := sh.users[u]
		return added
	}
	return false
}

// addedSeq is when u was added; meaningful only when includes(u).
func (sh *share) addedSeq(u UserID) uint64 {
	if sh.access == AllUsers {
		return sh.allSeq
	}
	return sh.users[u]
}

// sharedWithOthers reports whether anyone but the adding admin has the app
// through this share; "all users" counts as shared whatever the exclusions.
func (sh *share) sharedWithOthers() bool {
	return sh.access == AllUsers || (sh.access == SpecificUsers && len(sh.users) > 0)
}

func (s *state) clone() state {
	c := state{seq: s.seq, companies: make(map[CompanyID]*company, len(s.companies)),
		users: make(map[UserID]*user, len(s.users)), apps: make(map[AppID]*appState, len(s.apps))}
	for id, co := range s.companies {
		cc := *co
		cc.shares = cloneMap(co.shares, func(sh *share) *share {
			x := *sh
			x.users = maps.Clone(sh.users)
			return &x
		})
		cc.objects = maps.Clone(co.objects)
		c.companies[id] = &cc
	}
	for id, u := range s.users {
		uu := *u
		uu.auths = maps.Clone(u.auths)
		c.users[id] = &uu
	}
	for id, a := range s.apps {
		aa := *a
		aa.Scopes = slices.Clone(a.Scopes)
		aa.Extensions = slices.Clone(a.Extensions)
		c.apps[id] = &aa
	}
	return c
}

func cloneMap[K comparable, V any](m map[K]V, f func(V) V) map[K]V {
	if m == nil {
		return nil
	}
	c := make(map[K]V, len(m))
	for k, v := range m {
		c[k] = f(v)
	}
	return c
}
