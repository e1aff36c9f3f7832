// Package cucumber adds to godog's Cucumber JSON what it leaves out: why
// each skipped step did not run, and which failures a baseline expects.
// CI viewers show a step's error_message, so a skipped step carries its
// reason there.
package cucumber

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
)

// Scenario names one scenario of the report, for a Reasons function.
type Scenario struct {
	URI  string // the feature file, as godog names it
	Name string
	// Nth counts the scenarios of the same file and name before this one
	// (the rows of a Scenario Outline), from 0, in file order.
	Nth int
}

// Reasons says why a scenario's steps were skipped when no step of it
// failed before them (the steps stopped the scenario on purpose); "" is
// "skipped by the step before it".
type Reasons func(Scenario) string

// step is what this package reads of a step; the rest of each object is
// kept as it was.
type step struct {
	Keyword string `json:"keyword"`
	Name    string `json:"name"`
	Line    int    `json:"line"`
	Result  struct {
		Status       string `json:"status"`
		ErrorMessage string `json:"error_message"`
	} `json:"result"`
}

// AddSkipReasons returns doc with an error_message on every skipped step
// that has none: the earlier step that failed, was undefined or pending,
// or, when none did, what why says of the scenario.
func AddSkipReasons(doc []byte, why Reasons) ([]byte, error) {
	if !skipRE.Match(doc) {
		return doc, nil // nothing to explain: the common, green run
	}
	return eachScenario(doc, func(sc Scenario, steps []map[string]json.RawMessage) {
		sts := make([]step, len(steps))
		for i, s := range steps {
			sts[i] = readStep(s)
		}
		scenarioWhy := func() string {
			if why == nil {
				return ""
			}
			return why(sc)
		}
		for i, reason := range skipReasons(sts, scenarioWhy) {
			if reason != "" {
				setResult(steps[i], "skipped", reason)
			}
		}
	})
}

// skipReasons says why each skipped step of a scenario with no
// error_message did not run ("" for every other step): the earlier step
// that failed, was undefined or pending, or else what why says of the
// scenario (asked only then), or else the step before it.
func skipReasons(steps []step, why func() string) []string {
	out := make([]string, len(steps))
	var stopped string // why the steps after it did not run
	for i, st := range steps {
		switch st.Result.Status {
		case "failed", "undefined", "pending", "ambiguous":
			if stopped == "" {
				stopped = fmt.Sprintf("an earlier step %s: %s%s (line %d)", verb(st.Result.Status), st.Keyword, st.Name, st.Line)
			}
		case "skipped":
			if st.Result.ErrorMessage != "" {
				continue
			}
			out[i] = stopped
			if out[i] == "" {
				out[i] = why()
			}
			if out[i] == "" {
				out[i] = "the step before it ended the scenario"
			}
		}
	}
	return out
}

// MarkExpected returns doc with the failures a baseline expects shown as
// such: in each scenario expected names (its reason, "" for none), a
// failed step becomes skipped with "expected failure: <reason>: <what
// failed>", and the steps skipped after it say they follow an expected
// failure. A CI viewer then shows no failure the run does not count.
func MarkExpected(doc []byte, expected func(Scenario) string) ([]byte, error) {
	if !failRE.Match(doc) {
		return doc, nil
	}
	return eachScenario(doc, func(sc Scenario, steps []map[string]json.RawMessage) {
		why := expected(sc)
		if why == "" {
			return
		}
		var marked string // the expected failure the steps after it follow
		for _, s := range steps {
			st := readStep(s)
			switch {
			case st.Result.Status == "failed":
				setResult(s, "skipped", "expected failure: "+why+": "+st.Result.ErrorMessage)
				if marked == "" {
					marked = fmt.Sprintf("an earlier step is an expected failure (%s): %s%s (line %d)", why, st.Keyword, st.Name, st.Line)
				}
			case st.Result.Status == "skipped" && marked != "":
				setResult(s, "skipped", marked)
			}
		}
	})
}

// eachScenario calls fn with the steps of each scenario and background of
// doc, which fn may change, and returns doc with the changes.
func eachScenario(doc []byte, fn func(Scenario, []map[string]json.RawMessage)) ([]byte, error) {
	var raw []map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("the Cucumber report: %w", err)
	}
	seen := map[Scenario]int{}
	for _, f := range raw {
		var uri string
		_ = json.Unmarshal(f["uri"], &uri)
		var elems []map[string]json.RawMessage
		if err := json.Unmarshal(f["elements"], &elems); err != nil {
			continue
		}
		for _, e := range elems {
			var name, typ string
			_ = json.Unmarshal(e["name"], &name)
			_ = json.Unmarshal(e["type"], &typ)
			sc := Scenario{URI: uri, Name: name}
			if typ != "background" {
				sc.Nth = seen[sc]
				seen[sc]++
			}
			var steps []map[string]json.RawMessage
			if err := json.Unmarshal(e["steps"], &steps); err != nil {
				continue
			}
			fn(sc, steps)
			e["steps"], _ = json.Marshal(steps)
		}
		f["elements"], _ = json.Marshal(elems)
	}
	// Compact: re-indenting a large report costs more than the rest.
	return json.Marshal(raw)
}

func readStep(s map[string]json.RawMessage) step {
	var st step
	_ = json.Unmarshal(s["keyword"], &st.Keyword)
	_ = json.Unmarshal(s["name"], &st.Name)
	_ = json.Unmarshal(s["line"], &st.Line)
	_ = json.Unmarshal(s["result"], &st.Result)
	return st
}

// setResult sets a step's status and error_message, keeping the rest of
// its result (its duration).
func setResult(s map[string]json.RawMessage, status, message string) {
	var res map[string]json.RawMessage
	if err := json.Unmarshal(s["result"], &res); err != nil {
		res = map[string]json.RawMessage{}
	}
	res["status"], _ = json.Marshal(status)
	res["error_message"], _ = json.Marshal(message)
	s["result"], _ = json.Marshal(res)
}

// skipRE finds a skipped step's status in godog's Cucumber JSON, however
// it is spaced.
var skipRE = regexp.MustCompile(`"status":\s*"skipped"`)

// failRE finds a failed step's status.
var failRE = regexp.MustCompile(`"status":\s*"failed"`)

func verb(status string) string {
	switch status {
	case "failed":
		return "failed"
	case "ambiguous":
		return "is ambiguous"
	}
	return "is " + status
}
