package app_test

import (
	"testing"

	"github.com/appcert/appcert/certify"
	"github.com/appcert/appcert/certifytest"
	"github.com/appcert/appcert/fakes/app"
)

// The sample app certified from its own tests, in-process, as an app
// creator would certify theirs: every rule a subtest.
func TestApp_CertifiedInProcess(t *testing.T) {
	m := certifytest.Start(t, certifytest.Options{})
	a, err := app.New(app.Options{
		ClientID: certify.SampleClientID, ClientSecret: certify.SampleClientSecret,
		HTTPAuthUser: certify.SampleHTTPUser, HTTPAuthPassword: certify.SampleHTTPPassword,
		OAuthBaseURL: m.OAuthURL, HTTPClient: m.Client,
	})
	if err != nil {
		t.Fatal(err)
	}
	rep := m.Certify(t, certify.SampleManifest("", a.Scopes()), a)
	if rep.ExitCode() != certify.ExitOK {
		t.Errorf("exit %d: %s", rep.ExitCode(), rep.SummaryLine())
	}
}
