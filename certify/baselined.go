package certify

import (
	"time"

	"github.com/appcert/appcert/certify/baseline"
	"github.com/appcert/appcert/certify/result"
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
// each surface, failed or not, with the first finding's reason.
func (r *Report) Checks() []baseline.Check {
	var out []baseline.Check
	for _, rr := range r.Rules {
		for _, sr := range rr.Surfaces {
			c := baseline.Check{Rule: string(rr.ID), Surface: string(sr.Surface), Failed: sr.Verdict == result.Fail}
			for _, f := range rr.Findings {
				if f.Surface == sr.Surface || f.Surface == result.App || sr.Surface == result.App {
					c.Reason = f.Reason
					break
				}
			}
			out = append(out, c)
		}
	}
	return out
}

// ApplyBaseline judges the run against the baseline read from file on day
// now: expected failures no longer fail the run, stale entries do; the
// JUnit report says both.
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
	var err error
	r.JUnit, err = r.junit()
	return err
}

// failsRun reports whether the run's checks fail it: a SKIP, a FAIL on a
// surface the baseline does not expect, or a stale baseline entry.
func (r *Report) failsRun() bool {
	if r.Baseline != nil && len(r.Baseline.Stale) > 0 {
		return true
	}
	for _, rr := range r.Rules {
		if rr.Verdict == result.Skip {
			return true
		}
		if rr.Verdict != result.Fail {
			continue
		}
		if len(rr.Surfaces) == 0 {
			return true
		}
		for _, sr := range rr.Surfaces {
			if sr.Verdict == result.Skip {
				return true
			}
			if _, ok := r.Baseline.expects(rr.ID, sr.Surface); sr.Verdict == result.Fail && !ok {
				return true
			}
		}
	}
	return false
}
