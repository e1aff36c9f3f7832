package suite_test

import (
	"slices"
	"testing"

	"github.com/appcert/appcert/certify/suite"
	"github.com/appcert/appcert/features"
	"github.com/appcert/appcert/rules"
)

// Each certification scenario checks one app rule: its findings and skips
// are reported under that rule.
func TestSuite_EveryScenarioChecksOneAppRule(t *testing.T) {
	ss, err := features.Scenarios(suite.Features, suite.Root)
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) == 0 {
		t.Fatal("no embedded certification scenarios")
	}
	covered := map[rules.ID]bool{}
	for _, s := range ss {
		var app []rules.ID
		for _, id := range s.Rules() {
			if r, _ := rules.Lookup(id); r.Kind == rules.App {
				app = append(app, id)
			} else {
				t.Errorf("%s:%d %q is tagged %s, a marketplace rule; the certification suite checks app rules", s.File, s.Line, s.Name, id)
			}
		}
		if len(app) != 1 {
			t.Errorf("%s:%d %q is tagged with app rules %v; want exactly one", s.File, s.Line, s.Name, app)
			continue
		}
		covered[app[0]] = true
		r, _ := rules.Lookup(app[0])
		if assumed := slices.Contains(s.Tags, "@assumed"); assumed != r.Assumed {
			t.Errorf("%s:%d %q: tagged @assumed %v, but the catalogue marks %s assumed %v", s.File, s.Line, s.Name, assumed, r.ID, r.Assumed)
		}
	}
	for _, r := range rules.AppRules() {
		if !covered[r.ID] && !rules.IsPending(r.ID) {
			t.Errorf("%s (%s) has no certification scenario in certify/suite/features", r.ID, r.Summary)
		}
	}
}

// The feature files use only defined steps, and each step matches one
// definition: godog runs them strictly, so this fails before a run would.
func TestSuite_EveryStepIsDefinedOnce(t *testing.T) {
	phrases := suite.Phrases()
	for _, p := range phrases {
		if p.Example == "" {
			t.Errorf("phrase %q has no example", p.Pattern)
		}
	}
	// The sample app run (TestCertify_SampleAppPasses) proves every step
	// of the suite defined; here each phrase's example must match its own
	// pattern only.
	for _, p := range phrases {
		if got := suite.Match(p.Example); len(got) != 1 || got[0].Pattern != p.Pattern {
			t.Errorf("the example %q matches %v, want only %q", p.Example, got, p.Pattern)
		}
	}
}
