package app

import (
	"fmt"
	"strings"
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
)

// FaultInfo describes one fault: what it does and the rule it breaks.
type FaultInfo struct {
	Name        Fault
	Rule        string // a rule ID of rules.md, e.g. "PD-EXT-02"
	Description string
}

// Faults lists every fault, in a stable order.
func Faults() []FaultInfo {
	return []FaultInfo{
		{FaultServeUnshared, "PD-SHARE-21", "serves the JSON panel to a viewer who never authorized, whatever isShared and the sharing state say"},
		{FaultActionAfterRemoval, "PD-SHARE-22", "the link action skips the entitlement check, so a viewer the app was removed from can still act"},
		{FaultIgnoreVisibility, "PD-SHARE-23", "shows a shared viewer the installing user's owner-only deals"},
		{FaultIgnoreSharingCallback, "PD-SHARE-24", "accepts every sharing callback but keeps the state of the first one per installation"},
		{FaultNoCallbackPost, "PD-SHARE-24", "has no POST handler on the callback URL (405)"},
		{FaultCallOutsideScopes, "PD-SCOPE-07", "also calls GET /api/v2/activities (needs activities:read) while building the panel"},
		{FaultUnusedScope, "PD-SCOPE-08", "advertises contacts:read, which it never uses"},
		{FaultSkipJWT, "PD-EXT-02", "does not verify the extension request token at all"},
		{FaultTrustQueryUser, "PD-EXT-02", "verifies the token's signature but trusts the query's userId and companyId over the token's"},
		{FaultBadToken500, "PD-EXT-02", "answers a bad token with 500 and a Go stack trace in the body"},
		{FaultIgnoreBasicAuth, "PD-EXT-02", "skips the Basic auth check on extension requests"},
		{FaultSlowPanel, "PD-EXT-03", "answers the JSON panel only after SlowPanelDelay (11s by default)"},
		{FaultBadPanelSchema, "PD-EXT-04", "pads the JSON panel answer to 11 objects, the padding without a header"},
		{FaultLeakOtherCompany, "PD-EXT-05", "caches deals by ID across companies, so one company sees another's deal"},
		{FaultUnauthenticatedUninstall, "PD-UNINST-02", "acts on an uninstall request without checking its Basic auth"},
		{FaultIgnoreUninstall, "PD-UNINST-02", "keeps serving a user after a genuine uninstall"},
		{FaultNoCodeExchange, "PD-OAUTH-02", "never exchanges the authorization code for tokens"},
		{FaultDenied500, "PD-OAUTH-02", "answers the user_denied redirect with a 500"},
		{FaultNoRefresh, "PD-OAUTH-03", "never refreshes an access token, so an expired one makes the panel fail"},
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
