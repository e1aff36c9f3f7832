// Package rules is the project's rule catalogue: every behaviour the harness
// models or checks, by stable ID. Scenarios are tagged with these IDs, checks
// and properties name them, and reports group by them.
//
// The catalogue is the embedded data file catalogue.txt, one rule a line, so
// that adding a rule is a one-line, reviewable diff:
//
//	# Pipedrive: app sharing (000, 001)
//	PD-SHARE-13 | M | 000 | - | Removing the app from a user who ... .
//
// A "# text" line starts a group; "## text" lines are notes and are ignored.
// A rule line has five fields separated by "|": ID, kind (M or A), source
// (comma-separated three-digit seed numbers, "docs" or "-"), assumed
// ("assumed" or "-") and a one-line summary.
package rules

import (
	_ "embed"
	"fmt"
	"strings"
	"sync"
)

// Kind says what a rule is checked against.
type Kind string

const (
	// Marketplace rules describe marketplace behaviour, checked against the
	// reference model.
	Marketplace Kind = "M"
	// App rules say what a third-party app must do, checked against an app
	// under test.
	App Kind = "A"
)

// ID is a rule's stable ID ("PD-SHARE-13"). Code names app rules by the
// constants of ids.go, which a test holds to the catalogue.
type ID string

// Rule is one entry of the catalogue.
type Rule struct {
	ID      ID // e.g. "PD-SHARE-13"
	Kind    Kind
	Group   string // the "# …" header the rule sits under
	Source  string // "000", "000,001", "docs" or "-"
	Assumed bool   // the rule, or part of it, is a modelling choice
	Summary string
}

// Sources returns the rule's source as a list: seed numbers, "docs", or none
// for cross-cutting rules.
func (r Rule) Sources() []string {
	if r.Source == "-" || r.Source == "" {
		return nil
	}
	return strings.Split(r.Source, ",")
}

//go:embed catalogue.txt
var catalogueText string

type catalogue struct {
	rules  []Rule
	byID   map[ID]int
	groups []string
}

// load parses the embedded file once; the result is never mutated, and
// every accessor hands out copies.
var load = sync.OnceValue(func() catalogue {
	rs, err := Parse(strings.NewReader(catalogueText))
	if err != nil {
		// The embedded file is fixed at build time and parsed by the
		// package's tests, so a failure here is a broken build.
		panic(fmt.Sprintf("rules: embedded catalogue.txt: %v", err))
	}
	c := catalogue{rules: rs, byID: make(map[ID]int, len(rs))}
	for i, r := range rs {
		c.byID[r.ID] = i
		if len(c.groups) == 0 || c.groups[len(c.groups)-1] != r.Group {
			c.groups = append(c.groups, r.Group)
		}
	}
	return c
})

// All returns every rule in catalogue order. The slice is the caller's own.
func All() []Rule {
	return append([]Rule(nil), load().rules...)
}

// Lookup returns the rule with exactly this ID (no leading "@").
func Lookup(id ID) (Rule, bool) {
	c := load()
	i, ok := c.byID[id]
	if !ok {
		return Rule{}, false
	}
	return c.rules[i], true
}

// Valid reports whether id names a rule of the catalogue.
func Valid(id ID) bool {
	_, ok := load().byID[id]
	return ok
}

// OfKind returns the rules of kind k in catalogue order.
func OfKind(k Kind) []Rule {
	return filter(func(r Rule) bool { return r.Kind == k })
}

// MarketplaceRules returns the rules checked against the reference model.
func MarketplaceRules() []Rule { return OfKind(Marketplace) }

// AppRules returns the rules checked against an app under test.
func AppRules() []Rule { return OfKind(App) }

// Groups returns the group names in catalogue order.
func Groups() []string {
	return append([]string(nil), load().groups...)
}

// InGroup returns the rules under the named group, in catalogue order.
func InGroup(group string) []Rule {
	return filter(func(r Rule) bool { return r.Group == group })
}

func filter(keep func(Rule) bool) []Rule {
	var out []Rule
	for _, r := range load().rules {
		if keep(r) {
			out = append(out, r)
		}
	}
	return out
}
