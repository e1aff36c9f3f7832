package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/appcert/appcert/certify/result"
	"github.com/appcert/appcert/certify/suite"
	"github.com/appcert/appcert/fakes/app"
	"github.com/appcert/appcert/fakes/marketplace"
	"github.com/appcert/appcert/features"
	"github.com/appcert/appcert/rules"
	"github.com/appcert/appcert/sim"
)

const rulesUsage = `Usage: appcert rules [--missing] [--json] [ID...]

Prints the rule catalogue and, for each rule, what covers it: marketplace
rules (M) by scenarios of the built-in feature suites and by the simulator's
properties; app rules (A) by app checks (scenarios of the app suite), the
surfaces they run on (one sub-check per surface a manifest declares) and a
fault of the sample app that the checks must catch.

Given IDs, prints just those rules: an exact ID (PD-EXT-02, any case) or a
family (PD-EXT) for all of its rules.

--missing prints only the gaps, and exits 1 if there are any: a rule on the
pending list (not built yet), an M rule with no scenario, or an A rule
without an app check or a fault.

Exit codes: 0 no gaps (or a listing), 1 gaps with --missing, 2 an unknown
rule or a bad flag.
`

// coverage is what covers each rule, by rule ID.
type coverage struct {
	scenarios  map[rules.ID][]features.Scenario
	checks     map[rules.ID][]features.Scenario
	properties map[rules.ID][]string
	faults     map[rules.ID][]string // the faults made to break the rule
	// alsoFaults are the other faults that fail the rule too.
	alsoFaults map[rules.ID][]app.FaultInfo
}

// faultsOf names every fault that fails rule id, its own first; with
// owner, each other fault says whose it is.
func (c coverage) faultsOf(id rules.ID, owner bool) []string {
	out := slices.Clone(c.faults[id])
	for _, f := range c.alsoFaults[id] {
		name := string(f.Name)
		if owner {
			name += fmt.Sprintf(" (a %s fault)", f.Rule)
		}
		out = append(out, name)
	}
	return out
}

func loadCoverage() (coverage, error) {
	c := coverage{properties: map[rules.ID][]string{}, faults: map[rules.ID][]string{}, alsoFaults: map[rules.ID][]app.FaultInfo{}}
	ss, err := features.MarketplaceScenarios()
	if err != nil {
		return c, fmt.Errorf("reading the marketplace suites: %v", err)
	}
	c.scenarios = features.ByRule(ss)
	checks, err := appChecks()
	if err != nil {
		return c, fmt.Errorf("reading the app suite: %v", err)
	}
	c.checks = features.ByRule(checks)
	for id, names := range simProperties() {
		c.properties[id] = names
	}
	for _, f := range app.Faults() {
		c.faults[f.Rule] = append(c.faults[f.Rule], string(f.Name))
		for _, id := range f.Also {
			c.alsoFaults[id] = append(c.alsoFaults[id], f)
		}
	}
	return c, nil
}

// appChecks are the scenarios of the app certification suite, named by
// their path in the repository (certify/suite/features/...).
func appChecks() ([]features.Scenario, error) {
	ss, err := features.Scenarios(suite.Features, suite.Root)
	for i := range ss {
		ss[i].File = "certify/suite/" + ss[i].File
	}
	return ss, err
}

// simProperties lists the simulator's properties (its invariants) by the
// rules they name.
func simProperties() map[rules.ID][]string {
	out := map[rules.ID][]string{}
	for _, inv := range sim.Invariants() {
		for _, id := range inv.Rules {
			out[rules.ID(id)] = append(out[rules.ID(id)], inv.Name)
		}
	}
	return out
}

// gap says what a rule lacks, or "" when it is covered. A rule on the
// pending list is a gap whatever covers it so far: it is not built yet.
func (c coverage) gap(r rules.Rule) string {
	for _, p := range rules.PendingRules() {
		if p.ID == r.ID {
			return "pending: " + p.Missing
		}
	}
	switch r.Kind {
	case rules.Marketplace:
		if len(c.scenarios[r.ID]) == 0 {
			return "no scenario"
		}
	case rules.App:
		var miss []string
		if len(c.checks[r.ID]) == 0 {
			miss = append(miss, "no app check")
		}
		if len(c.faults[r.ID]) == 0 {
			miss = append(miss, "no fault")
		}
		return strings.Join(miss, ", ")
	}
	return ""
}

func runRules(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("appcert rules", rulesUsage, stdout, stderr)
	missing := fs.Bool("missing", false, "print only the gaps, and exit 1 if there are any")
	asJSON := fs.Bool("json", false, "print the rules and what covers them as JSON")
	pos, code, stop := fs.parse(args)
	if stop {
		return code
	}
	selected, err := lookupRules(pos)
	if err != nil {
		fmt.Fprintf(stderr, "appcert rules: %v\n", err)
		return exitSetup
	}
	c, err := loadCoverage()
	if err != nil {
		fmt.Fprintf(stderr, "appcert rules: %v\n", err)
		return exitSetup
	}
	if *missing {
		selected = slices.DeleteFunc(selected, func(r rules.Rule) bool { return c.gap(r) == "" })
	}
	if *asJSON {
		if err := printRulesJSON(c, selected, stdout); err != nil {
			fmt.Fprintf(stderr, "appcert rules: %v\n", err)
			return exitSetup
		}
	} else if *missing {
		printGaps(c, selected, stdout)
	} else {
		printRules(c, selected, stdout)
	}
	if *missing && len(selected) > 0 {
		return exitFail
	}
	return exitOK
}

// lookupRules finds the rules the arguments name: an exact ID or a family
// (PD-EXT for PD-EXT-01, PD-EXT-02, ...), in any case. None is the whole
// catalogue.
func lookupRules(ids []string) ([]rules.Rule, error) {
	if len(ids) == 0 {
		return rules.All(), nil
	}
	var out []rules.Rule
	seen := map[rules.ID]bool{}
	add := func(r rules.Rule) {
		if !seen[r.ID] {
			seen[r.ID] = true
			out = append(out, r)
		}
	}
	for _, arg := range ids {
		id := strings.ToUpper(strings.TrimSpace(arg))
		if r, ok := rules.Lookup(rules.ID(id)); ok {
			add(r)
			continue
		}
		n := 0
		for _, r := range rules.All() {
			if strings.HasPrefix(string(r.ID), id+"-") {
				add(r)
				n++
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("no rule %q in the catalogue; 'appcert rules' lists them all", arg)
		}
	}
	return out, nil
}

// ruleJSON is one rule and what covers it, for --json.
type ruleJSON struct {
	ID         rules.ID       `json:"id"`
	Kind       rules.Kind     `json:"kind"`
	Group      string         `json:"group"`
	Sources    []string       `json:"sources"`
	Assumed    bool           `json:"assumed"`
	Summary    string         `json:"summary"`
	Scenarios  []scenarioJSON `json:"scenarios,omitempty"`
	Properties []string       `json:"properties,omitempty"`
	AppChecks  []scenarioJSON `json:"app_checks,omitempty"`
	Surfaces   []string       `json:"surfaces,omitempty"`
	Faults     []string       `json:"faults,omitempty"`
	Gap        string         `json:"gap,omitempty"`
}

type scenarioJSON struct {
	Name string `json:"name"`
	File string `json:"file"`
	Line int64  `json:"line"`
}

func printRulesJSON(c coverage, rs []rules.Rule, w io.Writer) error {
	out := make([]ruleJSON, 0, len(rs))
	scen := func(ss []features.Scenario) []scenarioJSON {
		var o []scenarioJSON
		for _, s := range ss {
			o = append(o, scenarioJSON{Name: s.Name, File: s.File, Line: s.Line})
		}
		return o
	}
	for _, r := range rs {
		j := ruleJSON{ID: r.ID, Kind: r.Kind, Group: r.Group, Sources: r.Sources(), Assumed: r.Assumed, Summary: r.Summary, Gap: c.gap(r)}
		if j.Sources == nil {
			j.Sources = []string{}
		}
		if r.Kind == rules.Marketplace {
			j.Scenarios, j.Properties = scen(c.scenarios[r.ID]), c.properties[r.ID]
		} else {
			j.AppChecks, j.Faults = scen(c.checks[r.ID]), c.faultsOf(r.ID, false)
			for _, k := range checkSurfaces(r.ID) {
				j.Surfaces = append(j.Surfaces, string(k))
			}
		}
		out = append(out, j)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func printGaps(c coverage, rs []rules.Rule, w io.Writer) {
	var b strings.Builder
	n := 0
	for _, r := range rs {
		if g := c.gap(r); strings.HasPrefix(g, "pending: ") {
			fmt.Fprintf(&b, "%-12s %s  %s\n", r.ID, r.Kind, g)
			n++
		} else if g != "" {
			fmt.Fprintf(&b, "%-12s %s  %s: %s\n", r.ID, r.Kind, g, r.Summary)
			n++
		}
	}
	if n == 0 {
		io.WriteString(w, "Every rule is covered: each M rule has a scenario, each A rule an app check and a fault.\n")
		return
	}
	fmt.Fprintf(&b, "\n%d of %d rules have gaps.\n", n, len(rules.All()))
	io.WriteString(w, b.String())
}

func printRules(c coverage, rs []rules.Rule, w io.Writer) {
	var b strings.Builder
	group := ""
	gaps := 0
	for _, r := range rs {
		if r.Group != group {
			fmt.Fprintf(&b, "\n# %s\n", r.Group)
			group = r.Group
		}
		assumed := ""
		if r.Assumed {
			assumed = " (assumed)"
		}
		fmt.Fprintf(&b, "\n%s  %s%s  %s\n", r.ID, r.Kind, assumed, r.Summary)
		if r.Kind == rules.Marketplace {
			fmt.Fprintf(&b, "  scenarios:  %s\n", scenarioList(c.scenarios[r.ID]))
			fmt.Fprintf(&b, "  properties: %s\n", list(c.properties[r.ID]))
		} else {
			fmt.Fprintf(&b, "  app checks: %s\n", scenarioList(c.checks[r.ID]))
			if ks := checkSurfaces(r.ID); len(ks) > 0 {
				var names []string
				for _, k := range ks {
					names = append(names, surfaceName(k))
				}
				fmt.Fprintf(&b, "  surfaces:   %s\n", strings.Join(names, ", "))
			}
			fmt.Fprintf(&b, "  faults:     %s\n", list(c.faultsOf(r.ID, true)))
		}
		if g := c.gap(r); g != "" {
			fmt.Fprintf(&b, "  GAP:        %s\n", g)
			gaps++
		}
	}
	n := fmt.Sprintf("%d rules", len(rs))
	if len(rs) == 1 {
		n = "1 rule"
	}
	fmt.Fprintf(&b, "\n%s, %d with gaps (appcert rules --missing lists them).\n", n, gaps)
	io.WriteString(w, b.String())
}

// checkSurfaces are the surfaces a rule's check runs on, one sub-check
// each that the manifest declares: extension kinds, or the app as a whole
// (result.App); none when the rule has no check yet.
func checkSurfaces(id rules.ID) []result.Surface {
	c, ok := suite.CheckOf(id)
	if !ok {
		return nil
	}
	if len(c.Kinds) == 0 {
		return []result.Surface{result.App}
	}
	return c.Kinds
}

func surfaceName(k result.Surface) string {
	if k == result.App {
		return "the app as a whole"
	}
	return fmt.Sprintf("%s (%s)", marketplace.SurfaceName(k), k)
}

func scenarioList(ss []features.Scenario) string {
	if len(ss) == 0 {
		return "none"
	}
	var out []string
	for _, s := range ss {
		name := fmt.Sprintf("%s (%s:%d", s.Name, s.File, s.Line)
		if s.Examples > 0 {
			name += fmt.Sprintf(", %d examples", s.Examples)
		}
		out = append(out, name+")")
	}
	return strings.Join(out, "\n              ")
}

func list(xs []string) string {
	if len(xs) == 0 {
		return "none"
	}
	return strings.Join(xs, ", ")
}
