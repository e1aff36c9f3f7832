package reference

import "fmt"

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
