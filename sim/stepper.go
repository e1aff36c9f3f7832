package sim

import (
	"slices"

	"github.com/appcert/appcert/reference"
)

// Stepper applies commands to a model and checks the invariants around each
// one. The properties step every command; the simulator steps a window of
// commands at each check and applies the rest without snapshots.
type Stepper struct {
	Model      Model
	Invariants []Invariant
	// Admins lists a company's admins (see Check.Admins).
	Admins func(reference.CompanyID) []reference.UserID
	// Requests lists the requests each step snapshots; nil: only the one
	// the command decides or files.
	Requests func() []reference.RequestID
	// Exhaustive asks for whole-state comparisons and the O(market)
	// checks; the properties set it, the simulator does not.
	Exhaustive bool

	replica Replica // nil: the caller checks the log itself (the simulator)
}

// NewStepper returns a stepper over m that keeps a replica fed from m's log.
func NewStepper(m Model, invs []Invariant) *Stepper {
	return &Stepper{Model: m, Invariants: invs, replica: m.Replica()}
}

// Feed gives the replica events that were applied without stepping; a
// refused replay is an X-01 violation.
func (s *Stepper) Feed(events []reference.Event) *Violation {
	if s.replica == nil {
		return nil
	}
	if err := s.replica.Feed(events); err != nil {
		return &Violation{Invariant: "replay", Rules: []string{"X-01"}, Err: err}
	}
	return nil
}

// Step applies cmd, snapshotting users and apps before and after, and checks
// every invariant. It returns the result, the events the model logged (its
// log is drained), and the first violation.
func (s *Stepper) Step(cmd reference.Command, users []reference.UserID, apps []reference.AppID) (reference.Result, []reference.Event, *Violation) {
	c := &Check{Model: s.Model, Cmd: cmd, Admins: s.Admins, Exhaustive: s.Exhaustive}
	var ids []reference.RequestID
	if s.Requests != nil {
		ids = slices.Clone(s.Requests())
	}
	if d, ok := cmd.(reference.DecideRequest); ok && !slices.Contains(ids, d.Request) {
		ids = append(ids, d.Request)
	}
	c.Before = Take(s.Model, users, apps)
	c.Before.TakeRequests(s.Model, ids)
	if s.Exhaustive {
		c.BeforeMarket = s.Model.Market().Clone()
	}
	c.Result = s.Model.Apply(cmd)
	events := s.Model.DrainLog()
	if v := s.Feed(events); v != nil {
		return c.Result, events, v
	}
	// A filed request is watched from the step that files it: unknown
	// before, pending after.
	if _, ok := cmd.(reference.RequestApp); ok && c.Result.Event != nil {
		id := reference.RequestID(c.Result.Event.Seq)
		c.Before.Requests = append(slices.Clone(ids), id)
		c.Before.Req = append(c.Before.Req, RequestObs{})
		ids = c.Before.Requests
	}
	if s.replica != nil {
		c.Replica = s.replica.Model()
	}
	c.After = Take(s.Model, users, apps)
	c.After.TakeRequests(s.Model, ids)
	return c.Result, events, Run(s.Invariants, c)
}
