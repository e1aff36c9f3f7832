package reference

import (
	"fmt"
	"slices"
)

// Reason says why a command was refused. Reasons are data: tests,
// reports and the simulator's summary group refusals by them.
type Reason string

const (
	ReasonUnknownCompany       Reason = "unknown company"
	ReasonUnknownUser          Reason = "unknown user"
	ReasonUnknownApp           Reason = "unknown app"
	ReasonDuplicate            Reason = "already exists"
	ReasonInvalid              Reason = "invalid command"
	ReasonOtherCompany         Reason = "user of another company"
	ReasonMarketplaceOnly      Reason = "only the marketplace sets the sharing mode"
	ReasonNotAdmin             Reason = "not admin"
	ReasonNotAddingAdmin       Reason = "not the adding admin"
	ReasonModeForbids          Reason = "sharing mode forbids"
	ReasonSpecificUsersBlocked Reason = "app does not allow choosing specific users"
	ReasonAlreadyAuthorized    Reason = "already authorized"
	ReasonNothingToAuthorize   Reason = "app not added to user"
	ReasonNotInstalled         Reason = "not installed"
	ReasonNotAuthorized        Reason = "not authorized"
	ReasonReauthorize          Reason = "re-authorization needed"
	ReasonScopeMismatch        Reason = "scope and URL mismatch"
	ReasonAdminOnly            Reason = "admin endpoint for a non-admin user"
	ReasonUnknownEndpoint      Reason = "unknown endpoint"
	ReasonNoSuchObject         Reason = "no such company object"
	ReasonNoExtension          Reason = "app has no such extension"
	ReasonOpensAppDetails      Reason = "opens the app details instead"

	// Procore and Zoom.
	ReasonNotInProfile         Reason = "not in this marketplace's rules"
	ReasonAlreadyInstalled     Reason = "already installed"
	ReasonUserInstallsOff      Reason = "user installs are off"
	ReasonAdminsInstall        Reason = "admins install without a request"
	ReasonUnknownRequest       Reason = "unknown request"
	ReasonRequestPending       Reason = "request already pending"
	ReasonAlreadyDecided       Reason = "request already decided"
	ReasonNotMarketplaceEdit   Reason = "not Marketplace:Edit"
	ReasonNoMarketplaceRole    Reason = "no Marketplace role"
	ReasonPreApprovalRequired  Reason = "pre-approval required"
	ReasonAlreadyPreApproved   Reason = "already pre-approved"
	ReasonNotPreApproved       Reason = "not pre-approved"
	ReasonNotOnWhoCanInstall   Reason = "not on Who Can Install"
	ReasonNotActivated         Reason = "app not activated or installed on the account"
	ReasonMissingScopes        Reason = "missing scopes"
	ReasonTooManyRecipients    Reason = "more than five recipients"
	ReasonAppDisabled          Reason = "app disabled by admin"
	ReasonAdminInstallOnly     Reason = "only admins install this app"
	ReasonUserInstallsBlocked  Reason = "users may not install apps"
	ReasonUninstallUnconfirmed Reason = "uninstall not confirmed"
)

// Refusal is the error a refused command or a denied query returns: the
// reason, the rule that refused it, and a detail for people.
type Refusal struct {
	Reason Reason
	Rule   string
	Detail string
}

func (r *Refusal) Error() string {
	if r.Detail == "" {
		return fmt.Sprintf("refused (%s): %s", r.Rule, r.Reason)
	}
	return fmt.Sprintf("refused (%s): %s: %s", r.Rule, r.Reason, r.Detail)
}

func refuse(rule string, reason Reason, format string, args ...any) *Refusal {
	return &Refusal{Reason: reason, Rule: rule, Detail: fmt.Sprintf(format, args...)}
}

// reasonsBy lists the reasons each marketplace's commands and queries give,
// for people writing scenarios (`appcert steps --reasons`). The reference
// tests hold every refusal they provoke to it, and every Reason constant
// must appear in it.
var reasonsBy = map[Profile][]Reason{
	Pipedrive: {
		ReasonNotAdmin, ReasonNotAddingAdmin, ReasonModeForbids, ReasonSpecificUsersBlocked, ReasonMarketplaceOnly,
		ReasonAlreadyAuthorized, ReasonNothingToAuthorize, ReasonNotInstalled,
		ReasonNotAuthorized, ReasonReauthorize, ReasonScopeMismatch, ReasonAdminOnly, ReasonUnknownEndpoint,
		ReasonNoSuchObject, ReasonNoExtension, ReasonOpensAppDetails,
	},
	Procore: {
		ReasonNotAdmin, ReasonAlreadyInstalled, ReasonAlreadyAuthorized, ReasonNotInstalled, ReasonUserInstallsOff,
		ReasonAdminsInstall, ReasonUnknownRequest, ReasonRequestPending, ReasonAlreadyDecided,
	},
	Zoom: {
		ReasonNotAdmin, ReasonNotMarketplaceEdit, ReasonNoMarketplaceRole, ReasonAdminInstallOnly,
		ReasonAlreadyInstalled, ReasonAlreadyAuthorized, ReasonNothingToAuthorize, ReasonNotInstalled,
		ReasonPreApprovalRequired, ReasonAlreadyPreApproved, ReasonNotPreApproved, ReasonNotOnWhoCanInstall,
		ReasonNotActivated, ReasonMissingScopes, ReasonTooManyRecipients, ReasonAppDisabled,
		ReasonUserInstallsBlocked, ReasonUninstallUnconfirmed,
		ReasonAdminsInstall, ReasonUnknownRequest, ReasonRequestPending, ReasonAlreadyDecided,
	},
}

// commonReasons are the reasons of every marketplace: unknown or duplicate
// names, malformed commands, another company's users, another marketplace's
// commands.
var commonReasons = []Reason{
	ReasonUnknownCompany, ReasonUnknownUser, ReasonUnknownApp, ReasonDuplicate, ReasonInvalid,
	ReasonOtherCompany, ReasonNotInProfile,
}

// Reasons lists the refusal reasons p's market gives: its own first, then
// those every marketplace gives.
func Reasons(p Profile) []Reason {
	return append(slices.Clone(reasonsBy[p]), commonReasons...)
}
