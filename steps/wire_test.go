package steps

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v21"

	"github.com/appcert/appcert/reference"
)

// wireScenario is a world with Acme (Alice, admin; Bob) and a recording
// app, closed when the test ends, as the scenario hooks would.
func wireScenario(t *testing.T) *world {
	t.Helper()
	w := newWorld(reference.Pipedrive)
	t.Cleanup(func() { _, _ = closeWire(withWorld(context.Background(), w), nil, nil) })
	wireMust(t, w, `the recording app "Deal Panel" with client ID "acme-client" and client secret "acme-secret"`)
	table := &godog.Table{Rows: wireRows("name|role", "Alice|admin", "Bob|user")}
	if err := wireStep(w, `the company "Acme" with these people:`, table); err != nil {
		t.Fatal(err)
	}
	return w
}

func wireRows(lines ...string) []*messages.PickleTableRow {
	var out []*messages.PickleTableRow
	for _, l := range lines {
		r := &messages.PickleTableRow{}
		for _, c := range strings.Split(l, "|") {
			r.Cells = append(r.Cells, &messages.PickleTableCell{Value: c})
		}
		out = append(out, r)
	}
	return out
}

// step runs one step text through the step table, as godog would.
func wireStep(w *world, text string, t *godog.Table) error {
	for _, d := range table {
		m := d.re.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		return d.run(w, m[1:], t)
	}
	return fmt.Errorf("no step matches %q", text)
}

func wireMust(t *testing.T, w *world, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if err := wireStep(w, s, nil); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// failsWith requires the step to fail with a message naming what is wrong.
func failsWith(t *testing.T, w *world, text string, tab *godog.Table, want string) {
	t.Helper()
	err := wireStep(w, text, tab)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("%s: err = %v; want it to say %q", text, err, want)
	}
}

func TestWireSteps_AWrongQueryFails(t *testing.T) {
	w := wireScenario(t)
	wireMust(t, w, `"Deal Panel" has a JSON panel on deals`, `the marketplace sends Bob's JSON panel request for deal 42`)
	good := wireRows("resource|deal", "view|details", "userId|Bob", "companyId|Acme", "selectedIds|42", "isShared|false", "token|(any)")
	if err := wireStep(w, `the app gets a GET at "/panel" with the query:`, &godog.Table{Rows: good}); err != nil {
		t.Fatalf("the right query: %v", err)
	}
	cases := map[string]struct {
		rows []string
		want string
	}{
		"a wrong value":      {[]string{"resource|deal", "view|details", "userId|Alice", "companyId|Acme", "selectedIds|42", "isShared|false", "token|(any)"}, `userId is "102", want Alice (the number 101)`},
		"an unexpected name": {[]string{"resource|deal", "view|details", "userId|Bob", "companyId|Acme", "selectedIds|42", "token|(any)"}, `also has isShared="false"`},
		"a missing name":     {[]string{"resource|deal", "view|details", "userId|Bob", "companyId|Acme", "selectedIds|42", "isShared|false", "token|(any)", "filter|x"}, "the query has no filter"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			failsWith(t, w, `the app gets a GET at "/panel" with the query:`, &godog.Table{Rows: wireRows(c.rows...)}, c.want)
		})
	}
	failsWith(t, w, `the app gets a DELETE at "/callback"`, nil, `the app got a GET at "/panel", not a DELETE at "/callback"`)
	failsWith(t, w, `the request has no "isShared" parameter`, nil, `has isShared="false"`)
}

func TestWireSteps_ATokenSignedOtherwiseFails(t *testing.T) {
	w := wireScenario(t)
	wireMust(t, w, `"Deal Panel" has a link action on deals with the JWT secret "panel-secret"`,
		`the marketplace sends Bob's link action request for deal 7`,
		`the token is signed with "panel-secret" and names Bob and "Acme"`)
	failsWith(t, w, `the token is signed with the app's client secret and names Bob and "Acme"`, nil, "does not verify with the app's client secret")
	failsWith(t, w, `the token is signed with "panel-secret" and names Alice and "Acme"`, nil, "not Alice (101)")
	failsWith(t, w, `the token is not signed with "panel-secret"`, nil, `the token is signed with "panel-secret"`)
	failsWith(t, w, `it expires 60 seconds after it was issued`, nil, "expires 300 seconds after it was issued")
	failsWith(t, w, `the request carries the Basic auth "u" and "p"`, nil, "carries no Basic auth")
}

// An ID sent as a string where the protocol has a number is caught.
func TestWireCheck_JSONTypesCount(t *testing.T) {
	w := wireScenario(t)
	cases := []struct {
		want string
		got  wireValue
		ok   bool
	}{
		{"Bob", wireValue{"102", "number"}, true},
		{"Bob", wireValue{"102", "string"}, false},
		{"Bob", wireValue{"101", "number"}, false},
		{"Acme", wireValue{"1", "number"}, true},
		{"3599", wireValue{"3599", "number"}, true},
		{"3599", wireValue{"3599", "string"}, false},
		{"false", wireValue{"false", "string"}, false},
		{"now", wireValue{time.Now().UTC().Format(time.RFC3339), "string"}, true},
		{"now", wireValue{"2020-01-01T00:00:00Z", "string"}, false},
		{"(any)", wireValue{"", "string"}, false},
	}
	for _, c := range cases {
		if err := w.check("x", c.want, c.got, true); (err == nil) != c.ok {
			t.Errorf("check(%q, %v) = %v; want ok %v", c.want, c.got, err, c.ok)
		}
	}
}

func TestWireSteps_TheTokenEndpointsAnswerIsChecked(t *testing.T) {
	w := wireScenario(t)
	wireMust(t, w, `Bob authorizes the app`, `the app exchanges Bob's code`, `the token endpoint answers 200`)
	failsWith(t, w, `the token endpoint answers 400`, nil, "answered 200")
	failsWith(t, w, `the token endpoint answers 200 with:`, &godog.Table{Rows: wireRows("expires_in|3600", "token_type|Bearer")},
		"expires_in is 3599, want \"3600\"")
	wireMust(t, w, `the app exchanges Bob's code again`)
	failsWith(t, w, `the token endpoint answers 400 with the error "invalid_client"`, nil, `error is "invalid_grant"`)
	failsWith(t, w, `an API call to "GET /users/me" with Bob's access token gets 401`, nil, "got 200")
}

func TestCloseWire_StopsTheServers(t *testing.T) {
	w := newWorld(reference.Pipedrive)
	wireMust(t, w, `the recording app "Deal Panel" with client ID "acme-client" and client secret "acme-secret"`)
	app, mkt := w.wire.app.URL, w.wire.mkt.URL
	if _, err := closeWire(withWorld(context.Background(), w), nil, nil); err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{app, mkt} {
		if resp, err := http.Get(u); err == nil {
			resp.Body.Close()
			t.Errorf("%s still answers after the scenario", u)
		}
	}
}

func TestParseDuration_ReadsScenarioWords(t *testing.T) {
	cases := map[string]time.Duration{
		"4 minutes 59 seconds":        4*time.Minute + 59*time.Second,
		"1 second":                    time.Second,
		"60 days":                     60 * 24 * time.Hour,
		"59 days 23 hours 59 minutes": 60*24*time.Hour - time.Minute,
		"1 day and 2 hours":           26 * time.Hour,
	}
	for s, want := range cases {
		if got, err := parseDuration(s); err != nil || got != want {
			t.Errorf("parseDuration(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	if _, err := parseDuration("soon"); err == nil {
		t.Error(`parseDuration("soon") took it`)
	}
}
