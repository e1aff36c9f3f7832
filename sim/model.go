// Package sim runs the reference model under load and checks it: workload
// generators, the invariants that properties and the simulator share, the
// simulation runner, and trace record and replay.
package sim

import (
	"time"

	"github.com/appcert/appcert/reference"
)

// Model is the command and query surface of the reference model that the
// invariants read. The simulator and the properties run against this
// interface rather than *reference.Market, so that tests can wrap the model
// in mutants that each break one rule and require an invariant to notice.
type Model interface {
	Profile() reference.Profile
	Apply(reference.Command) reference.Result
	DrainLog() []reference.Event

	Status(reference.AppID, reference.UserID) reference.Status
	Dock(reference.UserID) reference.Dock
	ManageUsersView(reference.AppID, reference.UserID) (reference.ManageView, error)
	Extension(reference.AppID, reference.UserID, reference.ExtensionKind) reference.Use
	APICall(app reference.AppID, u reference.UserID, method, path string) reference.APIDecision
	Granted(reference.AppID, reference.UserID) []string
	User(reference.UserID) (reference.User, bool)
	App(reference.AppID) (reference.App, bool)

	// Procore and Zoom: installations, the install rules, requests and the
	// accounts' settings.
	Installation(reference.AppID, reference.UserID) (reference.Installation, bool)
	CanInstall(reference.AppID, reference.UserID) error
	MissingScopes(reference.AppID, reference.UserID) []string
	Request(reference.RequestID) (reference.Request, bool)
	Admins(reference.CompanyID) []reference.UserID
	AllowUserInstalls(reference.CompanyID) (allow, ok bool)
	Permissions(reference.CompanyID) (reference.AccountPermissions, bool)
	PreApproval(reference.CompanyID, reference.AppID) reference.PreApprovalState

	// Replica returns an empty model of the same profile that only replayed
	// events change: the log's account of the state.
	Replica() Replica
	// Market is the underlying market, for whole-state comparisons.
	Market() *reference.Market
}

// Replica is a model rebuilt from an event log, fed batch by batch so a
// long run never holds its whole log.
type Replica interface {
	Feed([]reference.Event) error
	Model() Model
}

// NewModel returns the reference model of profile as a Model.
func NewModel(profile reference.Profile, clock reference.Clock) Model {
	return market{reference.New(profile, clock)}
}

// Wrap returns m as a Model.
func Wrap(m *reference.Market) Model { return market{m} }

// market adapts *reference.Market to Model.
type market struct{ m *reference.Market }

func (m market) Market() *reference.Market                  { return m.m }
func (m market) Profile() reference.Profile                 { return m.m.Profile() }
func (m market) Apply(c reference.Command) reference.Result { return m.m.Apply(c) }
func (m market) DrainLog() []reference.Event                { return m.m.DrainLog() }
func (m market) Status(a reference.AppID, u reference.UserID) reference.Status {
	return m.m.Status(a, u)
}
func (m market) Dock(u reference.UserID) reference.Dock { return m.m.Dock(u) }
func (m market) ManageUsersView(a reference.AppID, u reference.UserID) (reference.ManageView, error) {
	return m.m.ManageUsersView(a, u)
}
func (m market) Extension(a reference.AppID, u reference.UserID, k reference.ExtensionKind) reference.Use {
	return m.m.Extension(a, u, k)
}
func (m market) APICall(a reference.AppID, u reference.UserID, method, path string) reference.APIDecision {
	return m.m.APICall(a, u, method, path)
}
func (m market) Granted(a reference.AppID, u reference.UserID) []string { return m.m.Granted(a, u) }
func (m market) User(id reference.UserID) (reference.User, bool)        { return m.m.User(id) }
func (m market) App(id reference.AppID) (reference.App, bool)           { return m.m.App(id) }
func (m market) Installation(a reference.AppID, u reference.UserID) (reference.Installation, bool) {
	return m.m.Installation(a, u)
}
func (m market) CanInstall(a reference.AppID, u reference.UserID) error { return m.m.CanInstall(a, u) }
func (m market) MissingScopes(a reference.AppID, u reference.UserID) []string {
	return m.m.MissingScopes(a, u)
}
func (m market) Request(id reference.RequestID) (reference.Request, bool) { return m.m.Request(id) }
func (m market) Admins(c reference.CompanyID) []reference.UserID          { return m.m.Admins(c) }
func (m market) AllowUserInstalls(c reference.CompanyID) (bool, bool) {
	return m.m.AllowUserInstalls(c)
}
func (m market) Permissions(c reference.CompanyID) (reference.AccountPermissions, bool) {
	return m.m.Permissions(c)
}
func (m market) PreApproval(c reference.CompanyID, a reference.AppID) reference.PreApprovalState {
	return m.m.PreApproval(c, a)
}

func (m market) Replica() Replica {
	r := &replica{}
	r.m = reference.New(m.m.Profile(), func() time.Time { return r.at })
	return r
}

// replica applies each event's command at its recorded time, as
// reference.Replay does, but across batches.
type replica struct {
	m  *reference.Market
	at time.Time
}

func (r *replica) Feed(events []reference.Event) error {
	for _, e := range events {
		r.at = e.At
		res := r.m.Apply(e.Command)
		if !res.OK() {
			return &ReplayError{Seq: e.Seq, Kind: e.Command.Kind(), Err: res.Refusal}
		}
		if res.Event.Seq != e.Seq {
			return &ReplayError{Seq: e.Seq, Kind: e.Command.Kind(), Err: errSeq(res.Event.Seq)}
		}
	}
	r.m.DrainLog() // the replica's own log would only repeat the events
	return nil
}

func (r *replica) Model() Model { return market{r.m} }

// ReplayError says which event of a log the model refused on replay.
type ReplayError struct {
	Seq  uint64
	Kind string
	Err  error
}

func (e *ReplayError) Error() string {
	return "replay: event " + itoa(int64(e.Seq)) + " (" + e.Kind + "): " + e.Err.Error()
}

func (e *ReplayError) Unwrap() error { return e.Err }

type errSeq uint64

func (e errSeq) Error() string { return "replayed as event " + itoa(int64(e)) }
