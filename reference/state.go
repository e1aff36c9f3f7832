package reference

import (
	"cmp"
	"maps"
	"slices"

	"github.com/appcert/appcert/reference/scopes"
)

// state is everything the commands change. Markets compare states with
// reflect.DeepEqual, so every change goes through the commands' apply
// functions, which keep nil and empty maps the same way on every path.
type state struct {
	profile   Profile
	seq       uint64 // sequence number of the last accepted command
	companies map[CompanyID]*company
	users     userTable
	apps      map[AppID]*appState
	requests  map[RequestID]*request // every company's requests, by ID (PC-03, ZM-07, ZM-12)
}

type appState struct {
	App
	granted scopes.Set // the app's scopes plus base (PD-SCOPE-01)
	version int        // bumped when the scopes change (PD-SCOPE-04)
	idx     int        // the app's number, in the order apps were listed
}

type company struct {
	id      CompanyID
	name    string
	shares  map[AppID]*share // the company-account installation of an app, by its adding admin
	objects map[objectKey]AppID

	// admins are the company's admins, sorted. Admins are few: mail "to every
	// admin" reads this index, never the company's users.
	admins []UserID

	userInstallsOff bool // Procore's "Allow User Installs" OFF (PC-01); the zero value is the default ON

	// Zoom (ZM).
	perms        AccountPermissions
	emailsOff    bool     // pre-approval request email turned off (ZM-10); on by default
	recipients   []UserID // the chosen recipients of that email, at most five
	preapprovals map[AppID]*preApproval
	installs     map[AppID]accountInstall // account-level installations (ZM-02)

	requests []RequestID              // in filing order
	pending  map[pendingKey]RequestID // the open request of a user, app and kind
}

// switchedOff reports whether an admin switched off app's pre-approval:
// the app is disabled for everyone until it is pre-approved again (ZM-11,
// ZM-18).
func (co *company) switchedOff(app AppID) bool {
	pa := co.preapprovals[app]
	return pa != nil && !pa.on
}

// preApproval is an app's pre-approval in a Zoom account (ZM-07, 09, 11).
// Switched off, the app is disabled for every user of the account.
type preApproval struct {
	on            bool
	whoCanInstall []string // lower-cased, sorted; empty: anyone may install
}

// accountInstall is an account-level app installed for a whole Zoom
// account (ZM-02), by an admin, on a requester's behalf where it answered
// a Request to Install (ZM-12).
type accountInstall struct {
	by    UserID
	onFor UserID // the requester, or zero
	seq   uint64
}

type pendingKey struct {
	app  AppID
	user UserID
	kind RequestKind
}

// request is a user's install or pre-approval request.
type request struct {
	id        RequestID
	kind      RequestKind
	company   CompanyID
	app       AppID
	by        UserID
	notes     string
	state     RequestState
	decidedBy UserID
	note      string // the deciding admin's note
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
	auths     auths  // the user's own authorizations (PD-SHARE-07)
	openedSeq uint64 // when the user last opened or refreshed the web app

	market MarketplaceAccess // Zoom: the admin's Marketplace role (ZM-02)
	scopes []string          // Zoom: the scopes the user holds, sorted (ZM-08)
}

type authorization struct {
	version int    // the app's scope version the user accepted
	expired bool   // the authorization expired (PD-SHARE-15)
	by      UserID // the admin who installed it on the user's behalf (PC-05); zero: the user
}

// auths is a user's own authorizations, sorted by app. A user holds few,
// and most users of a large company none: a short slice scanned in order
// costs less time and memory than a map per user, and the status of every
// query reads it.
type auths []authEntry

// authEntry is one authorization, found by the app's number: comparing
// numbers, not IDs, is what makes the scan cheap.
type authEntry struct {
	app AppID
	idx int
	au  authorization
}

// get returns the authorization of a.
func (as auths) get(a *appState) (authorization, bool) {
	for i := range as {
		if as[i].idx == a.idx {
			return as[i].au, true
		}
	}
	return authorization{}, false
}

// has reports whether there is an authorization of a.
func (as auths) has(a *appState) bool {
	_, ok := as.get(a)
	return ok
}

// hasID reports whether there is an authorization of the app id.
func (as auths) hasID(id AppID) bool {
	return slices.ContainsFunc(as, func(e authEntry) bool { return e.app == id })
}

// setAuth records u's authorization of a.
func (u *user) setAuth(a *appState, au authorization) {
	i, found := slices.BinarySearchFunc(u.auths, a.ID, func(e authEntry, id AppID) int { return cmp.Compare(e.app, id) })
	if found {
		u.auths[i].au = au
		return
	}
	u.auths = slices.Insert(u.auths, i, authEntry{a.ID, a.idx, au})
}

// dropAuth forgets u's authorization of a; none left is nil, as for a
// user who never had one.
func (u *user) dropAuth(a *appState) {
	u.auths = slices.DeleteFunc(u.auths, func(e authEntry) bool { return e.idx == a.idx })
	if len(u.auths) == 0 {
		u.auths = nil
	}
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

// userTable is the market's users by ID. IDs are the wire protocol's
// numbers, in practice small and dense, given out as users sign up: an ID
// below a bound that grows with the table is kept in a slice indexed by
// ID, which a query reaches without hashing and where users of
// neighbouring IDs share the cache; any other ID goes in a map. Which
// side holds a user depends only on the order of joins, so equal command
// sequences give equal tables.
type userTable struct {
	dense  []*user // by ID; nil where no user has the ID
	sparse map[UserID]*user
	n      int
}

// denseBound is the smallest ID not kept densely in a table of n users:
// at most four slots per user, plus room to start.
func denseBound(n int) UserID { return UserID(4*n + 1<<16) }

func (t *userTable) get(id UserID) (*user, bool) {
	if id >= 0 && id < UserID(len(t.dense)) {
		if u := t.dense[id]; u != nil {
			return u, true
		}
	}
	if len(t.sparse) == 0 {
		return nil, false
	}
	u, ok := t.sparse[id]
	return u, ok
}

// at returns the user id, or nil.
func (t *userTable) at(id UserID) *user {
	u, _ := t.get(id)
	return u
}

// put adds u, whose ID the table does not hold.
func (t *userTable) put(u *user) {
	t.n++
	if u.id < 0 || u.id >= denseBound(t.n) {
		if t.sparse == nil {
			t.sparse = map[UserID]*user{}
		}
		t.sparse[u.id] = u
		return
	}
	if n := int(u.id) + 1; n > len(t.dense) {
		t.dense = append(t.dense, make([]*user, n-len(t.dense))...)
	}
	t.dense[u.id] = u
}

// each calls f for every user, in no particular order.
func (t *userTable) each(f func(*user)) {
	for _, u := range t.dense {
		if u != nil {
			f(u)
		}
	}
	for _, u := range t.sparse {
		f(u)
	}
}

func (t *userTable) clone(f func(*user) *user) userTable {
	c := userTable{dense: make([]*user, len(t.dense)), sparse: cloneMap(t.sparse, f), n: t.n}
	for i, u := range t.dense {
		if u != nil {
			c.dense[i] = f(u)
		}
	}
	return c
}

func newState(p Profile) state {
	return state{
		profile:   p,
		companies: map[CompanyID]*company{},
		apps:      map[AppID]*appState{},
		requests:  map[RequestID]*request{},
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
	c := state{profile: s.profile, seq: s.seq, companies: make(map[CompanyID]*company, len(s.companies)),
		apps:     make(map[AppID]*appState, len(s.apps)),
		requests: cloneMap(s.requests, func(r *request) *request { x := *r; return &x })}
	for id, co := range s.companies {
		cc := *co
		cc.shares = cloneMap(co.shares, func(sh *share) *share {
			x := *sh
			x.users = maps.Clone(sh.users)
			return &x
		})
		cc.objects = maps.Clone(co.objects)
		cc.admins = slices.Clone(co.admins)
		cc.recipients = slices.Clone(co.recipients)
		cc.preapprovals = cloneMap(co.preapprovals, func(p *preApproval) *preApproval {
			x := *p
			x.whoCanInstall = slices.Clone(p.whoCanInstall)
			return &x
		})
		cc.installs = maps.Clone(co.installs)
		cc.requests = slices.Clone(co.requests)
		cc.pending = maps.Clone(co.pending)
		c.companies[id] = &cc
	}
	c.users = s.users.clone(func(u *user) *user {
		uu := *u
		uu.auths = slices.Clone(u.auths)
		uu.scopes = slices.Clone(u.scopes)
		return &uu
	})
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
