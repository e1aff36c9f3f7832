package suite

import (
	"fmt"
	"slices"
	"strings"

	"github.com/appcert/appcert/certify/result"
	"github.com/appcert/appcert/fakes/marketplace"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/reference"
	"github.com/appcert/appcert/rules"
)

// Check is one app check: the rule it checks, where it applies and how an
// exchange counts towards it. The scenarios tagged with the rule are its
// story; the fake marketplace's judges say what broke.
type Check struct {
	Rule rules.ID
	// Kinds are the surfaces the check runs on, one sub-check each; none:
	// the check is about the app as a whole (one sub-check, result.App).
	Kinds []reference.ExtensionKind
	// Modes are the sharing modes it applies to; none: every mode.
	Modes []reference.SharingMode
	// Needs are what the manifest must declare for the check to apply;
	// without one the rule is N/A.
	Needs []Need
	// Advice: a breach of the rule is a warning (WARN), which never fails
	// the run.
	Advice bool
	// Serves: the story is about serving a viewer, so a wrong answer to an
	// entitled viewer breaks this rule (rather than the answer's own).
	Serves bool
	// Decides says whether a held exchange can decide the check (nil:
	// every one can). An exchange that cannot is not counted, so a check
	// that met none is NOT EXERCISED rather than a hollow PASS.
	Decides func(*marketplace.Marketplace, marketplace.Exchange) bool
	// Exercise says what would exercise the check, for NOT EXERCISED.
	Exercise string
	// Browser are the Custom UI kinds on which the check also runs (a
	// sub-check each): the page runs in headless Chromium inside a host
	// page, and the calls it makes to its backend are sent again with
	// other viewers' tokens and ids. Without Chromium these sub-checks are
	// NOT EXERCISED, saying how to get it.
	Browser []reference.ExtensionKind
}

// Need is something a manifest declares, by its key, that a check needs.
type Need struct {
	Key      string // the manifest key, as the report names it
	Declared func(manifest.App) bool
}

// installationURL: the app starts authorization itself.
var installationURL = Need{"installation_url", func(a manifest.App) bool { return a.InstallationURL != "" }}

var (
	panel      = []reference.ExtensionKind{reference.JSONPanel}
	modal      = []reference.ExtensionKind{reference.JSONModal}
	extensions = []reference.ExtensionKind{reference.JSONPanel, reference.LinkAction}
	// surfaces are every kind the marketplace sends requests to.
	surfaces = slices.DeleteFunc(manifest.Types(), func(k reference.ExtensionKind) bool { return !marketplace.Sends(k) })
	// shareable are the surfaces a sharing callback decides for a viewer
	// who never authorized (PD-SHARE-16): JSON modals and Custom UI pages
	// always need the viewer's own authorization.
	shareable = slices.DeleteFunc(slices.Clone(surfaces), func(k reference.ExtensionKind) bool { return !k.Shareable() })
	// timed are the surfaces with a deadline of their own (PD-EXT-03).
	timed = []reference.ExtensionKind{reference.JSONPanel, reference.JSONModal}
	// showing are the surfaces whose answers show records: all but link
	// actions, which open the app or acknowledge.
	showing = slices.DeleteFunc(slices.Clone(surfaces), func(k reference.ExtensionKind) bool { return k == reference.LinkAction })
	shared  = []reference.SharingMode{reference.ModeSharedExtensions}
	// pages are the Custom UI kinds, whose pages run in the browser.
	pages = []reference.ExtensionKind{reference.CustomUIPanel, reference.CustomUIModal, reference.CustomUIFloatingWindow, reference.CustomUISettings}
)

func showsOwnRecords(m *marketplace.Marketplace, ex marketplace.Exchange) bool {
	return m.ShowsOwnRecords(ex)
}

// checks is every app check. A new surface joins a check by adding its
// kind to Kinds; a new check is a line here and its scenarios.
var checks = []Check{
	{Rule: rules.PDShare21, Kinds: surfaces,
		Exercise: "a request from a viewer the app must refuse, refused"},
	{Rule: rules.PDShare22, Kinds: surfaces, Modes: shared,
		Exercise: "requests from a viewer the app was removed from"},
	{Rule: rules.PDShare23, Kinds: panel, Modes: shared, Decides: showsOwnRecords,
		Exercise: "a shared viewer's JSON panel answer that shows records of the company"},
	{Rule: rules.PDShare24, Kinds: shareable, Modes: shared, Serves: true,
		Exercise: "sharing callbacks answered, and requests after them"},
	{Rule: rules.PDScope07,
		Exercise: "API calls the app makes while its extensions are used"},
	{Rule: rules.PDScope08, Advice: true,
		Exercise: "API calls the app makes while its extensions are used"},
	{Rule: rules.PDExt02, Kinds: surfaces, Browser: pages,
		Exercise: "forged requests refused, and a Custom UI page's backend calls sent again with another viewer's token or ids refused or answered for the token's viewer"},
	{Rule: rules.PDExt03, Kinds: timed,
		Exercise: "a JSON panel or JSON modal answered"},
	{Rule: rules.PDExt04, Kinds: panel,
		Exercise: "a JSON panel answered"},
	{Rule: rules.PDExt05, Kinds: showing, Decides: showsOwnRecords, Browser: pages,
		Exercise: "an answer that shows records of the viewer's company, or a Custom UI page's backend calls, run in the browser and sent again with another company's and user's token and ids"},
	{Rule: rules.PDExt06, Kinds: modal,
		Exercise: "a JSON modal opened and submitted, and submits whose token names someone else refused"},
	{Rule: rules.PDUninst02, Kinds: surfaces, Serves: true,
		Exercise: "requests answered after a forged uninstall and refused after a genuine one"},
	{Rule: rules.PDOAuth02,
		Exercise: "an authorization redirect answered"},
	{Rule: rules.PDOAuth03, Kinds: extensions, Serves: true, Decides: func(*marketplace.Marketplace, marketplace.Exchange) bool { return false },
		Exercise: "an API call the app makes with an expired access token, while answering"},
	{Rule: rules.PDOAuth04,
		Exercise: "an authorization redirect of an install the marketplace started, answered"},
	{Rule: rules.PDOAuth05, Needs: []Need{installationURL}, Advice: true,
		Exercise: "a redirect with a state the app did not issue, answered after an install from its Installation URL completed"},
	{Rule: rules.PDOAuth06,
		Exercise: "the app's answers to an authorization redirect and to extension requests"},
	{Rule: rules.PDAPI03, Kinds: extensions, Serves: true, Decides: func(*marketplace.Marketplace, marketplace.Exchange) bool { return false },
		Exercise: "an API call the app makes while answering, answered 429"},
}

// Checks lists every app check, in the catalogue's order.
func Checks() []Check { return slices.Clone(checks) }

// CheckOf returns the check of a rule.
func CheckOf(id rules.ID) (Check, bool) {
	i := slices.IndexFunc(checks, func(c Check) bool { return c.Rule == id })
	if i < 0 {
		return Check{}, false
	}
	return checks[i], true
}

// Surfaces are the sub-checks the check runs for app: each of its kinds
// the app declares, or result.App for a check about the app as a whole.
// None, with why, when the manifest rules the check out.
func (c Check) Surfaces(app manifest.App) ([]result.Surface, string) {
	for _, n := range c.Needs {
		if !n.Declared(app) {
			return nil, fmt.Sprintf("the manifest declares no %s; the rule applies to an app that does", n.Key)
		}
	}
	if len(c.Modes) > 0 && !slices.Contains(c.Modes, app.SharingMode) {
		var ms []string
		for _, m := range c.Modes {
			ms = append(ms, string(m))
		}
		return nil, fmt.Sprintf("the app's sharing mode is %s; the rule applies in %s only", app.SharingMode, strings.Join(ms, ", "))
	}
	kinds := c.kinds()
	if len(kinds) == 0 {
		return []result.Surface{result.App}, ""
	}
	var out []result.Surface
	for _, k := range kinds {
		if app.Declares(k) {
			out = append(out, k)
		}
	}
	if len(out) == 0 {
		if !slices.ContainsFunc(kinds, func(k reference.ExtensionKind) bool { return !manifest.IsCustomUI(k) }) {
			return nil, "the app declares no Custom UI page"
		}
		var ks []string
		for _, k := range kinds {
			ks = append(ks, words(k))
		}
		return nil, fmt.Sprintf("the app declares no %s", strings.Join(ks, " or "))
	}
	return out, ""
}

// OnPages is the check as a scenario that runs Custom UI pages in the
// browser makes it: on its Browser kinds alone, as no other surface's
// request is sent there. On a manifest with no Custom UI page it is N/A.
func (c Check) OnPages() Check {
	c.Kinds = nil
	return c
}

// kinds are the surfaces the check runs on: its Kinds, then its Browser
// kinds.
func (c Check) kinds() []reference.ExtensionKind {
	out := slices.Clone(c.Kinds)
	for _, k := range c.Browser {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// InBrowser reports whether some check runs on kind k in the browser.
func InBrowser(k reference.ExtensionKind) bool {
	return slices.ContainsFunc(checks, func(c Check) bool { return slices.Contains(c.Browser, k) })
}

// Applies reports whether the check applies to the manifest, for tables
// built from the checks' data.
func (c Check) Applies(app manifest.App) bool {
	s, _ := c.Surfaces(app)
	return len(s) > 0
}

// words names a surface as the scenarios and reports write it ("JSON
// modal", "Custom UI panel").
func words(k result.Surface) string {
	if k == result.App {
		return "app"
	}
	return marketplace.SurfaceName(k)
}
