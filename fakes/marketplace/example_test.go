package marketplace_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/appcert/appcert/fakes/marketplace"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/reference"
)

// An app creator who writes Go can certify their app in their own tests,
// in-process: serve the app with httptest, point a marketplace at it, send
// what the marketplace sends and judge the answers. This app forgot to check
// the token of its JSON panel requests, so a forged one is answered.
func ExampleNew() {
	mux := http.NewServeMux()
	mux.HandleFunc("/panel", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"data":[{"id":1,"header":"Acme Ltd deal 1"}]}`)
	})
	app := httptest.NewServer(mux)
	defer app.Close()

	m := marketplace.New(marketplace.Options{})
	defer m.Close()
	// The app's OAuth client and API calls would go here, at market.URL.
	market := httptest.NewServer(m)
	defer market.Close()

	_ = m.AddCompany(marketplace.Company{ID: 1, Name: "Acme Ltd"})
	_ = m.AddUser(marketplace.User{ID: 101, CompanyID: 1, Name: "Bob", Email: "bob@acme.test"})
	err := m.AddApp(manifest.App{
		ClientID: "acme-client", ClientSecret: "acme-secret", CallbackURL: app.URL + "/callback",
		Scopes: []string{"deals:read"},
		Extensions: []manifest.Extension{
			{Type: reference.JSONPanel, Name: "Deal summary", Resource: "deal", URL: app.URL + "/panel"},
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	ctx := context.Background()
	ex, _ := m.SendPanel(ctx, "acme-client", marketplace.PanelRequest{UserID: 101})
	fmt.Println("genuine:", ex.Status, len(m.JudgePanel(ex, marketplace.Expectation{})), "findings")

	ex, _ = m.SendPanel(ctx, "acme-client", marketplace.PanelRequest{UserID: 101, Token: marketplace.TokenExpired})
	for _, f := range m.JudgePanel(ex, marketplace.Refuse("PD-EXT-02")) {
		fmt.Println(f)
	}
	// Output:
	// genuine: 200 0 findings
	// PD-EXT-02 fail: JSON panel request (token: expired) for user 101 of company 1: answered 200; want a refusal, 401 or 403
}
