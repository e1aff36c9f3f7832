package features

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	gherkin "github.com/cucumber/gherkin/go/v42"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/appcert/appcert/rules"
)

// Scenario is one scenario of a feature file, as coverage reports name it.
// A Scenario Outline is one Scenario with its number of example rows.
type Scenario struct {
	Name     string
	File     string
	Line     int64
	Tags     []string // with "@", the feature's and the examples' included
	Examples int      // example rows of an outline; 0 for a plain scenario
}

// Rules returns the catalogue rule IDs the scenario is tagged with.
func (s Scenario) Rules() []rules.ID {
	var out []rules.ID
	for _, t := range s.Tags {
		if id := rules.ID(strings.TrimPrefix(t, "@")); rules.Valid(id) {
			out = append(out, id)
		}
	}
	return out
}

// Scenarios parses every .feature file under root in fsys.
func Scenarios(fsys fs.FS, root string) ([]Scenario, error) {
	var out []Scenario
	err := fs.WalkDir(fsys, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".feature" {
			return err
		}
		f, err := fsys.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		ids := (&messages.Incrementing{}).NewId
		doc, err := gherkin.ParseGherkinDocument(f, ids)
		if err != nil {
			return fmt.Errorf("%s: %v", p, err)
		}
		lines := scenarioLines(doc)
		index := map[string]int{} // scenario AST node -> position in out
		for _, pk := range gherkin.Pickles(*doc, p, ids) {
			node := pk.AstNodeIds[0]
			tags := make([]string, 0, len(pk.Tags))
			for _, t := range pk.Tags {
				tags = append(tags, t.Name)
			}
			if i, ok := index[node]; ok {
				out[i].Examples++
				for _, t := range tags { // examples may carry their own tags
					if !slices.Contains(out[i].Tags, t) {
						out[i].Tags = append(out[i].Tags, t)
					}
				}
				continue
			}
			s := Scenario{Name: pk.Name, File: p, Line: lines[node], Tags: tags}
			if len(pk.AstNodeIds) > 1 { // an outline's row
				s.Examples = 1
			}
			index[node] = len(out)
			out = append(out, s)
		}
		return nil
	})
	return out, err
}

// scenarioLines maps each scenario's AST node ID to its line.
func scenarioLines(doc *messages.GherkinDocument) map[string]int64 {
	lines := map[string]int64{}
	if doc.Feature == nil {
		return lines
	}
	var add func(children []*messages.FeatureChild)
	add = func(children []*messages.FeatureChild) {
		for _, c := range children {
			if c.Scenario != nil {
				lines[c.Scenario.Id] = c.Scenario.Location.Line
			}
			if c.Rule != nil {
				for _, rc := range c.Rule.Children {
					if rc.Scenario != nil {
						lines[rc.Scenario.Id] = rc.Scenario.Location.Line
					}
				}
			}
		}
	}
	add(doc.Feature.Children)
	return lines
}

// nodeLines maps the IDs of a document's scenarios and example rows to
// their lines.
func nodeLines(doc *messages.GherkinDocument) map[string]int64 {
	lines := map[string]int64{}
	if doc == nil || doc.Feature == nil {
		return lines
	}
	add := func(sc *messages.Scenario) {
		lines[sc.Id] = sc.Location.Line
		for _, ex := range sc.Examples {
			for _, row := range ex.TableBody {
				lines[row.Id] = row.Location.Line
			}
		}
	}
	for _, c := range doc.Feature.Children {
		if c.Scenario != nil {
			add(c.Scenario)
		}
		if c.Rule != nil {
			for _, rc := range c.Rule.Children {
				if rc.Scenario != nil {
					add(rc.Scenario)
				}
			}
		}
	}
	return lines
}

// MarketplaceScenarios lists the embedded marketplace scenarios.
func MarketplaceScenarios() ([]Scenario, error) {
	return Scenarios(FS, "marketplace")
}

// ByRule groups scenarios by the rule IDs they are tagged with.
func ByRule(ss []Scenario) map[rules.ID][]Scenario {
	out := map[rules.ID][]Scenario{}
	for _, s := range ss {
		for _, id := range s.Rules() {
			out[id] = append(out[id], s)
		}
	}
	return out
}
