package reference

import (
	"fmt"
	"time"
)

// A request is a user asking the account's admins for an app: Procore's
// install request (PC-03..05), Zoom's pre-approval request (ZM-07) and
// Request to Install (ZM-12). Filing, listing and deciding are written once;
// the profile says who decides and whom the marketplace mails.

// RequestID names a request: the Seq of the event that filed it, so a caller
// reads it from Apply's Result and a replay gives the same IDs.
type RequestID uint64

// RequestKind is what a user asks for.
type RequestKind string

const (
	// RequestInstall asks an admin to install the app on the user's behalf
	// (Procore's install request, Zoom's Request to Install).
	RequestInstall RequestKind = "install"
	// RequestPreApproval asks a Zoom admin to pre-approve the app (ZM-07).
	RequestPreApproval RequestKind = "pre_approval"
)

// RequestState is where a request stands.
type RequestState string

const (
	RequestPending  RequestState = "pending"
	RequestApproved RequestState = "approved"
	RequestDenied   RequestState = "denied"
)

// RequestApp is a user filing a request, with optional notes (PC-03). An
// empty Type is the app's usual one: an install request in Procore and for a
// Zoom account-level app, a pre-approval request for other Zoom apps.
type RequestApp struct {
	App   AppID
	By    UserID
	Type  RequestKind
	Notes string
}

// DecideRequest is an admin approving or denying a request (PC-05, ZM-07,
// ZM-12). Approving an install request installs the app on the requester's
// behalf; approving a pre-approval request pre-approves the app for the
// account. Denying tells the requester (PC-05, ZM-15). A decided request
// cannot be decided again.
type DecideRequest struct {
	Request RequestID
	By      UserID
	Approve bool
	Note    string // shown to the requester with a denial
}

func (RequestApp) Kind() string    { return "request_app" }
func (DecideRequest) Kind() string { return "decide_request" }

// Request is a request as the App Requests view lists it: who asked, for
// what, and how it was decided.
type Request struct {
	ID        RequestID
	Kind      RequestKind
	Company   CompanyID
	App       AppID
	By        UserID // who asked (ZM-07)
	ByName    string
	ByEmail   string
	Notes     string
	State     RequestState
	DecidedBy UserID
	Note      string
}

func (c RequestApp) apply(s *state, _ time.Time) (who, []Effect, *Refusal) {
	if s.profile == Pipedrive {
		return who{}, nil, notPipedrive("requests")
	}
	a, u, co, ref := s.lookup(c.App, c.By)
	if ref != nil {
		return who{}, nil, ref
	}
	kind := c.Type
	if kind == "" {
		kind = RequestInstall
		if s.profile == Zoom && a.Level != AccountLevel {
			kind = RequestPreApproval
		}
	}
	rule := requestRule(s.profile, kind)
	switch {
	case s.profile == Procore && kind != RequestInstall:
		return who{}, nil, refuse("X-02", ReasonNotInProfile, "%q requests are Zoom's", kind)
	case s.profile == Procore && u.admin:
		return who{}, nil, refuse(rule, ReasonAdminsInstall, "user %d is a company admin", u.id)
	case s.profile == Zoom && u.canEdit():
		return who{}, nil, refuse(rule, ReasonAdminsInstall, "user %d holds Marketplace:Edit", u.id)
	case kind == RequestInstall && s.profile == Zoom && a.Level != AccountLevel:
		return who{}, nil, refuse(rule, ReasonInvalid, "%q is user-level: users install it, or ask for pre-approval", a.ID)
	case kind == RequestPreApproval && a.Level == AccountLevel:
		return who{}, nil, refuse(rule, ReasonInvalid, "%q is account-level: use Request to Install", a.ID)
	case kind != RequestInstall && kind != RequestPreApproval:
		return who{}, nil, refuse("X-02", ReasonInvalid, "request kind %q", kind)
	case s.installed(a, u):
		return who{}, nil, refuse(rule, ReasonAlreadyInstalled, "user %d already has %q", u.id, a.ID)
	}
	if pa := co.preapprovals[a.ID]; kind == RequestPreApproval && pa != nil && pa.on {
		return who{}, nil, refuse(rule, ReasonAlreadyPreApproved, "%q in account %d", a.ID, co.id)
	}
	key := pendingKey{app: a.ID, user: u.id, kind: kind}
	if id, ok := co.pending[key]; ok {
		return who{}, nil, refuse(rule, ReasonRequestPending, "request %d", id)
	}
	id := RequestID(s.seq + 1)
	r := &request{id: id, kind: kind, company: co.id, app: a.ID, by: u.id, notes: c.Notes, state: RequestPending}
	s.requests[id] = r
	co.requests = append(co.requests, id)
	co.pending[key] = id
	return who{Actor: u.id, Company: co.id, App: a.ID}, s.requestMail(r, a, u, co), nil
}

func notPipedrive(what string) *Refusal {
	return refuse("X-02", ReasonNotInProfile, "%s are Procore's and Zoom's, not Pipedrive's", what)
}

// requestRule names the rule a request refusal cites.
func requestRule(p Profile, k RequestKind) string {
	switch {
	case p == Procore:
		return "PC-03"
	case k == RequestPreApproval:
		return "ZM-07"
	}
	return "ZM-12"
}

// requestMail is the email a new request sends: Procore mails every company
// admin (PC-04); Zoom mails the pre-approval request's recipients unless the
// email is turned off (ZM-10, ZM-22). A Request to Install is only listed.
func (s *state) requestMail(r *request, a *appState, u *user, co *company) []Effect {
	switch {
	case s.profile == Procore && len(co.admins) > 0:
		return []Effect{s.mailTo(co, co.admins, procoreNoReply,
			fmt.Sprintf("%s requested to access or install %s on %s", u.email, a.Name, co.name), r.notes)}
	case s.profile == Zoom && r.kind == RequestPreApproval && !co.emailsOff:
		if to := s.recipients(co); len(to) > 0 {
			return []Effect{s.mailTo(co, to, zoomNoReply,
				fmt.Sprintf("%s requested pre-approval of %s", u.email, a.Name), r.notes)}
		}
	}
	return nil
}

// recipients are who gets the pre-approval request email: the chosen
// admins still holding Marketplace:Edit or, when none is, every admin
// holding it (ZM-10, ZM-22). Only the admin index is read.
func (s *state) recipients(co *company) []UserID {
	var out []UserID
	for _, id := range co.recipients {
		if s.users.at(id).canEdit() {
			out = append(out, id)
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, id := range co.admins {
		if s.users.at(id).canEdit() {
			out = append(out, id)
		}
	}
	return out
}

func (c DecideRequest) apply(s *state, _ time.Time) (who, []Effect, *Refusal) {
	if s.profile == Pipedrive {
		return who{}, nil, notPipedrive("requests")
	}
	r, ok := s.requests[c.Request]
	if !ok {
		return who{}, nil, refuse("X-02", ReasonUnknownRequest, "request %d", c.Request)
	}
	u, ok := s.users.get(c.By)
	if !ok {
		return who{}, nil, refuse("X-02", ReasonUnknownUser, "user %d", c.By)
	}
	if u.company != r.company {
		return who{}, nil, refuse("X-03", ReasonOtherCompany, "request %d is company %d's", r.id, r.company)
	}
	rule := "PC-05"
	if s.profile == Zoom {
		rule = requestRule(Zoom, r.kind)
		if !u.canEdit() {
			return who{}, nil, refuse(rule, ReasonNotMarketplaceEdit, "user %d", c.By)
		}
	} else if !u.admin {
		return who{}, nil, refuse(rule, ReasonNotAdmin, "user %d is not a company admin", c.By)
	}
	if r.state != RequestPending {
		return who{}, nil, refuse(rule, ReasonAlreadyDecided, "request %d was %s by user %d", r.id, r.state, r.decidedBy)
	}
	co, a, requester := s.companies[r.company], s.apps[r.app], s.users.at(r.by)
	// A switched-off app installs for no one until it is pre-approved
	// again, an approved Request to Install included (ZM-18).
	if c.Approve && r.kind == RequestInstall && s.profile == Zoom && co.switchedOff(r.app) {
		return who{}, nil, refuse("ZM-18", ReasonAppDisabled, "%q's pre-approval is switched off in account %d", r.app, co.id)
	}
	delete(co.pending, pendingKey{app: r.app, user: r.by, kind: r.kind})
	r.decidedBy, r.note = c.By, c.Note
	w := who{Actor: c.By, Company: co.id, App: r.app}
	if !c.Approve {
		r.state = RequestDenied
		return w, []Effect{Notice{Kind: NoticeRequestDenied, To: Audience{Company: co.id, Users: []UserID{r.by}},
			App: r.app, By: c.By, Detail: c.Note}}, nil
	}
	r.state = RequestApproved
	switch r.kind {
	case RequestInstall:
		// The requester may have installed it meanwhile: the approval then
		// leaves their installation as it is.
		if !s.installed(a, requester) {
			s.installFor(a, co, requester, c.By)
		}
	case RequestPreApproval:
		if pa := co.preapprovals[r.app]; pa == nil || !pa.on {
			co.preapprovals[r.app] = &preApproval{on: true}
		}
	}
	return w, nil, nil
}

func (r *request) view(s *state) Request {
	u := s.users.at(r.by)
	return Request{ID: r.id, Kind: r.kind, Company: r.company, App: r.app, By: r.by, ByName: u.name, ByEmail: u.email,
		Notes: r.notes, State: r.state, DecidedBy: r.decidedBy, Note: r.note}
}

// Request returns the request with id.
func (m *Market) Request(id RequestID) (Request, bool) {
	r, ok := m.st.requests[id]
	if !ok {
		return Request{}, false
	}
	return r.view(&m.st), true
}

// AppRequests is the App Requests view of viewer's company: every request of
// kind (all kinds when empty), pending and decided, in filing order, with who
// asked (PC-05, ZM-07, ZM-10, ZM-12). Procore shows it to company admins,
// Zoom to admins holding the Marketplace role.
func (m *Market) AppRequests(viewer UserID, kind RequestKind) ([]Request, error) {
	s := &m.st
	if s.profile == Pipedrive {
		return nil, notPipedrive("App Requests")
	}
	u, ok := s.users.get(viewer)
	switch {
	case !ok:
		return nil, refuse("X-02", ReasonUnknownUser, "user %d", viewer)
	case s.profile == Procore && !u.admin:
		return nil, refuse("PC-05", ReasonNotAdmin, "user %d", viewer)
	case s.profile == Zoom && !u.hasRole():
		return nil, refuse("ZM-07", ReasonNoMarketplaceRole, "user %d", viewer)
	}
	var out []Request
	for _, id := range s.companies[u.company].requests {
		if r := s.requests[id]; kind == "" || r.kind == kind {
			out = append(out, r.view(s))
		}
	}
	return out, nil
}
