package certify

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/rules"
	"github.com/appcert/appcert/steps"
)

// Verdict is a rule's outcome.
type Verdict string

// The verdicts. FAIL and SKIP fail a run; WARN and N/A do not.
const (
	Pass          Verdict = "PASS"
	Fail          Verdict = "FAIL"
	Warn          Verdict = "WARN"
	Skip          Verdict = "SKIP" // a check could not run because a prerequisite failed
	NotApplicable Verdict = "N/A"  // the app's manifest rules every story of the rule out
)

// Exit codes of a run.
const (
	ExitOK          = 0
	ExitFailed      = 1 // a check failed or was skipped
	ExitSetup       = 2
	ExitInterrupted = 130 // cancelled (Ctrl-C): the report has what was found so far
)

// Report is what a run found, by rule.
type Report struct {
	App         string        `json:"app"`
	ClientID    string        `json:"client_id"`
	Marketplace string        `json:"marketplace"`
	Deadline    time.Duration `json:"deadline_ns"`
	Tags        string        `json:"tags,omitempty"`
	Started     time.Time     `json:"started"`
	Duration    time.Duration `json:"duration_ns"`
	Interrupted bool          `json:"interrupted"`
	Counts      Counts        `json:"counts"`
	Rules       []RuleResult  `json:"rules"`
	// Scenarios are every scenario's outcome and findings.
	Scenarios []steps.CertifyScenario `json:"scenarios"`

	// The godog reports, as written to junit.xml and cucumber.json.
	JUnit    []byte `json:"-"`
	Cucumber []byte `json:"-"`
}

// Counts are the rules by verdict.
type Counts struct {
	Rules         int `json:"rules"`
	Passed        int `json:"passed"`
	Failed        int `json:"failed"`
	Warnings      int `json:"warnings"`
	Skipped       int `json:"skipped"`
	NotApplicable int `json:"not_applicable"`
}

// RuleResult is one app rule's verdict and why.
type RuleResult struct {
	ID      string  `json:"id"`
	Summary string  `json:"summary"`
	Verdict Verdict `json:"verdict"`
	// Reasons say why the rule was skipped or did not apply.
	Reasons []string `json:"reasons,omitempty"`
	// Findings are the failures (for FAIL) or warnings (for WARN).
	Findings  []steps.CertifyFinding `json:"findings,omitempty"`
	Scenarios []string               `json:"scenarios"`
}

func newReport(app manifest.App, base string, o Options, scs []steps.CertifyScenario, selected int) *Report {
	name := app.Name
	if name == "" {
		name = app.ClientID
	}
	r := &Report{App: name, ClientID: app.ClientID, Marketplace: base, Deadline: o.Deadline, Tags: o.Tags, Scenarios: scs}
	for _, rl := range rules.AppRules() {
		rr := RuleResult{ID: rl.ID, Summary: rl.Summary}
		var tagged []steps.CertifyScenario
		for _, s := range scs {
			if s.Rule == rl.ID {
				tagged = append(tagged, s)
				rr.Scenarios = append(rr.Scenarios, s.Name)
			}
		}
		var fails, warns []steps.CertifyFinding
		for _, s := range scs {
			for _, f := range s.Findings {
				if f.Rule != rl.ID {
					continue
				}
				if f.Verdict == "warn" {
					warns = append(warns, f)
				} else {
					fails = append(fails, f)
				}
			}
		}
		if len(tagged) == 0 && len(fails) == 0 && len(warns) == 0 {
			continue // not selected, and nothing else touched it
		}
		rr.Verdict, rr.Reasons, rr.Findings = verdict(tagged, fails, warns)
		// The rule's own stories first: they say it best.
		slices.SortStableFunc(rr.Findings, func(a, b steps.CertifyFinding) int {
			return boolRank(!slices.Contains(rr.Scenarios, a.Scenario)) - boolRank(!slices.Contains(rr.Scenarios, b.Scenario))
		})
		r.Rules = append(r.Rules, rr)
	}
	r.Counts.Rules = len(r.Rules)
	for _, rr := range r.Rules {
		switch rr.Verdict {
		case Pass:
			r.Counts.Passed++
		case Fail:
			r.Counts.Failed++
		case Warn:
			r.Counts.Warnings++
		case Skip:
			r.Counts.Skipped++
		case NotApplicable:
			r.Counts.NotApplicable++
		}
	}
	// Scenarios godog never started (a cancelled run) count as skipped.
	if started := len(scs); started < selected {
		for i := range r.Rules {
			if r.Rules[i].Verdict == Pass {
				r.Rules[i].Verdict = Skip
				r.Rules[i].Reasons = append(r.Rules[i].Reasons, fmt.Sprintf("%d of %d scenarios never started", selected-started, selected))
				r.Counts.Passed--
				r.Counts.Skipped++
			}
		}
	}
	return r
}

// verdict decides a rule from the findings about it and the scenarios
// tagged with it: a failure fails it wherever it was found; otherwise a
// check that could not run skips it; otherwise a warning warns; a rule
// whose every story the manifest rules out does not apply.
func verdict(tagged []steps.CertifyScenario, fails, warns []steps.CertifyFinding) (Verdict, []string, []steps.CertifyFinding) {
	if len(fails) > 0 {
		return Fail, nil, fails
	}
	var skipped, na []string
	passed := false
	for _, s := range tagged {
		switch s.Status {
		case steps.StatusPassed:
			passed = true
		case steps.StatusNotApplicable:
			na = append(na, s.Name+": "+s.Reason)
		case steps.StatusFailed:
			// No finding of the rule, yet the scenario failed: the check
			// itself could not run to the end.
			skipped = append(skipped, s.Name+": the check could not run: "+s.Reason)
		default:
			skipped = append(skipped, s.Name+": "+s.Status+": "+s.Reason)
		}
	}
	switch {
	case len(skipped) > 0:
		return Skip, skipped, nil
	case len(warns) > 0:
		return Warn, nil, warns
	case passed:
		return Pass, nil, nil
	case len(na) > 0:
		return NotApplicable, na, nil
	}
	return Skip, []string{"no scenario checked it"}, nil
}

// ExitCode is the process exit code for the report: 0 when every required
// check passed (warnings allowed), 1 when one failed or was skipped, 130
// when the run was cancelled.
func (r *Report) ExitCode() int {
	switch {
	case r.Interrupted:
		return ExitInterrupted
	case r.Counts.Failed > 0 || r.Counts.Skipped > 0:
		return ExitFailed
	}
	return ExitOK
}

// Rule returns the result of one rule.
func (r *Report) Rule(id string) (RuleResult, bool) {
	i := slices.IndexFunc(r.Rules, func(rr RuleResult) bool { return rr.ID == id })
	if i < 0 {
		return RuleResult{}, false
	}
	return r.Rules[i], true
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// SummaryLine is "13 rules: 11 passed, 1 failed, 1 warning, 0 skipped".
func (r *Report) SummaryLine() string {
	c := r.Counts
	s := fmt.Sprintf("%s: %d passed, %d failed, %s, %d skipped", plural(c.Rules, "rule", "rules"), c.Passed, c.Failed, plural(c.Warnings, "warning", "warnings"), c.Skipped)
	if c.NotApplicable > 0 {
		s += fmt.Sprintf(", %d not applicable", c.NotApplicable)
	}
	if r.Interrupted {
		s += " (interrupted: what was found so far)"
	}
	return s
}

// maxShown is how many findings or reasons the text report shows per rule;
// summary.json has them all.
const maxShown = 3

// WriteText writes the report for people: a verdict per rule with its
// reasons and, for failures, the exchange; then the summary line.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "appcert certify: %s (%s), marketplace at %s, deadline %v, %s\n\n",
		r.App, r.ClientID, r.Marketplace, r.Deadline, r.Duration.Round(time.Millisecond))
	for _, rr := range r.Rules {
		fmt.Fprintf(&b, "%-4s  %-12s  %s\n", rr.Verdict, rr.ID, rr.Summary)
		for i, f := range rr.Findings {
			if i == maxShown {
				fmt.Fprintf(&b, "        … and %d more (summary.json has them all)\n", len(rr.Findings)-maxShown)
				break
			}
			fmt.Fprintf(&b, "        - %s\n", f.Reason)
			fmt.Fprintf(&b, "          scenario: %s\n", f.Scenario)
			if x := f.Exchange; x != nil {
				fmt.Fprintf(&b, "          sent:     %s\n", x.Request)
				fmt.Fprintf(&b, "          answer:   %s\n", exchangeText(x))
			}
			if f.Call != "" {
				fmt.Fprintf(&b, "          call:     %s\n", f.Call)
			}
		}
		for i, reason := range rr.Reasons {
			if i == maxShown {
				fmt.Fprintf(&b, "        … and %d more\n", len(rr.Reasons)-maxShown)
				break
			}
			fmt.Fprintf(&b, "        - %s\n", reason)
		}
	}
	fmt.Fprintf(&b, "\n%s\n", r.SummaryLine())
	_, err := io.WriteString(w, b.String())
	return err
}

func exchangeText(x *steps.CertifyExchange) string {
	if x.Status == 0 {
		if x.Error != "" {
			return fmt.Sprintf("none after %v (%s)", x.Duration.Round(time.Millisecond), x.Error)
		}
		return "none"
	}
	s := fmt.Sprintf("%d in %v", x.Status, x.Duration.Round(time.Millisecond))
	if x.Oversize {
		s += fmt.Sprintf(", over %d bytes (cut)", x.BodySize)
	}
	if body := strings.Join(strings.Fields(x.Body), " "); body != "" {
		s += ": " + body
	}
	return s
}

// JSON is summary.json: the report as data.
func (r *Report) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// WriteFiles writes junit.xml, cucumber.json and summary.json into dir,
// creating it.
func (r *Report) WriteFiles(dir string) error {
	sum, err := r.JSON()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, data := range map[string][]byte{"junit.xml": r.JUnit, "cucumber.json": r.Cucumber, "summary.json": sum} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
