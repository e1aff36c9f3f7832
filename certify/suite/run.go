package suite

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cucumber/godog"

	"github.com/appcert/appcert/certify/result"
	"github.com/appcert/appcert/fakes/marketplace"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/reference"
	"github.com/appcert/appcert/rules"
	"github.com/appcert/appcert/stepdef"
)

// Run is what the scenarios of one certification run share: the fake
// marketplace that talks to the app under test, the app's manifest, the
// run's block of IDs and the counters that give each scenario its own
// companies and users in it (the app is one process serving every
// scenario at once, and may have met earlier runs), and the results, keyed
// by scenario. Everything else lives in each scenario's own world.
type Run struct {
	market *marketplace.Marketplace
	app    manifest.App
	model  reference.App
	redact *Redactor
	// browser runs the Custom UI pages of the browser checks (none
	// unless UseBrowser gave one).
	browser *Browser

	ids        int64 // the run's ID block (idBlock)
	companySeq atomic.Int64
	userSeq    atomic.Int64

	mu      sync.Mutex
	results map[string]*result.Scenario
	// worlds are the scenarios by the IDs of their people, so that an
	// uninstall the app causes reaches the scenario it belongs to.
	worlds map[int64]*world
}

// NewRun prepares a run against app, which m must know already (m.AddApp).
func NewRun(m *marketplace.Marketplace, app manifest.App) (*Run, error) {
	a, ok := m.App(app.ClientID)
	if !ok {
		return nil, fmt.Errorf("suite: the marketplace has no app %q", app.ClientID)
	}
	return &Run{market: m, app: a, model: a.Model(), redact: NewRedactor(a), ids: idBlock(), results: map[string]*result.Scenario{}, worlds: map[int64]*world{}}, nil
}

// A run's companies are numbered block·companyIDs+1 on and its users
// block·userIDs+1001 on: the last digits count as in every run (company
// 31, user 1060), the block before them is the run's, and a user ID is a
// digit longer, so never reads like a company ID.
const (
	companyIDs = 1000
	userIDs    = 10000
	firstUser  = 1000 // users count on from here within their block
)

// idEpoch is where ID blocks count seconds from.
var idEpoch = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// lastBlock is the latest ID block a run of this process took.
var lastBlock atomic.Int64

// idBlock gives a run its block of IDs: the seconds from idEpoch to its
// start, past any block a run of this process took already. An app
// remembers the companies and users it met (any app with a database
// does), and Pipedrive never gives it one's ID for another, so no run
// may reuse an earlier run's IDs: two runs of one process never do, nor
// do runs of two processes started a second or more apart (a process
// that starts several runs within a second takes the next seconds'
// blocks). The blocks stay far below 2^53, so IDs are exact as JSON
// numbers everywhere.
func idBlock() int64 {
	b := max(int64(timeNow().Sub(idEpoch)/time.Second), 1)
	for {
		last := lastBlock.Load()
		next := max(b, last+1)
		if lastBlock.CompareAndSwap(last, next) {
			return next
		}
	}
}

// Uninstalled hears of an uninstall the app itself caused, by revoking a
// user's refresh token (marketplace.Options.OnUninstall): the scenario of
// that user applies it to its reference model before its next judgement,
// so that what it expects of the app follows. It may be called from any
// goroutine.
func (r *Run) Uninstalled(clientID string, _, userID int64) {
	if clientID != r.app.ClientID {
		return
	}
	r.mu.Lock()
	w := r.worlds[userID]
	r.mu.Unlock()
	if w != nil {
		w.heard(userID)
	}
}

// register makes a person's uninstalls reach w.
func (r *Run) register(userID int64, w *world) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.worlds[userID] = w
}

// UseBrowser gives the run the browser its browser checks run pages in.
// The run does not close it.
func (r *Run) UseBrowser(b *Browser) { r.browser = b }

// Redactor is the run's redactor, for anything else a report shows.
func (r *Run) Redactor() *Redactor { return r.redact }

// Scenarios returns what every scenario found, in the order of the feature
// files. Call it once the run is over.
func (r *Run) Scenarios() []result.Scenario {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]result.Scenario, 0, len(r.results))
	for _, s := range r.results {
		c := *s
		c.Findings = slices.Clone(s.Findings)
		c.Checks = slices.Clone(s.Checks)
		out = append(out, c)
	}
	// Pickle IDs count up in parse order, which is file order.
	slices.SortFunc(out, func(a, b result.Scenario) int {
		if c := strings.Compare(a.URI, b.URI); c != 0 {
			return c
		}
		x, _ := strconv.Atoi(a.ID)
		y, _ := strconv.Atoi(b.ID)
		return x - y
	})
	return out
}

// start records a scenario and finds its check by its one app-rule tag.
func (r *Run) start(s *godog.Scenario) (*result.Scenario, Check, error) {
	res := &result.Scenario{ID: s.Id, Name: s.Name, URI: s.Uri}
	for _, t := range s.Tags {
		res.Tags = append(res.Tags, t.Name)
		if rl, ok := rules.Lookup(rules.ID(strings.TrimPrefix(t.Name, "@"))); ok && rl.Kind == rules.App && res.Rule == "" {
			res.Rule = rl.ID
		}
	}
	r.mu.Lock()
	r.results[s.Id] = res
	r.mu.Unlock()
	c, ok := CheckOf(res.Rule)
	if !ok {
		return res, c, fmt.Errorf("the scenario %q is tagged with no app rule the suite has a check for (%q)", s.Name, res.Rule)
	}
	var texts []string
	for _, st := range s.Steps {
		texts = append(texts, st.Text)
	}
	if runsPages(texts) {
		if len(c.Browser) == 0 {
			return res, c, fmt.Errorf("the scenario %q runs Custom UI pages in the browser, and the check of %s runs on none", s.Name, res.Rule)
		}
		c = c.OnPages()
	}
	return res, c, nil
}

// InitializeScenario registers the certification steps and the hooks that
// give each scenario its own world.
func (r *Run) InitializeScenario(sc *godog.ScenarioContext) {
	sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
		res, c, err := r.start(s)
		if err != nil {
			return ctx, err
		}
		w, err := newWorld(r, res, c)
		if err != nil {
			return ctx, err
		}
		return context.WithValue(ctx, worldKey{}, w), nil
	})
	sc.StepContext().Before(func(ctx context.Context, st *godog.Step) (context.Context, error) {
		if w := worldFrom(ctx); w != nil {
			w.step = st.Text
		}
		return ctx, nil
	})
	sc.After(func(ctx context.Context, _ *godog.Scenario, err error) (context.Context, error) {
		w := worldFrom(ctx)
		if w == nil {
			return ctx, nil
		}
		if ctx.Err() != nil {
			w.interrupted()
		}
		return ctx, w.finish(err)
	})
	set().Register(sc)
}

// set is the steps as godog registers them, a scenario's own at a time.
var set = sync.OnceValue(func() *stepdef.Set { return stepdef.NewSet(bound()) })

// Phrases lists the certification steps, for people writing scenarios.
func Phrases() []stepdef.Phrase {
	var out []stepdef.Phrase
	for _, b := range bound() {
		out = append(out, b.Phrase)
	}
	return out
}

type worldKey struct{}

func worldFrom(ctx context.Context) *world {
	w, _ := ctx.Value(worldKey{}).(*world)
	return w
}

// errSettled ends a scenario's steps once every sub-check is settled
// without a failure: what follows could not change an outcome.
var errSettled = godog.ErrSkip

// step wraps a step's action: it runs only while some sub-check is open,
// and turns the world's outcomes into what godog needs.
func step(run func(ctx context.Context, w *world, a stepdef.Args) error) func(context.Context, stepdef.Args) error {
	return func(ctx context.Context, a stepdef.Args) error {
		w := worldFrom(ctx)
		if w == nil {
			return errors.New("internal: no certification world in the context")
		}
		if ctx.Err() != nil {
			w.interrupted()
			return godog.ErrSkip
		}
		if len(w.open()) == 0 {
			return w.settledErr()
		}
		w.catchUp()
		if err := run(ctx, w, a); err != nil {
			if ctx.Err() != nil {
				w.interrupted()
				return godog.ErrSkip
			}
			if errors.Is(err, godog.ErrSkip) {
				return err // the step settled what it could and ended the scenario
			}
			// A harness error (a step that does not fit the scenario):
			// what godog gets goes into the reports, so no secrets.
			err = errors.New(w.run.redact.Redact(err.Error()))
			w.settleAll(result.Skip, "the check could not run: "+err.Error())
			return err
		}
		if len(w.open()) == 0 {
			return w.settledErr()
		}
		return nil
	}
}

// timeNow is the wall clock, for durations and ID blocks.
var timeNow = time.Now

// Match returns the phrases a step text matches: one, in a well-formed
// vocabulary.
func Match(text string) []stepdef.Phrase {
	var out []stepdef.Phrase
	for _, b := range bound() {
		if b.RE.MatchString(text) {
			out = append(out, b.Phrase)
		}
	}
	return out
}
