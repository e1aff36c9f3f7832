package serve

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appcert/appcert/certify"
	"github.com/appcert/appcert/fakes/app"
	"github.com/appcert/appcert/features"
)

// page is the sample app behind a Server on a loopback socket, as
// `appcert serve --demo` runs it.
type page struct {
	t   *testing.T
	s   *Server
	url string
}

func newPage(t *testing.T, faults ...app.Fault) *page {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	appSrv := httptest.NewUnstartedServer(nil)
	a, err := app.New(app.Options{
		ClientID: certify.SampleClientID, ClientSecret: certify.SampleClientSecret,
		HTTPAuthUser: certify.SampleHTTPUser, HTTPAuthPassword: certify.SampleHTTPPassword,
		OAuthBaseURL: base, Faults: faults,
	})
	if err != nil {
		t.Fatal(err)
	}
	appSrv.Config.Handler = a
	appSrv.Start()
	t.Cleanup(appSrv.Close)
	s, err := New(Options{Manifest: certify.SampleManifest(appSrv.URL, a.Scopes())})
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: s}}
	srv.Start()
	t.Cleanup(func() { srv.Close(); s.Close() })
	return &page{t: t, s: s, url: base}
}

// do posts one of the page's forms and returns the page it leads to.
func (p *page) do(kv ...string) string {
	p.t.Helper()
	f := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		f.Add(kv[i], kv[i+1])
	}
	resp, err := http.PostForm(p.url+"/do", f)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		p.t.Fatalf("%v: %d %s", kv, resp.StatusCode, b)
	}
	return string(b)
}

// runFeature runs the recorded scenario with `appcert features`' runner.
func runFeature(t *testing.T, text string) features.Report {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "recorded.feature"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	rep, err := features.Run(context.Background(), features.RunOptions{Paths: []string{dir}, Format: "progress", Out: &out})
	if err != nil {
		t.Fatalf("%v\n%s", err, text)
	}
	if !rep.OK() {
		t.Fatalf("the recorded scenario fails: %+v %+v\n%s\n%s", rep.Failures, rep.Undefined, out.String(), text)
	}
	return rep
}

func TestServer_SharedPanelIsRecordedAndReplays(t *testing.T) {
	p := newPage(t)
	p.do("action", "install", "access", "all_users", "scopes", "accept")
	html := p.do("action", "switch", "who", "Bob")
	for _, want := range []string{"You are <b>Bob</b>", "Authorize app", "Added by Admin</h3>\n    <ul><li class=\"added\">Sample app"} {
		if !strings.Contains(html, want) {
			t.Errorf("Bob's page lacks %q", want)
		}
	}
	html = p.do("action", "extension", "type", "json_panel", "name", "Deal summary")
	if !strings.Contains(html, "works, on behalf of Alice, isShared true") || !strings.Contains(html, "Acme deal 1") {
		t.Errorf("the panel is not shown as the model and the app say:\n%s", html)
	}
	feature := p.s.Feature()
	for _, want := range []string{
		`When Alice installs "Sample app" for all users`,
		`Bob sees "Sample app" as "Authorize app"`,
		`Bob sees "Sample app" in the "Added by Admin" section of the apps dock`,
		`Bob's JSON panel of "Sample app" acts on behalf of Alice`,
		`Bob's JSON panel request for "Sample app" carries isShared true`,
	} {
		if !strings.Contains(feature, want) {
			t.Errorf("the recorded scenario lacks %q:\n%s", want, feature)
		}
	}
	rep := runFeature(t, feature)
	if rep.Passed != 1 {
		t.Errorf("passed %d scenarios, want the recorded one", rep.Passed)
	}
	entries := p.s.log.Entries()
	kinds := map[string]bool{}
	for _, e := range entries {
		kinds[e.Kind] = true
		if e.Failed() {
			t.Errorf("the conforming sample app has a finding: %+v", e)
		}
	}
	if !kinds["authorize"] || !kinds["sharing"] || !kinds["json_panel"] {
		t.Errorf("the exchanges list lacks the authorization, sharing callback or panel: %+v", entries)
	}
}

func TestServer_RefusalsAndManageUsersAreRecorded(t *testing.T) {
	p := newPage(t)
	p.do("action", "switch", "who", "Bob")
	if html := p.do("action", "install", "access", "all_users", "scopes", "accept"); !strings.Contains(html, "Refused: not admin") {
		t.Errorf("a user sharing with all users is not shown the refusal")
	}
	p.do("action", "switch", "who", "Alice")
	p.do("action", "install", "access", "specific_users", "users", "Bob", "users", "Carol", "scopes", "accept")
	p.do("action", "manage-open")
	p.do("action", "manage-save", "add", "Dave", "remove", "Bob")
	p.do("action", "switch", "who", "Bob")
	p.do("action", "extension", "type", "link_action", "name", "Open in the sample app")
	p.do("action", "switch", "who", "Carol")
	p.do("action", "authorize", "scopes", "accept")
	p.do("action", "uninstall")
	feature := p.s.Feature()
	for _, want := range []string{
		`it is refused because "not admin"`,
		`When Alice installs "Sample app" for Bob and Carol`,
		`the "Manage users" view lists Bob and Carol`,
		`Alice saves "Manage users" for "Sample app" adding Dave and removing Bob`,
		`Bob's link action of "Sample app" needs authorization`,
		`Carol authorizes "Sample app"`,
		`Carol uninstalls "Sample app"`,
	} {
		if !strings.Contains(feature, want) {
			t.Errorf("the recorded scenario lacks %q:\n%s", want, feature)
		}
	}
	runFeature(t, feature)
	var uninstall bool
	for _, e := range p.s.log.Entries() {
		uninstall = uninstall || e.Kind == "uninstall"
	}
	if !uninstall {
		t.Error("Carol's uninstall sent the app nothing")
	}
}

func TestServer_FaultyAnswerIsListedWithItsRule(t *testing.T) {
	p := newPage(t, app.FaultBadPanelSchema)
	p.do("action", "install", "scopes", "accept")
	p.do("action", "extension", "type", "json_panel", "name", "Deal summary")
	var found []string
	for _, e := range p.s.log.Entries() {
		found = append(found, e.Findings...)
	}
	if len(found) == 0 || !strings.Contains(strings.Join(found, "\n"), "PD-EXT-04") {
		t.Errorf("the padded panel is not listed as breaking PD-EXT-04: %q", found)
	}
	resp, err := http.Get(p.url + "/exchanges")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(b), `class="exchange failed"`) || !strings.Contains(string(b), "PD-EXT-04") {
		t.Errorf("the live list does not show the failure:\n%s", b)
	}
}

func TestServer_BadFormChangesNothing(t *testing.T) {
	p := newPage(t)
	before := p.s.Feature()
	for _, f := range []url.Values{
		{"action": {"fly"}},
		{"action": {"switch"}, "who": {"Zed"}},
		{"action": {"install"}, "access": {"everyone"}, "scopes": {"accept"}},
		{"action": {"extension"}, "type": {"json_panel"}, "name": {"No such panel"}},
	} {
		resp, err := http.PostForm(p.url+"/do", f)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%v: %d, want 400", f, resp.StatusCode)
		}
	}
	if after := p.s.Feature(); after != before || len(p.s.log.Entries()) != 0 {
		t.Errorf("a bad form changed the recording or sent the app something:\n%s", after)
	}
}

func TestServer_ServesTheMarketplaceToTheApp(t *testing.T) {
	p := newPage(t)
	resp, err := http.PostForm(p.url+"/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {"nope"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized && resp.StatusCode != http.StatusBadRequest {
		t.Errorf("/oauth/token without credentials: %d, want the fake marketplace's refusal", resp.StatusCode)
	}
}
