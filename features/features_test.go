package features

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/appcert/appcert/internal/cucumber"
	"github.com/appcert/appcert/reference/scopes"
	"github.com/appcert/appcert/rules"
)

// seed is the scenario order: APPCERT_FEATURES_SEED reproduces a failing
// order, otherwise each run picks a new one (and logs it).
func seed(t *testing.T) int64 {
	t.Helper()
	s := os.Getenv("APPCERT_FEATURES_SEED")
	if s == "" {
		return 0
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n == 0 {
		t.Fatalf("APPCERT_FEATURES_SEED=%q: want a non-zero integer", s)
	}
	return n
}

func TestFeatures_Marketplace(t *testing.T) {
	var out bytes.Buffer
	rep, err := Run(context.Background(), RunOptions{Format: "progress", Out: &out, Seed: seed(t), TestingT: t})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d scenarios, seed %d (rerun this order with APPCERT_FEATURES_SEED=%d), %s",
		rep.Scenarios, rep.Seed, rep.Seed, rep.Elapsed)
	if !rep.OK() {
		var sum bytes.Buffer
		rep.Summary(&sum)
		t.Errorf("the marketplace suite failed:\n%s", sum.String())
	}
}

func TestFeatures_EveryMarketplaceRuleHasAScenario(t *testing.T) {
	ss, err := MarketplaceScenarios()
	if err != nil {
		t.Fatal(err)
	}
	by := ByRule(ss)
	for _, r := range rules.MarketplaceRules() {
		if len(by[r.ID]) == 0 && !rules.IsPending(r.ID) {
			t.Errorf("%s (%s) has no scenario in features/marketplace", r.ID, r.Group)
		}
	}
}

func TestFeatures_TagsNameCatalogueRules(t *testing.T) {
	ss, err := MarketplaceScenarios()
	if err != nil {
		t.Fatal(err)
	}
	if len(ss) == 0 {
		t.Fatal("no embedded scenarios")
	}
	for _, s := range ss {
		for _, tag := range s.Tags {
			id := strings.TrimPrefix(tag, "@")
			if looksLikeRule(id) && !rules.Valid(rules.ID(id)) {
				t.Errorf("%s:%d %q is tagged %s, which is not in the rule catalogue", s.File, s.Line, s.Name, tag)
			}
		}
		if len(s.Rules()) == 0 {
			t.Errorf("%s:%d %q is tagged with no rule", s.File, s.Line, s.Name)
		}
	}
}

// looksLikeRule tells a rule ID (PD-SHARE-13, X-01, ZM-07) from other tags
// (@assumed, @pipedrive).
func looksLikeRule(tag string) bool {
	i := strings.LastIndex(tag, "-")
	if i <= 0 || tag != strings.ToUpper(tag) {
		return false
	}
	_, err := strconv.Atoi(tag[i+1:])
	return err == nil
}

func TestFeatures_AssumedRulesAreTaggedAssumed(t *testing.T) {
	ss, err := MarketplaceScenarios()
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range ss {
		assumed := false
		for _, tag := range s.Tags {
			assumed = assumed || tag == "@assumed"
		}
		for _, id := range s.Rules() {
			if r, _ := rules.Lookup(id); r.Assumed && !assumed {
				t.Errorf("%s:%d %q covers %s, which the catalogue marks assumed, but is not tagged @assumed", s.File, s.Line, s.Name, id)
			}
		}
	}
}

// writeFeature writes a feature file into a temporary folder.
func writeFeature(t *testing.T, name, text string) string {
	t.Helper()
	dir := t.TempDir()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const background = `Feature: QA's own
  Background:
    Given the company "Acme" with these people:
      | name  | role  |
      | Alice | admin |
      | Bob   | user  |
    And the app "Deal Insights" is shared in the shared-extensions mode
`

func TestRun_AWrongExpectationFailsReadably(t *testing.T) {
	p := writeFeature(t, "wrong.feature", background+`
  @PD-SHARE-07
  Scenario: Bob is authorized by the admin's acceptance (he is not)
    When Alice installs "Deal Insights" for all users
    Then Bob sees "Deal Insights" as "Authorized"
`)
	rep, err := Run(context.Background(), RunOptions{Paths: []string{p}, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || len(rep.Failures) != 1 {
		t.Fatalf("report %+v; want one failure", rep)
	}
	if f := rep.Failures[0].File; f != p+":10" {
		t.Errorf("the failure is placed at %s, want %s:10", f, p)
	}
	var sum bytes.Buffer
	rep.Summary(&sum)
	for _, want := range []string{
		"1 of 1 scenarios failed",
		"Bob is authorized by the admin's acceptance",
		"PD-SHARE-07",
		`Then Bob sees "Deal Insights" as "Authorized"`[5:],
		`Bob sees "Deal Insights" as "Authorize app", not "Authorized"`,
		"--seed 7",
	} {
		if !strings.Contains(sum.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, sum.String())
		}
	}
}

func TestRun_UndefinedStepSuggestsTheNearest(t *testing.T) {
	p := writeFeature(t, "undefined.feature", background+`
  Scenario: a step nobody defined
    When Alice installs "Deal Insights" for all users
    Then Bob can see "Deal Insights" as "Authorize app"
`)
	rep, err := Run(context.Background(), RunOptions{Paths: []string{p}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || len(rep.Undefined) != 1 {
		t.Fatalf("report %+v; want one undefined step", rep)
	}
	u := rep.Undefined[0]
	if u.Step != `Bob can see "Deal Insights" as "Authorize app"` || len(u.Nearest) == 0 ||
		u.Nearest[0] != `Bob sees "Deal Insights" as "Authorize app"` {
		t.Fatalf("undefined = %+v; want the status step first", u)
	}
}

func TestRun_AnUncheckedRefusalFails(t *testing.T) {
	p := writeFeature(t, "refused.feature", background+`
  Scenario: the refusal is never checked
    When Bob installs "Deal Insights" for all users
`)
	rep, err := Run(context.Background(), RunOptions{Paths: []string{p}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || len(rep.Failures) != 1 || !strings.Contains(rep.Failures[0].Message, `refused because "not admin"`) {
		t.Fatalf("report %+v; want the unchecked refusal reported", rep)
	}
}

func TestRun_AScenarioWithoutStepsIsAUsageErrorNamingTheLine(t *testing.T) {
	cases := map[string]struct{ text, want string }{
		"no steps":  {"Feature: x\n\n  Scenario: empty\n\n  Scenario: fine\n    Given the app \"A\" is listed\n", ":3: the scenario \"empty\" has no steps"},
		"bare":      {"Feature: x\n  Scenario: bare\n    Given\n", ":2: the scenario \"bare\" has no steps"},
		"no text":   {"Feature: x\n  Scenario: blank\n    Given the app \"A\" is listed\n    When \n", ":4: a \"When\" with no step after it"},
		"in a rule": {"Feature: x\n  Rule: r\n    Scenario: empty\n", ":3: the scenario \"empty\" has no steps"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p := writeFeature(t, "bad.feature", c.text)
			_, err := Run(context.Background(), RunOptions{Paths: []string{p}})
			var ue *UsageError
			if !errors.As(err, &ue) || !strings.Contains(ue.Msg, p+c.want) {
				t.Fatalf("err = %v; want a usage error saying %q", err, p+c.want)
			}
		})
	}
}

func TestRun_ConsoleNamesStepsByPhraseAndShowsNoGoSnippets(t *testing.T) {
	p := writeFeature(t, "console.feature", background+`
  Scenario: one step defined, one not
    When Alice installs "Deal Insights" for all users
    Then Alice frobnicates "Deal Insights"
`)
	for _, format := range []string{"pretty", "progress"} {
		var out bytes.Buffer
		rep, err := Run(context.Background(), RunOptions{Paths: []string{p}, Format: format, Out: &out})
		if err != nil {
			t.Fatal(err)
		}
		if len(rep.Undefined) != 1 {
			t.Fatalf("%s: report %+v; want one undefined step", format, rep)
		}
		for _, bad := range []string{"makeFuncStub", "func ", "godog.ErrPending", "ctx.Step(", snippetStart} {
			if strings.Contains(out.String(), bad) {
				t.Errorf("%s output shows %q:\n%s", format, bad, out.String())
			}
		}
		if format == "pretty" && !strings.Contains(out.String(), "# {person} [installs|has installed] {app} for {access}{email}") {
			t.Errorf("pretty output does not name the step by its phrase:\n%s", out.String())
		}
	}
}

func TestConsole_PassesEverythingElseThrough(t *testing.T) {
	var out bytes.Buffer
	c := &console{out: &out}
	text := "Feature: x\n  Scenario: y # a.feature:2\n    When Bob x # steps.go:1 -> reflect.makeFuncStub\nlast"
	for i := range len(text) { // godog writes a byte at a time
		c.Write([]byte{text[i]})
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "Feature: x\n  Scenario: y # a.feature:2\n    When Bob x \nlast"
	if out.String() != want {
		t.Fatalf("got %q, want %q", out.String(), want)
	}
}

func TestRun_UsageErrors(t *testing.T) {
	good := writeFeature(t, "good.feature", background+`
  Scenario: fine
    Then Bob does not have "Deal Insights"
`)
	bad := writeFeature(t, "bad.feature", "Feature: x\n  Scenario: y\n    Given a step\n      | a | b |\n      | c |\n")
	txt := writeFeature(t, "notes.txt", "hello")
	cases := []struct {
		name string
		opts RunOptions
	}{
		{"empty tag", RunOptions{Tags: "@PD-SHARE-01,,@PD-SHARE-02"}},
		{"dangling and", RunOptions{Tags: "@PD-SHARE-01 &&"}},
		{"junk tag", RunOptions{Tags: "@PD SHARE"}},
		{"no match", RunOptions{Tags: "@no-such-tag"}},
		{"format", RunOptions{Format: "events"}},
		{"missing path", RunOptions{Paths: []string{filepath.Join(t.TempDir(), "nope.feature")}}},
		{"not a feature file", RunOptions{Paths: []string{txt}}},
		{"bad gherkin", RunOptions{Paths: []string{bad}}},
		{"empty folder", RunOptions{Paths: []string{t.TempDir()}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Run(context.Background(), tc.opts)
			var ue *UsageError
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v; want a usage error", err)
			}
		})
	}
	if rep, err := Run(context.Background(), RunOptions{Paths: []string{good}}); err != nil || !rep.OK() {
		t.Fatalf("a good file: %+v, %v", rep, err)
	}
}

func TestRun_WritesReportFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports")
	rep, err := Run(context.Background(), RunOptions{Tags: "@PD-SHARE-13", OutDir: dir})
	if err != nil || !rep.OK() {
		t.Fatalf("%+v, %v", rep, err)
	}
	for _, name := range []string{"junit.xml", "cucumber.json"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Contains(b, []byte("Removing the app from a user who authorized it")) {
			t.Errorf("%s: %v, %.200s", name, err, b)
		}
	}
}

// pickleSteps returns the step texts of every scenario (each example row of
// an outline is its own) of the embedded feature file at path.
func pickleSteps(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := FS.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ids := (&messages.Incrementing{}).NewId
	doc, err := gherkin.ParseGherkinDocument(f, ids)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for _, p := range gherkin.Pickles(*doc, path, ids) {
		var ss []string
		for _, s := range p.Steps {
			ss = append(ss, s.Text)
		}
		out = append(out, ss)
	}
	return out
}

func anyPickleHas(pickles [][]string, texts ...string) bool {
	for _, p := range pickles {
		found := 0
		for _, want := range texts {
			for _, s := range p {
				if strings.Contains(s, want) {
					found++
					break
				}
			}
		}
		if found == len(texts) {
			return true
		}
	}
	return false
}

// The cases of seed 002 and 000: one example per scope, and every
// extension kind in both sharing modes.
func TestFeatures_OutlinesCoverEveryCase(t *testing.T) {
	sc := pickleSteps(t, "marketplace/pipedrive/scopes.feature")
	for _, s := range scopes.Catalogue() {
		if !anyPickleHas(sc, `requests the scopes "`+s.Name+`"`, `under the scope "`+s.Name+`"`, "may not call") {
			t.Errorf("no scenario shows the scope %s granting one endpoint and denying another", s.Name)
		}
	}
	ext := pickleSteps(t, "marketplace/pipedrive/users.feature")
	for _, mode := range []string{"add-to-account", "shared-extensions"} {
		for _, kind := range []string{"link action", "JSON panel", "JSON modal", "custom UI panel", "custom UI modal",
			"custom UI floating window", "apps-dock floating window", "custom UI settings page", "messaging extension"} {
			if !anyPickleHas(ext, "is shared in the "+mode+" mode", "Bob's "+kind+" of") {
				t.Errorf("no scenario shows the %s in the %s mode", kind, mode)
			}
		}
	}
}

// A step skipped after a failure says which step failed, in the Cucumber
// JSON's error_message, where CI viewers show it.
func TestRun_CucumberJSONSaysWhyAStepWasSkipped(t *testing.T) {
	dir := t.TempDir()
	feature := filepath.Join(dir, "skip.feature")
	text := "Feature: skip\n  Scenario: a refused install stops the scenario\n" +
		"    Given the company \"Acme\" with these people:\n      | name  | role  |\n      | Alice | admin |\n" +
		"    When Alice installs \"Nope\" for all users\n    Then Alice sees \"Nope\" as \"Authorized\"\n"
	if err := os.WriteFile(feature, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	if _, err := Run(context.Background(), RunOptions{Paths: []string{feature}, OutDir: out}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "cucumber.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := `an earlier step failed: When Alice installs \"Nope\" for all users (line 6)`
	if !bytes.Contains(b, []byte(want)) {
		t.Errorf("cucumber.json lacks the skip reason %s:\n%s", want, b)
	}
}

// The marketplace suite with its report files, as `appcert features --out
// DIR` runs it, less the console.
func BenchmarkRun_MarketplaceSuiteWithReports(b *testing.B) {
	dir := b.TempDir()
	for b.Loop() {
		rep, err := Run(context.Background(), RunOptions{OutDir: dir, Format: "progress"})
		if err != nil || !rep.OK() {
			b.Fatalf("%v: %+v", err, rep.Failures)
		}
	}
}

// BenchmarkRun_MarketplaceSuitePrettyWithReports is "appcert features
// --out DIR": the pretty console report, without colours, and the files.
// The command's goal is under 0.5 s of CPU, process start included; the
// README says how to measure it.
func BenchmarkRun_MarketplaceSuitePrettyWithReports(b *testing.B) {
	dir := b.TempDir()
	for b.Loop() {
		rep, err := Run(context.Background(), RunOptions{OutDir: dir, Format: "pretty", Out: io.Discard})
		if err != nil || !rep.OK() {
			b.Fatalf("%v: %+v", err, rep.Failures)
		}
	}
}

// cucumber.json is written by appcert (cucumber.Write), from what the run
// recorded: it must be the document godog's own formatter writes for the
// same run, but for the steps' durations (each is timed on its own clock)
// and the definitions' locations (godog names the one line every phrase is
// registered from; appcert names the phrase).
func TestRun_CucumberIsWhatGodogWrites(t *testing.T) {
	p := writeFeature(t, "cuke.feature", "# a comment godog keeps\n@qa\n"+background+`
  @PD-SHARE-07
  Scenario: passes
    When Alice installs "Deal Insights" for all users
    Then Bob sees "Deal Insights" as "Authorize app"

  Scenario: a wrong expectation, then a skipped step
    When Alice installs "Deal Insights" for all users
    Then Bob sees "Deal Insights" as "Authorized"
    And Alice sees "Deal Insights" as "Authorized"

  Scenario: an undefined step, then a skipped one
    When Alice frobnicates "Deal Insights"
    Then Bob sees "Deal Insights" as "Authorize app"

  Scenario: a refusal nobody checks fails after the last step
    When Bob installs "Deal Insights" for all users

  Scenario Outline: rows
    When Alice installs "Deal Insights" for <who>
    Then Bob sees "Deal Insights" as "<label>"

    @rows
    Examples: the users
      | who       | label         |
      | all users | Authorize app |
      | Bob       | Authorize app |

  Rule: a rule
    Scenario: in a rule
      Then Bob sees "Deal Insights" as "Install"
`)
	// A comma in the folder's name is fine: only godog's formatter
	// options are split at commas, and appcert writes the files itself.
	dir := filepath.Join(t.TempDir(), "reports,today")
	godogs := filepath.Join(t.TempDir(), "godog.json")
	rep, err := Run(context.Background(), RunOptions{Paths: []string{p}, OutDir: dir, Format: "progress", godogCucumber: godogs, Seed: seed(t)})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Passed == 0 || rep.Passed == rep.Scenarios {
		t.Fatalf("report %+v; want passed and failed scenarios", rep)
	}
	read := func(path string) []any {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		// godog's file goes through the same skip reasons as appcert's.
		b, err = cucumber.AddSkipReasons(b, nil)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var doc []any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		statuses := map[string]int{}
		for _, f := range doc {
			for _, e := range f.(map[string]any)["elements"].([]any) {
				for _, s := range e.(map[string]any)["steps"].([]any) {
					s := s.(map[string]any)
					res := s["result"].(map[string]any)
					statuses[res["status"].(string)]++
					if _, ok := res["duration"]; ok {
						res["duration"] = "timed"
					}
					m := s["match"].(map[string]any)
					if loc, _ := m["location"].(string); loc != "" && !strings.HasPrefix(loc, p) {
						m["location"] = "a definition"
					}
				}
			}
		}
		for _, st := range []string{"passed", "failed", "skipped", "undefined"} {
			if statuses[st] == 0 {
				t.Errorf("%s has no %s step: %v", path, st, statuses)
			}
		}
		return doc
	}
	want, got := read(godogs), read(filepath.Join(dir, "cucumber.json"))
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("appcert's cucumber.json differs from godog's:\n%s", lineDiff(string(g), string(w)))
	}
}

// lineDiff shows the first lines where got and want differ.
func lineDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			lo, hi := max(0, i-8), min(len(w), i+4)
			return fmt.Sprintf("line %d: got %q, want %q; godog's around it:\n%s", i+1, gl, wl, strings.Join(w[lo:hi], "\n"))
		}
	}
	return "(same lines)"
}
