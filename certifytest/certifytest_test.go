package certifytest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appcert/appcert/certify"
	"github.com/appcert/appcert/certify/result"
	"github.com/appcert/appcert/certifytest"
	"github.com/appcert/appcert/fakes/app"
)

func sampleApp(t *testing.T, o app.Options) *app.App {
	t.Helper()
	o.ClientID, o.ClientSecret = certify.SampleClientID, certify.SampleClientSecret
	o.HTTPAuthUser, o.HTTPAuthPassword = certify.SampleHTTPUser, certify.SampleHTTPPassword
	a, err := app.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// An app with Pipedrive's real URLs hard-coded, calling them through
// http.DefaultTransport, is certified unchanged: every rule passes.
func TestCertify_HardCodedPipedriveURLsThroughTheResponders(t *testing.T) {
	a := sampleApp(t, app.Options{OAuthBaseURL: "https://oauth.pipedrive.com"}) // no client: http.DefaultTransport
	rep := certifytest.Certify(t, certify.SampleManifest("", a.Scopes()), a)
	if rep.ExitCode() != certify.ExitOK || len(rep.Rules) == 0 {
		t.Errorf("exit %d: %s", rep.ExitCode(), rep.SummaryLine())
	}
	if _, ok := http.DefaultTransport.(*http.Transport); ok {
		t.Error("http.DefaultTransport is not routed during the test")
	}
}

// Once the test is over, http.DefaultTransport is net/http's again.
func TestCertify_DefaultTransportRestored(t *testing.T) {
	if _, ok := http.DefaultTransport.(*http.Transport); !ok {
		t.Errorf("http.DefaultTransport is %T after the tests that routed it", http.DefaultTransport)
	}
}

// The responders send the app's calls to Pipedrive's hosts to the
// marketplace (the token answer names a Pipedrive host as api_domain, and
// the app calls it), and let every other call through.
func TestRoutePipedrive_RoutesPipedriveHostsOnly(t *testing.T) {
	m := certifytest.Start(t, certifytest.Options{Pipedrive: true, Tags: "@PD-OAUTH-02,@PD-OAUTH-03"})
	client := &http.Client{}
	m.RoutePipedrive(client)
	rec := &recorder{next: client.Transport}
	client.Transport = rec
	a := sampleApp(t, app.Options{OAuthBaseURL: certifytest.OAuthURL, HTTPClient: client})
	rep := m.Certify(t, certify.SampleManifest("", a.Scopes()), a)
	if rep.ExitCode() != certify.ExitOK {
		t.Fatalf("exit %d: %s", rep.ExitCode(), rep.SummaryLine())
	}
	hosts := map[string]int{}
	for _, u := range rec.urls {
		hosts[u.Host]++
	}
	apiHost := strings.TrimPrefix(certifytest.APIDomain, "https://")
	if hosts["oauth.pipedrive.com"] == 0 || hosts[apiHost] == 0 || len(hosts) != 2 {
		t.Errorf("the app called %v; want oauth.pipedrive.com and %s only", hosts, apiHost)
	}

	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "elsewhere") }))
	defer elsewhere.Close()
	res, err := client.Get(elsewhere.URL)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "elsewhere" {
		t.Errorf("a call to another host got %q", b)
	}
}

// recorder notes the URL of every call.
type recorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	urls []*url.URL
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.urls = append(r.urls, req.URL)
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

// A failing rule fails its subtest with the finding's reason and
// exchange; a passing rule's subtest passes. The failing certification
// runs in a child test process, whose output is read.
func TestCertify_FailingRuleFailsItsSubtest(t *testing.T) {
	if os.Getenv("CERTIFYTEST_CHILD") == "1" {
		m := certifytest.Start(t, certifytest.Options{Tags: "@PD-EXT-02,@PD-OAUTH-02"})
		a := sampleApp(t, app.Options{OAuthBaseURL: m.OAuthURL, HTTPClient: m.Client, Faults: []app.Fault{app.FaultSkipJWT}})
		m.Certify(t, certify.SampleManifest("", a.Scopes()), a)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCertify_FailingRuleFailsItsSubtest$", "-test.v")
	cmd.Env = append(os.Environ(), "CERTIFYTEST_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the child passed:\n%s", out)
	}
	for _, want := range []string{
		"--- FAIL: TestCertify_FailingRuleFailsItsSubtest/PD-EXT-02",
		"--- PASS: TestCertify_FailingRuleFailsItsSubtest/PD-OAUTH-02",
		"scenario: ", "sent:     GET http://127.0.0.1:", "token=[redacted]", "answer:   200",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("child output lacks %q:\n%s", want, out)
		}
	}
}

func TestMarketplace_RunRefusesWhatIsNotAnApp(t *testing.T) {
	for _, target := range []any{42, "ftp://x", "/callback"} {
		m := certifytest.Start(t, certifytest.Options{})
		if _, err := m.Run(t.Context(), certify.SampleManifest("", []string{"base"}), target); err == nil {
			t.Errorf("%v: no error", target)
		}
	}
	m := certifytest.Start(t, certifytest.Options{})
	a := sampleApp(t, app.Options{OAuthBaseURL: m.OAuthURL, HTTPClient: m.Client})
	_, _ = m.Run(t.Context(), certify.SampleManifest("", a.Scopes()), a)
	if _, err := m.Run(t.Context(), certify.SampleManifest("", a.Scopes()), a); err == nil || !strings.Contains(err.Error(), "once") {
		t.Errorf("a second run: %v", err)
	}
}

// Before Certify the marketplace answers at once, saying it has not begun;
// the connection kept from that answer does not keep the run from serving
// the app on the same URL.
func TestMarketplace_AnswersBeforeCertify(t *testing.T) {
	m := certifytest.Start(t, certifytest.Options{Tags: "@PD-OAUTH-02"})
	m.Client.Timeout = 10 * time.Second
	res, err := m.Client.Get(m.URL + "/api/v1/users/me")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "once Certify") {
		t.Fatalf("before Certify: %d %s", res.StatusCode, body)
	}
	a := sampleApp(t, app.Options{OAuthBaseURL: m.OAuthURL, HTTPClient: m.Client})
	rep := m.Certify(t, certify.SampleManifest("", a.Scopes()), a)
	if rr, ok := rep.Rule("PD-OAUTH-02"); !ok || rr.Verdict != certify.Pass {
		t.Errorf("PD-OAUTH-02 through the marketplace answered early: %q (%s)", rr.Verdict, rep.SummaryLine())
	}
}

// A rule's subtest ends as the report's verdict of the rule: NOT
// EXERCISED (one surface passed, another not exercised) is skipped, as the
// CLI reports it; a rule that passed on every surface passes. The
// subtests run in a child test process, whose output is read.
func TestSubtests_RuleEndsAsTheReportsVerdict(t *testing.T) {
	if os.Getenv("CERTIFYTEST_CHILD") == "1" {
		rep := &certify.Report{Rules: []certify.RuleResult{
			{ID: "PD-OAUTH-03", Summary: "refresh", Verdict: certify.NotExercised, Surfaces: []result.SurfaceResult{
				{Surface: "json_panel", Verdict: certify.Pass, Judged: 1},
				{Surface: "link_action", Verdict: certify.NotExercised, Reasons: []string{"Refresh: NOT EXERCISED: the app made no API call"}},
			}},
			{ID: "PD-EXT-04", Summary: "schema", Verdict: certify.Pass, Surfaces: []result.SurfaceResult{
				{Surface: "json_panel", Verdict: certify.Pass, Judged: 3},
			}},
		}}
		certifytest.Subtests(t, rep)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSubtests_RuleEndsAsTheReportsVerdict$", "-test.v")
	cmd.Env = append(os.Environ(), "CERTIFYTEST_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the child failed: %v\n%s", err, out)
	}
	for _, want := range []string{
		"--- SKIP: TestSubtests_RuleEndsAsTheReportsVerdict/PD-OAUTH-03 ",
		"--- PASS: TestSubtests_RuleEndsAsTheReportsVerdict/PD-OAUTH-03/json_panel",
		"--- SKIP: TestSubtests_RuleEndsAsTheReportsVerdict/PD-OAUTH-03/link_action",
		"NOT EXERCISED: link_action: Refresh: the app made no API call",
		"NOT EXERCISED: Refresh: the app made no API call",
		"PASS: 1 exchange judged: refresh",
		"PASS: 3 exchanges judged: schema",
		"--- PASS: TestSubtests_RuleEndsAsTheReportsVerdict/PD-EXT-04 ",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("child output lacks %q:\n%s", want, out)
		}
	}
	// The verdict is said once, before the reasons that repeat it.
	if strings.Contains(string(out), "NOT EXERCISED: Refresh: NOT EXERCISED") || strings.Contains(string(out), "1 exchanges") {
		t.Errorf("child output says the verdict twice, or \"1 exchanges\":\n%s", out)
	}
}
