// Package features carries the feature suites in the binary and runs them
// with godog: the marketplace suites (features/marketplace/{pipedrive,
// procore,zoom}) against the reference model. Each suite is its own run with
// its own steps, so an app suite can sit beside the marketplace one.
package features

import (
	"embed"
	"io/fs"

	"github.com/cucumber/godog"

	"github.com/appcert/appcert/steps"
)

// FS holds the embedded feature files, under their folder names
// ("marketplace/pipedrive/sharing.feature").
//
//go:embed all:marketplace
var FS embed.FS

// Suite is a set of feature files and the steps that run them.
type Suite struct {
	Name string
	// FS and Root are where the suite's embedded files are.
	FS   fs.FS
	Root string
	// Initialize registers the suite's steps and hooks on each scenario.
	Initialize func(*godog.ScenarioContext)
	// Nearest proposes defined steps for an undefined one.
	Nearest func(text string, n int) []steps.Phrase
	// Match finds the phrases a step's text matches, to name a step's
	// definition in the console report.
	Match func(text string) []steps.Phrase
}

// Marketplace is the suite of marketplace rules, run against the reference
// model.
func Marketplace() Suite {
	return Suite{
		Name:       "marketplace",
		FS:         FS,
		Root:       "marketplace",
		Initialize: steps.InitializeMarketScenario,
		Nearest:    steps.Nearest,
		Match:      steps.Match,
	}
}
