package steps

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cucumber/godog"

	"github.com/appcert/appcert/fakes/marketplace"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/reference"
	"github.com/appcert/appcert/rules"
)

// CertifyRun is what the certification scenarios (features/app) of one run
// share: the fake marketplace that talks to the app under test, the app's
// manifest, the counters that give each scenario its own companies and
// users (the app is one process serving every scenario at once), and the
// results, keyed by scenario. Everything else lives in each scenario's own
// world.
type CertifyRun struct {
	market *marketplace.Marketplace
	app    manifest.App
	refApp reference.App

	companySeq atomic.Int64
	userSeq    atomic.Int64

	mu      sync.Mutex
	results map[string]*CertifyScenario
}

// Scenario statuses.
const (
	StatusPassed        = "passed"
	StatusFailed        = "failed"
	StatusSkipped       = "skipped"        // a prerequisite failed: the check could not run
	StatusNotApplicable = "not applicable" // the app's manifest rules the story out
	StatusInterrupted   = "interrupted"    // the run was cancelled first
	StatusRunning       = "not finished"
)

// CertifyScenario is what one scenario found.
type CertifyScenario struct {
	ID   string `json:"-"`
	Name string `json:"name"`
	URI  string `json:"file"`
	// Rule is the app rule the scenario checks (its one app-rule tag).
	Rule     string           `json:"rule"`
	Tags     []string         `json:"tags"`
	Status   string           `json:"status"`
	Step     string           `json:"step,omitempty"`   // the step that failed or skipped
	Reason   string           `json:"reason,omitempty"` // why it failed, skipped or did not apply
	Findings []CertifyFinding `json:"findings,omitempty"`
	Duration time.Duration    `json:"duration_ns"`
	started  time.Time
}

// CertifyFinding is one way the app broke a rule, secrets redacted.
type CertifyFinding struct {
	Rule     string           `json:"rule"`
	Verdict  string           `json:"verdict"` // "fail" or "warn"
	Reason   string           `json:"reason"`
	Scenario string           `json:"scenario"`
	Exchange *CertifyExchange `json:"exchange,omitempty"`
	Call     string           `json:"call,omitempty"` // the app's own API call, when the finding is about one
}

// CertifyExchange is a request sent to the app and its answer, as a report
// shows it: tokens, codes and secrets redacted, the body cut short.
type CertifyExchange struct {
	Kind     string        `json:"kind"`
	Variant  string        `json:"variant,omitempty"`
	Request  string        `json:"request"` // "GET http://…/panel?…&token=[redacted]"
	Status   int           `json:"status"`  // 0: no answer
	Body     string        `json:"body,omitempty"`
	BodySize int           `json:"body_size"`
	Oversize bool          `json:"oversize,omitempty"`
	Duration time.Duration `json:"duration_ns"`
	Error    string        `json:"error,omitempty"`
}

// NewCertifyRun prepares a run against app, which m must know already
// (m.AddApp).
func NewCertifyRun(m *marketplace.Marketplace, app manifest.App) (*CertifyRun, error) {
	a, ok := m.App(app.ClientID)
	if !ok {
		return nil, fmt.Errorf("steps: the marketplace has no app %q", app.ClientID)
	}
	return &CertifyRun{market: m, app: a, refApp: a.Model(), results: map[string]*CertifyScenario{}}, nil
}

// Scenarios returns what every scenario found, in the order of the feature
// files. Call it once the run is over.
func (r *CertifyRun) Scenarios() []CertifyScenario {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]CertifyScenario, 0, len(r.results))
	for _, s := range r.results {
		c := *s
		c.Findings = slices.Clone(s.Findings)
		out = append(out, c)
	}
	// Pickle IDs count up in parse order, which is file order.
	slices.SortFunc(out, func(a, b CertifyScenario) int {
		if c := strings.Compare(a.URI, b.URI); c != 0 {
			return c
		}
		x, _ := strconv.Atoi(a.ID)
		y, _ := strconv.Atoi(b.ID)
		return x - y
	})
	return out
}

func (r *CertifyRun) start(s *godog.Scenario) *CertifyScenario {
	res := &CertifyScenario{ID: s.Id, Name: s.Name, URI: s.Uri, Status: StatusRunning, started: time.Now()}
	for _, t := range s.Tags {
		res.Tags = append(res.Tags, t.Name)
		if id := strings.TrimPrefix(t.Name, "@"); res.Rule == "" {
			if rl, ok := rules.Lookup(id); ok && rl.Kind == rules.App {
				res.Rule = id
			}
		}
	}
	r.mu.Lock()
	r.results[s.Id] = res
	r.mu.Unlock()
	return res
}

// InitializeScenario registers the certification steps and the hooks that
// give each scenario its own world.
func (r *CertifyRun) InitializeScenario(sc *godog.ScenarioContext) {
	sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
		w, err := newCertWorld(r, r.start(s))
		if err != nil {
			return ctx, err
		}
		return context.WithValue(ctx, certWorldKey{}, w), nil
	})
	sc.StepContext().Before(func(ctx context.Context, st *godog.Step) (context.Context, error) {
		if w := certWorldFrom(ctx); w != nil {
			w.step = st.Text
		}
		return ctx, nil
	})
	sc.After(func(ctx context.Context, _ *godog.Scenario, err error) (context.Context, error) {
		if w := certWorldFrom(ctx); w != nil {
			w.finish(err)
		}
		return ctx, nil
	})
	for _, d := range certSteps() {
		sc.Step(d.re, d.handler())
	}
}

// CertifyPhrases lists the certification steps, for people writing
// scenarios.
func CertifyPhrases() []Phrase {
	var out []Phrase
	for _, d := range certSteps() {
		out = append(out, Phrase{Area: "app certification", Pattern: d.pattern, Example: d.example})
	}
	return out
}

type certWorldKey struct{}

func certWorldFrom(ctx context.Context) *certWorld {
	w, _ := ctx.Value(certWorldKey{}).(*certWorld)
	return w
}

// certStep is one certification step: its pattern, an example, and what
// it does.
type certStep struct {
	pattern string
	example string
	re      *regexp.Regexp
	run     func(ctx context.Context, w *certWorld, args []string) error
}

// handler wraps run in the signature godog calls: the context and one
// string per capture.
func (d certStep) handler() any {
	call := func(ctx context.Context, args ...string) error { return certCall(ctx, d.run, args) }
	switch d.re.NumSubexp() {
	case 0:
		return func(ctx context.Context) error { return call(ctx) }
	case 1:
		return func(ctx context.Context, a string) error { return call(ctx, a) }
	case 2:
		return func(ctx context.Context, a, b string) error { return call(ctx, a, b) }
	case 3:
		return func(ctx context.Context, a, b, c string) error { return call(ctx, a, b, c) }
	case 4:
		return func(ctx context.Context, a, b, c, e string) error { return call(ctx, a, b, c, e) }
	}
	panic("steps: a certification step with more than four captures: " + d.pattern)
}

// Outcomes a step returns besides pass and fail.
type (
	// certSkip: a prerequisite failed, so the check could not run.
	certSkip struct{ reason string }
	// certNA: the app's manifest rules the story out.
	certNA struct{ reason string }
)

func (e *certSkip) Error() string { return "skipped: " + e.reason }
func (e *certNA) Error() string   { return "not applicable: " + e.reason }

func skipf(format string, args ...any) error { return &certSkip{fmt.Sprintf(format, args...)} }
func naf(format string, args ...any) error   { return &certNA{fmt.Sprintf(format, args...)} }

// certCall runs a step and turns its outcome into what godog and the
// results need: a skip or n/a ends the scenario as skipped, with the
// reason kept for the report.
func certCall(ctx context.Context, run func(context.Context, *certWorld, []string) error, args []string) error {
	w := certWorldFrom(ctx)
	if w == nil {
		return errors.New("internal: no certification world in the context")
	}
	if ctx.Err() != nil {
		w.end(StatusInterrupted, "the run was cancelled before this step")
		return godog.ErrSkip
	}
	err := run(ctx, w, args)
	var skip *certSkip
	var na *certNA
	switch {
	case err == nil:
		return nil
	case errors.As(err, &skip):
		w.end(StatusSkipped, skip.reason)
		return godog.ErrSkip
	case errors.As(err, &na):
		w.end(StatusNotApplicable, na.reason)
		return godog.ErrSkip
	case ctx.Err() != nil:
		w.end(StatusInterrupted, "the run was cancelled during this step")
		return godog.ErrSkip
	}
	// What godog gets goes into junit.xml and cucumber.json: no secrets.
	err = errors.New(w.redact(err.Error()))
	w.end(StatusFailed, err.Error())
	return err
}
