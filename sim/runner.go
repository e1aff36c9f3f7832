package sim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime/metrics"
	"slices"
	"time"

	"github.com/appcert/appcert/reference"
)

// Options tunes a run.
type Options struct {
	// CheckEvery checks the invariants after every CheckEvery commands;
	// zero checks nothing.
	CheckEvery int
	// Sample is how many users, besides those the command names, each
	// check looks at; zero means 64.
	Sample int
	// Apps is how many apps, besides the one the command names, each
	// check looks at; zero means 6 (the properties look at every app).
	Apps int
	// Window is how many commands each check steps with snapshots; zero
	// means 4.
	Window int
	// Trace receives the event log as it is drained; nil keeps none.
	Trace *TraceWriter
	// Progress is called at most once a second.
	Progress func(Progress)
}

// Progress is a long run's state, for a progress line.
type Progress struct {
	Commands, Total int
	Elapsed         time.Duration
}

// Summary is what a run did.
type Summary struct {
	Profile    reference.Profile
	Seed       uint64
	Stats      Stats
	Elapsed    time.Duration
	PeakMemory uint64 // the runtime's peak of mapped, unreleased memory, sampled
	Checks     int
	// Violation is the first invariant that failed. The trace since the
	// last good check is events WindowFrom to WindowTo, which ends with the
	// failing command; Window holds the last of them (at most 256).
	Violation            *Violation
	Window               []reference.Event
	WindowFrom, WindowTo uint64
	Failing              reference.Command
	Names                Names // to word the window
}

// EventsPerSecond is the run's rate of commands.
func (s *Summary) EventsPerSecond() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Stats.Commands) / s.Elapsed.Seconds()
}

// source is where a run's commands come from: a workload or a trace.
type source interface {
	next() (reference.Command, time.Time, bool, error) // false when done
	observe(reference.Command, reference.Result) error
}

// runner applies a source's commands to a model, drains its log to the
// trace, and checks the invariants every so often.
type runner struct {
	opt     Options
	m       Model
	src     source
	at      time.Time // the clock's answer for the next command
	stepper *Stepper
	window  []reference.Event // the last events drained since the last good check
	from    uint64            // the first event since the last good check
	dir     directory
	rng     *rand.Rand
	sum     *Summary
	mem     memSampler

	// The log's account of the run, checked command by command:
	// seq is the sequence number of the last accepted command, logged how
	// many were accepted since the last drain; refused keeps the refused
	// commands since then for the trace.
	seq     uint64
	logged  int
	refused []refusedCommand
}

// refusedCommand is a refused command waiting to be traced after the
// event numbered after.
type refusedCommand struct {
	after  uint64
	at     time.Time
	cmd    reference.Command
	reason reference.Reason
}

// directory is what the runner learnt of the market from its events:
// every user and app, and each company's admins, to sample and to read
// Manage users views.
type directory struct {
	users  []reference.UserID
	admins map[reference.CompanyID][]reference.UserID
	apps   []reference.AppID
	// requests are the last requests filed, which the checks watch.
	requests []reference.RequestID
}

// watchedRequests is how many of the last requests filed the checks watch.
const watchedRequests = 32

func (d *directory) learn(c reference.Command) {
	switch x := c.(type) {
	case reference.JoinCompany:
		d.users = append(d.users, x.User)
		if x.Admin {
			d.admins[x.Company] = append(d.admins[x.Company], x.User)
		}
	case reference.PublishApp:
		d.apps = append(d.apps, x.App.ID)
	}
}

// Simulate runs cfg's workload.
func Simulate(ctx context.Context, cfg Config, opt Options) (*Summary, error) {
	r := newRunner(cfg.Profile, cfg.Seed, opt)
	w, err := NewWorkload(cfg, r.m)
	if err != nil {
		return nil, err
	}
	start := reference.EpochClock()
	r.src = &workloadSource{w: w, r: r, start: start}
	if err := r.run(ctx, cfg.Events); err != nil {
		return r.sum, err
	}
	r.sum.Stats = w.Stats
	return r.sum, nil
}

// Replay runs the events of a trace, checking the invariants as a run does.
func Replay(ctx context.Context, tr *TraceReader, opt Options) (*Summary, error) {
	if !slices.Contains(reference.Profiles(), tr.Header.Profile) {
		return nil, fmt.Errorf("trace: line 1: unknown profile %q", tr.Header.Profile)
	}
	r := newRunner(tr.Header.Profile, tr.Header.Seed, opt)
	src := &traceSource{tr: tr, r: r, stats: Stats{Refusals: map[reference.Reason]int{}, Effects: map[string]int{}}}
	r.src = src
	err := r.run(ctx, 0)
	r.sum.Stats = src.stats
	return r.sum, err
}

func newRunner(p reference.Profile, seed uint64, opt Options) *runner {
	if opt.Sample == 0 {
		opt.Sample = 64
	}
	if opt.Window == 0 {
		opt.Window = 4
	}
	if opt.Apps == 0 {
		opt.Apps = 6
	}
	r := &runner{opt: opt, dir: directory{admins: map[reference.CompanyID][]reference.UserID{}},
		rng: rand.New(rand.NewPCG(seed, 1)), sum: &Summary{Profile: p, Seed: seed}}
	r.m = NewModel(p, func() time.Time { return r.at })
	r.sum.Names = r.m
	if opt.CheckEvery > 0 {
		r.stepper = r.newStepper()
	}
	return r
}

// newStepper returns the stepper of the runner's checks over r.m. It keeps
// no replica: the runner checks the log command by command instead of
// rebuilding a second market from it (see logs and record).
func (r *runner) newStepper() *Stepper {
	return &Stepper{Model: r.m, Invariants: Invariants(),
		Admins:   func(c reference.CompanyID) []reference.UserID { return r.dir.admins[c] },
		Requests: func() []reference.RequestID { return r.dir.requests }}
}

// drainEvery is how many commands a run applies between drains of the log.
const drainEvery = 64

// ErrViolation is returned, wrapped, when an invariant fails.
var ErrViolation = errors.New("invariant violated")

func (r *runner) run(ctx context.Context, total int) error {
	start := time.Now()
	lastProgress := start
	defer func() {
		r.sum.Elapsed = time.Since(start)
		r.mem.sample()
		r.sum.PeakMemory = r.mem.peak
	}()
	n := 0
	for {
		// The log is drained in short batches: the model starts each batch
		// in a new slice, which stays in the cache while it is short.
		if n%drainEvery == 0 {
			if err := r.drain(); err != nil {
				return err
			}
		}
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if now := time.Now(); now.Sub(lastProgress) >= time.Second {
				lastProgress = now
				r.mem.sample()
				if r.opt.Progress != nil {
					r.opt.Progress(Progress{Commands: n, Total: total, Elapsed: now.Sub(start)})
				}
			}
		}
		if r.stepper != nil && n > 0 && n%r.opt.CheckEvery == 0 {
			done, err := r.check()
			if err != nil || done {
				return err
			}
		}
		c, at, ok, err := r.src.next()
		if err != nil || !ok {
			if err == nil && r.stepper != nil {
				_, err = r.check() // a last check at the end of the run
			}
			if err == nil {
				err = r.drain()
			}
			return err
		}
		r.at = at
		if err := r.observe(c, r.m.Apply(c)); err != nil {
			return err
		}
		n++
	}
}

func (r *runner) observe(c reference.Command, res reference.Result) error {
	if res.OK() {
		if err := r.logs(c, res.Event); err != nil {
			return err
		}
		r.dir.learn(c)
		if _, ok := c.(reference.RequestApp); ok && r.stepper != nil {
			if len(r.dir.requests) == watchedRequests {
				r.dir.requests = append(r.dir.requests[:0], r.dir.requests[1:]...)
			}
			r.dir.requests = append(r.dir.requests, reference.RequestID(res.Event.Seq))
		}
	} else if r.opt.Trace != nil {
		r.refused = append(r.refused, refusedCommand{after: r.seq, at: r.at, cmd: c, reason: res.Refusal.Reason})
	}
	return r.src.observe(c, res)
}

// logs checks that an accepted command was logged as the next event, at
// the time the model was told, as that command. With drain's check
// that the log holds exactly these events, in order, this is the log's
// account of the run, checked as it goes instead of replayed into a
// second market: replaying the events gives the same state because the
// model is deterministic (which the properties check whole) and refused
// commands change nothing (refusal-changes-nothing).
func (r *runner) logs(c reference.Command, e *reference.Event) error {
	switch {
	case e == nil:
		return r.logViolation(c, fmt.Errorf("accepted %s logged no event", c.Kind()))
	case e.Seq != r.seq+1 || !e.At.Equal(r.at) || e.Command == nil || e.Command.Kind() != c.Kind():
		return r.logViolation(c, fmt.Errorf("accepted %s (command %d, at %s) logged as event %d, %s at %s",
			c.Kind(), r.seq+1, r.at.Format(time.RFC3339), e.Seq, kindOf(e.Command), e.At.Format(time.RFC3339)))
	}
	r.seq++
	r.logged++
	return nil
}

func kindOf(c reference.Command) string {
	if c == nil {
		return "no command"
	}
	return c.Kind()
}

func (r *runner) logViolation(c reference.Command, err error) error {
	return r.fail(&Violation{Invariant: "replay", Rules: []string{"X-01"}, Err: err}, c)
}

// drain moves the model's log to the trace and, when checking, to the
// window kept to report a violation.
func (r *runner) drain() error {
	return r.record(r.m.DrainLog())
}

// record takes a batch drained from the log: it must be exactly the
// events accepted since the last drain, numbered in order. It goes
// to the trace with the refused commands between its events.
func (r *runner) record(events []reference.Event) error {
	first := r.seq - uint64(r.logged) + 1
	if len(events) != r.logged {
		return r.logViolation(nil, fmt.Errorf("the log gave %d events for the %d commands accepted since event %d", len(events), r.logged, first-1))
	}
	for i := range events {
		if events[i].Seq != first+uint64(i) {
			return r.logViolation(nil, fmt.Errorf("the log gave event %d where event %d was accepted", events[i].Seq, first+uint64(i)))
		}
	}
	r.logged = 0
	if r.stepper != nil {
		r.keep(events)
	}
	if r.opt.Trace == nil {
		return nil
	}
	k := 0
	for i := range events {
		for ; k < len(r.refused) && r.refused[k].after < events[i].Seq; k++ {
			if err := r.writeRefused(k); err != nil {
				return err
			}
		}
		if err := r.opt.Trace.Write(events[i : i+1]); err != nil {
			return err
		}
	}
	// Every event accepted so far is drained: the rest come after the last.
	for ; k < len(r.refused); k++ {
		if err := r.writeRefused(k); err != nil {
			return err
		}
	}
	clear(r.refused)
	r.refused = r.refused[:0]
	return nil
}

func (r *runner) writeRefused(k int) error {
	x := r.refused[k]
	return r.opt.Trace.Refused(x.at, x.cmd, x.reason)
}

// check steps the next few commands with snapshots of a sample of users
// and every app, checking every invariant around each. It reports done
// when the source ran out.
func (r *runner) check() (done bool, err error) {
	r.sum.Checks++
	r.mem.sample()
	if err := r.drain(); err != nil {
		return false, err
	}
	for range r.opt.Window {
		c, at, ok, err := r.src.next()
		if err != nil {
			return false, err
		}
		if !ok {
			done = true
			break
		}
		r.at = at
		res, events, v := r.stepper.Step(c, r.sample(c), r.sampleApps(c))
		if err := r.observe(c, res); err != nil {
			return false, err
		}
		if err := r.record(events); err != nil {
			return false, err
		}
		if v != nil {
			return false, r.fail(v, c)
		}
	}
	clear(r.window) // let the commands go
	r.window, r.from = r.window[:0], r.seq+1
	return done, nil
}

// windowKept is how many of the last events since the last good check a
// run keeps to report a violation; the trace, when written, has them all.
const windowKept = 256

// keep adds events to the window, keeping the last windowKept.
func (r *runner) keep(events []reference.Event) {
	if len(events) > windowKept {
		events = events[len(events)-windowKept:]
	}
	r.window = append(r.window, events...)
	if len(r.window) > 2*windowKept {
		n := copy(r.window, r.window[len(r.window)-windowKept:])
		clear(r.window[n:])
		r.window = r.window[:n]
	}
}

func (r *runner) fail(v *Violation, c reference.Command) error {
	r.sum.Violation, r.sum.Failing = v, c
	r.sum.Window = slices.Clone(r.window[max(0, len(r.window)-windowKept):])
	if r.from <= r.seq {
		r.sum.WindowFrom, r.sum.WindowTo = max(r.from, 1), r.seq
	}
	if r.opt.Trace != nil {
		r.opt.Trace.Flush()
	}
	return fmt.Errorf("%w: %v", ErrViolation, v)
}

// sample is the users a check looks at: those c names and a random sample.
func (r *runner) sample(c reference.Command) []reference.UserID {
	users := touched(c)
	if n := len(r.dir.users); n > 0 {
		for range min(r.opt.Sample, n) {
			users = append(users, r.dir.users[r.rng.IntN(n)])
		}
	}
	slices.Sort(users)
	return slices.Compact(users)
}

// sampleApps is the apps a check looks at: the one c names and a random
// sample. Each step's snapshots cost users × apps queries; a check looks
// closely at what the step touched and at a sample of the rest.
func (r *runner) sampleApps(c reference.Command) []reference.AppID {
	var apps []reference.AppID
	if a, ok := touchedApp(c); ok {
		apps = append(apps, a)
	}
	if n := len(r.dir.apps); n > 0 {
		for range min(r.opt.Apps, n) {
			apps = append(apps, r.dir.apps[r.rng.IntN(n)])
		}
	}
	slices.Sort(apps)
	return slices.Compact(apps)
}

// touchedApp is the app a command names, if any.
func touchedApp(c reference.Command) (reference.AppID, bool) {
	switch x := c.(type) {
	case reference.PublishApp:
		return x.App.ID, true
	case reference.SetSharingMode:
		return x.App, true
	case reference.Install:
		return x.App, true
	case reference.Authorize:
		return x.App, true
	case reference.ManageUsers:
		return x.App, true
	case reference.ChangeScopes:
		return x.App, true
	case reference.ExpireAuthorization:
		return x.App, true
	case reference.Uninstall:
		return x.App, true
	case reference.CreateObject:
		return x.App, true
	case reference.RequestApp:
		return x.App, true
	case reference.SetPreApproval:
		return x.App, true
	}
	return "", false
}

// touched is the users a command names.
func touched(c reference.Command) []reference.UserID {
	switch x := c.(type) {
	case reference.JoinCompany:
		return []reference.UserID{x.User}
	case reference.Install:
		return append([]reference.UserID{x.By}, x.Users...)
	case reference.Authorize:
		return []reference.UserID{x.By}
	case reference.ManageUsers:
		return append(append([]reference.UserID{x.By}, x.Add...), x.Remove...)
	case reference.ExpireAuthorization:
		return []reference.UserID{x.User}
	case reference.Uninstall:
		return []reference.UserID{x.By}
	case reference.OpenApps:
		return []reference.UserID{x.User}
	case reference.CreateObject:
		return []reference.UserID{x.By}
	case reference.RequestApp:
		return []reference.UserID{x.By}
	case reference.DecideRequest:
		return []reference.UserID{x.By}
	case reference.SetAllowUserInstalls:
		return []reference.UserID{x.By}
	case reference.SetAccountPermissions:
		return []reference.UserID{x.By}
	case reference.SetPreApproval:
		return []reference.UserID{x.By}
	case reference.SetRequestEmails:
		return append([]reference.UserID{x.By}, x.Recipients...)
	case reference.SetRole:
		return []reference.UserID{x.User, x.By}
	}
	return nil
}

type workloadSource struct {
	w     *Workload
	r     *runner
	start time.Time
	n     int
}

func (s *workloadSource) next() (reference.Command, time.Time, bool, error) {
	if s.w.Done() {
		return nil, time.Time{}, false, nil
	}
	s.n++
	return s.w.Next(), s.start.Add(time.Duration(s.n) * time.Second), true, nil
}

func (s *workloadSource) observe(c reference.Command, r reference.Result) error {
	s.w.Observe(c, r)
	return nil
}

type traceSource struct {
	tr    *TraceReader
	r     *runner
	stats Stats
	want  TraceEntry
}

func (s *traceSource) next() (reference.Command, time.Time, bool, error) {
	e, err := s.tr.Next()
	if err == io.EOF {
		return nil, time.Time{}, false, nil
	}
	if err != nil {
		return nil, time.Time{}, false, err
	}
	// An event must come next in the log; the runner checks that the
	// model logs it so.
	if e.Refused == "" && e.Seq != s.r.seq+1 {
		return nil, time.Time{}, false, fmt.Errorf("trace: line %d: event %d where event %d comes next", s.tr.Line(), e.Seq, s.r.seq+1)
	}
	s.want = e
	return e.Command, e.At, true, nil
}

// observe requires every traced event to be accepted again and every
// traced refusal refused again for its reason: anything else means the
// trace is corrupt or was made by a different model.
func (s *traceSource) observe(c reference.Command, r reference.Result) error {
	s.stats.Count(c, r)
	switch {
	case s.want.Refused == "" && !r.OK():
		return fmt.Errorf("trace: line %d: event %d (%s) refused on replay: %v", s.tr.Line(), s.want.Seq, c.Kind(), r.Refusal)
	case s.want.Refused != "" && r.OK():
		return fmt.Errorf("trace: line %d: %s, refused (%s) in the run, accepted on replay", s.tr.Line(), c.Kind(), s.want.Refused)
	case s.want.Refused != "" && r.Refusal.Reason != s.want.Refused:
		return fmt.Errorf("trace: line %d: %s, refused (%s) in the run, refused (%s) on replay", s.tr.Line(), c.Kind(), s.want.Refused, r.Refusal.Reason)
	}
	return nil
}

// memSampler keeps the peak of the runtime's mapped, unreleased memory:
// heap, stacks and runtime structures, as the OS sees them.
type memSampler struct {
	samples []metrics.Sample
	peak    uint64
}

func (m *memSampler) sample() {
	if m.samples == nil {
		m.samples = []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	}
	metrics.Read(m.samples)
	if m.samples[0].Value.Kind() != metrics.KindUint64 || m.samples[1].Value.Kind() != metrics.KindUint64 {
		return
	}
	if v := m.samples[0].Value.Uint64() - m.samples[1].Value.Uint64(); v > m.peak {
		m.peak = v
	}
}
