package steps

import (
	"slices"
	"strings"
	"testing"

	"github.com/appcert/appcert/fakes/marketplace"
	"github.com/appcert/appcert/manifest"
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

func testWorld(t *testing.T) *certWorld {
	t.Helper()
	m := marketplace.New(marketplace.Options{})
	t.Cleanup(m.Close)
	a := manifest.App{ClientID: "c", ClientSecret: "the-client-secret", CallbackURL: "http://app.test/cb", SharingMode: manifest.ModeSharedExtensions,
		Extensions: []manifest.Extension{{Type: manifest.JSONPanel, Name: "p", Resource: "deal", URL: "http://app.test/panel",
			HTTPAuth: manifest.BasicAuth{Username: "u", Password: "the-http-password"}}}}
	if err := m.AddApp(a); err != nil {
		t.Fatal(err)
	}
	r, err := NewCertifyRun(m, a)
	if err != nil {
		t.Fatal(err)
	}
	w, err := newCertWorld(r, &CertifyScenario{Name: "s"})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestCertWorld_RedactsWhatAReportMustNotShow(t *testing.T) {
	w := testWorld(t)
	in := `Get "http://app.test/panel?userId=1&token=eyJhbGciOiJIUzI1NiJ9.eyJ1c2VySWQiOjF9.c2ln": ` +
		"7:1001:" + strings.Repeat("a1", 20) + " 7.1001." + strings.Repeat("0f", 20) + " the-client-secret the-http-password"
	got := w.redact(in)
	for _, leak := range []string{"eyJ", "a1a1", "0f0f", "the-client-secret", "the-http-password"} {
		if strings.Contains(got, leak) {
			t.Errorf("redact left %q in %q", leak, got)
		}
	}
	ex := w.exchange(marketplace.Exchange{Kind: marketplace.KindAuthorize,
		Request: marketplace.SentRequest{Method: "GET", URL: "http://app.test/cb?code=abc&state=s1"}, Status: 200, Body: []byte(strings.Repeat("é", 300))})
	if ex.Request != "GET http://app.test/cb?code=[redacted]&state=s1" {
		t.Errorf("request line %q", ex.Request)
	}
	if !strings.HasSuffix(ex.Body, "…") || len(ex.Body) > bodyExcerpt+len("…") || strings.ContainsRune(ex.Body, '\uFFFD') {
		t.Errorf("body excerpt cut badly: %d bytes, %q…", len(ex.Body), ex.Body[:20])
	}
}

// The app's view (protocol.md, "Who is entitled"): who must be refused and
// who can be served, from what the app was told.
func TestCertWorld_TheAppsView(t *testing.T) {
	w := testWorld(t)
	if err := w.addCompany("Acme", []certPerson{{Name: "Alice", Admin: true}, {Name: "Bob"}}); err != nil {
		t.Fatal(err)
	}
	alice, bob := w.people["Alice"], w.people["Bob"]
	yes, no := true, false
	check := func(when string, v *certPerson, claim *bool, refuse, serve bool) {
		t.Helper()
		if got := w.mustRefuse(v, claim); got != refuse {
			t.Errorf("%s: mustRefuse(%s) = %v", when, v.Name, got)
		}
		if got := w.canServe(v, claim); got != serve {
			t.Errorf("%s: canServe(%s) = %v", when, v.Name, got)
		}
	}
	check("nothing told", bob, &yes, true, false)
	w.authorized[alice.ID] = true
	check("Alice authorized", alice, &no, false, true)
	check("Alice authorized", bob, &yes, true, false)
	w.shared[alice.ID] = true
	check("shared", bob, &yes, false, true)
	check("shared, link action", bob, nil, false, true)
	check("shared, but isShared=false", bob, &no, true, false)
	delete(w.authorized, alice.ID) // Alice's code was never exchanged, say
	check("shared, no token", bob, &yes, false, false)
	w.shared[alice.ID] = false
	check("unshared", bob, &yes, true, false)
}
