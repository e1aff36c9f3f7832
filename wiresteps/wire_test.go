package wiresteps

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cucumber/godog"
	messages "github.com/cucumber/messages/go/v34"

	"github.com/appcert/appcert/reference"
	"github.com/appcert/appcert/steps"
)

// wireScenario is a scenario with Acme (Alice, admin; Bob) and a recording
// app, closed when the test ends, as the scenario hooks would.
func wireScenario(t *testing.T) (context.Context, *world) {
	t.Helper()
	ctx, w := newScenario(t)
	wireMust(t, ctx, `the recording app "Deal Panel" with client ID "acme-client" and client secret "acme-secret"`)
	table := &godog.Table{Rows: wireRows("name|role", "Alice|admin", "Bob|user")}
	if err := wireStep(ctx, `the company "Acme" with these people:`, table); err != nil {
		t.Fatal(err)
	}
	return ctx, w
}

// newScenario is a scenario's worlds, the vocabulary's and the wire's, as
// the suite's hooks make them; its servers stop when the test ends.
func newScenario(t *testing.T) (context.Context, *world) {
	ctx, w := withWorld(steps.NewWorld(context.Background(), reference.Pipedrive))
	w.steps, _ = steps.WorldOf(ctx)
	t.Cleanup(func() { _, _ = closeWire(ctx, nil, nil) })
	return ctx, w
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

// wireStep runs one step text through the suite's steps, the
// vocabulary's and the wire's, as godog would.
func wireStep(ctx context.Context, text string, t *godog.Table) error {
	for _, b := range append(steps.Bindings(), Bindings()...) {
		m := b.RE.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		in := []reflect.Value{reflect.ValueOf(ctx)}
		for _, a := range m[1:] {
			in = append(in, reflect.ValueOf(a))
		}
		if b.Table {
			in = append(in, reflect.ValueOf(t))
		}
		err, _ := reflect.ValueOf(b.Fn).Call(in)[0].Interface().(error)
		return err
	}
	return fmt.Errorf("no step matches %q", text)
}

func wireMust(t *testing.T, ctx context.Context, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if err := wireStep(ctx, s, nil); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// failsWith requires the step to fail with a message naming what is wrong.
func failsWith(t *testing.T, ctx context.Context, text string, tab *godog.Table, want string) {
	t.Helper()
	err := wireStep(ctx, text, tab)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("%s: err = %v; want it to say %q", text, err, want)
	}
}

func TestWireSteps_AWrongQueryFails(t *testing.T) {
	ctx, _ := wireScenario(t)
	wireMust(t, ctx, `"Deal Panel" has a JSON panel on deals`, `the marketplace sends Bob's JSON panel request for deal 42`)
	good := wireRows("resource|deal", "view|details", "userId|Bob", "companyId|Acme", "selectedIds|42", "isShared|false", "token|(any)")
	if err := wireStep(ctx, `the app gets a GET at "/panel" with the query:`, &godog.Table{Rows: good}); err != nil {
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
			failsWith(t, ctx, `the app gets a GET at "/panel" with the query:`, &godog.Table{Rows: wireRows(c.rows...)}, c.want)
		})
	}
	failsWith(t, ctx, `the app gets a DELETE at "/callback"`, nil, `the app got a GET at "/panel", not a DELETE at "/callback"`)
	failsWith(t, ctx, `the request has no "isShared" parameter`, nil, `has isShared="false"`)
}

func TestWireSteps_ATokenSignedOtherwiseFails(t *testing.T) {
	ctx, _ := wireScenario(t)
	wireMust(t, ctx, `"Deal Panel" has a link action on deals with the JWT secret "panel-secret"`,
		`the marketplace sends Bob's link action request for deal 7`,
		`the token is signed with "panel-secret" and names Bob and "Acme"`)
	failsWith(t, ctx, `the token is signed with the app's client secret and names Bob and "Acme"`, nil, "does not verify with the app's client secret")
	failsWith(t, ctx, `the token is signed with "panel-secret" and names Alice and "Acme"`, nil, "not Alice (101)")
	failsWith(t, ctx, `the token is not signed with "panel-secret"`, nil, `the token is signed with "panel-secret"`)
	failsWith(t, ctx, `it expires 60 seconds after it was issued`, nil, "expires 300 seconds after it was issued")
	failsWith(t, ctx, `the request carries the Basic auth "u" and "p"`, nil, "carries no Basic auth")
}

// An ID sent as a string where the protocol has a number is caught.
func TestWireCheck_JSONTypesCount(t *testing.T) {
	_, w := wireScenario(t)
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
	ctx, _ := wireScenario(t)
	wireMust(t, ctx, `Bob authorizes the app`, `the app exchanges Bob's code`, `the token endpoint answers 200`)
	failsWith(t, ctx, `the token endpoint answers 400`, nil, "answered 200")
	failsWith(t, ctx, `the token endpoint answers 200 with:`, &godog.Table{Rows: wireRows("expires_in|3600", "token_type|Bearer")},
		"expires_in is 3599, want \"3600\"")
	wireMust(t, ctx, `the app exchanges Bob's code again`)
	failsWith(t, ctx, `the token endpoint answers 400 with the error "invalid_client"`, nil, `error is "invalid_grant"`)
	failsWith(t, ctx, `an API call to "GET /users/me" with Bob's access token gets 401`, nil, "got 200")
}

func TestCloseWire_StopsTheServers(t *testing.T) {
	ctx, w := newScenario(t)
	wireMust(t, ctx, `the recording app "Deal Panel" with client ID "acme-client" and client secret "acme-secret"`)
	app, mkt := w.wire.app.URL, w.wire.mkt.URL
	if _, err := closeWire(ctx, nil, nil); err != nil {
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

// The wire's phrases share a suite with the vocabulary's: every example
// must match its own phrase and no other of either, or godog (strict)
// would call the step ambiguous.
func TestPhrases_EachExampleMatchesOnlyItsOwnPhraseInTheSuite(t *testing.T) {
	for _, p := range append(steps.Phrases(), Phrases()...) {
		text := strings.SplitN(p.Example, "\n", 2)[0]
		got := append(steps.Match(text), Match(text)...)
		if len(got) != 1 || got[0].Pattern != p.Pattern {
			var pats []string
			for _, g := range got {
				pats = append(pats, g.Pattern)
			}
			t.Errorf("example %q of %q matches %q", text, p.Pattern, pats)
		}
	}
}
