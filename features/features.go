// Package features carries the marketplace feature suites in the binary
// (features/marketplace/{pipedrive,procore,zoom}, run against the reference
// model, and the fake marketplace on the wire) and runs suites with godog.
// Each suite is its own run with its own steps. The app certification
// suite lives with certify, in certify/suite.
package features

import (
	"embed"
	"io/fs"

	"github.com/cucumber/godog"

	"github.com/appcert/appcert/steps"
	"github.com/appcert/appcert/wiresteps"
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
// model, and of the fake marketplace on the wire: the vocabulary's steps
// (steps) and the wire's (wiresteps).
func Marketplace() Suite {
	return Suite{
		Name: "marketplace",
		FS:   FS,
		Root: "marketplace",
		Initialize: func(sc *godog.ScenarioContext) {
			steps.InitializeMarketScenario(sc)
			wiresteps.InitializeScenario(sc)
		},
		Nearest: func(text string, n int) []steps.Phrase {
			return steps.NearestIn(MarketplacePhrases(), text, n)
		},
		Match: func(text string) []steps.Phrase {
			return append(steps.Match(text), wiresteps.Match(text)...)
		},
	}
}

// MarketplacePhrases are the marketplace suite's phrases, by area, for
// "appcert steps".
func MarketplacePhrases() []steps.Phrase {
	return append(steps.Phrases(), wiresteps.Phrases()...)
}
