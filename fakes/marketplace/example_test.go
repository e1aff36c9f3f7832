package marketplace_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

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

// A Clock lets a test see codes and access tokens expire without waiting:
// here the app is slow to exchange its code, which lives 5 minutes.
func ExampleClock() {
	var code string
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code = r.URL.Query().Get("code") // a real app exchanges it here
	}))
	defer app.Close()

	clock := marketplace.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	m := marketplace.New(marketplace.Options{Clock: clock.Now})
	defer m.Close()
	market := httptest.NewServer(m)
	defer market.Close()
	m.SetURL(market.URL)

	_ = m.AddCompany(marketplace.Company{ID: 1, Name: "Acme Ltd"})
	_ = m.AddUser(marketplace.User{ID: 101, CompanyID: 1, Name: "Bob", Email: "bob@acme.test"})
	_ = m.AddApp(manifest.App{ClientID: "acme-client", ClientSecret: "acme-secret",
		CallbackURL: app.URL + "/callback", Scopes: []string{"deals:read"}})

	_, _ = m.Authorize(context.Background(), "acme-client", 101)
	clock.Advance(6 * time.Minute)

	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {app.URL + "/callback"}}
	req, _ := http.NewRequest(http.MethodPost, m.URL()+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("acme-client", "acme-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var answer struct {
		Error string `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&answer)
	fmt.Println(resp.StatusCode, answer.Error)
	// Output:
	// 400 invalid_grant
}

// Sends take a request struct; the judges that need nothing but the
// exchange are plain functions. This app answers an uninstall with a 500.
func ExampleJudgeUninstall() {
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "database is down", http.StatusInternalServerError)
	}))
	defer app.Close()

	m := marketplace.New(marketplace.Options{})
	defer m.Close()
	_ = m.AddCompany(marketplace.Company{ID: 1, Name: "Acme Ltd"})
	_ = m.AddUser(marketplace.User{ID: 101, CompanyID: 1, Name: "Bob", Email: "bob@acme.test"})
	_ = m.AddApp(manifest.App{ClientID: "acme-client", ClientSecret: "acme-secret",
		CallbackURL: app.URL + "/callback", Scopes: []string{"deals:read"}})

	ex, err := m.SendUninstall(context.Background(), "acme-client", marketplace.UninstallRequest{CompanyID: 1, UserID: 101})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range marketplace.JudgeUninstall(ex) {
		fmt.Println(f)
	}
	// Output:
	// PD-UNINST-02 warn: uninstall for user 101 of company 1: answered 500
}
