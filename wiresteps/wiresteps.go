// Package wiresteps holds the steps that test the fake marketplace
// (fakes/marketplace) on the wire: it runs in-process against a recording
// app, and the steps look at what went over HTTP. They run in the
// marketplace suite beside the vocabulary of steps, which sets up the
// scenario's companies and people; features/marketplace/pipedrive/wire.feature
// is written with both.
package wiresteps

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/cucumber/godog"

	"github.com/appcert/appcert/reference"
	"github.com/appcert/appcert/stepdef"
	"github.com/appcert/appcert/steps"
)

// Area is where "appcert steps" lists these phrases.
const Area = "on the wire"

// Phrase is one step phrase, for people writing scenarios.
type Phrase = stepdef.Phrase

// world is a scenario's wire and the vocabulary's world it runs beside.
type world struct {
	steps steps.World
	wire  *wireWorld // the fake marketplace on the wire, once a wire step starts it
}

func (w *world) person(name string) (reference.UserID, error)     { return w.steps.Person(name) }
func (w *world) company(name string) (reference.CompanyID, error) { return w.steps.Company(name) }
func (w *world) companyOf(u reference.UserID) reference.CompanyID { return w.steps.CompanyOf(u) }

type worldKey struct{}

func fromContext(ctx context.Context) *world {
	w, _ := ctx.Value(worldKey{}).(*world)
	return w
}

// withWorld returns ctx with a wire world of its own, beside the
// vocabulary's world ctx already carries.
func withWorld(ctx context.Context) (context.Context, *world) {
	w := &world{}
	return context.WithValue(ctx, worldKey{}, w), w
}

// handler runs one step: the captured arguments in order, and the step's
// data table when it takes one.
type handler func(w *world, args []string, table *godog.Table) error

// def is one step definition.
type def struct {
	Phrase
	run handler
}

// table is every wire step, bound once with the vocabulary's placeholders,
// when a command first needs the steps.
var table = sync.OnceValue(func() []stepdef.Bound {
	var all []stepdef.Bound
	for _, d := range append(wireSteps(), wireProtocolSteps()...) {
		run := d.run
		all = append(all, steps.Vocabulary().Bind(stepdef.Def{Phrase: d.Phrase, Run: func(ctx context.Context, a stepdef.Args) error {
			return call(ctx, run, a.Raw(), a.Table)
		}}))
	}
	return all
})

// call runs a step in the scenario's worlds; like the vocabulary's steps,
// it fails when an earlier action was refused and nobody checked why.
func call(ctx context.Context, run handler, args []string, t *godog.Table) error {
	w := fromContext(ctx)
	sw, ok := steps.WorldOf(ctx)
	if w == nil || !ok {
		return fmt.Errorf("internal: no scenario world in the context")
	}
	w.steps = sw
	if err := sw.Unchecked(); err != nil {
		return err
	}
	return run(w, args, t)
}

// InitializeScenario registers the wire steps and the hooks that give each
// scenario its own wire and stop its servers at the end. The vocabulary's
// steps.InitializeMarketScenario must be registered on the same scenario.
func InitializeScenario(sc *godog.ScenarioContext) {
	sc.Before(func(ctx context.Context, _ *godog.Scenario) (context.Context, error) {
		ctx, _ = withWorld(ctx)
		return ctx, nil
	})
	sc.After(closeWire)
	set().Register(sc)
}

// set is the wire steps as godog registers them, a scenario's own at a time.
var set = sync.OnceValue(func() *stepdef.Set { return stepdef.NewSet(table()) })

// Phrases lists the wire steps' phrases with an example each.
func Phrases() []Phrase {
	out := make([]Phrase, 0, len(table()))
	for _, b := range table() {
		out = append(out, b.Phrase)
	}
	return out
}

// Bindings are the wire steps, bound as godog registers them.
func Bindings() []stepdef.Bound { return slices.Clone(table()) }

// Match reports which wire phrases a step text matches.
func Match(text string) []Phrase {
	var out []Phrase
	for _, b := range set().Match(text) {
		out = append(out, b.Phrase)
	}
	return out
}
