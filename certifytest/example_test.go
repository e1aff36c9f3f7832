package certifytest_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/appcert/appcert/certify"
	"github.com/appcert/appcert/certifytest"
	"github.com/appcert/appcert/fakes/app"
	"github.com/appcert/appcert/rules"
)

// An app whose OAuth base URL is a setting is pointed at the marketplace's
// URL and certified; in a test, Start(t, ...) and m.Certify(t, ...) do the
// same and report every rule as a subtest. The app here is appcert's
// sample app, with one of its faults switched on.
func ExampleMarketplace_Run() {
	m, err := certifytest.New(certifytest.Options{Tags: "@PD-EXT-02,@PD-OAUTH-02"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	a, err := app.New(app.Options{
		ClientID: certify.SampleClientID, ClientSecret: certify.SampleClientSecret,
		HTTPAuthUser: certify.SampleHTTPUser, HTTPAuthPassword: certify.SampleHTTPPassword,
		OAuthBaseURL: m.OAuthURL, HTTPClient: m.Client,
		Faults: []app.Fault{app.FaultSkipJWT}, // does not verify the panel's token
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// The manifest's URLs are paths on the handler, served for the run.
	rep, err := m.Run(context.Background(), certify.SampleManifest("", a.Scopes()), a)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, id := range []rules.ID{"PD-EXT-02", "PD-OAUTH-02"} {
		r, _ := rep.Rule(id)
		fmt.Println(id, r.Verdict)
	}
	fmt.Println("exit code", rep.ExitCode())
	// Output:
	// PD-EXT-02 FAIL
	// PD-OAUTH-02 PASS
	// exit code 1
}

// Zero-change mode: the app calls https://oauth.pipedrive.com and the
// api_domain its token answer names (a *.pipedrive.com host), through its
// own client; RoutePipedrive sends those calls to the marketplace.
func ExampleMarketplace_RoutePipedrive() {
	m, err := certifytest.New(certifytest.Options{Pipedrive: true, Tags: "@PD-OAUTH-02,@PD-EXT-02"})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer m.Close()
	client := &http.Client{Timeout: 10 * time.Second} // the app's own client
	m.RoutePipedrive(client)
	a, err := app.New(app.Options{
		ClientID: certify.SampleClientID, ClientSecret: certify.SampleClientSecret,
		HTTPAuthUser: certify.SampleHTTPUser, HTTPAuthPassword: certify.SampleHTTPPassword,
		OAuthBaseURL: "https://oauth.pipedrive.com", HTTPClient: client,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	rep, err := m.Run(context.Background(), certify.SampleManifest("", a.Scopes()), a)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, id := range []rules.ID{"PD-OAUTH-02", "PD-EXT-02"} {
		r, _ := rep.Rule(id)
		fmt.Println(id, r.Verdict)
	}
	// Output:
	// PD-OAUTH-02 PASS
	// PD-EXT-02 PASS
}
