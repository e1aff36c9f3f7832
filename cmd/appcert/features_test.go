package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/appcert/appcert/features"
	"github.com/appcert/appcert/rules"
)

func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func featureFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "qa.feature")
	text := `Feature: QA's own
  Background:
    Given the company "Acme" with these people:
      | name  | role  |
      | Alice | admin |
      | Bob   | user  |
    And the app "Deal Insights" is shared in the shared-extensions mode
` + body
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFeatures_ExitCodes(t *testing.T) {
	pass := featureFile(t, `
  Scenario: Bob waits for authorization
    When Alice installs "Deal Insights" for all users
    Then Bob sees "Deal Insights" as "Authorize app"
`)
	fail := featureFile(t, `
  Scenario: Bob is authorized by the admin (he is not)
    When Alice installs "Deal Insights" for all users
    Then Bob sees "Deal Insights" as "Authorized"
`)
	undefined := featureFile(t, `
  Scenario: a step nobody wrote
    Then Bob can see "Deal Insights" as "Authorized"
`)
	bare := featureFile(t, `
  Scenario: a keyword alone
    Given
`)
	cases := []struct {
		name string
		args []string
		code int
		want string // in stdout or stderr
	}{
		{"a scenario without steps", []string{"features", bare}, exitSetup, bare + `:9: the scenario "a keyword alone" has no steps`},
		{"pass", []string{"features", pass}, exitOK, "The scenario passed"},
		{"fail", []string{"features", "--seed", "3", fail}, exitFail, `Bob sees "Deal Insights" as "Authorize app", not "Authorized"`},
		{"undefined", []string{"features", undefined}, exitFail, `Bob sees "Deal Insights" as "Authorize app"`},
		{"bad tags", []string{"features", "--tags", "@a,,@b"}, exitSetup, "bad tag expression"},
		{"bad path", []string{"features", filepath.Join(t.TempDir(), "none.feature")}, exitSetup, "no such file"},
		{"bad format", []string{"features", "--format", "events"}, exitSetup, "unknown format"},
		{"bad flag", []string{"features", "--nope"}, exitSetup, "flag provided but not defined"},
		{"embedded, one rule", []string{"features", "--format", "progress", "--tags", "@PD-SHARE-13"}, exitOK, "The scenario passed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(t, tc.args...)
			if code != tc.code || !strings.Contains(out+errs, tc.want) {
				t.Fatalf("exit %d (want %d); want %q in the output:\n%s\n%s", code, tc.code, tc.want, out, errs)
			}
		})
	}
}

// A CI job cancelled during the suite must not pass: SIGTERM gives 143,
// the scenarios not begun do not run, and the reports say so.
func TestFeatures_AnInterruptedRunExitsWithTheSignalsCode(t *testing.T) {
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(&signalCause{syscall.SIGTERM})
	dir := t.TempDir()
	var out, errb bytes.Buffer
	code := run(ctx, []string{"features", "--format", "progress", "--out", dir, "--tags", "@PD-SHARE-13,@PD-SHARE-06"}, &out, &errb)
	if code != 143 || !strings.Contains(errb.String(), "interrupted (received terminated): 0 of 2 scenarios ran") {
		t.Fatalf("exit %d (want 143); stdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	if !strings.Contains(out.String(), "2 of 2 scenarios did not run") {
		t.Errorf("the summary does not say what did not run:\n%s", out.String())
	}
	cuke, err := os.ReadFile(filepath.Join(dir, "cucumber.json"))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(cuke), `"status":"skipped","error_message":"not run: the run stopped before this step"`); n == 0 || strings.Contains(string(cuke), `"passed"`) {
		t.Errorf("cucumber.json: %d steps say they did not run, or a step passed:\n%.600s", n, cuke)
	}
	junit, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(string(junit), "not run: the run stopped before this scenario started") != 2 {
		t.Errorf("junit.xml does not mark both scenarios not run:\n%s", junit)
	}
}

func TestFeatures_JUnitOnStdoutKeepsTheSummaryOff(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCLI(t, "features", "--format", "junit", "--out", dir, "--tags", "@PD-SHARE-06")
	if code != exitOK || !strings.HasPrefix(strings.TrimSpace(out), "<?xml") || strings.Contains(out, "passed (seed") {
		t.Fatalf("exit %d; stdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	for _, f := range []string{"junit.xml", "cucumber.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestSteps_ListsEveryPhraseWithAnExample(t *testing.T) {
	code, out, _ := runCLI(t, "steps")
	if code != exitOK || !strings.Contains(out, `{person} sees {app} as {text}`) ||
		!strings.Contains(out, `e.g. Bob sees "Deal Insights" as "Authorize app"`) {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	if code, _, _ := runCLI(t, "steps", "--area", "nowhere"); code != exitSetup {
		t.Fatalf("an unknown area: exit %d", code)
	}
}

func TestSteps_ListsReasonsAndStatusesPerMarketplace(t *testing.T) {
	code, out, _ := runCLI(t, "steps", "--reasons", "--statuses")
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	zoom := out[strings.Index(out, "ZOOM (@zoom)"):]
	for _, want := range []string{"PIPEDRIVE (@pipedrive)", "PROCORE (@procore)", `"not the adding admin"`, `"Authorize app"`} {
		if !strings.Contains(out, want) {
			t.Errorf("no %s in:\n%s", want, out)
		}
	}
	if !strings.Contains(zoom, `"not Marketplace:Edit"`) || !strings.Contains(zoom, `"Disabled by admin"`) {
		t.Errorf("Zoom's lists lack its reasons or labels:\n%s", zoom)
	}
	if code, _, _ := runCLI(t, "steps", "--reasons", "--area", "outcomes"); code != exitSetup {
		t.Errorf("--reasons with --area: exit %d", code)
	}
	_, all, _ := runCLI(t, "steps")
	for _, want := range []string{"@procore", "@zoom", "it is refused\n", `note: Zoom only. Declining the confirmation is recorded as a refusal`} {
		if !strings.Contains(all, want) {
			t.Errorf("appcert steps does not show %q", want)
		}
	}
}

func TestRules_ListsScenariosPropertiesAndFaults(t *testing.T) {
	code, out, _ := runCLI(t, "rules")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{
		"PD-SHARE-13  M",
		"Removing the app from a user who authorized it does not uninstall it (marketplace/pipedrive/sharing.feature:",
		"properties: removal-keeps-authorization",
		"PD-SHARE-21  A",
		"app checks: ",
		"(certify/suite/features/",
		"faults:     serve-unshared",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("rules output lacks %q", want)
		}
	}
}

// The project's own catalogue is covered but for the pending list: every
// other M rule has a scenario, every other A rule an app check and a fault,
// and --missing names exactly the pending rules.
func TestRules_MissingNamesOnlyPendingRules(t *testing.T) {
	code, out, _ := runCLI(t, "rules", "--missing")
	pending := rules.PendingRules()
	if len(pending) == 0 {
		if code != exitOK || !strings.Contains(out, "Every rule is covered") {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		return
	}
	if code != exitFail {
		t.Errorf("exit %d with %d pending rules, want %d", code, len(pending), exitFail)
	}
	for _, p := range pending {
		if !strings.Contains(out, string(p.ID)+" ") || !strings.Contains(out, "pending: "+p.Missing) {
			t.Errorf("--missing does not name pending %s:\n%s", p.ID, out)
		}
	}
	if want := fmt.Sprintf("\n%d of %d rules have gaps.", len(pending), len(rules.All())); !strings.Contains(out, want) {
		t.Errorf("--missing lists gaps beyond the pending list:\n%s", out)
	}
}

func TestCoverage_GapNamesWhatIsMissing(t *testing.T) {
	c := coverage{scenarios: map[rules.ID][]features.Scenario{}, checks: map[rules.ID][]features.Scenario{},
		faults: map[rules.ID][]string{"PD-SHARE-21": {"serve-unshared"}}}
	m, _ := rules.Lookup("PD-SHARE-13")
	a, _ := rules.Lookup("PD-SHARE-21")
	b, _ := rules.Lookup("PD-SCOPE-07")
	if g := c.gap(m); g != "no scenario" {
		t.Errorf("M rule without scenario: gap %q", g)
	}
	if g := c.gap(a); g != "no app check" {
		t.Errorf("A rule with a fault, no check: gap %q", g)
	}
	if g := c.gap(b); g != "no app check, no fault" {
		t.Errorf("A rule with nothing: gap %q", g)
	}
	var out strings.Builder
	printGaps(c, []rules.Rule{m, a, b}, &out)
	if !strings.Contains(out.String(), "PD-SHARE-13  M  no scenario") || !strings.Contains(out.String(), "3 of ") {
		t.Fatalf("printGaps:\n%s", out.String())
	}
}
