package reference

import (
	"fmt"
	"reflect"
	"slices"
	"time"
)

// Command is an actor's action. Apply validates it against the state and
// either refuses it, changing nothing, or changes the state and logs it.
type Command interface {
	// Kind names the command in traces and summaries.
	Kind() string
	apply(s *state, at time.Time) (who, []Effect, *Refusal)
}

// who attributes an accepted command: the acting user (zero for the
// marketplace or the vendor), the company and the app it concerns.
type who struct {
	Actor   UserID
	Company CompanyID
	App     AppID
}

// Event is one accepted command in the log.
type Event struct {
	Seq     uint64
	At      time.Time
	Actor   UserID // zero: the marketplace or the app's vendor
	Company CompanyID
	App     AppID
	Command Command
}

// Result is what Apply returns: the logged event and its effects, or the
// refusal. A refused command leaves the state exactly as it was and is not
// logged, but its Effects may say what the marketplace does about
// the refused attempt: Procore emails every admin about a user's install
// attempt while "Allow User Installs" is OFF (PC-06, PC-07).
type Result struct {
	Event   *Event
	Effects []Effect
	Refusal *Refusal
}

// OK reports whether the command was accepted.
func (r Result) OK() bool { return r.Refusal == nil }

// Market is the reference model of one marketplace. It is a value that only
// commands change; it is not safe for concurrent use (each scenario, property
// run or simulation has its own).
type Market struct {
	profile Profile
	clock   Clock
	st      state
	log     []Event
}

// New returns an empty market running profile's rules. A nil clock stands
// still at EpochClock.
func New(profile Profile, clock Clock) *Market {
	if clock == nil {
		clock = EpochClock
	}
	return &Market{profile: profile, clock: clock, st: newState(profile)}
}

// Profile returns the marketplace whose rules m runs.
func (m *Market) Profile() Profile { return m.profile }

// Apply runs one command.
func (m *Market) Apply(c Command) Result {
	at := m.clock()
	w, effects, ref := c.apply(&m.st, at)
	if ref != nil {
		return Result{Refusal: ref, Effects: effects}
	}
	m.st.seq++
	m.log = append(m.log, Event{Seq: m.st.seq, At: at, Actor: w.Actor, Company: w.Company, App: w.App, Command: c})
	return Result{Event: &m.log[len(m.log)-1], Effects: effects}
}

// Log returns the event log. The slice is the market's own: callers
// must not change it.
func (m *Market) Log() []Event { return m.log }

// DrainLog returns the events logged since the last drain and forgets them,
// so a long run can stream its log to a trace instead of holding it all.
// Replaying every drained batch in order rebuilds the same state.
func (m *Market) DrainLog() []Event {
	out := m.log
	// The caller keeps out; the next batch starts with room for as many
	// events as this one had, so a steady run does not regrow its log from
	// nothing after every drain, and one large batch is not carried on.
	m.log = make([]Event, 0, len(out))
	return out
}

// Replay rebuilds a market from an event log by applying each event's
// command at its recorded time. A log with a command the model refuses is
// corrupt and returns an error naming the event.
func Replay(profile Profile, log []Event) (*Market, error) {
	var at time.Time
	m := New(profile, func() time.Time { return at })
	for i, e := range log {
		at = e.At
		if r := m.Apply(e.Command); !r.OK() {
			return nil, fmt.Errorf("replay: event %d (%s) refused: %w", i+1, e.Command.Kind(), r.Refusal)
		}
	}
	return m, nil
}

// Equal reports whether two markets have the same profile, state and log.
func (m *Market) Equal(o *Market) bool {
	return m.profile == o.profile && reflect.DeepEqual(m.st, o.st) && reflect.DeepEqual(m.log, o.log)
}

// StateEqual reports whether two markets have the same state, whatever
// their logs (a refused command must leave the state as it was: X-02).
func (m *Market) StateEqual(o *Market) bool {
	return m.profile == o.profile && reflect.DeepEqual(m.st, o.st)
}

// Clone returns an independent deep copy of m sharing only its clock.
func (m *Market) Clone() *Market {
	c := &Market{profile: m.profile, clock: m.clock, st: m.st.clone()}
	c.log = slices.Clone(m.log)
	return c
}
