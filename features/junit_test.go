package features

import (
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appcert/appcert/internal/junit"
)

// The JUnit report is valid against junit.xsd, counts what it lists, names
// each scenario's rule as its class, and says why a scenario failed or
// could not run.
func TestRun_JUnitIsValidWithRulesAndReasons(t *testing.T) {
	p := writeFeature(t, "mixed.feature", background+`
  @PD-SHARE-13
  Scenario: Bob waits for authorization
    When Alice installs "Deal Insights" for all users
    Then Bob sees "Deal Insights" as "Authorize app"

  @PD-SHARE-07
  Scenario: Bob is authorized by the admin's acceptance (he is not)
    When Alice installs "Deal Insights" for all users
    Then Bob sees "Deal Insights" as "Authorized"

  Scenario: a step nobody defined
    Then Bob can see "Deal Insights" as "Authorize app"
`)
	dir := filepath.Join(t.TempDir(), "reports")
	if _, err := Run(context.Background(), RunOptions{Paths: []string{p}, OutDir: dir, Seed: seed(t)}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := junit.Validate(b); err != nil {
		t.Fatalf("junit.xml: %v\n%s", err, b)
	}
	var doc junit.Suites
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Tests != 3 || doc.Failures != 1 || doc.Errors != 1 || doc.Skipped != 0 || len(doc.Suites) != 1 {
		t.Fatalf("counts %d tests, %d failures, %d errors, %d skipped:\n%s", doc.Tests, doc.Failures, doc.Errors, doc.Skipped, b)
	}
	byClass := map[string]junit.Case{}
	for _, c := range doc.Suites[0].Cases {
		byClass[c.Classname] = c
		if c.Time < 0 {
			t.Errorf("%s: negative time", c.Name)
		}
	}
	if c := byClass["PD-SHARE-13"]; c.Failure != nil || c.Error != nil || c.Skipped != nil || !strings.Contains(c.Name, "Bob waits for authorization (") {
		t.Errorf("the passing scenario: %+v", c)
	}
	if c := byClass["PD-SHARE-07"]; c.Failure == nil || !strings.Contains(c.Failure.Text, `Bob sees "Deal Insights" as "Authorize app", not "Authorized"`) {
		t.Errorf("the failing scenario: %+v", c)
	}
	if c := byClass["QA's own"]; c.Error == nil || c.Error.Type != "undefined" || !strings.Contains(c.Error.Message, "Bob can see") {
		t.Errorf("the undefined step: %+v", c)
	}
}

// The whole embedded suite's report: valid, one testcase per scenario.
func TestRun_EmbeddedSuiteJUnitIsValid(t *testing.T) {
	dir := t.TempDir()
	rep, err := Run(context.Background(), RunOptions{OutDir: dir, Seed: seed(t)})
	if err != nil || !rep.OK() {
		t.Fatalf("%v; %d failures", err, len(rep.Failures))
	}
	b, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := junit.Validate(b); err != nil {
		t.Fatal(err)
	}
	var doc junit.Suites
	if err := xml.Unmarshal(b, &doc); err != nil || doc.Tests != rep.Scenarios || doc.Failures+doc.Errors+doc.Skipped != 0 {
		t.Fatalf("%v: %d tests for %d scenarios", err, doc.Tests, rep.Scenarios)
	}
}
