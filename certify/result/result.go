// Package result is the data every certification report reads: verdicts,
// findings, the exchanges they show, each scenario's outcome, and the
// per-rule, per-surface summary. It holds data only; the suite
// (certify/suite) fills it in and the reports (certify) print it.
package result

import (
	"slices"
	"time"

	"github.com/appcert/appcert/reference"
	"github.com/appcert/appcert/rules"
)

// Verdict is the outcome of a check, of one of its sub-checks, or of a rule.
type Verdict string

// The verdicts. FAIL and SKIP fail a run; WARN, N/A, NOT EXERCISED and
// EXPECTED FAIL do not.
const (
	// Pass: the check ran and held; Judged says on how many exchanges.
	Pass Verdict = "PASS"
	// Fail: the app did something the rule forbids; the finding shows it.
	Fail Verdict = "FAIL"
	// Warn: advice; fails nothing.
	Warn Verdict = "WARN"
	// Skip: a prerequisite failed, so the check could not run; the reason
	// names the prerequisite's finding.
	Skip Verdict = "SKIP"
	// NotApplicable: the manifest rules the check out (none of its
	// surfaces or sharing modes is declared).
	NotApplicable Verdict = "N/A"
	// NotExercised: the app's answers could not decide the check; the
	// reason says what would exercise it.
	NotExercised Verdict = "NOT EXERCISED"
	// ExpectedFail: an expected failure, a FAIL the baseline (certify
	// --baseline) lists; its findings show it, and it fails nothing.
	ExpectedFail Verdict = "EXPECTED FAIL"
)

// FailsRun reports whether the verdict fails a run.
func (v Verdict) FailsRun() bool { return v == Fail || v == Skip }

// rank orders verdicts by how much they say, for combining sub-checks into
// a rule's verdict: a failure anywhere fails the rule.
func (v Verdict) rank() int {
	switch v {
	case Fail:
		return 8
	case Skip:
		return 7
	case ExpectedFail:
		return 5
	case Warn:
		return 4
	case Pass:
		return 3
	case NotExercised:
		return 2
	case NotApplicable:
		return 1
	}
	return 0
}

// Worst returns the verdict that says the most of a and b: FAIL over SKIP
// over EXPECTED FAIL over WARN over PASS over NOT EXERCISED over N/A.
func Worst(a, b Verdict) Verdict {
	if b.rank() > a.rank() {
		return b
	}
	return a
}

// Surface names a sub-check: an extension kind, or App for a check about
// the app as a whole (its OAuth, its callbacks, its API calls).
type Surface = reference.ExtensionKind

// App is the surface of a check that is about no one extension.
const App Surface = "app"

// Severity is how bad a finding is.
type Severity string

// Severities: a Fail fails the rule; a Warn is reported and fails nothing.
const (
	SeverityFail Severity = "fail"
	SeverityWarn Severity = "warn"
)

// Finding is one distinct defect: a rule, the surface and kind of request
// it was seen on, why, and an exchange that shows it. Seen counts how
// often it was found, in the Scenarios listed.
type Finding struct {
	Rule     rules.ID  `json:"rule"`
	Surface  Surface   `json:"surface"`
	Request  string    `json:"request,omitempty"` // the kind of request ("json_panel (token: expired)")
	Severity Severity  `json:"severity"`
	Reason   string    `json:"reason"`
	Exchange *Exchange `json:"exchange,omitempty"`
	Call     string    `json:"call,omitempty"` // the app's own API call, when the finding is about one
	// Setup marks a finding that is most likely a setup mistake (a wrong
	// client secret or OAuth base URL); the reason says what to check.
	Setup     bool     `json:"setup,omitempty"`
	Seen      int      `json:"seen"`
	Scenarios []string `json:"scenarios"`
	// AppLog is what the app wrote while the exchange was under way, when
	// its output is known (an app run from its container image).
	AppLog []string `json:"app_log,omitempty"`
	// StableReason is Reason as it reads in any run, without the run's
	// IDs and addresses (new in every run): what a baseline written from
	// the run says.
	StableReason string `json:"-"`
}

// Key is what makes two findings the same defect.
type Key struct {
	Rule    rules.ID
	Surface Surface
	Request string
}

// Key returns the finding's identity for deduplication.
func (f Finding) Key() Key { return Key{f.Rule, f.Surface, f.Request} }

// Exchange is a request sent to the app and its answer, as a report shows
// it: secrets redacted when it was recorded, the body cut short after.
type Exchange struct {
	Kind     string        `json:"kind"`
	Variant  string        `json:"variant,omitempty"`
	Request  string        `json:"request"` // "GET http://…/panel?…&token=[redacted]"
	Status   int           `json:"status"`  // 0: no answer
	Body     string        `json:"body,omitempty"`
	BodySize int           `json:"body_size"`
	Oversize bool          `json:"oversize,omitempty"`
	Started  time.Time     `json:"started"`
	Duration time.Duration `json:"duration_ns"`
	Error    string        `json:"error,omitempty"`
}

// SubCheck is a check's outcome on one surface in one scenario.
type SubCheck struct {
	Surface Surface `json:"surface"`
	Verdict Verdict `json:"verdict"`
	// Judged is how many exchanges (or API calls) were judged.
	Judged int `json:"judged"`
	// Reason says why it failed, was skipped, did not apply or was not
	// exercised (and then what would exercise it).
	Reason string `json:"reason,omitempty"`
	Step   string `json:"step,omitempty"` // the step that settled it
	// Browser: the sub-check ran its page in headless Chromium, or would
	// have (its NOT EXERCISED reason says why it did not).
	Browser bool `json:"browser,omitempty"`
}

// Scenario is what one scenario of the suite found.
type Scenario struct {
	ID   string `json:"-"`
	Name string `json:"name"`
	URI  string `json:"file"`
	// Rule is the app rule the scenario checks (its one app-rule tag).
	Rule     rules.ID      `json:"rule"`
	Tags     []string      `json:"tags"`
	Verdict  Verdict       `json:"verdict"`
	Checks   []SubCheck    `json:"checks"`
	Findings []Finding     `json:"findings,omitempty"`
	Duration time.Duration `json:"duration_ns"`
	// Interrupted: the run was cancelled before the scenario ended.
	Interrupted bool `json:"interrupted,omitempty"`
}

// SurfaceResult is a rule's verdict on one surface, over its scenarios.
type SurfaceResult struct {
	Surface Surface  `json:"surface"`
	Verdict Verdict  `json:"verdict"`
	Judged  int      `json:"judged"`
	Reasons []string `json:"reasons,omitempty"`
}

// RuleResult is one app rule's verdict, surface by surface, and why.
type RuleResult struct {
	ID       rules.ID        `json:"id"`
	Summary  string          `json:"summary"`
	Verdict  Verdict         `json:"verdict"`
	Surfaces []SurfaceResult `json:"surfaces"`
	// Reasons say why the rule did not apply, or was skipped or not
	// exercised on every surface.
	Reasons []string `json:"reasons,omitempty"`
	// Findings are the distinct defects (for FAIL) or warnings (for WARN).
	Findings  []Finding `json:"findings,omitempty"`
	Scenarios []string  `json:"scenarios"`
}

// Counts are the rules by verdict.
type Counts struct {
	Rules  int `json:"rules"`
	Passed int `json:"passed"`
	Failed int `json:"failed"`
	// ExpectedFailures are the rules whose every failure the baseline
	// expects; they are not in Failed.
	ExpectedFailures int `json:"expected_failures"`
	Warnings         int `json:"warnings"`
	Skipped          int `json:"skipped"`
	NotExercised     int `json:"not_exercised"`
	NotApplicable    int `json:"not_applicable"`
}

// Add counts one rule of verdict v.
func (c *Counts) Add(v Verdict) {
	c.Rules++
	switch v {
	case Pass:
		c.Passed++
	case Fail:
		c.Failed++
	case ExpectedFail:
		c.ExpectedFailures++
	case Warn:
		c.Warnings++
	case Skip:
		c.Skipped++
	case NotExercised:
		c.NotExercised++
	case NotApplicable:
		c.NotApplicable++
	}
}

// Merge adds f to fs: a finding already there (same Key) counts once more
// and gains f's scenarios; a new one is appended. The first exchange seen
// is the one shown.
func Merge(fs []Finding, f Finding) []Finding {
	if f.Seen == 0 {
		f.Seen = 1
	}
	for i := range fs {
		if fs[i].Key() != f.Key() {
			continue
		}
		fs[i].Seen += f.Seen
		for _, s := range f.Scenarios {
			if !slices.Contains(fs[i].Scenarios, s) {
				fs[i].Scenarios = append(fs[i].Scenarios, s)
			}
		}
		return fs
	}
	f.Scenarios = append([]string(nil), f.Scenarios...)
	return append(fs, f)
}
