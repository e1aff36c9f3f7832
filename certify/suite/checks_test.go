package suite

import (
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
