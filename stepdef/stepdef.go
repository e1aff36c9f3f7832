// Package stepdef binds step phrases to Go functions, for every godog
// suite of the project (the marketplace vocabulary in steps, the app
// certification suite in certify/suite). A phrase is written with
// placeholders ("{person} installs {app}"); each placeholder is a regular
// expression and a parser, so a handler receives typed arguments and a
// step whose text does not parse fails with the parser's message before
// the handler runs.
package stepdef

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/cucumber/godog"
)

// Phrase is one step phrase, for people writing scenarios: the area it
// belongs to, its pattern in readable form, and an example that matches it.
type Phrase struct {
	Area    string
	Pattern string // e.g. `{person} installs {app} for {access}`
	Example string
	Table   bool   // the step takes a data table
	Note    string // what the step does that its wording may not say
}

// Placeholder is one {name} of a pattern: what it matches, and how its
// text becomes a value (nil: the text itself, a string).
type Placeholder struct {
	RE    string
	Parse func(string) (any, error)
}

// Vocabulary is the placeholders a suite's patterns are written with.
type Vocabulary map[string]Placeholder

// Args are a step's arguments, parsed, and its data table when it takes
// one.
type Args struct {
	raw   []string
	vals  []any
	Table *godog.Table
}

// Raw returns the captured texts, unparsed.
func (a Args) Raw() []string { return a.raw }

// Arg returns argument i as a T. A T other than the placeholder's type is
// a bug in the step, which the suite's tests meet by running every step.
func Arg[T any](a Args, i int) T {
	v, ok := a.vals[i].(T)
	if !ok {
		panic(fmt.Sprintf("stepdef: argument %d is a %T, not a %T", i, a.vals[i], v))
	}
	return v
}

// Def is a step definition: its phrase and what it does.
type Def struct {
	Phrase
	Run func(ctx context.Context, a Args) error
}

// Bound is a definition ready for godog: its expression and the function
// godog calls.
type Bound struct {
	Def
	RE *regexp.Regexp
	Fn any
}

// placeholderRE finds {placeholders} and [one|other] alternatives.
var placeholderRE = regexp.MustCompile(`\{[a-z]+\}|\[[^\]]+\]`)

// Compile turns a pattern into an anchored regular expression, and lists
// the placeholders of its captures in order.
func (v Vocabulary) Compile(pattern string) (*regexp.Regexp, []Placeholder) {
	var b strings.Builder
	var ps []Placeholder
	b.WriteString("^")
	last := 0
	for _, loc := range placeholderRE.FindAllStringIndex(pattern, -1) {
		b.WriteString(regexp.QuoteMeta(pattern[last:loc[0]]))
		last = loc[1]
		tok := pattern[loc[0]:loc[1]]
		if tok[0] == '[' {
			alts := strings.Split(tok[1:len(tok)-1], "|")
			for i := range alts {
				alts[i] = regexp.QuoteMeta(alts[i])
			}
			b.WriteString("(?:" + strings.Join(alts, "|") + ")")
			continue
		}
		p, ok := v[tok]
		if !ok {
			panic(fmt.Sprintf("stepdef: unknown placeholder %s in %q", tok, pattern))
		}
		b.WriteString(p.RE)
		// A placeholder's expression may group without capturing only.
		ps = append(ps, p)
	}
	b.WriteString(regexp.QuoteMeta(pattern[last:]))
	b.WriteString("$")
	re := regexp.MustCompile(b.String())
	if re.NumSubexp() != len(ps) {
		panic(fmt.Sprintf("stepdef: %q has %d captures for %d placeholders", pattern, re.NumSubexp(), len(ps)))
	}
	return re, ps
}

var (
	ctxType   = reflect.TypeFor[context.Context]()
	strType   = reflect.TypeFor[string]()
	tableType = reflect.TypeFor[*godog.Table]()
	errType   = reflect.TypeFor[error]()
)

// Bind compiles d's pattern and wraps d.Run in a function of the shape
// godog calls: the context, one string per capture, the table.
func (v Vocabulary) Bind(d Def) Bound {
	re, ps := v.Compile(d.Pattern)
	in := []reflect.Type{ctxType}
	for range ps {
		in = append(in, strType)
	}
	if d.Table {
		in = append(in, tableType)
	}
	ft := reflect.FuncOf(in, []reflect.Type{errType}, false)
	fn := reflect.MakeFunc(ft, func(vals []reflect.Value) []reflect.Value {
		err := call(d, ps, vals)
		if err == nil {
			return []reflect.Value{reflect.Zero(errType)}
		}
		return []reflect.Value{reflect.ValueOf(&err).Elem()}
	}).Interface()
	return Bound{Def: d, RE: re, Fn: fn}
}

func call(d Def, ps []Placeholder, vals []reflect.Value) error {
	ctx := vals[0].Interface().(context.Context)
	var a Args
	for i, v := range vals[1:] {
		switch x := v.Interface().(type) {
		case string:
			a.raw = append(a.raw, x)
			if p := ps[i]; p.Parse != nil {
				val, err := p.Parse(x)
				if err != nil {
					return err
				}
				a.vals = append(a.vals, val)
			} else {
				a.vals = append(a.vals, x)
			}
		case *godog.Table:
			a.Table = x
		}
	}
	return d.Run(ctx, a)
}

// Set is a suite's bound definitions, registered with godog scenario by
// scenario. For each scenario godog records every registered definition
// (with a runtime.Caller each) and, strict, tries every one on every step
// to find ambiguous steps; a scenario uses a handful of a suite's hundred
// and more. So a Set registers, as its scenario starts and before godog
// matches the first step, only the definitions that match one of the
// scenario's steps: a step two of them match is still ambiguous, a step
// none matches still undefined, and godog still binds the arguments.
type Set struct {
	bound   []Bound
	matches sync.Map // step text → []int, indices into bound
}

// NewSet makes a Set of bound definitions, in the order godog is to try
// them.
func NewSet(bound []Bound) *Set { return &Set{bound: bound} }

// Match returns the definitions that match a step's text.
func (s *Set) Match(text string) []Bound {
	idx := s.match(text)
	out := make([]Bound, len(idx))
	for i, j := range idx {
		out[i] = s.bound[j]
	}
	return out
}

func (s *Set) match(text string) []int {
	if v, ok := s.matches.Load(text); ok {
		return v.([]int)
	}
	var idx []int
	for i, b := range s.bound {
		if b.RE.MatchString(text) {
			idx = append(idx, i)
		}
	}
	s.matches.Store(text, idx)
	return idx
}

// Register registers on sc, when its scenario starts, the definitions its
// steps match.
func (s *Set) Register(sc *godog.ScenarioContext) {
	sc.Before(func(ctx context.Context, p *godog.Scenario) (context.Context, error) {
		var use []int
		for _, st := range p.Steps {
			use = append(use, s.match(st.Text)...)
		}
		slices.Sort(use)
		for _, i := range slices.Compact(use) {
			sc.Step(s.bound[i].RE, s.bound[i].Fn)
		}
		return ctx, nil
	})
}
