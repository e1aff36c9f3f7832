package certify

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/appcert/appcert/certify/baseline"
	"github.com/appcert/appcert/certify/result"
	cucumberreport "github.com/appcert/appcert/internal/cucumber"
	"github.com/appcert/appcert/rules"
)

// BaselineResult is a baseline applied to a run: the failures it expects,
// its stale entries (which fail the run) and those about checks the run
// did not make.
type BaselineResult struct {
	File      string          `json:"file"`
	Expected  []BaselineEntry `json:"expected"`
	Stale     []BaselineEntry `json:"stale"`
	Unchecked []BaselineEntry `json:"unchecked,omitempty"`
}

// BaselineEntry is one entry of the baseline; Why says why it is stale.
type BaselineEntry struct {
	Rule    rules.ID       `json:"rule"`
	Surface result.Surface `json:"surface"`
	Reason  string         `json:"reason"`
	Expires string         `json:"expires,omitempty"`
	Why     string         `json:"why,omitempty"`
}

func entry(e baseline.Entry, why string) BaselineEntry {
	return BaselineEntry{Rule: rules.ID(e.Rule), Surface: result.Surface(e.Surface), Reason: e.Reason, Expires: e.Expires, Why: why}
}

// expects returns the entry that expects rule to fail on surface.
func (b *BaselineResult) expects(rule rules.ID, surface result.Surface) (BaselineEntry, bool) {
	if b == nil {
		return BaselineEntry{}, false
	}
	for _, e := range b.Expected {
		if e.Rule == rule && e.Surface == surface {
			return e, true
		}
	}
	return BaselineEntry{}, false
}

// Checks are the run's sub-checks as a baseline sees them: each rule on
// each surface, failed or not, with the first finding's reason as it
// reads in any run (StableReason), so that a baseline written from it is
// the same run after run.
func (r *Report) Checks() []baseline.Check {
	var out []baseline.Check
	for _, rr := range r.Rules {
		for _, sr := range rr.Surfaces {
			c := baseline.Check{Rule: string(rr.ID), Surface: string(sr.Surface), Failed: sr.Verdict == result.Fail || sr.Verdict == result.ExpectedFail}
			for _, f := range rr.Findings {
				if f.Surface == sr.Surface || f.Surface == result.App || sr.Surface == result.App {
					c.Reason = cmp.Or(f.StableReason, f.Reason)
					break
				}
			}
			out = append(out, c)
		}
	}
	return out
}

// ApplyBaseline judges the run against the baseline read from file on day
// now: each failure it expects becomes an EXPECTED FAIL, which fails
// nothing (and a rule whose every failure is expected is one too), stale
// entries fail the run; every report says so, cucumber.json by showing an
// expected failure's steps skipped with the baseline's reason. Applied
// again, a later baseline replaces the earlier one.
func (r *Report) ApplyBaseline(file string, f *baseline.File, now time.Time) error {
	j := f.Judge(r.Checks(), now)
	b := &BaselineResult{File: file, Expected: []BaselineEntry{}, Stale: []BaselineEntry{}}
	for _, x := range j.Expected {
		b.Expected = append(b.Expected, entry(x.Entry, ""))
	}
	for _, s := range j.Stale {
		b.Stale = append(b.Stale, entry(s.Entry, s.Why))
	}
	for _, e := range j.Unchecked {
		b.Unchecked = append(b.Unchecked, entry(e, "not checked in this run"))
	}
	r.Baseline = b
	r.Counts = result.Counts{}
	for i := range r.Rules {
		rr := &r.Rules[i]
		if (rr.Verdict == result.Fail || rr.Verdict == result.ExpectedFail) && len(rr.Surfaces) > 0 {
			var v result.Verdict
			for j := range rr.Surfaces {
				sr := &rr.Surfaces[j]
				if sr.Verdict == result.Fail || sr.Verdict == result.ExpectedFail {
					sr.Verdict = result.Fail
					if _, ok := b.expects(rr.ID, sr.Surface); ok {
						sr.Verdict = result.ExpectedFail
					}
				}
				v = acrossSurfaces(v, sr.Verdict)
			}
			rr.Verdict = v
		}
		r.Counts.Add(rr.Verdict)
	}
	if r.ranCucumber == nil {
		r.ranCucumber = r.Cucumber
	}
	r.Cucumber = r.ranCucumber
	if doc, err := cucumberreport.MarkExpected(r.ranCucumber, r.expectedScenarios()); err == nil {
		r.Cucumber = doc
	}
	var err error
	r.JUnit, err = r.junit()
	return err
}

// expectedScenarios says, of each scenario whose every failure the
// baseline expects, the baseline's reasons.
func (r *Report) expectedScenarios() cucumberreport.Reasons {
	by := scenariosByCucumber(r.Scenarios)
	return func(k cucumberreport.Scenario) string {
		s, ok := by[k]
		if !ok {
			return ""
		}
		var why []string
		for _, c := range s.Checks {
			switch c.Verdict {
			case result.Skip:
				return "" // a step could not run: that is no expected failure
			case result.Fail:
				e, ok := r.Baseline.expects(s.Rule, c.Surface)
				if !ok {
					return ""
				}
				if !slices.Contains(why, e.Reason) {
					why = append(why, e.Reason)
				}
			}
		}
		return strings.Join(why, "; ")
	}
}

// failsRun reports whether the run's checks fail it: a rule that is SKIP
// or FAIL (a failure the baseline does not expect), or a stale baseline
// entry.
func (r *Report) failsRun() bool {
	if r.Baseline != nil && len(r.Baseline.Stale) > 0 {
		return true
	}
	return slices.ContainsFunc(r.Rules, func(rr RuleResult) bool { return rr.Verdict.FailsRun() })
}
