package cucumber

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	messages "github.com/cucumber/messages/go/v34"
)

// Feature is one parsed feature file and the scenarios of it that ran.
type Feature struct {
	URI     string
	Doc     *messages.GherkinDocument
	Pickles []*messages.Pickle
}

// Result is how one step of a scenario ended.
type Result struct {
	Status string // passed, failed, skipped, undefined, pending or ambiguous
	Err    error  // why it failed or is ambiguous
	// Took is from the end of the step before it (the scenario's start,
	// for the first) to its own end.
	Took time.Duration
	// Location names the definition that ran it; undefined, pending and
	// ambiguous steps are named by their own place in the file instead.
	Location string
	// Reason says why a skipped step did not run, when the run knows
	// better than the steps before it (an interrupted run).
	Reason string
}

// Write writes the Cucumber JSON report of a run as godog's formatter
// writes it, field for field: features by name, scenarios in file order,
// each with every step of its pickle. result gives how a pickle step ended
// (by its ID); a step it does not know is skipped. A skipped step says
// why, as AddSkipReasons would have it. The JSON is compact, a feature a
// line. Written here, a
// feature at a time from what the run recorded, it takes a small part of
// what godog's formatter takes, which reads each step back from its store
// and indents one document of megabytes.
func Write(w io.Writer, feats []Feature, result func(pickleStepID string) (Result, bool)) error {
	feats = slices.Clone(feats)
	slices.SortStableFunc(feats, func(a, b Feature) int { return strings.Compare(name(a), name(b)) })
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw) // each feature on a line of its own
	bw.WriteString("[\n")
	for i, f := range feats {
		if i > 0 {
			bw.WriteString(",")
		}
		if err := enc.Encode(buildFeature(f, result)); err != nil {
			return err
		}
	}
	bw.WriteString("]\n")
	return bw.Flush()
}

func name(f Feature) string {
	if f.Doc == nil || f.Doc.Feature == nil {
		return ""
	}
	return f.Doc.Feature.Name
}

// The report's objects, named and ordered as godog's formatter writes
// them (its internal/formatters/fmt_cucumber.go).
type (
	jsonFeature struct {
		URI         string        `json:"uri"`
		ID          string        `json:"id"`
		Keyword     string        `json:"keyword"`
		Name        string        `json:"name"`
		Description string        `json:"description"`
		Line        int           `json:"line"`
		Comments    []jsonComment `json:"comments,omitempty"`
		Tags        []jsonTag     `json:"tags,omitempty"`
		Elements    []jsonElement `json:"elements,omitempty"`
	}
	jsonComment struct {
		Value string `json:"value"`
		Line  int    `json:"line"`
	}
	jsonTag struct {
		Name string `json:"name"`
		Line int    `json:"line"`
	}
	jsonElement struct {
		ID          string     `json:"id"`
		Keyword     string     `json:"keyword"`
		Name        string     `json:"name"`
		Description string     `json:"description"`
		Line        int        `json:"line"`
		Type        string     `json:"type"`
		Tags        []jsonTag  `json:"tags,omitempty"`
		Steps       []jsonStep `json:"steps,omitempty"`
	}
	jsonStep struct {
		Keyword   string         `json:"keyword"`
		Name      string         `json:"name"`
		Line      int            `json:"line"`
		Docstring *jsonDocstring `json:"doc_string,omitempty"`
		Match     struct {
			Location string `json:"location"`
		} `json:"match"`
		Result struct {
			Status   string `json:"status"`
			Error    string `json:"error_message,omitempty"`
			Duration *int64 `json:"duration,omitempty"`
		} `json:"result"`
		Rows []jsonRow `json:"rows,omitempty"`
	}
	jsonDocstring struct {
		Value       string `json:"value"`
		ContentType string `json:"content_type"`
		Line        int    `json:"line"`
	}
	jsonRow struct {
		Cells []string `json:"cells"`
	}
)

func buildFeature(f Feature, result func(string) (Result, bool)) jsonFeature {
	ft := f.Doc.Feature
	out := jsonFeature{
		URI: f.URI, ID: cukeID(ft.Name), Keyword: ft.Keyword, Name: ft.Name,
		Description: ft.Description, Line: int(ft.Location.Line),
		Tags: tags(ft.Tags),
	}
	for _, c := range f.Doc.Comments {
		out.Comments = append(out.Comments, jsonComment{Value: strings.TrimSpace(c.Text), Line: int(c.Location.Line)})
	}
	idx := index(ft)
	for _, p := range f.Pickles {
		e := element(f.URI, idx, p, result)
		e.ID = out.ID + ";" + cukeID(e.Name) + e.ID
		e.Tags = append(slices.Clone(out.Tags), e.Tags...)
		out.Elements = append(out.Elements, e)
	}
	return out
}

// astIndex finds a feature's scenarios, example rows and steps by AST ID.
type astIndex struct {
	scenarios map[string]*messages.Scenario
	rows      map[string]exampleRow
	steps     map[string]*messages.Step
}

type exampleRow struct {
	examples *messages.Examples
	n        int // the row's place in its table body, from 0
	row      *messages.TableRow
}

func index(ft *messages.Feature) astIndex {
	idx := astIndex{scenarios: map[string]*messages.Scenario{}, rows: map[string]exampleRow{}, steps: map[string]*messages.Step{}}
	addSteps := func(ss []*messages.Step) {
		for _, s := range ss {
			idx.steps[s.Id] = s
		}
	}
	addScenario := func(sc *messages.Scenario) {
		idx.scenarios[sc.Id] = sc
		addSteps(sc.Steps)
		for _, ex := range sc.Examples {
			for n, row := range ex.TableBody {
				idx.rows[row.Id] = exampleRow{examples: ex, n: n, row: row}
			}
		}
	}
	for _, c := range ft.Children {
		if c.Background != nil {
			addSteps(c.Background.Steps)
		}
		if c.Scenario != nil {
			addScenario(c.Scenario)
		}
		if c.Rule != nil {
			for _, rc := range c.Rule.Children {
				if rc.Background != nil {
					addSteps(rc.Background.Steps)
				}
				if rc.Scenario != nil {
					addScenario(rc.Scenario)
				}
			}
		}
	}
	return idx
}

func element(uri string, idx astIndex, p *messages.Pickle, result func(string) (Result, bool)) jsonElement {
	sc := idx.scenarios[p.AstNodeIds[0]]
	e := jsonElement{Name: p.Name, Type: "scenario"}
	if sc != nil {
		e.Line, e.Description, e.Keyword, e.Tags = int(sc.Location.Line), sc.Description, sc.Keyword, tags(sc.Tags)
	}
	if len(p.AstNodeIds) > 1 {
		if r, ok := idx.rows[p.AstNodeIds[1]]; ok {
			e.Tags = append(e.Tags, tags(r.examples.Tags)...)
			e.ID = fmt.Sprintf(";%s;%d", cukeID(r.examples.Name), r.n+2)
			e.Line = int(r.row.Location.Line)
		}
	}
	views := make([]step, len(p.Steps))
	for i, ps := range p.Steps {
		s := buildStep(uri, idx, ps, result)
		e.Steps = append(e.Steps, s)
		views[i] = step{Keyword: s.Keyword, Name: s.Name, Line: s.Line}
		views[i].Result.Status, views[i].Result.ErrorMessage = s.Result.Status, s.Result.Error
	}
	for i, reason := range skipReasons(views, func() string { return "" }) {
		if reason != "" {
			e.Steps[i].Result.Error = reason
		}
	}
	return e
}

func buildStep(uri string, idx astIndex, ps *messages.PickleStep, result func(string) (Result, bool)) jsonStep {
	var s jsonStep
	s.Name = ps.Text
	ast := idx.steps[ps.AstNodeIds[0]]
	if ast != nil {
		s.Keyword, s.Line = ast.Keyword, int(ast.Location.Line)
	}
	if arg := ps.Argument; arg != nil {
		if arg.DocString != nil && ast != nil && ast.DocString != nil {
			s.Docstring = &jsonDocstring{Value: arg.DocString.Content, ContentType: strings.TrimSpace(arg.DocString.MediaType), Line: int(ast.DocString.Location.Line)}
		}
		if arg.DataTable != nil {
			for _, row := range arg.DataTable.Rows {
				cells := make([]string, len(row.Cells))
				for i, c := range row.Cells {
					cells[i] = c.Value
				}
				s.Rows = append(s.Rows, jsonRow{Cells: cells})
			}
		}
	}
	r, ok := result(ps.Id)
	if !ok {
		r = Result{Status: "skipped", Reason: "not run: the run stopped before this step"}
	}
	s.Result.Status, s.Match.Location = r.Status, r.Location
	switch r.Status {
	case "passed", "failed":
		d := r.Took.Nanoseconds()
		s.Result.Duration = &d
	}
	switch r.Status {
	case "failed", "ambiguous":
		if r.Err != nil {
			s.Result.Error = r.Err.Error()
		}
	case "skipped":
		s.Result.Error = r.Reason
	}
	switch r.Status {
	case "undefined", "pending", "ambiguous":
		s.Match.Location = fmt.Sprintf("%s:%d", uri, s.Line)
	}
	return s
}

func tags(ts []*messages.Tag) []jsonTag {
	var out []jsonTag
	for _, t := range ts {
		out = append(out, jsonTag{Name: t.Name, Line: int(t.Location.Line)})
	}
	return out
}

// cukeID is godog's id of a name: lower case, spaces as dashes.
func cukeID(name string) string {
	return strings.ReplaceAll(strings.ToLower(name), " ", "-")
}
