package suite

import (
	"encoding/base64"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/appcert/appcert/certify/result"
	"github.com/appcert/appcert/fakes/marketplace"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/reference"
	"github.com/appcert/appcert/rules"
)

func TestParseIDs_ListsAndRanges(t *testing.T) {
	for in, want := range map[string][]int64{
		"deal 2":           {2},
		"deals 1, 2 and 3": {1, 2, 3},
		"deals 3 and 1":    {1, 3},
		"deals 1 to 4":     {1, 2, 3, 4},
	} {
		got, err := parseIDs(in)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("parseIDs(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"deals", "deals 4 to 1", "deals 1 to 1000", "deals 0", "deals x"} {
		if got, err := parseIDs(in); err == nil {
			t.Errorf("parseIDs(%q) = %v; want an error", in, got)
		}
	}
}

func testWorld(t *testing.T) *world {
	t.Helper()
	return testWorldIn(t, testRun(t))
}

func testRun(t *testing.T) *Run {
	t.Helper()
	m := marketplace.New(marketplace.Options{})
	t.Cleanup(m.Close)
	a := manifest.App{ClientID: "c", ClientSecret: "the-client-secret", CallbackURL: "http://app.test/cb", SharingMode: reference.ModeSharedExtensions,
		Extensions: []manifest.Extension{{Type: reference.JSONPanel, Name: "p", Resource: "deal", URL: "http://app.test/panel",
			HTTPAuth: manifest.BasicAuth{Username: "u", Password: "the-http-password"}}}}
	if err := m.AddApp(a); err != nil {
		t.Fatal(err)
	}
	r, err := NewRun(m, a)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func testWorldIn(t *testing.T, r *Run) *world {
	t.Helper()
	c, _ := CheckOf(rules.PDShare21)
	w, err := newWorld(r, &result.Scenario{Name: "s"}, c)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// What a report must never show, in the forms an app may echo it: the
// secrets of the manifest raw, base64 and URL-encoded, in Basic auth
// headers, cut by the excerpt's end; tokens and JWTs; URL userinfo.
func TestRedactor_HidesEncodedAndCutSecrets(t *testing.T) {
	app := manifest.App{ClientID: "cid", ClientSecret: "the-client-secret", Extensions: []manifest.Extension{
		{Type: reference.JSONPanel, HTTPAuth: manifest.BasicAuth{Username: "u", Password: "pa ss/wörd+1"}},
	}}
	r := NewRedactor(app)
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	jwt := "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VySWQiOjF9.c2lnbmF0dXJlLXNpZ25hdHVyZQ"
	pad := strings.Repeat("x", bodyExcerpt-10)
	cases := []struct {
		name, in string
		leaks    []string // what must not be in the result, whole or in part
	}{
		{"raw", "secret: the-client-secret", []string{"the-client-secret"}},
		{"base64", "dump: " + b64("the-client-secret"), []string{b64("the-client-secret")}},
		{"url-encoded", "p=" + url.QueryEscape("pa ss/wörd+1"), []string{url.QueryEscape("pa ss/wörd+1")}},
		{"path-escaped", "/x/" + url.PathEscape("pa ss/wörd+1"), []string{url.PathEscape("pa ss/wörd+1")}},
		{"basic auth header", "Authorization: Basic " + b64("u:pa ss/wörd+1"), []string{b64("u:pa ss/wörd+1")}},
		{"basic auth of the client", `{"auth":"Basic ` + b64("cid:the-client-secret") + `"}`, []string{b64("cid:the-client-secret")}},
		{"basic auth of anyone", "Authorization: Basic " + b64("mallory:hunter22"), []string{b64("mallory:hunter22")}},
		{"basic auth of user:pass", "Authorization: Basic dXNlcjpwYXNz", []string{"dXNlcjpwYXNz"}},
		{"basic auth in a sentence", "sent with Basic dXNlcjpwYXNz.", []string{"dXNlcjpwYXNz"}},
		{"bearer of letters only", "Authorization: Bearer abcdefghijklmnopqrstuvwx", []string{"abcdefghijklmnop"}},
		{"bearer token", "Authorization: Bearer 7:1001:" + strings.Repeat("ab", 20), []string{"abab"}},
		{"access token", `{"access_token":"7:1001:` + strings.Repeat("ab", 20) + `"}`, []string{"abab"}},
		{"code, url-encoded", "code=7.1001." + strings.Repeat("0f", 20) + "&x=" + url.QueryEscape("7:1001:"+strings.Repeat("cd", 20)), []string{"0f0f", "cdcd"}},
		{"jwt", "token=" + jwt, []string{"eyJhbGci", "c2lnbmF0dXJl"}},
		{"jwt in json", `{"t":"` + jwt + `"}`, []string{"eyJhbGci", "c2lnbmF0dXJl"}},
		{"url userinfo", "GET http://admin:pw123@app.test/panel", []string{"admin:pw123"}},
		{"secret cut at the excerpt", pad + "the-client-secret", []string{"the-cl"}},
		{"jwt cut at the excerpt", pad + jwt, []string{"eyJhbG"}},
		{"base64 cut at the excerpt", pad + b64("the-client-secret"), []string{b64("the-client-secret")[:6]}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := r.Redact(tc.in)
			ex := r.Exchange(marketplace.Exchange{Kind: marketplace.KindPanel, Request: marketplace.SentRequest{Method: "GET", URL: "http://app.test/p"}, Status: 401, Body: []byte(tc.in)})
			for _, out := range []string{got, ex.Body} {
				for _, leak := range tc.leaks {
					if strings.Contains(out, leak) {
						t.Errorf("%q leaks %q", out, leak)
					}
				}
			}
		})
	}
	// What is no secret stays readable.
	if got := r.Redact("deal 1 of Acme, user 1001"); got != "deal 1 of Acme, user 1001" {
		t.Errorf("innocent text changed: %q", got)
	}
}

// The words that follow "Basic" or "Bearer" in a finding, a scenario name
// or a reason are no credential and stay as written.
func TestRedactor_KeepsWordsAfterBasicAndBearer(t *testing.T) {
	r := NewRedactor(manifest.App{ClientID: "cid", ClientSecret: "the-client-secret"})
	for _, s := range []string{
		"JSON panel request (Basic auth: wrong) for user 1001 of company 1: answered 200",
		"A request with forged Basic auth is refused (Basic auth: missing)",
		"a request whose basic auth is wrong",
		"the app's Custom UI panel has no http_auth, so its requests carry no Basic auth",
		"The code is exchanged for a Bearer access token of an hour",
		"want Bearer and the access token",
	} {
		if got := r.Redact(s); got != s {
			t.Errorf("Redact(%q) = %q; want it unchanged", s, got)
		}
	}
}

func TestRedactor_CutsAfterRedacting(t *testing.T) {
	w := testWorld(t)
	ex := w.run.redact.Exchange(marketplace.Exchange{Kind: marketplace.KindAuthorize,
		Request: marketplace.SentRequest{Method: "GET", URL: "http://app.test/cb?code=abc&state=s1"}, Status: 200, Body: []byte(strings.Repeat("é", 300))})
	if ex.Request != "GET http://app.test/cb?code=[redacted]&state=s1" {
		t.Errorf("request line %q", ex.Request)
	}
	if !strings.HasSuffix(ex.Body, "…") || len(ex.Body) > bodyExcerpt+len("…") || strings.ContainsRune(ex.Body, '\uFFFD') {
		t.Errorf("body excerpt cut badly: %d bytes, %q…", len(ex.Body), ex.Body[:20])
	}
}

// Runs against the same app never give it an ID an earlier run gave
// another company or user: not two runs of one process started at the
// same instant, nor a run of a new process started a second after the
// last of them; every ID is exact as a JSON number and ends in the run's
// own count.
func TestRun_IDsNeverRepeatAcrossRuns(t *testing.T) {
	at := time.Date(2026, 11, 30, 11, 0, 0, 0, time.UTC)
	defer func(f func() time.Time, last int64) { timeNow = f; lastBlock.Store(last) }(timeNow, lastBlock.Load())
	timeNow = func() time.Time { return at }
	ids := func(r *Run) []int64 {
		w := testWorldIn(t, r)
		var out []int64
		for _, name := range []string{"Acme", "Globex"} {
			if err := w.addCompany(name, []person{{Name: name + " Alice", Admin: true}, {Name: name + " Bob"}}); err != nil {
				t.Fatal(err)
			}
			out = append(out, w.companies[name].ID, w.people[name+" Alice"].ID, w.people[name+" Bob"].ID)
		}
		return out
	}
	lastBlock.Store(0)
	first := ids(testRun(t))
	second := ids(testRun(t))    // same process, same instant
	at = at.Add(2 * time.Second) // the second took the next second's block
	lastBlock.Store(0)           // a new process
	third := ids(testRun(t))
	seen := map[int64]bool{}
	for _, id := range slices.Concat(first, second, third) {
		if seen[id] {
			t.Errorf("ID %d given twice: %v, %v, %v", id, first, second, third)
		}
		seen[id] = true
		if id <= 0 || id >= 1<<53 {
			t.Errorf("ID %d is not exact as a JSON number", id)
		}
	}
	// The last digits count within the run: company 1, user 1001.
	r := testRun(t)
	w := testWorldIn(t, r)
	if err := w.addCompany("Acme", []person{{Name: "Alice"}}); err != nil {
		t.Fatal(err)
	}
	if c, p := w.companies["Acme"], w.people["Alice"]; c.ID%companyIDs != 1 || p.ID%userIDs != 1001 || c.Full != "Acme 1" || c.ID/companyIDs != p.ID/userIDs {
		t.Errorf("company %d (%q), user %d; want the run's block then 1 and 1001", c.ID, c.Full, p.ID)
	}
}
