package steps

import (
	"bytes"
	"strings"
	"testing"

	"github.com/cucumber/godog"
)

// runScenario runs one scenario against the marketplace steps and returns
// whether it passed, and godog's report.
func runScenario(t *testing.T, tag, background, body string) (bool, string) {
	t.Helper()
	text := tag + "\nFeature: vocabulary\n\n  Background:\n" + background + "\n  Scenario: one\n" + body + "\n"
	var out bytes.Buffer
	status := godog.TestSuite{
		ScenarioInitializer: InitializeMarketScenario,
		Options: &godog.Options{
			Format: "progress", Output: &out, Strict: true, NoColors: true,
			FeatureContents: []godog.Feature{{Name: "vocabulary.feature", Contents: []byte(text)}},
		},
	}.Run()
	return status == 0, out.String()
}

const pipedriveBackground = `    Given the company "Acme" with these people:
      | name  | role  |
      | Alice | admin |
      | Bob   | user  |
      | Carol | user  |
    And the app "Deal Insights" is shared in the shared-extensions mode`

const zoomBackground = `    Given the company "Acme" with these people:
      | name  | role                        | email           | scopes       |
      | Alice | admin with Marketplace:Edit | alice@acme.test | meeting:read |
      | Carol | user                        | carol@acme.test | meeting:read |
    And the app "Recorder" requires the scopes "meeting:read, recording:read"
    And the app "CRM" is an account-level app`

// Each new phrase passes where it holds and fails, saying why, where it
// does not.
func TestVocabulary_RightPassesWrongFails(t *testing.T) {
	cases := []struct {
		name, tag, background string
		right, wrong          string
		why                   string // in the wrong one's report
	}{
		{"it is refused", "@pipedrive", pipedriveBackground,
			"    When Bob installs \"Deal Insights\" for all users\n    Then it is refused",
			"    When Bob installs \"Deal Insights\"\n    Then it is refused",
			"it was not refused"},
		{"for herself", "@pipedrive", pipedriveBackground,
			"    When Alice installs \"Deal Insights\" for herself\n    Then Bob does not have \"Deal Insights\"",
			"    When Alice installs \"Deal Insights\" for herself\n    Then Bob has \"Deal Insights\"",
			"Bob does not have"},
		{"has", "@pipedrive", pipedriveBackground,
			"    When Alice installs \"Deal Insights\" for Bob\n    Then Bob has \"Deal Insights\"",
			"    When Alice installs \"Deal Insights\" for Bob\n    Then Carol has \"Deal Insights\"",
			`Carol does not have "Deal Insights"`},
		{"not in Added by Admin", "@pipedrive", pipedriveBackground,
			"    When Alice installs \"Deal Insights\" for Bob\n    Then Carol does not see \"Deal Insights\" in the \"Added by Admin\" section of the apps dock",
			"    When Alice installs \"Deal Insights\" for Bob\n    Then Bob does not see \"Deal Insights\" in the \"Added by Admin\" section of the apps dock",
			"Bob sees"},
		{"email naming", "@pipedrive", pipedriveBackground,
			"    When Alice installs \"Deal Insights\" for Bob and emails them\n    Then Bob gets an email naming Alice and \"Deal Insights\"",
			"    When Alice installs \"Deal Insights\" for Bob and emails them\n    Then Bob gets an email naming Carol and \"Deal Insights\"",
			"Bob got no email naming Carol"},
		{"counting emails", "@pipedrive", pipedriveBackground,
			"    When Alice installs \"Deal Insights\" for Bob and emails them\n    Then Bob gets 1 email\n    And Carol gets 0 emails",
			"    When Alice installs \"Deal Insights\" for Bob and emails them\n    Then Bob gets 2 emails",
			"Bob got 1 emails, not 2"},
		{"refused with a reason of another marketplace", "@pipedrive", pipedriveBackground,
			"    When Bob installs \"Deal Insights\" for all users\n    Then it is refused because \"not admin\"",
			"    When Bob installs \"Deal Insights\" for all users\n    Then it is refused because \"not Marketplace:Edit\"",
			"appcert steps --reasons"},
		{"a label no status has", "@pipedrive", pipedriveBackground,
			"    When Alice installs \"Deal Insights\" for Bob\n    Then Bob sees \"Deal Insights\" as \"Authorize app\"",
			"    When Alice installs \"Deal Insights\" for Bob\n    Then Bob sees \"Deal Insights\" as \"Installed\"",
			"appcert steps --statuses"},
		{"gives adds scopes", "@zoom", zoomBackground,
			"    When Alice gives Carol the scopes \"recording:read\"\n    Then Carol may install \"Recorder\"",
			"    When Alice sets Carol's scopes to \"recording:read\"\n    Then Carol may install \"Recorder\"",
			"missing scopes"},
		{"App Requests must be opened", "@zoom", zoomBackground,
			"    When Carol requests to install \"CRM\"\n    And Alice opens App Requests\n    Then App Requests shows Carol's request for \"CRM\" as \"pending\"",
			"    When Carol requests to install \"CRM\"\n    Then App Requests shows Carol's request for \"CRM\" as \"pending\"",
			"nobody opened App Requests"},
		{"no request needs an opened view too", "@zoom", zoomBackground,
			"    When Alice opens App Requests\n    Then App Requests shows no request",
			"    Then App Requests shows no request",
			"nobody opened App Requests"},
		{"unconfirmed uninstall is Zoom's", "@zoom", zoomBackground,
			"    Given Alice has installed \"CRM\"\n    When Alice starts uninstalling \"CRM\" but does not confirm\n    Then it is refused because \"uninstall not confirmed\"\n    And Carol has \"CRM\"",
			"", ""},
		{"unconfirmed uninstall elsewhere", "@pipedrive", pipedriveBackground,
			"    Given Bob has installed \"Deal Insights\"\n    When Bob uninstalls \"Deal Insights\"\n    Then Bob does not have \"Deal Insights\"",
			"    Given Bob has installed \"Deal Insights\"\n    When Bob starts uninstalling \"Deal Insights\" but does not confirm",
			"only Zoom asks to confirm"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if ok, out := runScenario(t, c.tag, c.background, c.right); !ok {
				t.Fatalf("the right expectation failed:\n%s", out)
			}
			if c.wrong == "" {
				return
			}
			ok, out := runScenario(t, c.tag, c.background, c.wrong)
			if ok {
				t.Fatalf("the wrong expectation passed:\n%s", c.wrong)
			}
			if !strings.Contains(out, c.why) {
				t.Fatalf("the failure does not say %q:\n%s", c.why, out)
			}
		})
	}
}
