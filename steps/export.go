package steps

import (
	"context"
	"maps"

	"github.com/appcert/appcert/reference"
	"github.com/appcert/appcert/stepdef"
)

// World is what step packages that run beside the vocabulary in one suite
// (wiresteps) may read of a scenario's world: the companies and people the
// vocabulary's steps set up, and whether a refusal went unchecked.
type World struct{ w *world }

// WorldOf returns the scenario's world from its context.
func WorldOf(ctx context.Context) (World, bool) {
	w := fromContext(ctx)
	return World{w}, w != nil
}

// NewWorld returns ctx carrying a new scenario world, as the suite's hooks
// make one for each scenario; for running steps outside godog (tests).
func NewWorld(ctx context.Context, p reference.Profile) context.Context {
	return withWorld(ctx, newWorld(p))
}

// Person finds a person the scenario named.
func (x World) Person(name string) (reference.UserID, error) { return x.w.person(name) }

// Company finds a company the scenario named.
func (x World) Company(name string) (reference.CompanyID, error) { return x.w.company(name) }

// CompanyOf is the company a user belongs to.
func (x World) CompanyOf(u reference.UserID) reference.CompanyID { return x.w.companyOf(u) }

// User is the model's user.
func (x World) User(u reference.UserID) (reference.User, bool) { return x.w.m.User(u) }

// People are the scenario's people, by name.
func (x World) People() map[string]reference.UserID { return maps.Clone(x.w.people) }

// Companies are the scenario's companies, by name.
func (x World) Companies() map[string]reference.CompanyID { return maps.Clone(x.w.companies) }

// Unchecked fails when an action was refused and no step has looked at why.
func (x World) Unchecked() error { return x.w.unchecked() }

// Vocabulary is the placeholders the marketplace suites' phrases are
// written with, for step packages that add phrases to those suites.
func Vocabulary() stepdef.Vocabulary { return vocabulary }

// Bindings are the vocabulary's steps, bound as godog registers them.
func Bindings() []stepdef.Bound {
	out := make([]stepdef.Bound, len(table()))
	for i, d := range table() {
		out[i] = stepdef.Bound{Def: stepdef.Def{Phrase: d.Phrase}, RE: d.re, Fn: d.fn}
	}
	return out
}
