package certify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/appcert/appcert/certify"
	"github.com/appcert/appcert/certify/result"
	"github.com/appcert/appcert/fakes/app"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/rules"
)

// ruleVerdicts is the report as "RULE=VERDICT" for failure messages.
func ruleVerdicts(rep *certify.Report) string {
	var b strings.Builder
	for _, r := range rep.Rules {
		b.WriteString(" " + string(r.ID) + "=" + string(r.Verdict))
	}
	return b.String()
}

func reportText(rep *certify.Report) string {
	var b strings.Builder
	_ = rep.WriteText(&b)
	return b.String()
}

func TestCertify_SampleAppPasses(t *testing.T) {
	rep, err := certify.Demo(context.Background(), certify.Options{TestingT: t}, certify.DemoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.ExitCode() != certify.ExitOK {
		t.Fatalf("exit code %d, want 0:\n%s", rep.ExitCode(), reportText(rep))
	}
	for _, r := range rules.AppRules() {
		got, ok := rep.Rule(r.ID)
		if !ok && rules.IsPending(r.ID) {
			continue // not built yet, so not in the report
		}
		want := certify.Pass
		if r.ID == rules.PDOAuth03 || r.ID == rules.PDAPI03 {
			// The sample app's link action calls no API, so it has no
			// token to refresh and meets no 429: that surface is not
			// exercised.
			want = certify.NotExercised
		}
		if !ok || got.Verdict != want {
			t.Errorf("%s: %q, want %s", r.ID, got.Verdict, want)
		}
		for _, s := range got.Surfaces {
			if s.Verdict == certify.Pass && s.Judged == 0 {
				t.Errorf("%s on %s passed with nothing judged", r.ID, s.Surface)
			}
		}
	}
	// Every scenario ran to its end: none skipped or ruled out, which
	// would make a PASS mean less.
	for _, s := range rep.Scenarios {
		if s.Verdict != certify.Pass && (s.Rule != rules.PDOAuth03 && s.Rule != rules.PDAPI03 || s.Verdict != certify.NotExercised) {
			t.Errorf("%s: %s: %+v", s.Name, s.Verdict, s.Checks)
		}
	}
	if want := "18 rules: 16 passed, 0 failed, 0 warnings, 0 skipped, 2 not exercised"; rep.SummaryLine() != want {
		t.Errorf("summary %q, want %q", rep.SummaryLine(), want)
	}
}

// target is a sample app behind the marketplace listener it is pointed at,
// with its routes wrapped by a test's misbehaviour.
type target struct {
	ln       net.Listener
	manifest manifest.App
}

func newTarget(t *testing.T, wrap func(http.Handler) http.Handler, configure ...func(*app.Options)) target {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone(), Timeout: 10 * time.Second}
	o := app.Options{
		ClientID: certify.SampleClientID, ClientSecret: certify.SampleClientSecret,
		HTTPAuthUser: certify.SampleHTTPUser, HTTPAuthPassword: certify.SampleHTTPPassword,
		OAuthBaseURL: "http://" + ln.Addr().String(), HTTPClient: client,
	}
	for _, c := range configure {
		c(&o)
	}
	a, err := app.New(o)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(wrap(a))
	t.Cleanup(func() {
		srv.Close()
		client.CloseIdleConnections()
	})
	return target{ln: ln, manifest: certify.SampleManifest(srv.URL, a.Scopes())}
}

// onPath replaces one route of the app.
func onPath(path string, h http.HandlerFunc) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == path {
				h(w, r)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// neverAnswers holds the request until the client gives up. It reads the
// body first: only then can the server see the client hang up.
func neverAnswers(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	<-r.Context().Done()
}

func hugeAnswer(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	chunk := []byte(`{"data":[` + strings.Repeat(" ", 1<<16-9))
	for i := 0; i < 100<<20/len(chunk); i++ {
		if _, err := w.Write(chunk); err != nil {
			return // the marketplace stopped reading
		}
	}
}

func malformedJSON(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"data":[{"id":1,"header":"Deal`)
}

func redirectLoop(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, r.URL.String(), http.StatusFound)
}

func serverError(w http.ResponseWriter, r *http.Request) {
	http.Error(w, "internal error", http.StatusInternalServerError)
}

func TestCertify_MisbehavingApps(t *testing.T) {
	const deadline = time.Second
	cases := []struct {
		name   string
		wrap   func(http.Handler) http.Handler
		rule   rules.ID
		reason string
		limit  time.Duration // how long the run may take; 0: 20 deadlines
	}{
		{"panel never answers", onPath("/panel", neverAnswers), "PD-EXT-03", "no answer within the 1s deadline", 0},
		{"app never answers", func(http.Handler) http.Handler { return http.HandlerFunc(neverAnswers) }, "PD-OAUTH-02", "no answer within the 1s deadline", 0},
		// The judges scan each capped MiB for leaks, which the race
		// detector slows tenfold: a bound against hanging, not a speed goal.
		{"100 MB panel", onPath("/panel", hugeAnswer), "PD-EXT-04", "larger than 1048576 bytes", 3 * time.Minute},
		{"malformed JSON", onPath("/panel", malformedJSON), "PD-EXT-04", "the answer is not JSON", 0},
		{"redirect loop", onPath("/panel", redirectLoop), "PD-EXT-02", "answered 302 (redirect to /panel?", 0},
		{"5xx", onPath("/panel", serverError), "PD-EXT-02", "a refusal is 401 or 403, never a 5xx", 0},
		{"modal never answers", onPath("/modal", neverAnswers), "PD-EXT-03", "JSON modal request for user", 0},
		{"malformed modal", onPath("/modal", malformedJSON), "PD-EXT-06", "the answer is not JSON", 0},
		{"Custom UI page 5xx", onPath("/ui/panel", serverError), "PD-EXT-02", "Custom UI panel request (token: missing)", 0},
	}
	before := runtime.NumGoroutine()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tg := newTarget(t, tc.wrap)
			start := time.Now()
			d := deadline
			if tc.limit > 0 {
				d = 10 * time.Second // a capped MiB read and judged, not a hang
			}
			o := certify.Options{Manifest: tg.manifest, Listener: tg.ln, Deadline: d}
			if tc.limit > 0 {
				// Each capped MiB is read and judged, which the race
				// detector makes slow: only the rule's own scenarios.
				o.Tags = "@" + string(tc.rule)
			}
			rep, err := certify.Run(context.Background(), o)
			if err != nil {
				t.Fatal(err)
			}
			// Each scenario waits at most a few deadlines, all at once.
			limit := tc.limit
			if limit == 0 {
				limit = 60 * deadline // a hang guard with room for a loaded machine
			}
			if took := time.Since(start); took > limit {
				t.Errorf("the run took %v with a %v deadline", took, deadline)
			}
			if rep.ExitCode() != certify.ExitFailed {
				t.Errorf("exit code %d, want 1 (%s)", rep.ExitCode(), ruleVerdicts(rep))
			}
			r, _ := rep.Rule(tc.rule)
			if r.Verdict != certify.Fail || !slices.ContainsFunc(r.Findings, func(f result.Finding) bool { return strings.Contains(f.Reason, tc.reason) }) {
				t.Errorf("%s is %s, want FAIL with %q:\n%s", tc.rule, r.Verdict, tc.reason, reportText(rep))
			}
		})
	}
	// Nothing the runs started outlives them.
	settle := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(settle) {
		time.Sleep(20 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines before, %d after:\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}

func TestCertify_AppNotRunningIsASetupError(t *testing.T) {
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + dead.Addr().String()
	dead.Close() // nothing listens there now
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, err = certify.Run(context.Background(), certify.Options{Manifest: certify.SampleManifest(url, []string{"deals:read"}), Listener: ln})
	var se *certify.SetupError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "app unreachable at "+url+"/callback") || !strings.Contains(err.Error(), "is it running?") {
		t.Fatalf("err = %v, want a setup error naming %s", err, url)
	}
}

func TestCertify_PortInUseIsASetupError(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, err = certify.Run(context.Background(), certify.Options{
		Manifest: certify.SampleManifest("http://127.0.0.1:1", []string{"deals:read"}), Listen: busy.Addr().String(),
	})
	var se *certify.SetupError
	if !errors.As(err, &se) || !strings.Contains(err.Error(), "in use") || !strings.Contains(err.Error(), "--listen") {
		t.Fatalf("err = %v, want a setup error saying the address is in use", err)
	}
}

func TestCertify_BadManifestOrTagsIsASetupError(t *testing.T) {
	good := certify.SampleManifest("http://127.0.0.1:1", []string{"deals:read"})
	badScope := good
	badScope.Scopes = []string{"deals:write"}
	for _, tc := range []struct {
		name string
		o    certify.Options
		want string
	}{
		{"unknown scope", certify.Options{Manifest: badScope}, "scopes[0]"},
		{"no client id", certify.Options{Manifest: manifest.App{ClientSecret: "s", CallbackURL: "http://x/cb"}}, "client_id"},
		{"bad tags", certify.Options{Manifest: good, Tags: "@PD-EXT-02 &&"}, "tag"},
		{"no scenario", certify.Options{Manifest: good, Tags: "@PD-SHARE-01"}, "no certification scenario"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			tc.o.Listener = ln
			_, err = certify.Run(context.Background(), tc.o)
			var se *certify.SetupError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want a setup error naming %q", err, tc.want)
			}
			// Run closed the listener it was given.
			if c, err := net.Dial("tcp", ln.Addr().String()); err == nil {
				c.Close()
				t.Errorf("the listener still accepts connections")
			}
		})
	}
}

func TestCertify_TagsSelectScenarios(t *testing.T) {
	rep, err := certify.Demo(context.Background(), certify.Options{Tags: "@PD-EXT-02"}, certify.DemoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rules) != 1 || rep.Rules[0].ID != "PD-EXT-02" || rep.Rules[0].Verdict != certify.Pass || len(rep.Scenarios) != 8 {
		t.Fatalf("rules%s, %d scenarios; want PD-EXT-02 alone, passed, from its 8 scenarios (one in the browser)", ruleVerdicts(rep), len(rep.Scenarios))
	}
	// A sub-check per surface the sample app declares: JSON panel, link
	// action, JSON modal and Custom UI panel.
	if rep.SummaryLine() != "1 rule: 1 passed, 0 failed, 0 warnings, 0 skipped" || len(rep.Rules[0].Surfaces) != 4 {
		t.Errorf("summary %q", rep.SummaryLine())
	}
}

// A run cancelled part way returns what it found, fast, and says so.
func TestCertify_CancelledRunReportsWhatItFound(t *testing.T) {
	// The panel hangs on every request with a token, so the run is still
	// going when it is cancelled; the reachability probe, which sends
	// none, is answered.
	tg := newTarget(t, onPath("/panel", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("token") == "" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		neverAnswers(w, r)
	}))
	// The OAuth stories need a second or so on a loaded machine; the
	// panels hang until the cancel.
	ctx, cancel := context.WithCancel(context.Background())
	var cancelled time.Time
	time.AfterFunc(2*time.Second, func() { cancelled = time.Now(); cancel() })
	rep, err := certify.Run(ctx, certify.Options{Manifest: tg.manifest, Listener: tg.ln, Deadline: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	// Not a speed goal: the bound is far below the minute-long deadline a
	// run that ignored the cancel would wait out, and far above what a
	// loaded machine needs to stop.
	if took := time.Since(cancelled); took > 30*time.Second {
		t.Errorf("a cancelled run took %v after the cancel: it waited for the deadline instead of stopping", took)
	}
	if !rep.Interrupted || rep.ExitCode() != certify.ExitInterrupted || len(rep.JUnit) == 0 || len(rep.Cucumber) == 0 {
		t.Fatalf("interrupted %v, exit %d, %d bytes of JUnit; want an interrupted report with its files", rep.Interrupted, rep.ExitCode(), len(rep.JUnit))
	}
	// What finished before the cancel is kept: the OAuth stories need no
	// panel.
	if r, _ := rep.Rule("PD-OAUTH-02"); r.Verdict != certify.Pass {
		t.Errorf("PD-OAUTH-02 is %s, want PASS from before the cancel (%s)", r.Verdict, ruleVerdicts(rep))
	}
	if !strings.Contains(rep.SummaryLine(), "interrupted") {
		t.Errorf("summary %q does not say the run was interrupted", rep.SummaryLine())
	}
}

// Reports show exchanges, and the app's answers may leak: no token, code
// or secret reaches a report.
func TestCertify_ReportsCarryNoSecrets(t *testing.T) {
	rep, err := certify.Demo(context.Background(), certify.Options{},
		certify.DemoOptions{Faults: []app.Fault{app.FaultBadToken500, app.FaultNoRefresh, app.FaultDenied500}})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := rep.JSON()
	if err != nil {
		t.Fatal(err)
	}
	secret := regexp.MustCompile(`\b(at|rt|code)-[0-9a-f]{40}\b|eyJ[A-Za-z0-9_-]+\.|` +
		regexp.QuoteMeta(certify.SampleClientSecret) + `|` + regexp.QuoteMeta(certify.SampleHTTPPassword))
	for name, b := range map[string][]byte{"summary.json": sum, "junit.xml": rep.JUnit, "cucumber.json": rep.Cucumber, "text": []byte(reportText(rep))} {
		if loc := secret.FindIndex(b); loc != nil {
			t.Errorf("%s carries %q", name, b[loc[0]:loc[1]])
		}
	}
	// The failures still show what was sent and what came back.
	r, _ := rep.Rule("PD-EXT-02")
	i := slices.IndexFunc(r.Findings, func(f result.Finding) bool {
		return f.Exchange != nil && f.Exchange.Variant == "token: expired"
	})
	if r.Verdict != certify.Fail || i < 0 || !strings.Contains(r.Findings[i].Exchange.Request, "&token=[redacted]") ||
		r.Findings[i].Exchange.Status != 500 || !strings.Contains(r.Findings[i].Exchange.Body, "panic: ") {
		t.Errorf("PD-EXT-02 is %s; want a failure showing the expired token's exchange, redacted: %+v", r.Verdict, r.Findings)
	}
}

func TestSampleManifest_MatchesTheExample(t *testing.T) {
	got, err := manifest.Load("../examples/sampleapp.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.New(app.Options{ClientID: "x", ClientSecret: "y", OAuthBaseURL: "http://127.0.0.1:7480"})
	if err != nil {
		t.Fatal(err)
	}
	want, err := manifest.Normalize(certify.SampleManifest("http://127.0.0.1:8080", a.Scopes()))
	if err != nil {
		t.Fatal(err)
	}
	if !equalManifests(got, want) {
		t.Fatalf("examples/sampleapp.yaml = %+v\nthe demo's manifest = %+v", got, want)
	}
}

func equalManifests(a, b manifest.App) bool {
	// Compiled schemas are compared by the file they came from.
	plain := func(es []manifest.Extension) []manifest.Extension {
		out := slices.Clone(es)
		for i := range out {
			if out[i].Declared != nil && out[i].Declared.Path == out[i].DataSchema+out[i].Schema {
				out[i].Declared = nil
			}
		}
		return out
	}
	return a.Name == b.Name && a.ClientID == b.ClientID && a.ClientSecret == b.ClientSecret &&
		a.CallbackURL == b.CallbackURL && a.SharingMode == b.SharingMode && a.AllowSpecificUsers == b.AllowSpecificUsers &&
		slices.Equal(a.Scopes, b.Scopes) && slices.Equal(plain(a.Extensions), plain(b.Extensions))
}

func TestSampleManifest_DeclaresTheAppsOwnSchema(t *testing.T) {
	m := certify.SampleManifest("http://127.0.0.1:8080", nil)
	if m.Extensions[0].Declared == nil {
		t.Fatal("the sample app's data_schema does not compile")
	}
	onDisk, err := os.ReadFile(filepath.Join("../examples", certify.SampleDataSchema))
	if err != nil || !bytes.Equal(onDisk, app.PanelDataSchema) {
		t.Errorf("examples/sampleapp.yaml's data_schema is not the app's own: %v", err)
	}
}

func BenchmarkCertify_Demo(b *testing.B) {
	for b.Loop() {
		rep, err := certify.Demo(context.Background(), certify.Options{}, certify.DemoOptions{})
		if err != nil || rep.ExitCode() != certify.ExitOK {
			b.Fatalf("%v %v", err, rep)
		}
	}
}

func noWrap(h http.Handler) http.Handler { return h }

// A setup mistake is named as such, with what the marketplace saw: a wrong
// client secret by the refusal the marketplace sent, an app that never
// calls the marketplace by its OAuth base URL.
func TestCertify_SetupMistakesAreDiagnosed(t *testing.T) {
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nowhere := "http://" + dead.Addr().String()
	dead.Close()
	for _, tc := range []struct {
		name      string
		configure func(*app.Options)
		want      []string
	}{
		{"wrong client secret", func(o *app.Options) { o.ClientSecret = "not-the-secret" },
			[]string{"the marketplace refused", "invalid_client", "check the app's client ID and client secret"}},
		{"wrong OAuth base URL", func(o *app.Options) { o.OAuthBaseURL = nowhere },
			[]string{"never called the marketplace", "OAuth base URL"}},
		{"wrong redirect URI", func(o *app.Options) { o.RedirectURI = "http://127.0.0.1:1/elsewhere" },
			[]string{"the marketplace refused", "redirect_uri", "callback_url"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tg := newTarget(t, noWrap, tc.configure)
			rep, err := certify.Run(context.Background(), certify.Options{Manifest: tg.manifest, Listener: tg.ln, Tags: "@PD-OAUTH-02"})
			if err != nil {
				t.Fatal(err)
			}
			text := reportText(rep)
			for _, w := range tc.want {
				if !strings.Contains(rep.Diagnosis, w) {
					t.Errorf("diagnosis %q does not say %q", rep.Diagnosis, w)
				}
			}
			if !strings.Contains(text, "Setup: "+rep.Diagnosis) {
				t.Errorf("the report does not lead with the diagnosis:\n%s", text)
			}
			if r, _ := rep.Rule(rules.PDOAuth02); r.Verdict != certify.Fail || rep.ExitCode() != certify.ExitFailed {
				t.Errorf("PD-OAUTH-02 is %s, exit %d; want FAIL, 1", r.Verdict, rep.ExitCode())
			}
		})
	}
	// A conforming app has nothing to diagnose.
	rep, err := certify.Demo(context.Background(), certify.Options{Tags: "@PD-OAUTH-02"}, certify.DemoOptions{})
	if err != nil || rep.Diagnosis != "" {
		t.Errorf("the sample app is diagnosed %q (%v)", rep.Diagnosis, err)
	}
}

// Steps a scenario never ran say why in cucumber.json, where CI viewers
// show a step's error_message: here every check stops at the refused
// token exchange.
func TestCertify_CucumberJSONSaysWhyStepsWereSkipped(t *testing.T) {
	tg := newTarget(t, noWrap, func(o *app.Options) { o.ClientSecret = "not-the-secret" })
	rep, err := certify.Run(context.Background(), certify.Options{Manifest: tg.manifest, Listener: tg.ln, Tags: "@PD-EXT-02"})
	if err != nil {
		t.Fatal(err)
	}
	skipped := 0
	for _, s := range cucumberSteps(t, rep.Cucumber) {
		if s.Status != "skipped" {
			continue
		}
		skipped++
		if m := s.ErrorMessage; !strings.Contains(m, "PD-EXT-02 SKIP") || !strings.Contains(m, "invalid_client") {
			t.Errorf("%s: the skipped step %q says not why: %q", s.Scenario, s.Name, m)
		}
	}
	if skipped == 0 {
		t.Fatalf("no step was skipped; the test shows nothing:\n%.2000s", rep.Cucumber)
	}
}

// A fault of one surface's format or timing is judged by its own rule: a
// check whose story needed that answer is skipped on that surface alone,
// naming the finding, and its other surfaces, and the checks about the
// app as a whole, are decided as for a conforming app. Without the fault,
// every one of these rules passes.
func TestCertify_SurfaceFaultsStayWithTheirRuleAndSurface(t *testing.T) {
	cases := []struct {
		name  string
		fault app.Fault
		tags  string
		own   rules.ID
		// skipped is the rule and surface the fault's answer leaves
		// undecided; every other surface of the other rules passes.
		skipRule rules.ID
		skipOn   result.Surface
	}{
		{"bad-modal", app.FaultBadModal, "@PD-UNINST-02,@PD-EXT-06", rules.PDExt06, rules.PDUninst02, "json_modal"},
		{"bad-panel-schema", app.FaultBadPanelSchema, "@PD-UNINST-02,@PD-EXT-04", rules.PDExt04, rules.PDUninst02, "json_panel"},
		{"slow-modal", app.FaultSlowModal, "@PD-SCOPE-07,@PD-SCOPE-08,@PD-EXT-03", rules.PDExt03, "", ""},
		{"conforming", "", "@PD-UNINST-02,@PD-SCOPE-07,@PD-SCOPE-08,@PD-EXT-03,@PD-EXT-04,@PD-EXT-06", "", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := certify.Options{Tags: tc.tags, NoBrowser: true, Deadline: 5 * time.Second}
			d := certify.DemoOptions{SlowPanelDelay: 10 * time.Second}
			if tc.fault != "" {
				d.Faults = []app.Fault{tc.fault}
			}
			rep, err := certify.Demo(context.Background(), o, d)
			if err != nil {
				t.Fatal(err)
			}
			for _, rr := range rep.Rules {
				if rr.ID == tc.own {
					if rr.Verdict != certify.Fail {
						t.Errorf("%s is %s, want FAIL:\n%s", rr.ID, rr.Verdict, reportText(rep))
					}
					continue
				}
				for _, sr := range rr.Surfaces {
					want := certify.Pass
					if rr.ID == tc.skipRule && sr.Surface == tc.skipOn {
						want = certify.Skip
						if !strings.Contains(strings.Join(sr.Reasons, " "), string(tc.own)+" FAIL") {
							t.Errorf("%s on %s is skipped for %q; want the %s finding named", rr.ID, sr.Surface, sr.Reasons, tc.own)
						}
					}
					if sr.Verdict != want {
						t.Errorf("%s on %s is %s, want %s: %q\n%s", rr.ID, sr.Surface, sr.Verdict, want, sr.Reasons, reportText(rep))
					}
				}
			}
		})
	}
}

// cucumberStep is one step of a cucumber.json report, with its scenario.
type cucumberStep struct {
	Scenario, Name, Status, ErrorMessage string
}

// cucumberSteps reads every step of a cucumber.json report, in order.
func cucumberSteps(t *testing.T, doc []byte) []cucumberStep {
	t.Helper()
	var feats []struct {
		Elements []struct {
			Name  string `json:"name"`
			Steps []struct {
				Name   string `json:"name"`
				Result struct {
					Status       string `json:"status"`
					ErrorMessage string `json:"error_message"`
				} `json:"result"`
			} `json:"steps"`
		} `json:"elements"`
	}
	if err := json.Unmarshal(doc, &feats); err != nil {
		t.Fatal(err)
	}
	var out []cucumberStep
	for _, f := range feats {
		for _, e := range f.Elements {
			for _, s := range e.Steps {
				out = append(out, cucumberStep{e.Name, s.Name, s.Result.Status, s.Result.ErrorMessage})
			}
		}
	}
	return out
}

// The console says a surface's verdict once too: on its line, with its
// reasons under it; a reason for another verdict keeps its own.
func TestReport_WriteTextSaysTheVerdictOnce(t *testing.T) {
	rep := &certify.Report{Rules: []result.RuleResult{{
		ID: rules.PDOAuth03, Verdict: certify.NotExercised, Summary: "Tokens are refreshed.",
		Surfaces: []result.SurfaceResult{
			{Surface: "link_action", Verdict: certify.NotExercised, Reasons: []string{"An expired token is refreshed: NOT EXERCISED: the app made no API call"}},
			{Surface: "json_panel", Verdict: certify.Pass, Judged: 1, Reasons: []string{"A page: NOT EXERCISED: no Chromium"}},
			{Surface: "custom_ui_panel", Verdict: certify.Skip, Reasons: []string{"A story: SKIP: cannot check: PD-EXT-04 FAIL: x"}},
		},
	}}}
	text := reportText(rep)
	want := `NOT EXERCISED PD-OAUTH-03   Tokens are refreshed.
    NOT EXERCISED link_action
        - An expired token is refreshed: the app made no API call
    PASS          json_panel (1 exchange judged)
        - A page: NOT EXERCISED: no Chromium
    SKIP          custom_ui_panel
        - A story: cannot check: PD-EXT-04 FAIL: x
`
	if !strings.Contains(text, want) {
		t.Errorf("got:\n%s\nwant it to hold:\n%s", text, want)
	}
}

// A FAIL names what the app did, with the exchange that shows it, not only
// what followed.
func TestCertify_FailReasonsNameWhatTheAppDid(t *testing.T) {
	cases := []struct {
		fault app.Fault
		rule  rules.ID
		want  []string // each in one of the rule's findings
	}{
		{app.FaultUnauthenticatedUninstall, rules.PDUninst02, []string{
			"the app acted on the uninstall (Basic auth: wrong) for user ", "(DELETE /callback, answered 204), which it must ignore: then the JSON panel request for user "}},
		{app.FaultCallOutsideScopes, rules.PDScope07, []string{"the app called GET /api/v2/activities, which its scopes"}},
	}
	for _, tc := range cases {
		t.Run(string(tc.fault), func(t *testing.T) {
			t.Parallel()
			o := certify.Options{Tags: "@" + string(tc.rule), NoBrowser: true}
			rep, err := certify.Demo(context.Background(), o, certify.DemoOptions{Faults: []app.Fault{tc.fault}})
			if err != nil {
				t.Fatal(err)
			}
			rr, _ := rep.Rule(tc.rule)
			if rr.Verdict != certify.Fail {
				t.Fatalf("%s is %s, want FAIL:\n%s", tc.rule, rr.Verdict, reportText(rep))
			}
			var reasons []string
			for _, f := range rr.Findings {
				reasons = append(reasons, f.Reason)
			}
			for _, w := range tc.want {
				if !slices.ContainsFunc(reasons, func(r string) bool { return strings.Contains(r, w) }) {
					t.Errorf("no %s finding says %q:\n%s", tc.rule, w, strings.Join(reasons, "\n"))
				}
			}
		})
	}
}

// A surface's line says its verdict once: reasons that repeat it lose it.
func TestSurfaceWhy_SaysTheVerdictOnce(t *testing.T) {
	for _, tc := range []struct {
		sr   result.SurfaceResult
		want string
	}{
		{result.SurfaceResult{Verdict: certify.Pass, Judged: 1}, "1 exchange judged"},
		{result.SurfaceResult{Verdict: certify.Pass, Judged: 2}, "2 exchanges judged"},
		{result.SurfaceResult{Verdict: certify.NotExercised, Reasons: []string{"A page: NOT EXERCISED: no Chromium", "no scenario checked it"}},
			"A page: no Chromium; no scenario checked it"},
		{result.SurfaceResult{Verdict: certify.Skip, Reasons: []string{"A story: SKIP: cannot check: PD-EXT-04 FAIL: x: NOT EXERCISED: y"}},
			"A story: cannot check: PD-EXT-04 FAIL: x: NOT EXERCISED: y"},
	} {
		if got := certify.SurfaceWhy(tc.sr); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.sr.Verdict, got, tc.want)
		}
	}
}
