package certify_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/appcert/appcert/certify"
	"github.com/appcert/appcert/certify/baseline"
	"github.com/appcert/appcert/fakes/app"
	"github.com/appcert/appcert/internal/junit"
	"github.com/appcert/appcert/reference"
)

// chromium finds a headless-capable Chromium, or skips the test saying
// how to get one.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium on this machine (apt-get install chromium; .ci/run installs it): the HTML report is not rendered")
	return ""
}

// headless runs Chromium on a local page with no network and a fresh
// profile, and returns what it printed.
func headless(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + t.TempDir()}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
	}
	return out
}

// artifacts is where CI keeps what the tests leave for people to look at.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("APPCERT_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join("..", "out", "ci-artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// summarySchema compiles summary.schema.json.
func summarySchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	s, err := c.Compile("summary.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// validSummary checks summary.json against its schema.
func validSummary(t *testing.T, data []byte) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if err := summarySchema(t).Validate(v); err != nil {
		t.Errorf("summary.json does not follow summary.schema.json: %v", err)
	}
}

const gateBaseline = `expected_failures:
  - rule: PD-EXT-02
    surface: json_panel
    reason: token checks for panels land next release
  - rule: PD-EXT-04
    surface: json_panel
    reason: fixed long ago, entry never removed
`

// The CI gate end to end: a run with one fault (skip-jwt, which breaks
// PD-EXT-02 on both surfaces), a baseline that expects its JSON panel
// failure, and a stale entry for a check that passes. The run fails (the
// link action's failure is not expected, the stale entry fails too); the
// JUnit is valid with the counts that say so; summary.json follows its
// schema; the HTML page, rendered by Chromium, shows the failing rule as
// failed with its reason.
func TestReport_GateWithAFaultABaselineAndAStaleEntry(t *testing.T) {
	// The panel and the link action only: the baseline below speaks of them.
	rep, err := certify.Demo(context.Background(), certify.Options{}, certify.DemoOptions{Faults: []app.Fault{app.FaultSkipJWT},
		Kinds: []reference.ExtensionKind{reference.JSONPanel, reference.LinkAction}})
	if err != nil {
		t.Fatal(err)
	}
	bl, err := baseline.Parse([]byte(gateBaseline))
	if err != nil {
		t.Fatal(err)
	}
	if err := rep.ApplyBaseline("baseline.yaml", bl, time.Now()); err != nil {
		t.Fatal(err)
	}
	if rep.ExitCode() != certify.ExitFailed || len(rep.Baseline.Expected) != 1 || len(rep.Baseline.Stale) != 1 ||
		rep.Baseline.Stale[0].Rule != "PD-EXT-04" || !strings.Contains(rep.Baseline.Stale[0].Why, "no longer fails") {
		t.Fatalf("exit %d, baseline %+v", rep.ExitCode(), rep.Baseline)
	}
	if !strings.Contains(rep.SummaryLine(), "1 failed, 0 expected failures") || !strings.Contains(rep.SummaryLine(), "(baseline: 1 surface expected to fail, 1 stale baseline entry)") {
		t.Errorf("summary line %q", rep.SummaryLine())
	}

	// JUnit: valid, a case per rule and surface, counts that agree.
	if err := junit.Validate(rep.JUnit); err != nil {
		t.Fatalf("junit.xml: %v", err)
	}
	var doc junit.Suites
	if err := xml.Unmarshal(rep.JUnit, &doc); err != nil {
		t.Fatal(err)
	}
	cases := map[string]junit.Case{}
	wantTests := 1 // the stale entry
	for _, rr := range rep.Rules {
		wantTests += max(len(rr.Surfaces), 1)
	}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			cases[c.Classname+" "+c.Name] = c
		}
	}
	if doc.Tests != wantTests || len(cases) != wantTests || doc.Failures != 2 || doc.Errors != 0 {
		t.Errorf("junit: %d tests (want %d), %d failures (want 2), %d errors", doc.Tests, wantTests, doc.Failures, doc.Errors)
	}
	if c := cases["PD-EXT-02 PD-EXT-02 on json_panel"]; c.Skipped == nil || !strings.Contains(c.Skipped.Message, "expected failure (baseline: token checks for panels land next release)") {
		t.Errorf("the expected failure: %+v", c)
	}
	if c := cases["PD-EXT-02 PD-EXT-02 on link_action"]; c.Failure == nil || !strings.Contains(c.Failure.Text, "sent:") || !strings.Contains(c.Failure.Text, "answer:") {
		t.Errorf("the link action's failure lacks its exchange: %+v", c)
	}
	if c := cases["baseline PD-EXT-04 on json_panel"]; c.Failure == nil || !strings.Contains(c.Failure.Message, "stale baseline entry: no longer fails") {
		t.Errorf("the stale entry: %+v", c)
	}

	// summary.json: its schema, and the baseline in it.
	dir := t.TempDir()
	if err := rep.WriteFiles(dir); err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	validSummary(t, sum)
	if !bytes.Contains(sum, []byte(`"schema_version": "1"`)) || !bytes.Contains(sum, []byte(`"stale": [`)) {
		t.Errorf("summary.json lacks schema_version or the baseline:\n%.400s", sum)
	}

	// The same failures all expected, nothing stale: the gate passes.
	all, _ := baseline.Parse([]byte(strings.Replace(gateBaseline, "PD-EXT-04\n    surface: json_panel", "PD-EXT-02\n    surface: link_action", 1)))
	if err := rep.ApplyBaseline("baseline.yaml", all, time.Now()); err != nil {
		t.Fatal(err)
	}
	if rep.ExitCode() != certify.ExitOK {
		t.Errorf("every failure expected: exit %d (%s)", rep.ExitCode(), rep.SummaryLine())
	}
	expectedEverywhere(t, rep)

	// The page, as Chromium renders it.
	bin := chromium(t)
	page := filepath.Join(dir, "report.html")
	dom := string(headless(t, bin, "--dump-dom", "file://"+page))
	row := regexp.MustCompile(`(?s)<tr id="row-PD-EXT-02">.*?</tr>`).FindString(dom)
	if !strings.Contains(row, `class="v v-fail">FAIL</td>`) || !strings.Contains(row, "EXPECTED FAIL</span> json_panel") {
		t.Errorf("the verdict table's PD-EXT-02 row is not shown failed:\n%s", row)
	}
	section := regexp.MustCompile(`(?s)<section class="rule" id="PD-EXT-02">.*?</section>`).FindString(dom)
	reason := rep.Rules[ruleIndex(rep, "PD-EXT-02")].Findings[0].Reason
	if !strings.Contains(section, "FAIL") || !strings.Contains(section, htmlEscape(reason)) || !strings.Contains(section, "[redacted]") {
		t.Errorf("the PD-EXT-02 section lacks FAIL, the reason %q or a redacted exchange:\n%.2000s", reason, section)
	}
	shot := filepath.Join(artifacts(t), "report.png")
	headless(t, bin, "--screenshot="+shot, "--window-size=1280,2400", "file://"+page)
	if fi, err := os.Stat(shot); err != nil || fi.Size() < 1000 {
		t.Errorf("screenshot %s: %v", shot, err)
	}
	t.Logf("screenshot of the report page: %s", shot)
}

// expectedEverywhere checks that a report whose every failure the
// baseline expects (PD-EXT-02's, here) says so the same way in the text,
// summary.json, junit.xml, report.html and cucumber.json: an expected
// failure, counted apart from the failed, and no failure left anywhere.
func expectedEverywhere(t *testing.T, rep *certify.Report) {
	t.Helper()
	r := rep.Rules[ruleIndex(rep, "PD-EXT-02")]
	if r.Verdict != certify.ExpectedFail || len(r.Findings) == 0 {
		t.Errorf("PD-EXT-02 is %s with %d findings; want EXPECTED FAIL, its findings shown", r.Verdict, len(r.Findings))
	}
	for _, s := range r.Surfaces {
		if s.Verdict != certify.ExpectedFail {
			t.Errorf("PD-EXT-02 on %s is %s, want EXPECTED FAIL", s.Surface, s.Verdict)
		}
	}
	if rep.Counts.Failed != 0 || rep.Counts.ExpectedFailures != 1 {
		t.Errorf("counts %+v; want 0 failed, 1 expected failure", rep.Counts)
	}
	var text strings.Builder
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(text.String(), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "FAIL ") || strings.Contains(line, "rerun:") {
			t.Errorf("the text still shows a failure: %q", line)
		}
	}
	for _, want := range []string{"EXPECTED FAIL PD-EXT-02", "EXPECTED FAIL json_panel (expected by the baseline: token checks for panels land next release)", "0 failed, 1 expected failure,"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the text lacks %q:\n%s", want, text.String())
		}
	}
	sum, err := rep.JSON()
	if err != nil {
		t.Fatal(err)
	}
	validSummary(t, sum)
	if !bytes.Contains(sum, []byte(`"verdict": "EXPECTED FAIL"`)) || !bytes.Contains(sum, []byte(`"expected_failures": 1`)) || !bytes.Contains(sum, []byte(`"failed": 0`)) {
		t.Errorf("summary.json does not say expected failure:\n%.1500s", sum)
	}
	var doc junit.Suites
	if err := xml.Unmarshal(rep.JUnit, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Failures != 0 || doc.Errors != 0 || !bytes.Contains(rep.JUnit, []byte("expected failure (baseline: ")) {
		t.Errorf("junit.xml: %d failures, %d errors; want none, the expected failures skipped as such", doc.Failures, doc.Errors)
	}
	page, err := rep.HTML()
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`(?s)<tr id="row-PD-EXT-02">.*?</tr>`).FindString(string(page))
	if !strings.Contains(row, `class="v v-expected-fail">EXPECTED FAIL</td>`) || strings.Contains(row, ">FAIL<") {
		t.Errorf("report.html's PD-EXT-02 row:\n%s", row)
	}
	if bytes.Contains(rep.Cucumber, []byte(`"status":"failed"`)) || !bytes.Contains(rep.Cucumber, []byte("expected failure: token checks for panels land next release")) {
		t.Errorf("cucumber.json still has failed steps, or no expected failure saying why:\n%.3000s", rep.Cucumber)
	}
}

func ruleIndex(rep *certify.Report, id string) int {
	for i, rr := range rep.Rules {
		if string(rr.ID) == id {
			return i
		}
	}
	return -1
}

// htmlEscape is how Chromium serializes text: <, > and & escaped,
// quotes left.
func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// The page stands alone: no script, and nothing it would load from
// anywhere (links only within the page).
func TestReport_HTMLIsSelfContained(t *testing.T) {
	rep, err := certify.Demo(context.Background(), certify.Options{Tags: "@PD-EXT-02"}, certify.DemoOptions{Faults: []app.Fault{app.FaultSkipJWT}})
	if err != nil {
		t.Fatal(err)
	}
	page, err := rep.HTML()
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "<link", "<img", "<iframe", "@import", "url("} {
		if bytes.Contains(page, []byte(bad)) {
			t.Errorf("the page has %s", bad)
		}
	}
	for _, m := range regexp.MustCompile(`(?:href|src)="([^"]*)"`).FindAllStringSubmatch(string(page), -1) {
		if !strings.HasPrefix(m[1], "#") {
			t.Errorf("the page refers to %s", m[1])
		}
	}
	if !bytes.Contains(page, []byte(`default-src 'none'`)) {
		t.Error("the page does not forbid loading anything")
	}
}
