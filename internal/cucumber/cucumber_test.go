package cucumber

import (
	"encoding/json"
	"strings"
	"testing"
)

const report = `[{"uri":"a.feature","elements":[
 {"name":"failing","type":"scenario","line":2,"steps":[
  {"keyword":"Given ","name":"one","line":3,"result":{"status":"passed","duration":505509}},
  {"keyword":"When ","name":"two","line":4,"result":{"status":"failed","error_message":"boom","duration":12}},
  {"keyword":"Then ","name":"three","line":5,"result":{"status":"skipped"}}]},
 {"name":"row","type":"scenario","line":9,"steps":[
  {"keyword":"Given ","name":"one","line":7,"result":{"status":"skipped"}}]},
 {"name":"row","type":"scenario","line":10,"steps":[
  {"keyword":"Given ","name":"one","line":7,"result":{"status":"skipped","error_message":"kept"}},
  {"keyword":"Then ","name":"undef","line":8,"result":{"status":"undefined"}},
  {"keyword":"And ","name":"after","line":9,"result":{"status":"skipped"}}]}]}]`

func errorMessages(t *testing.T, doc []byte) []string {
	t.Helper()
	var fs []struct {
		Elements []struct {
			Steps []struct {
				Result struct {
					Status       string `json:"status"`
					ErrorMessage string `json:"error_message"`
					Duration     int64  `json:"duration"`
				} `json:"result"`
			} `json:"steps"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(doc, &fs); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range fs {
		for _, e := range f.Elements {
			for _, s := range e.Steps {
				out = append(out, s.Result.Status+": "+s.Result.ErrorMessage)
			}
		}
	}
	return out
}

func TestAddSkipReasons_NamesTheStepBeforeOrTheScenarioReason(t *testing.T) {
	var asked []Scenario
	got, err := AddSkipReasons([]byte(report), func(s Scenario) string {
		asked = append(asked, s)
		return "the check was decided (row " + string(rune('0'+s.Nth)) + ")"
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"passed: ",
		"failed: boom",
		"skipped: an earlier step failed: When two (line 4)",
		"skipped: the check was decided (row 0)",
		"skipped: kept",
		"undefined: ",
		"skipped: an earlier step is undefined: Then undef (line 8)",
	}
	if m := errorMessages(t, got); strings.Join(m, "\n") != strings.Join(want, "\n") {
		t.Errorf("steps:\n%s\nwant:\n%s", strings.Join(m, "\n"), strings.Join(want, "\n"))
	}
	if len(asked) != 1 || asked[0] != (Scenario{URI: "a.feature", Name: "row", Nth: 0}) {
		t.Errorf("asked about %v; want the first row alone", asked)
	}
	if !strings.Contains(string(got), `"duration":505509`) {
		t.Errorf("a duration lost its value:\n%s", got)
	}
}

func TestAddSkipReasons_RefusesWhatIsNotAReport(t *testing.T) {
	if _, err := AddSkipReasons([]byte(`[{"status": "skipped"`), nil); err == nil {
		t.Error("took a broken document")
	}
}

func TestAddSkipReasons_LeavesAReportWithoutSkipsAsItWas(t *testing.T) {
	doc := []byte("[\n    {\"uri\": \"a.feature\", \"elements\": [{\"steps\": [{\"result\": {\"status\": \"passed\"}}]}]}\n]")
	got, err := AddSkipReasons(doc, nil)
	if err != nil || string(got) != string(doc) {
		t.Errorf("got %s, %v; want the document unchanged", got, err)
	}
}

// A failure the baseline expects is no red step: the failed step is
// skipped saying it is an expected failure, why and what failed, and the
// steps after it say what they follow; a scenario not expected keeps its
// failure.
func TestMarkExpected_SkipsExpectedFailuresSayingWhy(t *testing.T) {
	withReasons, err := AddSkipReasons([]byte(report), nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := MarkExpected(withReasons, func(s Scenario) string {
		if s.Name == "failing" {
			return "token checks land in 2.4"
		}
		return ""
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"passed: ",
		"skipped: expected failure: token checks land in 2.4: boom",
		"skipped: an earlier step is an expected failure (token checks land in 2.4): When two (line 4)",
		"skipped: the step before it ended the scenario",
		"skipped: kept",
		"undefined: ",
		"skipped: an earlier step is undefined: Then undef (line 8)",
	}
	if m := errorMessages(t, got); strings.Join(m, "\n") != strings.Join(want, "\n") {
		t.Errorf("steps:\n%s\nwant:\n%s", strings.Join(m, "\n"), strings.Join(want, "\n"))
	}
	if !strings.Contains(string(got), `"duration":12`) {
		t.Errorf("the failed step's duration was lost:\n%s", got)
	}
	// Nothing expected: the failure stays.
	kept, err := MarkExpected(withReasons, func(Scenario) string { return "" })
	if err != nil || !strings.Contains(strings.Join(errorMessages(t, kept), "\n"), "failed: boom") {
		t.Errorf("a failure no baseline expects changed: %v\n%s", err, kept)
	}
}
