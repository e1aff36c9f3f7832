// Package reference is the reference model of the marketplaces appcert
// simulates: a pure, deterministic state machine. Commands go in; an event,
// effects (callbacks, emails, notices) and typed refusals come out; queries
// read the state. Time comes from an injected clock and nothing here does I/O,
// so the same commands always give the same state (rule X-01).
package reference

import "time"

// Identifiers. Company and user IDs are numbers because the wire protocol
// sends them as numbers; apps are named by their client ID.
type (
	CompanyID int64
	UserID    int64
	AppID     string
)

// Profile selects which marketplace's rules a Market runs.
type Profile string

// The marketplaces the model knows.
const (
	Pipedrive Profile = "pipedrive"
	Procore   Profile = "procore"
	Zoom      Profile = "zoom"
)

// Profiles lists the marketplaces the model knows.
func Profiles() []Profile { return []Profile{Pipedrive, Procore, Zoom} }

// SharingMode is an app's sharing mode (PD-SHARE-02), set by the marketplace.
type SharingMode string

const (
	ModeNone             SharingMode = "none"
	ModeAddToAccount     SharingMode = "add_to_account"
	ModeSharedExtensions SharingMode = "add_to_account_with_shared_extensions"
)

// Access is the admin's choice of who gets an app (PD-SHARE-04).
type Access string

const (
	OnlyMe        Access = "only_me"
	SpecificUsers Access = "specific_users"
	AllUsers      Access = "all_users"
)

// ExtensionKind is a kind of extension: the rows of seed 000's extension
// table, and the surfaces an app's manifest declares (the manifest's
// extension types are these kinds' values).
type ExtensionKind string

const (
	LinkAction ExtensionKind = "link_action"
	JSONPanel  ExtensionKind = "json_panel"
	JSONModal  ExtensionKind = "json_modal"
	// The Custom UI extensions (custom-ui-extensions): pages the
	// marketplace loads in an iframe.
	CustomUIPanel ExtensionKind = "custom_ui_panel"
	// CustomUIModal is seed 000's "custom UI action": a custom modal opened
	// from an action menu.
	CustomUIModal ExtensionKind = "custom_ui_modal"
	// CustomUIFloatingWindow is a custom floating window opened by clicking
	// a phone number; DockWindow is a floating window's apps-dock entry,
	// which a user without authorization finds opening the app's details
	// (seed 000 lists the two apart, and so does the model).
	CustomUIFloatingWindow ExtensionKind = "custom_ui_floating_window"
	DockWindow             ExtensionKind = "dock_floating_window"
	CustomUISettings       ExtensionKind = "custom_ui_settings"
	MessagingExtension     ExtensionKind = "messaging_extension"
)

// ExtensionKinds lists every extension kind, in seed 000's table order
// (the settings page, which the table leaves out, after the windows).
func ExtensionKinds() []ExtensionKind {
	return []ExtensionKind{LinkAction, JSONPanel, JSONModal, CustomUIPanel, CustomUIModal, CustomUIFloatingWindow, DockWindow, CustomUISettings, MessagingExtension}
}

// Shareable reports whether an admin's sharing can give a user k without
// their own authorization, in the shared-extensions mode (PD-SHARE-16):
// only link actions and JSON panels. JSON modals and every Custom UI page
// always need the viewer's own authorization.
func (k ExtensionKind) Shareable() bool { return k == LinkAction || k == JSONPanel }

// Status is a user's status for an app (PD-SHARE-15); StatusNone means the
// user does not have the app at all.
type Status string

const (
	StatusNone        Status = ""
	StatusAuthorize   Status = "authorize"
	StatusReauthorize Status = "reauthorize"
	StatusAuthorized  Status = "authorized"
	// StatusDisabled is an installation an admin disabled by switching off
	// the app's pre-approval (ZM-11): kept, but unusable until pre-approved
	// again.
	StatusDisabled Status = "disabled"
)

// Statuses lists the statuses a user's app can have in p's market: only
// Pipedrive's admins add apps for others to authorize (PD-SHARE-15), only
// Zoom disables installations (ZM-11).
func Statuses(p Profile) []Status {
	out := []Status{StatusNone}
	if p == Pipedrive {
		out = append(out, StatusAuthorize)
	}
	out = append(out, StatusAuthorized, StatusReauthorize)
	if p == Zoom {
		out = append(out, StatusDisabled)
	}
	return out
}

// Label is how the marketplace shows a status to the user (seed 000).
func (s Status) Label() string {
	switch s {
	case StatusAuthorize:
		return "Authorize app"
	case StatusReauthorize:
		return "Re-authorize"
	case StatusAuthorized:
		return "Authorized"
	case StatusDisabled:
		return "Disabled by admin"
	}
	return "Not installed"
}

// App is an app as the marketplace lists it.
type App struct {
	ID                 AppID
	Name               string
	Mode               SharingMode
	AllowSpecificUsers bool
	Scopes             []string // the scopes the app requests; base is always granted
	Extensions         []ExtensionKind
	InstallationURL    string // when set, authorizing users are sent here (PD-SHARE-17)
	CallbackURL        string

	// Zoom only (ZM-01, 02, 04, 05); a market of another profile refuses an
	// app that sets them.
	Level        AppLevel  // UserLevel (the default) or AccountLevel
	Development  bool      // not publicly available: installed with development credentials, for testing
	MadeByOwner  bool      // made by the marketplace owner (Zoom itself)
	MakerCompany CompanyID // the account whose member made the app; zero for third parties
}

// AppLevel is who a Zoom app is installed for (ZM-01, 02).
type AppLevel string

const (
	// UserLevel apps are installed, authorized and deauthorized by each user.
	UserLevel AppLevel = "user"
	// AccountLevel apps are installed for the whole account, by admins with
	// Marketplace:Edit only; other users ask with "Request to Install"
	// (ZM-12).
	AccountLevel AppLevel = "account"
)

// MarketplaceAccess is a Zoom admin's Marketplace role (ZM-02, 03, 07):
// View shows the App Requests; Edit also changes the account's app
// permissions, pre-approves apps and decides requests.
type MarketplaceAccess string

const (
	MarketplaceNone MarketplaceAccess = ""
	MarketplaceView MarketplaceAccess = "Marketplace:View"
	MarketplaceEdit MarketplaceAccess = "Marketplace:Edit"
)

// ObjectKind is a kind of company-level object an installation can create
// (PD-SCOPE-06).
type ObjectKind string

const (
	ActivityType ObjectKind = "activity_type"
	Pipeline     ObjectKind = "pipeline"
	DealField    ObjectKind = "deal_field"
)

// Clock tells the model the time; tests and the simulator inject their own.
type Clock func() time.Time

// EpochClock is the clock of a Market built without one: always the same
// instant, so such a market is deterministic too.
func EpochClock() time.Time { return time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC) }
