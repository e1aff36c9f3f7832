// Package steps holds the godog step definitions of the marketplace feature
// suites: a small vocabulary of people, apps, actions and outcomes that
// compose into scenarios, run against the reference model.
//
// All scenario state lives in a world carried in the scenario's context, so
// scenarios can run concurrently. The step table is built once and only read
// afterwards.
package steps

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/appcert/appcert/stepdef"
	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"
)

// Phrase is one step phrase, for people writing scenarios.
type Phrase = stepdef.Phrase

// handler runs one step: the captured arguments in order, and the step's
// data table when it takes one.
type handler func(w *world, args []string, table *godog.Table) error

// def is one step definition.
type def struct {
	Phrase
	// checksRefusal marks the steps that may follow a refused action (they
	// look at the refusal); every other step fails when an action was
	// refused and nobody checked why.
	checksRefusal bool
	run           handler
	re            *regexp.Regexp
	fn            any // run, wrapped in the signature godog reflects on
}

// vocabulary is the pieces a Pattern is written with. People are written
// bare (Bob), everything else in double quotes ("Deal Insights").
var vocabulary = func() stepdef.Vocabulary {
	v := stepdef.Vocabulary{}
	for k, re := range map[string]string{
		"{person}":    `([A-Z][A-Za-z-]*)`,
		"{people}":    `([A-Z][A-Za-z-]*(?:(?:, | and )[A-Z][A-Za-z-]*)*)`,
		"{app}":       `"([^"]+)"`,
		"{company}":   `"([^"]+)"`,
		"{text}":      `"([^"]*)"`,
		"{bool}":      `(true|false)`,
		"{access}":    `(only (?:me|herself|himself|themselves)|herself|himself|themselves|all users|[A-Z][A-Za-z-]*(?:(?:, | and )[A-Z][A-Za-z-]*)*)`,
		"{mode}":      `(none|add-to-account|shared-extensions)`,
		"{party}":     `(marketplace|vendor|company)`,
		"{extension}": `(` + strings.Join(extensionWords(), "|") + `)`,
		"{call}":      `"([A-Za-z]+ /[^"]*)"`,
		"{object}":    `(activity type|pipeline|deal field)`,
		"{n}":         `(\d+)`,
		"{setting}":   `(ON|OFF)`,
		"{email}":     `((?: and emails them)?)`,
		"{can}":       `(can|cannot)`,
		"{use}":       `(works|needs authorization|needs re-authorization|opens the app details|is not available)`,
		"{resource}":  `(deal|person|organization)`,
		"{method}":    `(GET|POST|PUT|PATCH|DELETE)`,
		"{duration}":  `(\d+ (?:day|hour|minute|second)s?(?:,? (?:and )?\d+ (?:day|hour|minute|second)s?)*)`,
	} {
		v[k] = stepdef.Placeholder{RE: re}
	}
	return v
}()

// compile turns a Pattern into an anchored regular expression.
func compile(pattern string) *regexp.Regexp {
	re, _ := vocabulary.Compile(pattern)
	return re
}

// bind binds d through stepdef, the one binding of every suite; the
// marketplace's steps read their arguments as text.
func bind(d def) def {
	b := vocabulary.Bind(stepdef.Def{Phrase: d.Phrase, Run: func(ctx context.Context, a stepdef.Args) error {
		return d.call(ctx, a.Raw(), a.Table)
	}})
	d.re, d.fn = b.RE, b.Fn
	return d
}

func (d def) call(ctx context.Context, args []string, table *godog.Table) error {
	w := fromContext(ctx)
	if w == nil {
		return fmt.Errorf("internal: no scenario world in the context")
	}
	if !d.checksRefusal {
		if err := w.unchecked(); err != nil {
			return err
		}
	}
	return d.run(w, args, table)
}

// table is every marketplace step, bound once, when a command first needs
// the steps (compiling them is a tenth of appcert's start).
var table = sync.OnceValue(func() []def {
	var all []def
	for _, area := range [][]def{peopleSteps(), appSteps(), installSteps(), outcomeSteps(), scopeSteps(), procoreSteps(), zoomSteps()} {
		for _, d := range area {
			all = append(all, bind(d))
		}
	}
	return all
})

// InitializeMarketScenario registers the marketplace steps and the hooks
// that give each scenario its own world.
func InitializeMarketScenario(sc *godog.ScenarioContext) {
	sc.Before(func(ctx context.Context, s *godog.Scenario) (context.Context, error) {
		return withWorld(ctx, newWorld(profileOf(s))), nil
	})
	sc.StepContext().Before(func(ctx context.Context, st *godog.Step) (context.Context, error) {
		if w := fromContext(ctx); w != nil {
			w.startStep(st.Text, st.Type == messages.PickleStepType_ACTION)
		}
		return ctx, nil
	})
	sc.After(func(ctx context.Context, _ *godog.Scenario, err error) (context.Context, error) {
		if w := fromContext(ctx); w != nil && err == nil {
			return ctx, w.unchecked()
		}
		return ctx, nil
	})
	set().Register(sc)
}

// set is the steps as godog registers them, a scenario's own at a time.
var set = sync.OnceValue(func() *stepdef.Set { return stepdef.NewSet(Bindings()) })

// Phrases lists every step phrase with an example, by area, for
// "appcert steps".
func Phrases() []Phrase {
	out := make([]Phrase, 0, len(table()))
	for _, d := range table() {
		out = append(out, d.Phrase)
	}
	sort.SliceStable(out, func(i, j int) bool { return areaOrder(out[i].Area) < areaOrder(out[j].Area) })
	return out
}

// Areas, in the order "appcert steps" shows them.
const (
	AreaPeople   = "people and companies"
	AreaApps     = "apps"
	AreaInstalls = "installs and sharing"
	AreaOutcomes = "outcomes"
	AreaScopes   = "scopes and API calls"
	AreaRequests = "requests (Procore and Zoom)"
	AreaProcore  = "Procore"
	AreaZoom     = "Zoom"
)

func areaOrder(a string) int {
	for i, x := range []string{AreaPeople, AreaApps, AreaInstalls, AreaOutcomes, AreaScopes, AreaRequests, AreaProcore, AreaZoom} {
		if a == x {
			return i
		}
	}
	return 99
}

// Match reports which phrases a step text matches, for tests and for
// telling a user why a step is ambiguous.
func Match(text string) []Phrase {
	var out []Phrase
	for _, b := range set().Match(text) {
		out = append(out, b.Phrase)
	}
	return out
}
