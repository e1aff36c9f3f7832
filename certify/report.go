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
	"unicode/utf8"

	"github.com/appcert/appcert/certify/result"
	"github.com/appcert/appcert/certify/suite"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/rules"
)

// Verdict is a rule's outcome (result.Verdict); the constants are
// result's, repeated so that a caller of certify needs no second import.
type Verdict = result.Verdict

// The verdicts. FAIL and SKIP fail a run; WARN, N/A, NOT EXERCISED and
// EXPECTED FAIL (a failure the baseline expects) do not.
const (
	Pass          = result.Pass
	Fail          = result.Fail
	Warn          = result.Warn
	Skip          = result.Skip
	NotApplicable = result.NotApplicable
	NotExercised  = result.NotExercised
	ExpectedFail  = result.ExpectedFail
)

// Exit codes of a run.
const (
	ExitOK          = 0
	ExitFailed      = 1 // a check failed or was skipped
	ExitSetup       = 2
	ExitInterrupted = 130 // cancelled (Ctrl-C): the report has what was found so far
)

// SchemaVersion is summary.json's schema_version (summary.schema.json). It
// changes when a field is removed or changes meaning; new fields may
// appear without it.
const SchemaVersion = "1"

// Report is what a run found, by rule and surface.
type Report struct {
	SchemaVersion string        `json:"schema_version"`
	App           string        `json:"app"`
	ClientID      string        `json:"client_id"`
	Marketplace   string        `json:"marketplace"`
	Deadline      time.Duration `json:"deadline_ns"`
	Tags          string        `json:"tags,omitempty"`
	Started       time.Time     `json:"started"`
	Duration      time.Duration `json:"duration_ns"`
	Interrupted   bool          `json:"interrupted"`
	// Diagnosis names a setup mistake the findings point to (a wrong
	// client secret or OAuth base URL), which likely explains the rest.
	Diagnosis string              `json:"diagnosis,omitempty"`
	Counts    result.Counts       `json:"counts"`
	Rules     []result.RuleResult `json:"rules"`
	// Scenarios are every scenario's sub-checks and findings.
	Scenarios []result.Scenario `json:"scenarios"`

	// Baseline is the baseline applied (ApplyBaseline), if any.
	Baseline *BaselineResult `json:"baseline,omitempty"`
	// Rerun is the command line that reruns this run, which the text
	// report completes with --rule ID on each failure.
	Rerun string `json:"-"`

	// The reports written beside summary.json: junit.xml (one test case
	// per rule and surface) and godog's cucumber.json.
	JUnit    []byte `json:"-"`
	Cucumber []byte `json:"-"`
	// ranCucumber is Cucumber as the run left it, before a baseline
	// marked its expected failures.
	ranCucumber []byte
}

// Counts are the rules by verdict.
type Counts = result.Counts

// RuleResult is one app rule's verdict, surface by surface.
type RuleResult = result.RuleResult

func newReport(app manifest.App, base string, o Options, scs []result.Scenario, selected int) *Report {
	name := app.Name
	if name == "" {
		name = app.ClientID
	}
	// A manifest value is never echoed in full.
	r := &Report{SchemaVersion: SchemaVersion, App: clip(name), ClientID: clip(app.ClientID), Marketplace: base, Deadline: o.Deadline, Tags: o.Tags, Scenarios: scs}
	// Every finding, deduplicated across scenarios.
	var all []result.Finding
	for _, s := range scs {
		for _, f := range s.Findings {
			all = result.Merge(all, f)
		}
	}
	for _, f := range all {
		if f.Setup && r.Diagnosis == "" {
			r.Diagnosis = f.Reason
		}
	}
	for _, rl := range rules.AppRules() {
		check, ok := suite.CheckOf(rl.ID)
		if !ok {
			continue // not built yet
		}
		var tagged []result.Scenario
		for _, s := range scs {
			if s.Rule == rl.ID {
				tagged = append(tagged, s)
			}
		}
		if len(tagged) == 0 {
			continue // not selected
		}
		r.Rules = append(r.Rules, ruleResult(rl, check, app, tagged, all))
	}
	// Scenarios godog never started (a cancelled run) leave their rules
	// unchecked.
	if started := len(scs); started < selected {
		for i := range r.Rules {
			if v := r.Rules[i].Verdict; v == Pass || v == NotExercised {
				r.Rules[i].Verdict = Skip
				r.Rules[i].Reasons = append(r.Rules[i].Reasons, fmt.Sprintf("%d of %d scenarios never started", selected-started, selected))
			}
		}
	}
	for _, rr := range r.Rules {
		r.Counts.Add(rr.Verdict)
	}
	return r
}

// ruleResult decides a rule surface by surface. On one surface, over the
// scenarios: a failure anywhere fails it, else a skip skips it, else a
// warning warns, else one scenario that passed passes it, else it was not
// exercised. Findings of the rule made in any scenario count too. The rule
// is the worst of its surfaces, NOT EXERCISED counting below WARN and
// above PASS: a rule passes only where every surface did. A surface the
// check runs on in the browser (Check.Browser) passes only where its
// browser sub-checks ran: else it is NOT EXERCISED, saying why.
func ruleResult(rl rules.Rule, check suite.Check, app manifest.App, tagged []result.Scenario, all []result.Finding) result.RuleResult {
	rr := result.RuleResult{ID: rl.ID, Summary: rl.Summary}
	for _, s := range tagged {
		rr.Scenarios = append(rr.Scenarios, s.Name)
	}
	surfaces, why := check.Surfaces(app)
	if len(surfaces) == 0 {
		rr.Verdict, rr.Reasons = NotApplicable, []string{why}
		return rr
	}
	for _, f := range all {
		if f.Rule == rl.ID {
			rr.Findings = append(rr.Findings, f)
		}
	}
	// The rule's own scenarios first: they say it best.
	slices.SortStableFunc(rr.Findings, func(a, b result.Finding) int {
		return boolRank(!ownScenario(a, rr.Scenarios)) - boolRank(!ownScenario(b, rr.Scenarios))
	})
	for _, surface := range surfaces {
		sr := result.SurfaceResult{Surface: surface}
		var unbrowsed []string // browser checks that did not run: said whatever the verdict
		for _, s := range tagged {
			for _, c := range s.Checks {
				if c.Surface != surface {
					continue
				}
				sr.Verdict = acrossScenarios(sr.Verdict, c.Verdict)
				sr.Judged += c.Judged
				if c.Reason != "" && c.Verdict != Fail {
					sr.Reasons = append(sr.Reasons, fmt.Sprintf("%s: %s: %s", s.Name, c.Verdict, c.Reason))
				}
				if c.Browser && (c.Verdict == NotExercised || c.Verdict == Skip) {
					unbrowsed = append(unbrowsed, fmt.Sprintf("%s: %s: %s", s.Name, c.Verdict, c.Reason))
				}
			}
		}
		for _, f := range rr.Findings {
			if f.Surface != surface && f.Surface != result.App && surface != result.App {
				continue
			}
			v := Fail
			if f.Severity == result.SeverityWarn {
				v = Warn
			}
			sr.Verdict = acrossScenarios(sr.Verdict, v)
		}
		if sr.Verdict == "" {
			sr.Verdict = NotExercised
			sr.Reasons = append(sr.Reasons, "no scenario checked it")
		}
		if sr.Verdict == Pass && len(unbrowsed) > 0 && slices.Contains(check.Browser, surface) {
			// The page's backend is checked in the browser only: what held
			// without it (the page's loads) is not the rule held.
			sr.Verdict = NotExercised
			sr.Reasons = append(unbrowsed, fmt.Sprintf("without the browser checks, %s judged held; the browser checks decide the rest", plural(sr.Judged, "exchange", "exchanges")))
		}
		if sr.Verdict == Pass || sr.Verdict == Fail || sr.Verdict == Warn {
			// Only the reasons for a verdict that did not decide are kept.
			sr.Reasons = keepVerdicts(sr.Reasons, sr.Verdict)
			sr.Reasons = append(sr.Reasons, unbrowsed...)
		}
		rr.Surfaces = append(rr.Surfaces, sr)
		rr.Verdict = acrossSurfaces(rr.Verdict, sr.Verdict)
	}
	// Findings show only under a rule they fail or warn.
	if rr.Verdict != Fail && rr.Verdict != Warn {
		rr.Findings = nil
	}
	if rr.Verdict == Fail {
		rr.Findings = slices.DeleteFunc(rr.Findings, func(f result.Finding) bool { return f.Severity != result.SeverityFail })
	}
	return rr
}

func ownScenario(f result.Finding, own []string) bool {
	return slices.ContainsFunc(f.Scenarios, func(s string) bool { return slices.Contains(own, s) })
}

// keepVerdicts keeps the reasons of sub-checks that ended v.
func keepVerdicts(reasons []string, v Verdict) []string {
	var out []string
	for _, r := range reasons {
		if strings.Contains(r, ": "+string(v)+": ") {
			out = append(out, r)
		}
	}
	return out
}

// Orders of verdicts, strongest first.
var (
	scenarioOrder = []Verdict{Fail, Skip, ExpectedFail, Warn, Pass, NotExercised, NotApplicable, ""}
	surfaceOrder  = []Verdict{Fail, Skip, ExpectedFail, Warn, NotExercised, Pass, NotApplicable, ""}
)

func acrossScenarios(a, b Verdict) Verdict { return strongest(scenarioOrder, a, b) }
func acrossSurfaces(a, b Verdict) Verdict  { return strongest(surfaceOrder, a, b) }

func strongest(order []Verdict, a, b Verdict) Verdict {
	if slices.Index(order, b) < slices.Index(order, a) {
		return b
	}
	return a
}

// logSlack widens an exchange's time on both sides when its app log
// lines are picked: a line is stamped when appcert receives it, a little
// after the app wrote it.
const logSlack = 500 * time.Millisecond

// AttachAppLog gives every finding with an exchange the lines the app
// wrote while that exchange was under way, from appLog.
func (r *Report) AttachAppLog(appLog func(from, to time.Time) []string) {
	attach := func(fs []result.Finding) {
		for i := range fs {
			x := fs[i].Exchange
			if x == nil || x.Started.IsZero() {
				continue
			}
			fs[i].AppLog = appLog(x.Started.Add(-logSlack), x.Started.Add(x.Duration+logSlack))
		}
	}
	for i := range r.Rules {
		attach(r.Rules[i].Findings)
	}
	for i := range r.Scenarios {
		attach(r.Scenarios[i].Findings)
	}
}

// ExitCode is the process exit code for the report: 0 when no check failed
// or was skipped (warnings, N/A, NOT EXERCISED and failures the baseline
// expects allowed), 1 when one failed or was skipped or a baseline entry
// is stale, 130 when the run was cancelled.
func (r *Report) ExitCode() int {
	switch {
	case r.Interrupted:
		return ExitInterrupted
	case r.failsRun():
		return ExitFailed
	}
	return ExitOK
}

// Rule returns the result of one rule.
func (r *Report) Rule(id rules.ID) (RuleResult, bool) {
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

// SummaryLine is "13 rules: 10 passed, 1 failed, 1 warning, 0 skipped, 1
// not exercised"; with a baseline, "… 0 failed, 2 expected failures, …
// (baseline: 3 surfaces expected to fail, 1 stale baseline entry)".
func (r *Report) SummaryLine() string {
	c := r.Counts
	s := fmt.Sprintf("%s: %d passed, %d failed", plural(c.Rules, "rule", "rules"), c.Passed, c.Failed)
	if c.ExpectedFailures > 0 || r.Baseline != nil {
		s += ", " + plural(c.ExpectedFailures, "expected failure", "expected failures")
	}
	s += fmt.Sprintf(", %s, %d skipped", plural(c.Warnings, "warning", "warnings"), c.Skipped)
	if c.NotExercised > 0 {
		s += fmt.Sprintf(", %d not exercised", c.NotExercised)
	}
	if c.NotApplicable > 0 {
		s += fmt.Sprintf(", %d not applicable", c.NotApplicable)
	}
	if b := r.Baseline; b != nil {
		var what []string
		if len(b.Expected) > 0 {
			what = append(what, plural(len(b.Expected), "surface", "surfaces")+" expected to fail")
		}
		if len(b.Stale) > 0 {
			what = append(what, plural(len(b.Stale), "stale baseline entry", "stale baseline entries"))
		}
		if len(what) > 0 {
			s += " (baseline: " + strings.Join(what, ", ") + ")"
		}
	}
	if r.Interrupted {
		s += " (interrupted: what was found so far)"
	}
	return s
}

// maxEcho is how much of a manifest value a report shows.
const maxEcho = 200

// clip shortens a manifest value for a report.
func clip(v string) string {
	if len(v) <= maxEcho {
		return v
	}
	cut := maxEcho - 20
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes)", v[:cut], len(v))
}

// rerun is the command that reruns one rule's checks alone.
func (r *Report) rerun(id rules.ID) string {
	if r.Rerun == "" {
		return ""
	}
	return "  rerun: " + r.Rerun + " --rule " + string(id)
}

// maxShown is how many findings or reasons the text report shows per rule;
// summary.json has them all.
const maxShown = 3

// maxLogShown is how many app log lines the text report shows per finding.
const maxLogShown = 5

// WriteText writes the report for people: a verdict per rule, a line per
// surface where the rule runs on more than the app as a whole, the reasons
// and, for failures, the exchange; then the summary line.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "appcert certify: %s (%s), marketplace at %s, deadline %v, %s\n\n",
		r.App, r.ClientID, r.Marketplace, r.Deadline, r.Duration.Round(time.Millisecond))
	if r.Diagnosis != "" {
		fmt.Fprintf(&b, "Setup: %s\n\n", r.Diagnosis)
	}
	for _, rr := range r.Rules {
		line := fmt.Sprintf("%-13s %-12s  %s", rr.Verdict, rr.ID, rr.Summary)
		if rr.Verdict == Fail {
			line += r.rerun(rr.ID)
		}
		fmt.Fprintln(&b, line)
		// A surface's reasons stand under its line, without the verdict
		// the line says; the rule's own, and those of the app as a whole
		// (which has no line), after the findings.
		reasons := slices.Clone(rr.Reasons)
		for _, sr := range rr.Surfaces {
			expected := ""
			if e, ok := r.Baseline.expects(rr.ID, sr.Surface); ok && sr.Verdict == ExpectedFail {
				expected = " (expected by the baseline: " + e.Reason + ")"
			}
			if sr.Surface == result.App && expected == "" {
				reasons = append(reasons, withoutVerdict(sr.Reasons, rr.Verdict)...)
				continue
			}
			// The rerun command is the rule's: its line has it, once.
			fmt.Fprintf(&b, "    %-13s %s%s%s\n", sr.Verdict, sr.Surface, judgedText(sr), expected)
			writeReasons(&b, withoutVerdict(sr.Reasons, sr.Verdict))
		}
		for i, f := range rr.Findings {
			if i == maxShown {
				fmt.Fprintf(&b, "        … and %d more (summary.json has them all)\n", len(rr.Findings)-maxShown)
				break
			}
			b.WriteString(FindingText(f, "        "))
		}
		writeReasons(&b, reasons)
	}
	if bl := r.Baseline; bl != nil {
		for _, e := range bl.Stale {
			fmt.Fprintf(&b, "\nSTALE baseline entry (%s): %s on %s: %s\n", bl.File, e.Rule, e.Surface, e.Why)
		}
	}
	fmt.Fprintf(&b, "\n%s\n", r.SummaryLine())
	_, err := io.WriteString(w, b.String())
	return err
}

func judgedText(sr result.SurfaceResult) string {
	if sr.Verdict != Pass {
		return ""
	}
	return " (" + SurfaceWhy(sr) + ")"
}

// SurfaceWhy says why a surface has its verdict, in one line after it, as
// the JUnit report and certifytest print it: for a PASS, how many exchanges
// were judged; otherwise its reasons, each "scenario: reason" without the
// verdict the reason repeats when it is the surface's own.
func SurfaceWhy(sr result.SurfaceResult) string {
	if sr.Verdict == Pass {
		return plural(sr.Judged, "exchange", "exchanges") + " judged"
	}
	return strings.Join(withoutVerdict(sr.Reasons, sr.Verdict), "; ")
}

// withoutVerdict is reasons ("scenario: VERDICT: reason") without the
// verdict v, which the line they stand under already says; a reason for
// another verdict keeps its own.
func withoutVerdict(reasons []string, v Verdict) []string {
	own := ": " + string(v) + ": "
	var out []string
	for _, r := range reasons {
		out = append(out, strings.Replace(r, own, ": ", 1))
	}
	return out
}

// writeReasons writes reasons under a rule or surface, at most maxShown.
func writeReasons(b *strings.Builder, reasons []string) {
	for i, reason := range reasons {
		if i == maxShown {
			fmt.Fprintf(b, "        … and %d more\n", len(reasons)-maxShown)
			return
		}
		fmt.Fprintf(b, "        - %s\n", reason)
	}
}

// FindingText is a finding as the text report shows it: "- reason", then
// its scenarios, the request sent, the answer, the app's call and the
// app's log lines, each line after indent.
func FindingText(f result.Finding, indent string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s- %s\n", indent, f.Reason)
	seen := ""
	if f.Seen > 1 {
		seen = fmt.Sprintf(" (seen %d times)", f.Seen)
	}
	fmt.Fprintf(&b, "%s  scenario: %s%s\n", indent, strings.Join(f.Scenarios, "; "), seen)
	if x := f.Exchange; x != nil {
		fmt.Fprintf(&b, "%s  sent:     %s\n", indent, x.Request)
		fmt.Fprintf(&b, "%s  answer:   %s\n", indent, exchangeText(x))
	}
	if f.Call != "" {
		fmt.Fprintf(&b, "%s  call:     %s\n", indent, f.Call)
	}
	for i, line := range f.AppLog {
		if i == maxLogShown {
			fmt.Fprintf(&b, "%s            … %d more lines (summary.json has them)\n", indent, len(f.AppLog)-maxLogShown)
			break
		}
		label := "app log: "
		if i > 0 {
			label = "         "
		}
		fmt.Fprintf(&b, "%s  %s %s\n", indent, label, line)
	}
	return b.String()
}

func exchangeText(x *result.Exchange) string {
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

// WriteFiles writes junit.xml, cucumber.json, summary.json and report.html into dir,
// creating it.
func (r *Report) WriteFiles(dir string) error {
	sum, err := r.JSON()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	page, err := r.HTML()
	if err != nil {
		return err
	}
	for name, data := range map[string][]byte{"junit.xml": r.JUnit, "cucumber.json": r.Cucumber, "summary.json": sum, "report.html": page} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
