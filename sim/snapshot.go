package sim

import (
	"errors"
	"fmt"
	"reflect"
	"slices"

	"github.com/appcert/appcert/reference"
)

// Probe is an API call the invariants ask the model about for every user and
// app they look at: one per kind of answer the scope rules give.
type Probe struct{ Method, Path string }

// Probes are the calls every snapshot asks about: base, a read and a write
// of deals, an admin-only write, and an endpoint no scope lists.
func Probes() []Probe {
	return []Probe{
		{"GET", "/users/me"},
		{"GET", "/deals/42"},
		{"POST", "/deals"},
		{"POST", "/activityTypes"},
		{"GET", "/nowhere"},
	}
}

// Snapshot is what the model answers, at one moment, to every query about a
// set of users and apps. Invariants compare snapshots taken before and after
// a command; taking one costs O(users × apps), never O(market), so the
// simulator can take them over a sample of a market of a million users.
type Snapshot struct {
	Users []reference.UserID
	Apps  []reference.AppID
	User  []UserObs // by index in Users
	App   []AppObs  // by index in Apps
	Pair  []PairObs // Users[i] and Apps[j] at i*len(Apps)+j

	// The companies of the known users, sorted, and their settings; the
	// requests the caller named (see TakeRequests).
	Companies []reference.CompanyID
	Company   []CompanyObs // by index in Companies
	Requests  []reference.RequestID
	Req       []RequestObs // by index in Requests
}

// CompanyObs is what the model says about one company's settings:
// Procore's Allow User Installs, a Zoom account's permissions and each
// app's pre-approval (by index in Apps).
type CompanyObs struct {
	AllowUserInstalls bool
	Permissions       reference.AccountPermissions
	PreApproval       []reference.PreApprovalState
}

// RequestObs is what the model says about one request.
type RequestObs struct {
	Known   bool
	Request reference.Request
}

// UserObs is what the model says about one user.
type UserObs struct {
	Known bool
	User  reference.User
	Dock  reference.Dock
}

// AppObs is what the model says about one app.
type AppObs struct {
	Known bool
	App   reference.App
}

// PairObs is what the model says about one user and one app.
type PairObs struct {
	Status  reference.Status
	Granted []string
	Ext     []reference.Use // by index in reference.ExtensionKinds()
	Calls   []reference.APIDecision

	// Procore and Zoom: the user's installation, and what an install would
	// meet now (Can is the refusal's reason, "" when it would go ahead).
	Installed bool
	Install   reference.Installation
	Can       reference.Reason
	CanRule   string
}

// Take snapshots m for users and apps.
func Take(m Model, users []reference.UserID, apps []reference.AppID) *Snapshot {
	s := &Snapshot{Users: users, Apps: apps, User: make([]UserObs, len(users)), App: make([]AppObs, len(apps)),
		Pair: make([]PairObs, len(users)*len(apps))}
	for j, a := range apps {
		s.App[j].App, s.App[j].Known = m.App(a)
	}
	kinds := reference.ExtensionKinds()
	probes := Probes()
	// Pipedrive has no installations apart from authorizations, no install
	// rules to ask about and no settings: its snapshots skip them.
	pipedrive := m.Profile() == reference.Pipedrive
	// One backing array for all pairs' answers: snapshots are taken around
	// every step of every property run.
	uses := make([]reference.Use, len(s.Pair)*len(kinds))
	calls := make([]reference.APIDecision, len(s.Pair)*len(probes))
	for i, u := range users {
		s.User[i].User, s.User[i].Known = m.User(u)
		s.User[i].Dock = m.Dock(u)
		for j, a := range apps {
			n := i*len(apps) + j
			p := &s.Pair[n]
			p.Status = m.Status(a, u)
			p.Granted = m.Granted(a, u)
			p.Ext = uses[n*len(kinds) : (n+1)*len(kinds) : (n+1)*len(kinds)]
			for k, kind := range kinds {
				p.Ext[k] = m.Extension(a, u, kind)
			}
			p.Calls = calls[n*len(probes) : (n+1)*len(probes) : (n+1)*len(probes)]
			for k, pr := range probes {
				p.Calls[k] = m.APICall(a, u, pr.Method, pr.Path)
			}
			if pipedrive {
				continue
			}
			p.Install, p.Installed = m.Installation(a, u)
			var ref *reference.Refusal
			if errors.As(m.CanInstall(a, u), &ref) {
				p.Can, p.CanRule = ref.Reason, ref.Rule
			}
		}
	}
	if pipedrive {
		return s
	}
	for _, u := range s.User {
		if u.Known {
			s.Companies = append(s.Companies, u.User.Company)
		}
	}
	slices.Sort(s.Companies)
	s.Companies = slices.Compact(s.Companies)
	s.Company = make([]CompanyObs, len(s.Companies))
	for i, co := range s.Companies {
		o := &s.Company[i]
		o.AllowUserInstalls, _ = m.AllowUserInstalls(co)
		o.Permissions, _ = m.Permissions(co)
		o.PreApproval = make([]reference.PreApprovalState, len(apps))
		for j, a := range apps {
			o.PreApproval[j] = m.PreApproval(co, a)
		}
	}
	return s
}

// TakeRequests adds the requests ids to s, as m answers for them now.
func (s *Snapshot) TakeRequests(m Model, ids []reference.RequestID) {
	s.Requests = ids
	s.Req = make([]RequestObs, len(ids))
	for i, id := range ids {
		s.Req[i].Request, s.Req[i].Known = m.Request(id)
	}
}

// CompanyIndex returns c's index in Companies, or -1.
func (s *Snapshot) CompanyIndex(c reference.CompanyID) int {
	i, ok := slices.BinarySearch(s.Companies, c)
	if !ok {
		return -1
	}
	return i
}

// At returns the observation of Users[i] and Apps[j].
func (s *Snapshot) At(i, j int) *PairObs { return &s.Pair[i*len(s.Apps)+j] }

// UserIndex returns u's index in Users, or -1.
func (s *Snapshot) UserIndex(u reference.UserID) int { return slices.Index(s.Users, u) }

// AppIndex returns a's index in Apps, or -1.
func (s *Snapshot) AppIndex(a reference.AppID) int { return slices.Index(s.Apps, a) }

// Diff describes the first difference between two snapshots of the same
// users and apps, or returns "" when they agree. skip, when set, leaves out
// the users it returns true for.
func (s *Snapshot) Diff(o *Snapshot, skip func(UserObs) bool) string {
	if !slices.Equal(s.Users, o.Users) || !slices.Equal(s.Apps, o.Apps) {
		return "snapshots of different users or apps"
	}
	for j, a := range s.Apps {
		if skip == nil && !appEqual(s.App[j], o.App[j]) {
			return fmt.Sprintf("app %q: %+v became %+v", a, s.App[j], o.App[j])
		}
	}
	for i, u := range s.Users {
		if skip != nil && (skip(s.User[i]) || skip(o.User[i])) {
			continue
		}
		if !userEqual(s.User[i], o.User[i]) {
			return fmt.Sprintf("user %d: %+v became %+v", u, s.User[i], o.User[i])
		}
		for j, a := range s.Apps {
			if x, y := s.At(i, j), o.At(i, j); !pairEqual(x, y) {
				return fmt.Sprintf("user %d, app %q: %s", u, a, pairDiff(x, y))
			}
		}
	}
	if skip == nil {
		return s.DiffAccounts(o, 0)
	}
	return ""
}

// DiffAccounts describes the first difference between the companies'
// settings and the requests of two snapshots, leaving out company except
// (none when zero), or returns "" when they agree.
func (s *Snapshot) DiffAccounts(o *Snapshot, except reference.CompanyID) string {
	// A company both snapshots know is compared; one only o knows is a
	// joiner's new company.
	if !slices.Equal(s.Requests, o.Requests) {
		return "snapshots of different requests"
	}
	for i, co := range s.Companies {
		if co == except {
			continue
		}
		k := o.CompanyIndex(co)
		if k < 0 {
			return fmt.Sprintf("company %d: its users are gone", co)
		}
		x, y := s.Company[i], o.Company[k]
		if x.AllowUserInstalls != y.AllowUserInstalls || x.Permissions != y.Permissions {
			return fmt.Sprintf("company %d: settings %+v became %+v", co, x, y)
		}
		for j, a := range s.Apps {
			if !reflect.DeepEqual(x.PreApproval[j], y.PreApproval[j]) {
				return fmt.Sprintf("company %d, app %q: pre-approval %+v became %+v", co, a, x.PreApproval[j], y.PreApproval[j])
			}
		}
	}
	for i, id := range s.Requests {
		x, y := s.Req[i], o.Req[i]
		if except != 0 && (x.Request.Company == except || y.Request.Company == except) {
			continue
		}
		if x != y {
			return fmt.Sprintf("request %d: %+v became %+v", id, x, y)
		}
	}
	return ""
}

func pairDiff(x, y *PairObs) string {
	switch {
	case x.Status != y.Status:
		return fmt.Sprintf("status %q became %q", x.Status, y.Status)
	case !slices.Equal(x.Granted, y.Granted):
		return fmt.Sprintf("granted %v became %v", x.Granted, y.Granted)
	case x.Installed != y.Installed || x.Install != y.Install:
		return fmt.Sprintf("installation %+v became %+v", x.Install, y.Install)
	case x.Can != y.Can:
		return fmt.Sprintf("an install would meet %q, now %q", x.Can, y.Can)
	}
	for k := range x.Ext {
		if x.Ext[k] != y.Ext[k] {
			return fmt.Sprintf("%s %+v became %+v", reference.ExtensionKinds()[k], x.Ext[k], y.Ext[k])
		}
	}
	for k := range x.Calls {
		if x.Calls[k] != y.Calls[k] {
			p := Probes()[k]
			return fmt.Sprintf("%s %s %+v became %+v", p.Method, p.Path, x.Calls[k], y.Calls[k])
		}
	}
	return "differs"
}

// The comparisons are written out, not reflect.DeepEqual: snapshots are
// compared after every step of every property run.

// appEqual and userEqual use reflect: App and User grow fields per profile.
func appEqual(x, y AppObs) bool { return reflect.DeepEqual(x, y) }

func userEqual(x, y UserObs) bool {
	return x.Known == y.Known && reflect.DeepEqual(x.User, y.User) && x.Dock.Bubble == y.Dock.Bubble &&
		slices.Equal(x.Dock.AddedByAdmin, y.Dock.AddedByAdmin) && slices.Equal(x.Dock.Apps, y.Dock.Apps)
}

func pairEqual(x, y *PairObs) bool {
	return x.Status == y.Status && slices.Equal(x.Granted, y.Granted) && slices.Equal(x.Ext, y.Ext) && slices.Equal(x.Calls, y.Calls) &&
		x.Installed == y.Installed && x.Install == y.Install && x.Can == y.Can && x.CanRule == y.CanRule
}
