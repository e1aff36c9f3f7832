package stepdef

import (
	"bytes"
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"

	"github.com/cucumber/godog"
)

// runStatuses runs one feature against a Set and returns each step's
// status as godog's cucumber report gives it, by step text.
func runStatuses(t *testing.T, set *Set, feature string) map[string]string {
	t.Helper()
	var out bytes.Buffer
	godog.TestSuite{
		ScenarioInitializer: set.Register,
		Options: &godog.Options{
			Format: "cucumber", Output: &out, Strict: true, Concurrency: 2,
			FeatureContents: []godog.Feature{{Name: "set.feature", Contents: []byte(feature)}},
		},
	}.Run()
	var doc []struct {
		Elements []struct {
			Steps []struct {
				Name   string `json:"name"`
				Result struct {
					Status string `json:"status"`
				} `json:"result"`
			} `json:"steps"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatalf("the cucumber report: %v\n%s", err, out.String())
	}
	got := map[string]string{}
	for _, f := range doc {
		for _, e := range f.Elements {
			for _, s := range e.Steps {
				got[s.Name] = s.Result.Status
			}
		}
	}
	return got
}

func TestSet_RegistersWhatEachScenarioUsesAndStaysStrict(t *testing.T) {
	v := Vocabulary{"{person}": {RE: `([A-Z][a-z]+)`}}
	var ran atomic.Int32
	def := func(pattern string) Bound {
		return v.Bind(Def{Phrase: Phrase{Pattern: pattern}, Run: func(context.Context, Args) error {
			ran.Add(1)
			return nil
		}})
	}
	set := NewSet([]Bound{def("{person} signs up"), def("{person} logs in"), def("Bob logs in")})
	got := runStatuses(t, set, `Feature: f
  Scenario: one definition each
    Given Ann signs up
    And Ann logs in
  Scenario: two definitions match
    Given Bob logs in
  Scenario: none matches
    Given Ann signs out
`)
	want := map[string]string{
		"Ann signs up":  "passed",
		"Ann logs in":   "passed",
		"Bob logs in":   "ambiguous",
		"Ann signs out": "undefined",
	}
	for text, status := range want {
		if got[text] != status {
			t.Errorf("%q: %q; want %q (all: %v)", text, got[text], status, got)
		}
	}
	if n := ran.Load(); n != 2 {
		t.Errorf("the handlers ran %d times; want 2", n)
	}
	if m := set.Match("Bob logs in"); len(m) != 2 {
		t.Errorf("Match(Bob logs in) = %d definitions; want 2", len(m))
	}
}
