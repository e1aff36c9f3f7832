package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/appcert/appcert/certify"
	"github.com/appcert/appcert/fakes/app"
)

func runCertifyT(t *testing.T, ctx context.Context, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(ctx, append([]string{"certify"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func wantFiles(t *testing.T, dir string, want bool) {
	t.Helper()
	for _, name := range []string{"junit.xml", "cucumber.json", "summary.json"} {
		_, err := os.Stat(filepath.Join(dir, name))
		if want && err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if !want && err == nil {
			t.Errorf("%s was written", name)
		}
	}
}

func TestRunCertify_DemoPasses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports")
	code, out, errs := runCertifyT(t, context.Background(), "--demo", "--out", dir)
	if code != exitOK || !strings.Contains(out, "18 rules: 16 passed, 0 failed, 0 warnings, 0 skipped, 2 not exercised") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	wantFiles(t, dir, true)
	junit, _ := os.ReadFile(filepath.Join(dir, "junit.xml"))
	// One test case per rule and surface.
	for _, c := range []string{`name="PD-SHARE-23 on json_panel"`, `name="PD-EXT-02 on link_action"`, `name="PD-OAUTH-02 on app"`} {
		if !bytes.Contains(junit, []byte(c)) {
			t.Errorf("junit.xml lacks the test case %s:\n%.500s", c, junit)
		}
	}
}

func TestRunCertify_DemoWithAFaultFails(t *testing.T) {
	code, out, errs := runCertifyT(t, context.Background(), "--demo", "--fault", "skip-jwt", "--out", t.TempDir())
	if code != exitFail || !regexp.MustCompile(`FAIL +PD-EXT-02`).MatchString(out) || !strings.Contains(out, "token=[redacted]") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
}

func TestRunCertify_UnknownFaultListsTheKnownOnes(t *testing.T) {
	code, _, errs := runCertifyT(t, context.Background(), "--demo", "--fault", "serve-everyone", "--out", t.TempDir())
	if code != exitSetup || !strings.Contains(errs, `unknown fault "serve-everyone"`) || !strings.Contains(errs, "serve-unshared") {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
}

func TestRunCertify_BadManifestWritesNothing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "app.yaml")
	if err := os.WriteFile(path, []byte("client_id: a\nclient_secret: b\ncallback_url: http://127.0.0.1:1/cb\nscopes: [deals:write]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "reports")
	code, _, errs := runCertifyT(t, context.Background(), "--manifest", path, "--listen", "127.0.0.1:0", "--out", out)
	if code != exitSetup || !strings.Contains(errs, "scopes[0]") || !strings.Contains(errs, "deals:write") {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("%s was created for a bad manifest", out)
	}
}

func TestRunCertify_AppNotRunning(t *testing.T) {
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + dead.Addr().String()
	dead.Close()
	path := writeManifest(t, url)
	out := filepath.Join(t.TempDir(), "reports")
	code, _, errs := runCertifyT(t, context.Background(), "--manifest", path, "--listen", "127.0.0.1:0", "--out", out)
	if code != exitSetup || !strings.Contains(errs, "app unreachable at "+url) || !strings.Contains(errs, "is it running?") {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
	wantFiles(t, out, false)
}

func TestRunCertify_PortInUse(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	code, _, errs := runCertifyT(t, context.Background(), "--manifest", writeManifest(t, "http://127.0.0.1:1"), "--listen", busy.Addr().String(), "--out", t.TempDir())
	if code != exitSetup || !strings.Contains(errs, busy.Addr().String()+": the address is in use") {
		t.Fatalf("exit %d, stderr:\n%s", code, errs)
	}
}

func TestRunCertify_UsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"--demo", "--manifest", "x.yaml"},
		{"--manifest", "x.yaml", "--fault", "skip-jwt"},
		{"--demo", "--format", "html"},
		{"--demo", "extra"},
		{"--demo", "--out", ""},
		{"--demo", "--tags", "@PD-EXT-02 &&"},
		{"--demo", "--rate-limit", "0"},
		{"--demo", "--rate-limit", "many"},
		{"--demo", "--ca", "some-folder"},
		{"--manifest", "x.yaml", "--image", "a", "--build", "dir"},
		{"--demo", "--image", "a"},
		{"--manifest", "x.yaml", "--env", "A=1"},
		{"--manifest", "x.yaml", "--wait-path", "/healthz"},
		{"--manifest", "x.yaml", "--image", "a", "--label", "nolabel"},
		{"--manifest", "x.yaml", "--image", "a", "--wait-timeout", "0s"},
	} {
		if code, _, errs := runCertifyT(t, context.Background(), args...); code != exitSetup || errs == "" {
			t.Errorf("%q: exit %d, stderr %q; want 2 and a message", args, code, errs)
		}
	}
}

func TestRunCertify_Formats(t *testing.T) {
	code, out, _ := runCertifyT(t, context.Background(), "--demo", "--tags", "@PD-EXT-04", "--format", "json", "--out", t.TempDir())
	var sum struct {
		Counts struct{ Rules, Passed int }
	}
	if code != exitOK || json.Unmarshal([]byte(out), &sum) != nil || sum.Counts.Rules != 1 || sum.Counts.Passed != 1 {
		t.Errorf("json: exit %d, %+v:\n%.300s", code, sum, out)
	}
	code, out, _ = runCertifyT(t, context.Background(), "--demo", "--tags", "@PD-EXT-04", "--format", "junit", "--out", t.TempDir())
	if code != exitOK || !strings.HasPrefix(out, "<?xml") {
		t.Errorf("junit: exit %d:\n%.300s", code, out)
	}
	code, out, _ = runCertifyT(t, context.Background(), "--demo", "--tags", "@PD-EXT-04", "--format", "cucumber", "--out", t.TempDir())
	if code != exitOK || !strings.HasPrefix(strings.TrimSpace(out), "[") {
		t.Errorf("cucumber: exit %d:\n%.300s", code, out)
	}
}

// Ctrl-C part way: what was found so far is written, and the exit code
// says the run was interrupted.
func TestRunCertify_InterruptedWritesWhatItFound(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := ln.Addr().String()
	ln.Close() // the command listens there itself
	client := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	defer client.CloseIdleConnections()
	a, err := app.New(app.Options{
		ClientID: certify.SampleClientID, ClientSecret: certify.SampleClientSecret,
		HTTPAuthUser: certify.SampleHTTPUser, HTTPAuthPassword: certify.SampleHTTPPassword,
		OAuthBaseURL: "http://" + listen, HTTPClient: client,
	})
	if err != nil {
		t.Fatal(err)
	}
	// Panels with a token hang, so the run is mid-way when cancelled.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panel" && r.URL.Query().Get("token") != "" {
			<-r.Context().Done()
			return
		}
		a.ServeHTTP(w, r)
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(500*time.Millisecond, cancel)
	out := filepath.Join(t.TempDir(), "reports")
	code, stdout, errs := runCertifyT(t, ctx, "--manifest", writeManifest(t, srv.URL), "--listen", listen, "--out", out)
	if code != certify.ExitInterrupted || !strings.Contains(stdout, "interrupted") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, errs)
	}
	wantFiles(t, out, true)
}

// writeManifest writes the sample app's manifest for an app at url.
func writeManifest(t *testing.T, url string) string {
	t.Helper()
	b, err := os.ReadFile("../../examples/sampleapp.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// The copy lives elsewhere: its data_schema must still name the file.
	schema, err := filepath.Abs(filepath.Join("../../examples", certify.SampleDataSchema))
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.ReplaceAll(b, []byte("data_schema: "+certify.SampleDataSchema), []byte("data_schema: "+schema))
	path := filepath.Join(t.TempDir(), "app.yaml")
	if err := os.WriteFile(path, bytes.ReplaceAll(b, []byte("http://127.0.0.1:8080"), []byte(url)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRunCertify_FaultList(t *testing.T) {
	code, out, _ := runCertifyT(t, context.Background(), "--fault", "list")
	if code != exitOK || !strings.Contains(out, "slow-panel") || !strings.Contains(out, "PD-EXT-03") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

// --rule runs only that rule's checks; it must be an app rule.
func TestRunCertify_RuleRunsOneRulesChecks(t *testing.T) {
	code, out, errs := runCertifyT(t, context.Background(), "--demo", "--rule", "pd-ext-04", "--format", "json", "--out", t.TempDir())
	var sum struct {
		Counts struct{ Rules, Passed int }
		Rules  []struct{ ID string }
	}
	if code != exitOK || json.Unmarshal([]byte(out), &sum) != nil || sum.Counts.Rules != 1 || len(sum.Rules) != 1 || sum.Rules[0].ID != "PD-EXT-04" {
		t.Errorf("--rule pd-ext-04: exit %d, %+v, stderr:\n%s", code, sum, errs)
	}
	for arg, want := range map[string]string{"PD-SHARE-13": "is a marketplace rule", "PD-NOPE-1": `no rule "PD-NOPE-1"`} {
		if code, _, errs := runCertifyT(t, context.Background(), "--demo", "--rule", arg); code != exitSetup || !strings.Contains(errs, want) {
			t.Errorf("--rule %s: exit %d, stderr %q", arg, code, errs)
		}
	}
}

func TestRuleFlags_TagsAddToTheSelection(t *testing.T) {
	r := ruleFlags{"PD-EXT-02", "PD-EXT-04"}
	if got := r.tags(""); got != "@PD-EXT-02,@PD-EXT-04" {
		t.Errorf("%q", got)
	}
	if got := r.tags("~@slow"); got != "@PD-EXT-02,@PD-EXT-04 && ~@slow" {
		t.Errorf("%q", got)
	}
	if got := (ruleFlags{}).tags("@x"); got != "@x" {
		t.Errorf("%q", got)
	}
}

// --write-baseline writes the same file run after run: the run's user and
// company IDs and the app's port, new in every run, are not in it.
func TestRunCertify_WrittenBaselineIsTheSameEveryRun(t *testing.T) {
	dir := t.TempDir()
	var written [2][]byte
	for i := range written {
		file := filepath.Join(dir, fmt.Sprintf("baseline%d.yaml", i))
		code, stdout, errs := runCertifyT(t, context.Background(), "--demo", "--fault", "skip-jwt", "--write-baseline", file, "--out", filepath.Join(dir, "out"))
		if code != exitFail {
			t.Fatalf("exit %d\n%s\n%s", code, stdout, errs)
		}
		var err error
		if written[i], err = os.ReadFile(file); err != nil {
			t.Fatal(err)
		}
	}
	if !bytes.Equal(written[0], written[1]) {
		t.Errorf("two runs wrote different baselines:\n%s\n---\n%s", written[0], written[1])
	}
	if want := "for user Alice of company Acme: answered 200"; !bytes.Contains(written[0], []byte(want)) {
		t.Errorf("the baseline does not name the scenario's people (%q):\n%s", want, written[0])
	}
}

// The gate from the command line: one fault, a baseline with one expected
// failure and one stale entry. The run fails and says why; each failing
// rule's line ends with the command that reruns that rule alone (once),
// without --write-baseline, which would overwrite the file with that rule's
// failures alone; --write-baseline writes a baseline that accepts exactly
// today's failures.
func TestRunCertify_BaselineAndRerunLines(t *testing.T) {
	dir := t.TempDir()
	bl := filepath.Join(dir, "baseline.yaml")
	if err := os.WriteFile(bl, []byte(`expected_failures:
  - {rule: PD-EXT-02, surface: json_panel, reason: panels next release}
  - {rule: PD-EXT-04, surface: json_panel, reason: "fixed, never removed"}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	out, written := filepath.Join(dir, "out"), filepath.Join(dir, "today.yaml")
	code, stdout, errs := runCertifyT(t, context.Background(), "--demo", "--fault", "skip-jwt", "--rule", "PD-EXT-02", "--rule", "PD-EXT-04",
		"--baseline", bl, "--write-baseline", written, "--out", out)
	if code != exitFail {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, errs)
	}
	rerun := "  rerun: appcert certify --demo --fault skip-jwt --baseline " + bl + " --out " + out + " --rule PD-EXT-02"
	for _, want := range []string{
		"(expected by the baseline: panels next release)",
		"STALE baseline entry (" + bl + "): PD-EXT-04 on json_panel: no longer fails",
		"(baseline: 1 surface expected to fail, 1 stale baseline entry)",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	// The rule's line ends with the command, and it is printed once: a
	// surface line repeats the rule's verdict, not its command.
	for _, line := range strings.Split(stdout, "\n") {
		if strings.HasPrefix(line, "FAIL ") && !strings.HasSuffix(line, rerun) {
			t.Errorf("a failing rule's line does not end with its rerun command:\n%s\nwant suffix %q", line, rerun)
		}
	}
	if n := strings.Count(stdout, "rerun: "); n != 1 {
		t.Errorf("the rerun command is printed %d times for one failing rule, want once:\n%s", n, stdout)
	}
	if _, err := os.Stat(filepath.Join(out, "report.html")); err != nil {
		t.Error(err)
	}
	// Today's failures, as a baseline, make the same run pass.
	code, stdout, errs = runCertifyT(t, context.Background(), "--demo", "--fault", "skip-jwt", "--rule", "PD-EXT-02", "--baseline", written, "--out", out)
	// One a surface the sample app declares: panel, link action, JSON modal,
	// Custom UI panel; the rule an expected failure, none failed.
	if code != exitOK || !strings.Contains(stdout, "0 failed, 1 expected failure,") || !strings.Contains(stdout, "(baseline: 4 surfaces expected to fail)") ||
		!strings.Contains(stdout, "EXPECTED FAIL PD-EXT-02") || strings.Contains(stdout, "FAIL          PD-EXT-02") {
		t.Errorf("with today's baseline: exit %d\n%s\n%s", code, stdout, errs)
	}
	if code, _, errs := runCertifyT(t, context.Background(), "--demo", "--baseline", filepath.Join(dir, "none.yaml")); code != exitSetup || !strings.Contains(errs, "--baseline") {
		t.Errorf("a missing baseline: exit %d, %s", code, errs)
	}
}
