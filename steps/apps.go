package steps

import (
	"fmt"
	"strings"

	"github.com/cucumber/godog"

	"github.com/appcert/appcert/reference"
)

// extensionNames are the extension kinds of seed 000's table, in the words
// scenarios use.
var extensionNames = []struct {
	word string
	kind reference.ExtensionKind
}{
	{"link action", reference.LinkAction},
	{"JSON panel", reference.JSONPanel},
	{"JSON modal", reference.JSONModal},
	{"custom UI panel", reference.CustomUIPanel},
	{"custom UI modal", reference.CustomUIModal},
	{"custom UI floating window", reference.CustomUIFloatingWindow},
	{"apps-dock floating window", reference.DockWindow},
	{"custom UI settings page", reference.CustomUISettings},
	{"messaging extension", reference.MessagingExtension},
}

func extensionWords() []string {
	var out []string
	for _, e := range extensionNames {
		out = append(out, e.word)
	}
	return out
}

func extensionKind(word string) reference.ExtensionKind {
	for _, e := range extensionNames {
		if e.word == word {
			return e.kind
		}
	}
	return reference.ExtensionKind(word)
}

// modes maps the scenario's words for sharing modes to the model's.
var modes = map[string]reference.SharingMode{
	"none":              reference.ModeNone,
	"add-to-account":    reference.ModeAddToAccount,
	"shared-extensions": reference.ModeSharedExtensions,
}

func modeWord(m reference.SharingMode) string {
	for w, x := range modes {
		if x == m {
			return w
		}
	}
	return string(m)
}

func appSteps() []def {
	return []def{
		{Phrase: Phrase{Area: AreaApps,
			Pattern: `the app {app} is shared in the {mode} mode`,
			Example: `the app "Deal Insights" is shared in the shared-extensions mode`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return w.draft(a[0], func(x *reference.App) { x.Mode = modes[a[1]] })
			}},
		{Phrase: Phrase{Area: AreaApps,
			Pattern: `the app {app} has no sharing`,
			Example: `the app "Solo Tool" has no sharing`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return w.draft(a[0], func(x *reference.App) { x.Mode = reference.ModeNone })
			}},
		{Phrase: Phrase{Area: AreaApps,
			Pattern: `the app {app} is listed`,
			Example: `the app "Plain" is listed`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return w.draft(a[0], func(*reference.App) {})
			}},
		{Phrase: Phrase{Area: AreaApps,
			Pattern: `the app {app} does not allow choosing specific users`,
			Example: `the app "Notes Sync" does not allow choosing specific users`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return w.draft(a[0], func(x *reference.App) { x.AllowSpecificUsers = false })
			}},
		{Phrase: Phrase{Area: AreaApps,
			Pattern: `the app {app} [requests|requires] the scopes {text}`,
			Example: `the app "Notes Sync" requests the scopes "deals:read, contacts:read"`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return w.draft(a[0], func(x *reference.App) { x.Scopes = scopeList(a[1]) })
			}},
		{Phrase: Phrase{Area: AreaApps,
			Pattern: `the app {app} requests no scopes`,
			Example: `the app "Bare" requests no scopes`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return w.draft(a[0], func(x *reference.App) { x.Scopes = nil })
			}},
		{Phrase: Phrase{Area: AreaApps,
			Pattern: `the app {app} has the Installation URL {text}`,
			Example: `the app "Onboard" has the Installation URL "https://onboard.example/start"`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return w.draft(a[0], func(x *reference.App) { x.InstallationURL = a[1] })
			}},
		{Phrase: Phrase{Area: AreaApps,
			Pattern: `the app {app} has no extensions`,
			Example: `the app "Headless" has no extensions`},
			run: func(w *world, a []string, _ *godog.Table) error {
				return w.draft(a[0], func(x *reference.App) { x.Extensions = nil })
			}},
		{Phrase: Phrase{Area: AreaApps,
			Pattern: `the {party} sets the sharing mode of {app} to {mode}`,
			Example: `the marketplace sets the sharing mode of "Solo Tool" to add-to-account`},
			run: setMode},
		{Phrase: Phrase{Area: AreaApps,
			Pattern: `the vendor changes the scopes of {app} to {text}`,
			Example: `the vendor changes the scopes of "Notes Sync" to "deals:full"`},
			run: func(w *world, a []string, _ *godog.Table) error {
				id, err := w.app(a[0])
				if err != nil {
					return err
				}
				return w.do(reference.ChangeScopes{App: id, Scopes: scopeList(a[1])})
			}},
		{Phrase: Phrase{Area: AreaApps,
			Pattern: `the sharing mode of {app} is {mode}`,
			Example: `the sharing mode of "Plain" is none`},
			run: func(w *world, a []string, _ *godog.Table) error {
				id, err := w.app(a[0])
				if err != nil {
					return err
				}
				m, err := w.market()
				if err != nil {
					return err
				}
				x, _ := m.App(id)
				if x.Mode != modes[a[1]] {
					return fmt.Errorf("the sharing mode of %q is %s, not %s", a[0], modeWord(x.Mode), a[1])
				}
				return nil
			}},
	}
}

// draft names an app, or changes a named app before it is listed. Unless a
// step says otherwise a Pipedrive app has no sharing, allows choosing
// specific users, requests deals:read and has every kind of extension; a
// Procore or Zoom app requires no scopes.
func (w *world) draft(name string, change func(*reference.App)) error {
	e, ok := w.apps[name]
	if !ok {
		e = &appEntry{app: reference.App{
			ID:                 reference.AppID(slug(name)),
			Name:               name,
			Mode:               reference.ModeNone,
			AllowSpecificUsers: true,
			Scopes:             []string{"deals:read"},
			Extensions:         reference.ExtensionKinds(),
			CallbackURL:        "https://" + slug(name) + ".example/callback",
		}}
		if w.profile != reference.Pipedrive {
			// Sharing and Pipedrive's scopes are Pipedrive's; elsewhere an
			// app requires no scopes unless a step says so.
			e.app.AllowSpecificUsers, e.app.Scopes, e.app.Extensions = false, nil, nil
		}
		w.apps[name] = e
		w.appOrder = append(w.appOrder, name)
	}
	if e.listed {
		return fmt.Errorf("the app %q is already listed, so this can no longer be set up; "+
			"the marketplace changes the mode (the marketplace sets the sharing mode of %q to …) and the vendor the scopes (the vendor changes the scopes of %q to …)",
			name, name, name)
	}
	change(&e.app)
	return nil
}

func setMode(w *world, a []string, _ *godog.Table) error {
	id, err := w.app(a[1])
	if err != nil {
		return err
	}
	return w.do(reference.SetSharingMode{App: id, Mode: modes[a[2]], By: reference.Party(a[0])})
}

func slug(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

// scopeList splits "deals:read, contacts:read".
func scopeList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}
