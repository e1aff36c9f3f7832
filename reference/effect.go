package reference

import "time"

// Effect is something the marketplace does outside its own state because of
// a command: a request to the app, an email, an in-app notice. The fake
// marketplace turns effects into HTTP; tests and scenarios read them as data.
type Effect interface{ effectKind() string }

// Audience is who an email or notice goes to: listed users, or every user of
// a company but the listed exceptions. "All users" stays one value so that
// sharing with a company of 100,000 users costs the same as with ten.
type Audience struct {
	Company CompanyID
	Users   []UserID
	All     bool
	Except  []UserID
}

// Includes reports whether u (of company c) is in the audience.
func (a Audience) Includes(c CompanyID, u UserID) bool {
	if c != a.Company {
		return false
	}
	if a.All {
		for _, e := range a.Except {
			if e == u {
				return false
			}
		}
		return true
	}
	for _, x := range a.Users {
		if x == u {
			return true
		}
	}
	return false
}

// SharingCallback is the POST to the app's Callback URL (PD-SHARE-20).
type SharingCallback struct {
	App      AppID
	Company  CompanyID
	User     UserID
	IsShared bool
}

// UninstallCallback is the DELETE to the app's Callback URL (PD-UNINST-01).
type UninstallCallback struct {
	App     AppID
	Company CompanyID
	User    UserID
	At      time.Time
}

// Redirect is where a user who accepts or denies an app's scopes is sent: the
// OAuth callback (with a code or error=user_denied) or, for an authorizing
// user, the app's Installation URL (PD-SHARE-17).
type Redirect struct {
	App             AppID
	User            UserID
	Denied          bool
	InstallationURL string // set when the user is sent there instead of the OAuth page
}

// Email is a message the marketplace sends (PD-SHARE-08, PC-04, PC-06,
// ZM-10). Emails to admins name them both ways: To lists the users, ToAddrs
// their addresses in the same order.
type Email struct {
	To      Audience
	ToAddrs []string // explicit addresses, where the rule names them
	From    string
	Subject string
	Body    string // the text, where the rule gives one (a request's notes: PC-03)
}

// NoticeKind is the kind of an in-app notice.
type NoticeKind string

const (
	// NoticeAddedByAdmin tells users an admin added an app for them
	// (PD-SHARE-08 without email, PD-SHARE-14).
	NoticeAddedByAdmin NoticeKind = "added by admin"
	// NoticeRequestDenied tells a user an admin denied their request
	// (PC-05; for Zoom, assumed ZM-15).
	NoticeRequestDenied NoticeKind = "request denied"
)

// Notice is an in-app notification.
type Notice struct {
	Kind   NoticeKind
	To     Audience
	App    AppID
	By     UserID
	Detail string
}

func (SharingCallback) effectKind() string   { return "sharing_callback" }
func (UninstallCallback) effectKind() string { return "uninstall_callback" }
func (Redirect) effectKind() string          { return "redirect" }
func (Email) effectKind() string             { return "email" }
func (Notice) effectKind() string            { return "notice" }

// EffectKind names an effect's kind, for summaries and traces.
func EffectKind(e Effect) string { return e.effectKind() }
