package certify

import (
	"cmp"
	"fmt"
	"strings"
	"time"

	"github.com/appcert/appcert/certify/result"
	"github.com/appcert/appcert/internal/junit"
)

// junit is junit.xml (internal/junit/junit.xsd): a suite per rule, a case
// per rule and surface (classname the rule ID, name the check and
// surface), so that each sub-check shows on its own. FAIL is a failure
// with each finding's reason and exchange; SKIP, which fails a run too,
// an error naming the prerequisite; N/A and NOT EXERCISED are skipped with
// their reason; WARN passes with the warning in its output; an EXPECTED
// FAIL (the baseline expects it) is skipped as an expected failure; a stale baseline entry is a
// failure of its own. A case's time is its rule's scenario time shared
// among the rule's surfaces.
func (r *Report) junit() ([]byte, error) {
	doc := &junit.Suites{Name: "appcert certify", Time: junit.Seconds(r.Duration)}
	ts := r.Started.UTC().Format(time.RFC3339)
	for _, rr := range r.Rules {
		s := junit.Suite{Name: string(rr.ID), Timestamp: ts}
		surfaces := rr.Surfaces
		if len(surfaces) == 0 { // not applicable
			surfaces = []result.SurfaceResult{{Surface: result.App, Verdict: rr.Verdict, Reasons: rr.Reasons}}
		}
		var spent time.Duration
		for _, sc := range r.Scenarios {
			if sc.Rule == rr.ID {
				spent += sc.Duration
			}
		}
		for _, sr := range surfaces {
			c := junit.Case{Name: fmt.Sprintf("%s on %s", rr.ID, sr.Surface), Classname: string(rr.ID),
				Time: junit.Seconds(spent / time.Duration(len(surfaces)))}
			why := strings.Join(sr.Reasons, "\n")
			var found []result.Finding
			for _, f := range rr.Findings {
				if f.Surface == sr.Surface || f.Surface == result.App || sr.Surface == result.App {
					found = append(found, f)
				}
			}
			switch sr.Verdict {
			case result.ExpectedFail:
				e, _ := r.Baseline.expects(rr.ID, sr.Surface)
				c.Skipped = &junit.Outcome{Message: "expected failure (baseline: " + e.Reason + "): " + firstReason(found, why)}
			case result.Fail:
				c.Failure = &junit.Outcome{Type: "FAIL", Message: firstReason(found, why), Text: findingsText(found)}
			case result.Skip:
				c.Error = &junit.Outcome{Type: "SKIP", Message: "SKIP: " + cmp.Or(SurfaceWhy(sr), "a prerequisite failed"), Text: why}
			case result.NotApplicable, result.NotExercised:
				c.Skipped = &junit.Outcome{Message: string(sr.Verdict) + ": " + SurfaceWhy(sr)}
			case result.Warn:
				c.SystemOut = "WARN: " + findingsText(found)
			case result.Pass:
				c.SystemOut = "PASS: " + SurfaceWhy(sr)
			}
			s.Cases = append(s.Cases, c)
			s.Time += c.Time
		}
		doc.Suites = append(doc.Suites, s)
	}
	if b := r.Baseline; b != nil && len(b.Stale) > 0 {
		s := junit.Suite{Name: "baseline " + b.File, Timestamp: ts}
		for _, e := range b.Stale {
			s.Cases = append(s.Cases, junit.Case{Name: fmt.Sprintf("%s on %s", e.Rule, e.Surface), Classname: "baseline",
				Failure: &junit.Outcome{Type: "STALE", Message: "stale baseline entry: " + e.Why, Text: "reason given: " + e.Reason}})
		}
		doc.Suites = append(doc.Suites, s)
	}
	return doc.Marshal()
}

// findingsText is each finding's reason with the exchange that shows it.
func findingsText(fs []result.Finding) string {
	var b strings.Builder
	for i, f := range fs {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s\n  seen %d× in: %s\n", f.Reason, max(f.Seen, 1), strings.Join(f.Scenarios, "; "))
		if x := f.Exchange; x != nil {
			fmt.Fprintf(&b, "  sent:   %s\n  answer: %s\n", x.Request, exchangeText(x))
		}
		if f.Call != "" {
			fmt.Fprintf(&b, "  call:   %s\n", f.Call)
		}
	}
	return b.String()
}

func firstReason(fs []result.Finding, otherwise string) string {
	if len(fs) > 0 {
		return fs[0].Reason
	}
	return otherwise
}
