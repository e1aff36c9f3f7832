package app

import (
	"fmt"
	"strings"

	"github.com/appcert/appcert/reference"
	"github.com/appcert/appcert/rules"
)

// Fault is a switchable defect of the sample app. Each one breaks exactly
// one app rule of rules.md, so the harness can show that every check of
// that rule can fail.
type Fault string

// The faults. Their names say what the app does wrong.
const (
	FaultServeUnshared            Fault = "serve-unshared"
	FaultActionAfterRemoval       Fault = "action-after-removal"
	FaultIgnoreVisibility         Fault = "ignore-visibility"
	FaultIgnoreSharingCallback    Fault = "ignore-sharing-callback"
	FaultNoCallbackPost           Fault = "no-callback-post"
	FaultCallOutsideScopes        Fault = "call-outside-scopes"
	FaultUnusedScope              Fault = "unused-scope"
	FaultSkipJWT                  Fault = "skip-jwt"
	FaultTrustQueryUser           Fault = "trust-query-user"
	FaultBadToken500              Fault = "bad-token-500"
	FaultIgnoreBasicAuth          Fault = "ignore-basic-auth"
	FaultSlowPanel                Fault = "slow-panel"
	FaultBadPanelSchema           Fault = "bad-panel-schema"
	FaultLeakOtherCompany         Fault = "leak-other-company"
	FaultUnauthenticatedUninstall Fault = "unauthenticated-uninstall"
	FaultIgnoreUninstall          Fault = "ignore-uninstall"
	FaultNoCodeExchange           Fault = "no-code-exchange"
	FaultDenied500                Fault = "denied-500"
	FaultNoRefresh                Fault = "no-refresh"
	FaultSlowModal                Fault = "slow-modal"
	FaultBadModal                 Fault = "bad-modal"
	FaultBadModalSubmit           Fault = "bad-modal-submit"
	FaultCustomUIRefusalPage      Fault = "custom-ui-refusal-page"
	FaultUndeclaredPanelField     Fault = "undeclared-panel-field"
	FaultSubmitTrustsQueryUser    Fault = "submit-trusts-query-user"
	FaultTokenInPage              Fault = "token-in-page"
	FaultNoBackoff                Fault = "no-backoff"
	FaultRequireState             Fault = "require-state"
	FaultAcceptAnyState           Fault = "accept-any-state"
	FaultCustomUITrustsQuery      Fault = "custom-ui-trusts-query"
)

// FaultInfo describes one fault: what it does, the rule it breaks, and the
// surfaces through which it shows (the extension kinds whose requests meet
// it; none: it shows whatever the app declares).
type FaultInfo struct {
	Name        Fault
	Rule        rules.ID
	Kinds       []reference.ExtensionKind
	Description string
	// Also are the other rules the same defect fails when the app declares
	// every surface (an unchecked token also lets a JSON modal's submit
	// through: PD-EXT-06); certify's fault matrix checks that each does.
	Also []rules.ID
}

// Faults lists every fault, in a stable order.
func Faults() []FaultInfo {
	panel := []reference.ExtensionKind{reference.JSONPanel}
	link := []reference.ExtensionKind{reference.LinkAction}
	both := []reference.ExtensionKind{reference.JSONPanel, reference.LinkAction}
	modal := []reference.ExtensionKind{reference.JSONModal}
	customUI := []reference.ExtensionKind{reference.CustomUIPanel}
	// The surfaces whose requests pass the token and Basic auth checks, and
	// those that read deals through fetchDeals.
	every := []reference.ExtensionKind{reference.JSONPanel, reference.LinkAction, reference.JSONModal, reference.CustomUIPanel}
	// The Custom UI page is loaded by the browser, which sends no Basic
	// auth: only the others check it.
	basic := []reference.ExtensionKind{reference.JSONPanel, reference.LinkAction, reference.JSONModal}
	reads := []reference.ExtensionKind{reference.JSONPanel, reference.JSONModal, reference.CustomUIPanel}
	return []FaultInfo{
		{FaultServeUnshared, rules.PDShare21, reads, "serves the JSON panel, the JSON modal and the Custom UI page to a viewer who never authorized, on another installation of the company, whatever isShared and the sharing state say", nil},
		{FaultActionAfterRemoval, rules.PDShare22, link, "the link action skips the entitlement check, so a viewer the app was removed from can still act", nil},
		{FaultIgnoreVisibility, rules.PDShare23, panel, "shows a shared viewer the installing user's owner-only deals", nil},
		{FaultIgnoreSharingCallback, rules.PDShare24, both, "accepts every sharing callback but keeps the state of the first one per installation", nil},
		{FaultNoCallbackPost, rules.PDShare24, both, "has no POST handler on the callback URL (405)", nil},
		{FaultCallOutsideScopes, rules.PDScope07, reads, "also calls GET /api/v2/activities (needs activities:read) while building the panel", nil},
		{FaultUnusedScope, rules.PDScope08, panel, "advertises contacts:read, which it never uses (seen where the manifest lists the app's own scopes, as --demo's does)", nil},
		{FaultSkipJWT, rules.PDExt02, every, "does not verify the extension request token at all", []rules.ID{rules.PDExt05, rules.PDExt06}},
		{FaultTrustQueryUser, rules.PDExt02, every, "verifies the token's signature but trusts the query's userId and companyId over the token's", []rules.ID{rules.PDExt06}},
		{FaultBadToken500, rules.PDExt02, every, "answers a bad token with 500 and a Go stack trace in the body", []rules.ID{rules.PDExt06}},
		{FaultIgnoreBasicAuth, rules.PDExt02, basic, "skips the Basic auth check on extension requests", nil},
		{FaultSlowPanel, rules.PDExt03, panel, "answers the JSON panel only after SlowPanelDelay (11s by default)", nil},
		{FaultBadPanelSchema, rules.PDExt04, panel, "pads the JSON panel answer to 11 objects, the padding without a header", nil},
		{FaultLeakOtherCompany, rules.PDExt05, reads, "caches deals by ID across companies, so one company sees another's deal", nil},
		{FaultUnauthenticatedUninstall, rules.PDUninst02, every, "acts on an uninstall request without checking its Basic auth", nil},
		{FaultIgnoreUninstall, rules.PDUninst02, every, "keeps serving a user after a genuine uninstall", nil},
		{FaultNoCodeExchange, rules.PDOAuth02, nil, "never exchanges the authorization code for tokens", nil},
		{FaultDenied500, rules.PDOAuth02, nil, "answers the user_denied redirect with a 500", nil},
		{FaultNoRefresh, rules.PDOAuth03, panel, "never refreshes an access token, so an expired one makes the panel fail", nil},
		{FaultSlowModal, rules.PDExt03, modal, "opens the JSON modal only after SlowPanelDelay (11s by default)", nil},
		{FaultBadModal, rules.PDExt06, modal, "answers the JSON modal's opening with a JSON panel's data list instead of blocks and actions", nil},
		{FaultBadModalSubmit, rules.PDExt06, modal, `answers a JSON modal submit with {"ok":true}, neither the success nor the error shape`, nil},
		{FaultCustomUIRefusalPage, rules.PDExt02, customUI, "refuses a bad Custom UI page load with 401 but serves the page anyway", []rules.ID{rules.PDShare21, rules.PDShare22, rules.PDUninst02}},
		{FaultUndeclaredPanelField, rules.PDExt04, panel, "adds an internal_notes field that the panel's declared data_schema does not allow", nil},
		{FaultSubmitTrustsQueryUser, rules.PDExt06, modal, "checks the token of a JSON modal's opening, but on its submit trusts the query's userId and companyId over the token's", nil},
		{FaultRequireState, rules.PDOAuth04, nil, "refuses an authorization redirect without a state, as if every install started at the app", nil},
		{FaultAcceptAnyState, rules.PDOAuth05, nil, "never checks the state of an authorization redirect, so a redirect its Installation URL did not start installs too", nil},
		{FaultTokenInPage, rules.PDOAuth06, nil, "shows the new access token on the page the authorization redirect answers with", nil},
		{FaultNoBackoff, rules.PDAPI03, panel, "calls the API again at once after a 429, ignoring Retry-After", nil},
		{FaultCustomUITrustsQuery, rules.PDExt05, customUI, "the Custom UI page's backend checks the signed token's signature, then serves the user and company the call's query names", []rules.ID{rules.PDExt02}},
	}
}

// ParseFault returns the fault named name, or an error naming it and the
// known faults.
func ParseFault(name string) (Fault, error) {
	infos := Faults()
	names := make([]string, 0, len(infos))
	for _, fi := range infos {
		if string(fi.Name) == name {
			return fi.Name, nil
		}
		names = append(names, string(fi.Name))
	}
	return "", fmt.Errorf("unknown fault %q (known: %s)", name, strings.Join(names, ", "))
}
