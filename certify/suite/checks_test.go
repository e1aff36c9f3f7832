package suite

import (
	"slices"
	"strings"
	"testing"

	"github.com/appcert/appcert/certify/result"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/rules"
)

// A check that needs a manifest key applies only to a manifest that
// declares it, and its N/A names the key.
func TestCheck_NeedsWhatTheManifestDeclares(t *testing.T) {
	c, ok := CheckOf(rules.PDOAuth05)
	if !ok {
		t.Fatal("PD-OAUTH-05 has no check")
	}
	app := manifest.App{SharingMode: manifest.ModeSharedExtensions}
	if s, why := c.Surfaces(app); len(s) != 0 || !strings.Contains(why, "installation_url") {
		t.Errorf("without an installation_url: %v %q, want N/A naming installation_url", s, why)
	}
	if c.Applies(app) {
		t.Error("Applies without an installation_url")
	}
	app.InstallationURL = "http://127.0.0.1:8080/install"
	if s, _ := c.Surfaces(app); len(s) != 1 || s[0] != result.App {
		t.Errorf("with an installation_url: %v, want the app as a whole", s)
	}
	if !c.Applies(app) {
		t.Error("does not apply with an installation_url")
	}
}

// A scenario that runs Custom UI pages in the browser checks the rule on
// those pages alone: N/A, saying so, when the app declares none, whatever
// else it declares; the rule's other scenarios still run on the rest.
func TestCheck_OnPagesRunsOnCustomUIPagesOnly(t *testing.T) {
	c, ok := CheckOf(rules.PDExt05)
	if !ok {
		t.Fatal("PD-EXT-05 has no check")
	}
	panelOnly := manifest.App{SharingMode: manifest.ModeSharedExtensions, Extensions: []manifest.Extension{{Type: manifest.JSONPanel}}}
	if s, why := c.OnPages().Surfaces(panelOnly); len(s) != 0 || why != "the app declares no Custom UI page" {
		t.Errorf("on pages, with a JSON panel only: %v %q; want N/A, the app declares no Custom UI page", s, why)
	}
	if s, _ := c.Surfaces(panelOnly); len(s) != 1 || s[0] != manifest.JSONPanel {
		t.Errorf("the check itself, with a JSON panel only: %v; want json_panel", s)
	}
	withPage := panelOnly
	withPage.Extensions = append(slices.Clone(panelOnly.Extensions), manifest.Extension{Type: manifest.CustomUIPanel})
	if s, _ := c.OnPages().Surfaces(withPage); len(s) != 1 || s[0] != manifest.CustomUIPanel {
		t.Errorf("on pages, with a Custom UI panel too: %v; want custom_ui_panel alone", s)
	}
	if !runsPages([]string{"Alice installs the app for herself", "Alice's Custom UI pages call their backend in the browser"}) {
		t.Error("a scenario that runs the pages is not seen to")
	}
	if runsPages([]string{"Alice installs the app for herself", "Alice uses the app's extensions"}) {
		t.Error("a scenario that runs no page is seen to")
	}
}
