package features

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/appcert/appcert/internal/cucumber"
	"github.com/appcert/appcert/internal/tagexpr"
	"github.com/appcert/appcert/rules"
	"github.com/appcert/appcert/steps"
)

// Formats are the console formats Run accepts.
var Formats = []string{"pretty", "progress", "junit", "cucumber"}

// RunOptions says what to run and how to report it.
type RunOptions struct {
	// Suite is the suite to run; the zero Suite is Marketplace().
	Suite Suite
	// Paths are .feature files or folders on disk (a file may end in
	// :LINE to pick one scenario). Empty: the suite's embedded files.
	Paths []string
	// Tags is a godog tag expression: "@PD-SHARE-13", "@a,@b" (either),
	// "@a && ~@b" (a and not b).
	Tags string
	// Format is the console format, one of Formats; empty is "pretty".
	Format string
	// Out receives the console report; nil discards it.
	Out io.Writer
	// OutDir, when set, receives junit.xml and cucumber.json.
	OutDir string
	// Seed orders the scenarios; 0 picks one, which Report.Seed tells.
	Seed int64
	// Concurrency is how many scenarios run at once; 0 is GOMAXPROCS.
	Concurrency int
	// Color colours the console report.
	Color bool
	// TestingT, when set, runs each scenario as a subtest of it.
	TestingT *testing.T

	// godogCucumber, when set, is where godog's own Cucumber formatter
	// writes too, for the test that holds cucumber.Write to it.
	godogCucumber string
}

// UsageError is a problem with the options or the feature files (a bad tag
// expression, path, format or Gherkin syntax): nothing ran.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// Report is what a run found.
type Report struct {
	Seed      int64
	Scenarios int
	Ran       int // scenarios begun: fewer than Scenarios when the run was interrupted
	Passed    int
	Failures  []Failure
	Undefined []Undefined
	Files     []string // report files written under OutDir
	Elapsed   time.Duration
}

// Failure is one failed scenario: where it is, its rules, the step that
// failed and why, in words.
type Failure struct {
	Scenario string
	File     string
	Rules    []rules.ID
	Step     string
	Message  string
}

// Undefined is a step no definition matches, with the nearest defined
// phrases (an example of each).
type Undefined struct {
	Step     string
	Scenario string
	File     string
	Nearest  []string
}

// OK reports whether every scenario passed and every step was defined.
func (r Report) OK() bool {
	return len(r.Failures) == 0 && len(r.Undefined) == 0 && r.Passed == r.Scenarios
}

// Run runs a suite's scenarios, concurrently and in an order the seed
// fixes, strictly: an undefined or pending step fails its scenario. The
// error is a *UsageError when nothing could run.
func Run(ctx context.Context, opts RunOptions) (Report, error) {
	start := time.Now()
	if opts.Suite.Initialize == nil {
		opts.Suite = Marketplace()
	}
	if opts.Format == "" {
		opts.Format = "pretty"
	}
	if !slices.Contains(Formats, opts.Format) {
		return Report{}, usagef("unknown format %q; use one of %s", opts.Format, strings.Join(Formats, ", "))
	}
	if err := tagexpr.Validate(opts.Tags); err != nil {
		return Report{}, &UsageError{Msg: err.Error()}
	}
	if opts.Out == nil {
		opts.Out = io.Discard
	}
	// The console's colours are dropped by appcert's own writer, not by
	// godog's (NoColors), which writes a character at a time; the report
	// files get godog's pass-through writer (NoColors false: the file
	// formats write no colours).
	batch := newBatched(opts.Out, 50*time.Millisecond)
	defer batch.Flush() // the error is seen below, on the way that succeeds
	out := &console{out: batch, match: opts.Suite.Match}
	plain := &uncolored{out: out}
	gopts := godog.Options{
		Strict:         true,
		Tags:           opts.Tags,
		Concurrency:    opts.Concurrency,
		NoColors:       false,
		Output:         plain,
		DefaultContext: ctx,
		TestingT:       opts.TestingT,
	}
	if opts.Color {
		gopts.Output = out
	}
	if gopts.Concurrency <= 0 {
		gopts.Concurrency = runtime.GOMAXPROCS(0)
	}
	if len(opts.Paths) == 0 {
		gopts.FS, gopts.Paths = opts.Suite.FS, []string{opts.Suite.Root}
	} else {
		for _, p := range opts.Paths {
			if err := checkPath(p); err != nil {
				return Report{}, err
			}
		}
		gopts.Paths = opts.Paths
	}
	rep := Report{Seed: opts.Seed}
	if rep.Seed == 0 {
		rep.Seed = newSeed()
	}
	gopts.Randomize = rep.Seed

	// Parse first: a syntax error or a filter that selects nothing is a
	// usage error, not a failed run.
	feats, err := godog.TestSuite{Options: &gopts}.RetrieveFeatures()
	if err != nil {
		return Report{}, usagef("reading the feature files: %v", err)
	}
	lines := map[string]int64{} // file and AST node ID -> line
	var pickles []pickleInfo
	for _, f := range feats {
		if err := checkSteps(f.Uri, f.GherkinDocument); err != nil {
			return Report{}, err
		}
		rep.Scenarios += len(f.Pickles)
		feature := f.Uri
		if f.GherkinDocument.Feature != nil {
			feature = f.GherkinDocument.Feature.Name
		}
		for _, p := range f.Pickles {
			pickles = append(pickles, pickleInfo{id: p.Id, feature: feature, p: &godog.Scenario{Id: p.Id, Uri: p.Uri, Name: p.Name, Tags: p.Tags, AstNodeIds: p.AstNodeIds}})
		}
		for id, l := range nodeLines(f.GherkinDocument) {
			lines[f.Uri+"\x00"+id] = l
		}
	}
	if rep.Scenarios == 0 {
		if opts.Tags != "" {
			return Report{}, usagef("no scenario matches the tags %q", opts.Tags)
		}
		return Report{}, usagef("no scenarios found in %s", strings.Join(gopts.Paths, ", "))
	}

	// JUnit is appcert's own (valid, with rule IDs and real times); the
	// console's junit format is the same document.
	// Cucumber JSON is written here too, from what the run recorded
	// (cucumber.Write), not by godog's formatter.
	format := opts.Format
	if format == "junit" || format == "cucumber" {
		format = "progress:" + os.DevNull
	}
	var junitPath, cucumberPath string
	if opts.OutDir != "" {
		if err := os.MkdirAll(opts.OutDir, 0o755); err != nil {
			return Report{}, usagef("the report folder: %v", err)
		}
		junitPath = filepath.Join(opts.OutDir, "junit.xml")
		cucumberPath = filepath.Join(opts.OutDir, "cucumber.json")
		for _, path := range []string{junitPath, cucumberPath} {
			fh, err := os.Create(path)
			if err != nil {
				return Report{}, usagef("the report file: %v", err)
			}
			fh.Close()
			rep.Files = append(rep.Files, path)
		}
	}
	if opts.godogCucumber != "" {
		format += ",cucumber:" + opts.godogCucumber
	}
	gopts.Format = format

	rec := &recorder{nearest: opts.Suite.Nearest, match: opts.Suite.Match, lines: lines, started: map[string]time.Time{}, ended: map[string]scenarioEnd{},
		steps: map[string]cucumber.Result{}, lastEnd: map[string]time.Time{}}
	suite := godog.TestSuite{
		Name: opts.Suite.Name,
		ScenarioInitializer: func(sc *godog.ScenarioContext) {
			opts.Suite.Initialize(sc)
			rec.hook(sc)
		},
		Options: &gopts,
	}
	suite.Run()
	if err := plain.Flush(); err != nil {
		return Report{}, fmt.Errorf("writing the report: %w", err)
	}
	cfeats := make([]cucumber.Feature, len(feats))
	for i, f := range feats {
		cfeats[i] = cucumber.Feature{URI: f.Uri, Doc: f.GherkinDocument, Pickles: f.Pickles}
	}
	if opts.Format == "cucumber" {
		if err := cucumber.Write(out, cfeats, rec.result); err != nil {
			return Report{}, fmt.Errorf("writing the report: %w", err)
		}
	}
	if err := out.Flush(); err != nil {
		return Report{}, fmt.Errorf("writing the report: %w", err)
	}
	if err := batch.Flush(); err != nil {
		return Report{}, fmt.Errorf("writing the report: %w", err)
	}
	if cucumberPath != "" {
		if err := writeCucumberFile(cucumberPath, cfeats, rec); err != nil {
			return Report{}, fmt.Errorf("writing the report: %w", err)
		}
	}
	rep.Passed, rep.Failures, rep.Undefined = rec.results()
	rep.Ran = rec.ran()
	rep.Elapsed = time.Since(start)
	if opts.Format == "junit" || junitPath != "" {
		doc, err := rec.junit(opts.Suite.Name, pickles, start, rep.Elapsed).Marshal()
		if err != nil {
			return rep, err
		}
		if opts.Format == "junit" {
			if _, err := opts.Out.Write(doc); err != nil {
				return rep, err
			}
		}
		if junitPath != "" {
			if err := os.WriteFile(junitPath, doc, 0o644); err != nil {
				return rep, err
			}
		}
	}
	return rep, nil
}

// writeCucumberFile writes the run's Cucumber JSON into path.
func writeCucumberFile(path string, feats []cucumber.Feature, rec *recorder) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	err = cucumber.Write(f, feats, rec.result)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// newSeed picks a positive random seed.
func newSeed() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return int64(binary.LittleEndian.Uint64(b[:])>>2) + 1
}

// checkPath requires a path to exist and, for a file, to be a .feature
// file; a ":LINE" suffix picks a scenario.
func checkPath(p string) error {
	file := p
	if i := strings.LastIndex(p, ":"); i > 0 {
		if _, err := strconv.Atoi(p[i+1:]); err == nil {
			file = p[:i]
		}
	}
	fi, err := os.Stat(file)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return usagef("%s: no such file or folder", file)
		}
		return usagef("%v", err)
	}
	if !fi.IsDir() && !strings.HasSuffix(file, ".feature") {
		return usagef("%s is not a .feature file", file)
	}
	return nil
}

// recorder collects failures and undefined steps from every scenario, which
// run concurrently.
type recorder struct {
	nearest func(string, int) []steps.Phrase
	// lines finds a scenario's line: godog parses the files again to run
	// them, numbering the nodes the same way.
	lines map[string]int64

	mu        sync.Mutex
	passed    int
	failures  []Failure
	undefined []Undefined
	stepFail  map[string]bool // scenario IDs with a failed step recorded
	started   map[string]time.Time
	ended     map[string]scenarioEnd
	// steps is how each step ended (by pickle step ID), for cucumber.json;
	// lastEnd is when a scenario's latest step ended.
	steps   map[string]cucumber.Result
	lastEnd map[string]time.Time
	match   func(string) []steps.Phrase
}

// scenarioEnd is how a scenario ended, for the JUnit report.
type scenarioEnd struct {
	at        time.Time
	err       error
	step      string // the step that failed, was undefined or pending
	undefined bool
}

type pickleKey struct{}

func (r *recorder) hook(sc *godog.ScenarioContext) {
	sc.Before(func(ctx context.Context, p *godog.Scenario) (context.Context, error) {
		if ctx.Err() != nil {
			// The run was interrupted: a scenario not begun does not
			// run, and godog skips its steps.
			return ctx, godog.ErrSkip
		}
		r.mu.Lock()
		r.started[p.Id] = time.Now()
		r.mu.Unlock()
		return context.WithValue(ctx, pickleKey{}, p), nil
	})
	sc.StepContext().After(func(ctx context.Context, st *godog.Step, status godog.StepResultStatus, err error) (context.Context, error) {
		p, _ := ctx.Value(pickleKey{}).(*godog.Scenario)
		if p == nil {
			return ctx, nil
		}
		r.stepEnded(p, st, status, err)
		switch status {
		case godog.StepFailed:
			r.fail(p, st.Text, err)
		case godog.StepUndefined:
			r.undefinedStep(p, st.Text)
		case godog.StepPending, godog.StepAmbiguous:
			r.fail(p, st.Text, err)
		}
		if status == godog.StepFailed || status == godog.StepUndefined || status == godog.StepPending || status == godog.StepAmbiguous {
			r.mu.Lock()
			e := r.ended[p.Id]
			if e.step == "" {
				e.step, e.undefined = st.Text, status == godog.StepUndefined
				r.ended[p.Id] = e
			}
			r.mu.Unlock()
		}
		return ctx, nil
	})
	sc.After(func(ctx context.Context, p *godog.Scenario, err error) (context.Context, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		if _, begun := r.started[p.Id]; !begun {
			return ctx, nil
		}
		e := r.ended[p.Id]
		e.at, e.err = time.Now(), err
		r.ended[p.Id] = e
		if err == nil {
			r.passed++
			return ctx, nil
		}
		if !r.stepFail[p.Id] && !errors.Is(err, godog.ErrUndefined) {
			// The scenario failed after its last step (an unchecked refusal):
			// godog reports that last step failed.
			r.failures = append(r.failures, r.failure(p, lastStep(p), err))
			if n := len(p.Steps); n > 0 {
				last := r.steps[p.Steps[n-1].Id]
				last.Status, last.Err = "failed", fmt.Errorf("after scenario hook failed: %w", err) // godog's words
				r.steps[p.Steps[n-1].Id] = last
			}
		}
		return ctx, nil
	})
}

// stepEnded records how a step ended, as godog's Cucumber formatter would.
func (r *recorder) stepEnded(p *godog.Scenario, st *godog.Step, status godog.StepResultStatus, err error) {
	loc := ""
	if r.match != nil {
		if ps := r.match(st.Text); len(ps) == 1 {
			loc = ps[0].Pattern // godog's is the one line all phrases are registered from
		}
	}
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	from, ok := r.lastEnd[p.Id]
	if !ok {
		from = r.started[p.Id]
	}
	r.lastEnd[p.Id] = now
	r.steps[st.Id] = cucumber.Result{Status: status.String(), Err: err, Took: now.Sub(from), Location: loc}
}

// result is how a step ended, for cucumber.Write.
func (r *recorder) result(pickleStepID string) (cucumber.Result, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	res, ok := r.steps[pickleStepID]
	return res, ok
}

func lastStep(p *godog.Scenario) string {
	if len(p.Steps) == 0 {
		return ""
	}
	return p.Steps[len(p.Steps)-1].Text
}

func (r *recorder) failure(p *godog.Scenario, step string, err error) Failure {
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	return Failure{Scenario: p.Name, File: r.where(p), Rules: ruleTags(p), Step: step, Message: msg}
}

// where is the scenario's file and line: an outline's example row, or the
// scenario itself.
func (r *recorder) where(p *godog.Scenario) string {
	for i := len(p.AstNodeIds) - 1; i >= 0; i-- {
		if l, ok := r.lines[p.Uri+"\x00"+p.AstNodeIds[i]]; ok {
			return fmt.Sprintf("%s:%d", p.Uri, l)
		}
	}
	return p.Uri
}

func (r *recorder) fail(p *godog.Scenario, step string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stepFail == nil {
		r.stepFail = map[string]bool{}
	}
	r.stepFail[p.Id] = true
	r.failures = append(r.failures, r.failure(p, step, err))
}

func (r *recorder) undefinedStep(p *godog.Scenario, text string) {
	var near []string
	if r.nearest != nil {
		for _, ph := range r.nearest(text, 3) {
			near = append(near, ph.Example)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.undefined = append(r.undefined, Undefined{Step: text, Scenario: p.Name, File: r.where(p), Nearest: near})
}

// ran is how many scenarios began.
func (r *recorder) ran() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.started)
}

func (r *recorder) results() (int, []Failure, []Undefined) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f := slices.Clone(r.failures)
	u := slices.Clone(r.undefined)
	slices.SortFunc(f, func(a, b Failure) int { return strings.Compare(a.File+a.Scenario, b.File+b.Scenario) })
	slices.SortFunc(u, func(a, b Undefined) int { return strings.Compare(a.File+a.Step, b.File+b.Step) })
	return r.passed, f, u
}

// ruleTags are the scenario's tags that name catalogue rules.
func ruleTags(p *godog.Scenario) []rules.ID {
	var out []rules.ID
	for _, t := range p.Tags {
		if id := rules.ID(strings.TrimPrefix(t.Name, "@")); rules.Valid(id) {
			out = append(out, id)
		}
	}
	return out
}

// Summary writes what failed, for people: each failed scenario with its
// rules, the step and why, each undefined step with the nearest defined
// ones, and how to rerun the same order.
func (r Report) Summary(w io.Writer) {
	var b strings.Builder
	if r.OK() {
		all := fmt.Sprintf("All %d scenarios", r.Scenarios)
		if r.Scenarios == 1 {
			all = "The scenario"
		}
		fmt.Fprintf(&b, "%s passed (seed %d, %s).\n", all, r.Seed, r.Elapsed.Round(time.Millisecond))
		io.WriteString(w, b.String())
		return
	}
	if failed := r.Ran - r.Passed; failed > 0 {
		fmt.Fprintf(&b, "\n%d of %d scenarios failed.\n", failed, r.Scenarios)
	}
	if r.Ran < r.Scenarios {
		fmt.Fprintf(&b, "\n%d of %d scenarios did not run: the run stopped first.\n", r.Scenarios-r.Ran, r.Scenarios)
	}
	for _, f := range r.Failures {
		fmt.Fprintf(&b, "\nFAILED  %s\n", f.Scenario)
		fmt.Fprintf(&b, "  file:  %s\n", f.File)
		if len(f.Rules) > 0 {
			ids := make([]string, len(f.Rules))
			for i, id := range f.Rules {
				ids[i] = string(id)
			}
			fmt.Fprintf(&b, "  rules: %s\n", strings.Join(ids, ", "))
		}
		fmt.Fprintf(&b, "  step:  %s\n", f.Step)
		fmt.Fprintf(&b, "  why:   %s\n", f.Message)
	}
	for _, u := range r.Undefined {
		fmt.Fprintf(&b, "\nUNDEFINED STEP  %s\n", u.Step)
		fmt.Fprintf(&b, "  in:    %s (%s)\n", u.Scenario, u.File)
		if len(u.Nearest) > 0 {
			b.WriteString("  the nearest defined steps are:\n")
			for _, n := range u.Nearest {
				for i, line := range strings.Split(n, "\n") {
					if i == 0 {
						fmt.Fprintf(&b, "    - %s\n", line)
					} else {
						fmt.Fprintf(&b, "      %s\n", line)
					}
				}
			}
		}
		b.WriteString("  (appcert steps lists every step with an example)\n")
	}
	fmt.Fprintf(&b, "\nRerun in the same order with --seed %d.\n", r.Seed)
	io.WriteString(w, b.String())
}

// checkSteps refuses a feature file with a scenario that has no steps (a
// bare "Given" is no step) or a step with no text: godog would count the
// scenario undefined and say nowhere which line is wrong.
func checkSteps(uri string, doc *messages.GherkinDocument) error {
	if doc == nil || doc.Feature == nil {
		return nil
	}
	check := func(sc *messages.Scenario) error {
		if sc == nil {
			return nil
		}
		if len(sc.Steps) == 0 {
			return usagef("%s:%d: the scenario %q has no steps (a keyword alone, such as a bare \"Given\", is not a step)", uri, sc.Location.Line, sc.Name)
		}
		for _, st := range sc.Steps {
			if strings.TrimSpace(st.Text) == "" {
				return usagef("%s:%d: a %q with no step after it", uri, st.Location.Line, strings.TrimSpace(st.Keyword))
			}
		}
		return nil
	}
	for _, c := range doc.Feature.Children {
		if err := check(c.Scenario); err != nil {
			return err
		}
		if c.Rule != nil {
			for _, rc := range c.Rule.Children {
				if err := check(rc.Scenario); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
