package marketplace

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/appcert/appcert/certify/result"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/reference"
	"github.com/appcert/appcert/rules"
)

// rulesOf lists the findings as "RULE verdict" for comparison.
func rulesOf(fs []Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = string(f.Rule) + " " + string(f.Severity)
	}
	return out
}

func TestPanelSchema_Cases(t *testing.T) {
	item := func(extra string) string {
		return `{"data":[{"id":1,"header":"Deal 1"` + extra + `}]}`
	}
	many := func(n int) string {
		var b strings.Builder
		for i := 0; i < n; i++ {
			fmt.Fprintf(&b, `,"f%d":"v"`, i)
		}
		return b.String()
	}
	objects := func(n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf(`{"id":%d,"header":"h"}`, i)
		}
		return `{"data":[` + strings.Join(parts, ",") + `]}`
	}
	cases := []struct {
		name, body string
		problem    string // empty: conforms
	}{
		{"empty list", `{"data":[]}`, ""},
		{"single object", `{"data":{"id":"a1","header":"One"}}`, ""},
		{"every field type", item(`,"text":"t","md":{"markdown":true,"value":"**b**"},"n":2.5,"date":"2026-11-22","link":{"label":"Open","value":"https://x","external":true},"plainlink":"https://x","cur":{"code":"USD","value":2000},"lab":{"color":"green","label":"Won"},"tags":["a","b"],"empty":null`), ""},
		{"ten objects", objects(10), ""},
		{"eleven objects", objects(11), "data holds 11 objects; at most 10"},
		{"twenty fields besides header", item(many(19)), ""},
		{"twenty-one fields besides header", item(many(20)), "data[0] has 21 fields besides header; at most 20"},
		{"no id", `{"data":[{"header":"h"}]}`, "data[0] has no id"},
		{"no header, single object", `{"data":[{"id":1}]}`, ""},
		{"no header, single object not in a list", `{"data":{"id":1,"stage":"Won"}}`, ""},
		{"no header, two objects", `{"data":[{"id":1,"header":"h"},{"id":2}]}`, "data[1] has no header"},
		{"header not a string", `{"data":[{"id":1,"header":5}]}`, "data[0].header is a JSON number"},
		{"long text is truncated, not refused", item(`,"note":"` + strings.Repeat("x", 300) + `"`), ""},
		{"bool id", `{"data":[{"id":true,"header":"h"}]}`, "data[0].id is a JSON boolean"},
		{"boolean field", item(`,"flag":true`), "data[0].flag is a JSON boolean"},
		{"label too long is truncated, not refused", item(`,"lab":{"color":"red","label":"` + strings.Repeat("x", 41) + `"}`), ""},
		{"label forty", item(`,"lab":{"color":"red","label":"` + strings.Repeat("x", 40) + `"}`), ""},
		{"label colour", item(`,"lab":{"color":"pink","label":"x"}`), "is not a label"},
		{"currency as string value", item(`,"cur":{"code":"USD","value":"2000"}`), "is not a currency"},
		{"markdown false", item(`,"md":{"markdown":false,"value":"x"}`), "is not markdown text"},
		{"unknown object", item(`,"o":{"a":1}`), "is an object of no documented field type"},
		{"tags of numbers", item(`,"tags":[1,2]`), "tags are an array of strings"},
		{"data a string", `{"data":"hello"}`, "data is a JSON string"},
		{"no data", `{"items":[]}`, `the answer has no "data"`},
		{"array at top", `[{"id":1,"header":"h"}]`, "the answer is a JSON array"},
		{"not JSON", `<html>oops</html>`, "the answer is not JSON"},
		{"truncated JSON", `{"data":[{"id":1,`, "the answer is not JSON"},
		{"two values", `{"data":[]} {"data":[]}`, "more follows it"},
		{"array element not object", `{"data":[1]}`, "data[0] is a JSON number; want an object"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := panelSchema([]byte(tc.body), nil)
			switch {
			case tc.problem == "" && len(got) != 0:
				t.Errorf("problems %q for a conforming answer", got)
			case tc.problem != "" && (len(got) != 1 || !strings.Contains(got[0], tc.problem)):
				t.Errorf("problems = %q, want one containing %q", got, tc.problem)
			}
		})
	}
}

// appServing starts an app whose panel and link action answer with h, and
// a marketplace pointed at it with a short deadline.
func appServing(t *testing.T, h http.HandlerFunc, o Options) (*Marketplace, *httptest.Server) {
	t.Helper()
	app := httptest.NewServer(h)
	t.Cleanup(app.Close)
	if o.Deadline == 0 {
		o.Deadline = time.Second // reading a capped MiB under the race detector on a busy machine fits
	}
	m, _ := fixture(t, o, pointAt(app.URL, nil))
	return m, app
}

func TestJudgePanel_Answers(t *testing.T) {
	const good = `{"data":[{"id":1,"header":"Acme Ltd deal 1","value":{"code":"USD","value":2000}}]}`
	cases := []struct {
		name   string
		answer http.HandlerFunc
		want   Expectation
		rules  []string
		reason string
	}{
		{"conforming answer", okJSON(good), Expectation{}, nil, ""},
		{"conforming refusal", status(401, `{"error":{"title":"Not allowed"}}`), Refuse(""), nil, ""},
		{"403 is a refusal too", status(403, ``), Refuse("PD-SHARE-21"), nil, ""},
		{"200 to a forged request", okJSON(good), Refuse(""), []string{"PD-EXT-02 fail"}, "answered 200; want a refusal"},
		{"refusal rule carried", okJSON(good), Refuse("PD-SHARE-22"), []string{"PD-SHARE-22 fail"}, "want a refusal"},
		{"5xx refusal", status(500, `oops`), Refuse(""), []string{"PD-EXT-02 fail"}, "never a 5xx"},
		{"404 refusal", status(404, ``), Refuse(""), []string{"PD-EXT-02 fail"}, "want a refusal, 401 or 403"},
		{"long error title", status(403, `{"error":{"title":"`+strings.Repeat("t", 31)+`"}}`), Refuse(""), []string{"PD-EXT-04 warn"}, "longer than 30"},
		{"entitled viewer refused", status(403, ``), Expectation{}, []string{"PD-EXT-04 fail"}, "answered 403; an entitled viewer gets 200"},
		{"entitled viewer refused, rule carried", status(403, ``), Answer("PD-UNINST-02"), []string{"PD-UNINST-02 fail"}, "answered 403"},
		{"malformed JSON", okJSON(`{"data":[`), Expectation{}, []string{"PD-EXT-04 fail"}, "not JSON"},
		{"5xx", status(502, `bad gateway`), Expectation{}, []string{"PD-EXT-04 fail"}, "answered 502"},
		{"redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/login", http.StatusFound) },
			Expectation{}, []string{"PD-EXT-04 fail"}, "answered 302 (redirect to /login)"},
		{"redirect loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, r.URL.String(), http.StatusFound) },
			Refuse(""), []string{"PD-EXT-02 fail"}, "answered 302"},
		{"go stack trace", status(500, "panic: runtime error\n\ngoroutine 1 [running]:\nmain.main()\n\t/app/main.go:12 +0x1d"),
			Refuse(""), []string{"PD-EXT-02 fail", "PD-EXT-02 fail"}, "stack trace"},
		{"python traceback", status(401, "Traceback (most recent call last):\n  File \"app.py\", line 3"),
			Refuse(""), []string{"PD-EXT-02 fail"}, "stack trace"},
		{"client secret in body", status(401, `{"error":{"title":"bad token for acme-secret"}}`),
			Refuse(""), []string{"PD-EXT-02 fail"}, "a secret of the manifest"},
		{"jwt secret in body", okJSON(`{"data":{"id":1,"header":"jwt-secret-key"}}`),
			Expectation{}, []string{"PD-EXT-02 fail"}, "a secret of the manifest"},
		{"other company's record", okJSON(`{"data":[{"id":1,"header":"Globex Inc deal 1"}]}`),
			Expectation{}, []string{"PD-EXT-05 fail"}, `carries a record of company 2 ("Globex Inc deal 1")`},
		{"own company's record is fine", okJSON(`{"data":[{"id":1,"header":"Acme Ltd deal 3"}]}`), Expectation{}, nil, ""},
		{"an error answer where no 5xx is asked", status(429, `{"error":{"title":"Busy"}}`), Expectation{NoServerError: true, Rule: "PD-API-03"}, nil, ""},
		{"a 5xx where no 5xx is asked", status(503, `{"error":{"title":"Busy"}}`), Expectation{NoServerError: true, Rule: "PD-API-03"}, []string{"PD-API-03 fail"}, "never a 5xx"},
		{"a panel where no 5xx is asked is still judged", okJSON(`{"data":[{"id":1,"header":"Acme Ltd deal 1","value":{"code":"USD","value":"x"}}]}`),
			Expectation{NoServerError: true, Rule: "PD-API-03"}, []string{"PD-EXT-04 fail"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := appServing(t, tc.answer, Options{})
			ex, err := m.SendPanel(context.Background(), acme, PanelRequest{UserID: 101})
			must(t, err)
			got := m.JudgePanel(ex, tc.want)
			if strings.Join(rulesOf(got), ",") != strings.Join(tc.rules, ",") {
				t.Fatalf("findings = %v, want %v", got, tc.rules)
			}
			if tc.reason != "" && !strings.Contains(got[0].Reason, tc.reason) {
				t.Errorf("reason = %q, want it to say %q", got[0].Reason, tc.reason)
			}
			for _, f := range got {
				if !strings.HasPrefix(f.Reason, "JSON panel request for user 101 of company 1: ") || f.Exchange.Kind != KindPanel {
					t.Errorf("finding does not say what it is about: %+v", f)
				}
			}
		})
	}
}

func status(code int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

func TestJudgePanel_IssuedTokenLeak(t *testing.T) {
	var leak string
	m, _ := appServing(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(401)
		_, _ = io.WriteString(w, `{"debug":"`+leak+`"}`)
	}, Options{})
	access, refresh := login(t, m, 101)
	for _, tc := range []struct{ tok, kind string }{{access, "an access token"}, {refresh, "a refresh token"}} {
		leak = tc.tok
		ex, err := m.SendPanel(context.Background(), acme, PanelRequest{UserID: 101, Token: TokenExpired})
		must(t, err)
		got := m.JudgePanel(ex, Refuse(""))
		if len(got) != 1 || got[0].Rule != rules.PDOAuth06 || !strings.Contains(got[0].Reason, tc.kind) || !strings.Contains(got[0].Reason, "its body") {
			t.Errorf("findings = %v, want a PD-OAUTH-06 leak of %s in the body", got, tc.kind)
		}
		if !strings.Contains(got[0].Reason, "(token: expired)") {
			t.Errorf("reason %q does not name the forged variant", got[0].Reason)
		}
	}
}

// A token in a header reaches the browser as surely as one in the body:
// a redirect's Location, a cookie (PD-OAUTH-06).
func TestJudgeAuthorize_TokenHandedToTheBrowser(t *testing.T) {
	var m *Marketplace
	var where string
	m, _ = appServing(t, func(w http.ResponseWriter, r *http.Request) {
		st, body := exchangeCode(t, m, r.URL.Query().Get("code"))
		tok, _ := body["access_token"].(string)
		if st != 200 || tok == "" {
			w.WriteHeader(400)
			return
		}
		switch where {
		case "Location":
			w.Header().Set("Location", "/app#access_token="+tok)
			w.WriteHeader(http.StatusFound)
		case "Set-Cookie":
			w.Header().Set("Set-Cookie", "session="+tok)
			w.WriteHeader(200)
		case "body":
			_, _ = io.WriteString(w, "Installed. Your token: "+tok)
		default:
			_, _ = io.WriteString(w, "Installed.")
		}
	}, Options{})
	for _, where = range []string{"Location", "Set-Cookie", "body", ""} {
		ex, err := m.Authorize(context.Background(), acme, 101)
		must(t, err)
		got := m.JudgeAuthorize(ex)
		if where == "" {
			if len(got) != 0 {
				t.Errorf("a page without the token: %v", got)
			}
			continue
		}
		if len(got) != 1 || got[0].Rule != rules.PDOAuth06 || !strings.Contains(got[0].Reason, "an access token") || !strings.Contains(got[0].Reason, where) {
			t.Errorf("the token in the %s: %v; want PD-OAUTH-06 naming where", where, got)
		}
	}
}

// An app that refuses a redirect without a state fails PD-OAUTH-04; one
// that answers it and merely never exchanges the code does not.
func TestJudgeAuthorize_StatelessRedirectRefused(t *testing.T) {
	for _, refuse := range []bool{true, false} {
		m, _ := appServing(t, func(w http.ResponseWriter, r *http.Request) {
			if refuse && !r.URL.Query().Has("state") {
				http.Error(w, "missing state", http.StatusForbidden)
				return
			}
			w.WriteHeader(200)
		}, Options{})
		ex, err := m.Authorize(context.Background(), acme, 101)
		must(t, err)
		got := m.JudgeAuthorize(ex)
		has := slices.ContainsFunc(got, func(f Finding) bool { return f.Rule == rules.PDOAuth04 })
		if has != refuse {
			t.Errorf("refusing %v: findings %v", refuse, got)
		}
	}
}

func TestJudgePanel_Misbehaviour(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	hang := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}
	slowBody := func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		_, _ = io.WriteString(w, `{"data":[`)
		w.(http.Flusher).Flush()
		hang(w, r)
	}
	huge := func(w http.ResponseWriter, r *http.Request) {
		chunk := []byte(strings.Repeat("x", 1<<16))
		_, _ = w.Write([]byte(`{"data":"`))
		for i := 0; i < 100<<20/len(chunk); i++ { // 100 MB, unless the reader hangs up
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}
	cases := []struct {
		name     string
		answer   http.HandlerFunc
		rules    []string
		reason   string
		deadline time.Duration
	}{
		{"never answers", hang, []string{"PD-EXT-03 fail"}, "no answer within the 1s deadline", 0},
		{"stalls mid-body", slowBody, []string{"PD-EXT-03 fail"}, "no answer within the 1s deadline", 0},
		// The cap, not the clock, is under test: room to read a MiB under
		// the race detector on a loaded machine.
		{"100 MB answer", huge, []string{"PD-EXT-04 fail"}, "larger than 1048576 bytes", 20 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := appServing(t, tc.answer, Options{Deadline: tc.deadline})
			start := time.Now()
			ex, err := m.SendPanel(context.Background(), acme, PanelRequest{UserID: 101})
			must(t, err)
			if d := time.Since(start); d > 30*time.Second { // a hang guard, not a speed goal: the deadline is 1s
				t.Errorf("took %v", d)
			}
			if len(ex.Body) > 1<<20 {
				t.Errorf("read %d bytes, past the cap", len(ex.Body))
			}
			got := m.JudgePanel(ex, Expectation{})
			if strings.Join(rulesOf(got), ",") != strings.Join(tc.rules, ",") || !strings.Contains(got[0].Reason, tc.reason) {
				t.Errorf("findings = %v, want %v saying %q", got, tc.rules, tc.reason)
			}
		})
	}
}

func TestJudge_ConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	m, _ := fixture(t, Options{}, pointAt("http://"+addr, nil))
	ctx := context.Background()
	ex, err := m.SendPanel(ctx, acme, PanelRequest{UserID: 101})
	must(t, err)
	if !ex.Refused() {
		t.Fatalf("Refused() = false for %v", ex.Err)
	}
	want := "connection refused: nothing listens at " + addr + " (is the app running?)"
	checks := []struct {
		name  string
		got   []Finding
		rule  rules.ID
		verdi result.Severity
	}{
		{"panel", m.JudgePanel(ex, Expectation{}), "PD-EXT-04", result.SeverityFail}, // only a timeout is PD-EXT-03's
	}
	lex, _ := m.SendLinkAction(ctx, acme, LinkRequest{UserID: 101})
	checks = append(checks, struct {
		name  string
		got   []Finding
		rule  rules.ID
		verdi result.Severity
	}{"link", m.JudgeLinkAction(lex, Refuse("")), "PD-EXT-02", result.SeverityFail})
	sex, _ := m.SendSharing(ctx, acme, SharingRequest{CompanyID: 1, UserID: 100, IsShared: true})
	checks = append(checks, struct {
		name  string
		got   []Finding
		rule  rules.ID
		verdi result.Severity
	}{"sharing", JudgeSharing(sex), "PD-SHARE-24", result.SeverityFail})
	uex, _ := m.SendUninstall(ctx, acme, UninstallRequest{CompanyID: 1, UserID: 100, Credentials: CredentialsValid})
	checks = append(checks, struct {
		name  string
		got   []Finding
		rule  rules.ID
		verdi result.Severity
	}{"uninstall", JudgeUninstall(uex), "PD-UNINST-02", result.SeverityWarn})
	aex, _ := m.Authorize(ctx, acme, 101)
	checks = append(checks, struct {
		name  string
		got   []Finding
		rule  rules.ID
		verdi result.Severity
	}{"authorize", m.JudgeAuthorize(aex), "PD-OAUTH-02", result.SeverityFail})
	for _, c := range checks {
		if len(c.got) != 1 || c.got[0].Rule != c.rule || c.got[0].Severity != c.verdi || !strings.Contains(c.got[0].Reason, want) {
			t.Errorf("%s: findings = %v, want one %s %s saying %q", c.name, c.got, c.rule, c.verdi, want)
		}
	}
}

func TestJudgeLinkAction_Statuses(t *testing.T) {
	cases := []struct {
		status int
		want   Expectation
		rules  []string
	}{
		{200, Expectation{}, nil},
		{204, Expectation{}, nil},
		{303, Expectation{}, nil},
		{401, Expectation{}, []string{"PD-EXT-02 fail"}},
		{500, Answer("PD-SHARE-24"), []string{"PD-SHARE-24 fail"}},
		{401, Refuse(""), nil},
		{403, Refuse("PD-SHARE-22"), nil},
		{302, Refuse(""), []string{"PD-EXT-02 fail"}},
		{200, Refuse("PD-SHARE-22"), []string{"PD-SHARE-22 fail"}},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%d refuse=%v", tc.status, tc.want.Refuse), func(t *testing.T) {
			m, _ := appServing(t, func(w http.ResponseWriter, r *http.Request) {
				if tc.status >= 300 && tc.status < 400 {
					w.Header().Set("Location", "https://acme.test/deal")
				}
				w.WriteHeader(tc.status)
			}, Options{})
			ex, err := m.SendLinkAction(context.Background(), acme, LinkRequest{UserID: 101})
			must(t, err)
			got := m.JudgeLinkAction(ex, tc.want)
			if strings.Join(rulesOf(got), ",") != strings.Join(tc.rules, ",") {
				t.Errorf("findings = %v, want %v", got, tc.rules)
			}
			for _, f := range got {
				if strings.Contains(f.Reason, "login_url") {
					t.Errorf("a %d without a login_url declared is said to send the viewer to it: %s", tc.status, f.Reason)
				}
			}
		})
	}
}

func TestJudgeSharing_Statuses(t *testing.T) {
	for _, tc := range []struct {
		status int
		rules  []string
	}{{200, nil}, {204, nil}, {302, []string{"PD-SHARE-24 fail"}}, {400, []string{"PD-SHARE-24 fail"}}, {500, []string{"PD-SHARE-24 fail"}}} {
		m, _ := appServing(t, status(tc.status, ""), Options{})
		ex, err := m.SendSharing(context.Background(), acme, SharingRequest{CompanyID: 1, UserID: 100, IsShared: false})
		must(t, err)
		if got := JudgeSharing(ex); strings.Join(rulesOf(got), ",") != strings.Join(tc.rules, ",") {
			t.Errorf("%d: findings = %v, want %v", tc.status, got, tc.rules)
		}
		uex, err := m.SendUninstall(context.Background(), acme, UninstallRequest{CompanyID: 1, UserID: 100, Credentials: CredentialsValid})
		must(t, err)
		wantWarn := tc.status >= 500
		if got := JudgeUninstall(uex); (len(got) == 1 && got[0].Severity == result.SeverityWarn) != wantWarn || len(got) > 1 {
			t.Errorf("%d: uninstall findings = %v", tc.status, got)
		}
	}
}

// A panel refused after a forged uninstall fails PD-UNINST-02 naming the
// uninstall the app acted on; the findings of other rules stay as they are.
func TestAfterForgedUninstall_NamesTheUninstall(t *testing.T) {
	m, _ := appServing(t, status(403, `panic: runtime error`), Options{})
	forged, err := m.SendUninstall(context.Background(), acme, UninstallRequest{CompanyID: 1, UserID: 101, Credentials: CredentialsWrong})
	must(t, err)
	ex, err := m.SendPanel(context.Background(), acme, PanelRequest{UserID: 101})
	must(t, err)
	judged := m.JudgePanel(ex, Answer(rules.PDUninst02))
	got := AfterForgedUninstall(forged, judged)
	if strings.Join(rulesOf(got), ",") != "PD-EXT-02 fail,PD-UNINST-02 fail" {
		t.Fatalf("findings = %v", got)
	}
	want := "the app acted on the uninstall (Basic auth: wrong) for user 101 of company 1 (DELETE /callback, answered 403), which it must ignore: " +
		"then the JSON panel request for user 101 of company 1: answered 403; an entitled viewer gets 200"
	if !strings.HasPrefix(got[1].Reason, want) {
		t.Errorf("reason = %q, want it to start %q", got[1].Reason, want)
	}
	if got[0].Reason != judged[0].Reason || judged[1].Reason == got[1].Reason {
		t.Errorf("another rule's finding changed, or the judged findings were changed in place: %v", got)
	}
}

func TestJudgeAuthorize_ServerError(t *testing.T) {
	m, _ := appServing(t, status(500, "boom"), Options{})
	ex, err := m.Deny(context.Background(), acme, 101)
	must(t, err)
	if got := m.JudgeAuthorize(ex); len(got) != 1 || got[0].Rule != "PD-OAUTH-02" || !strings.Contains(got[0].Reason, "user_denied redirect") {
		t.Errorf("findings = %v", got)
	}
}

func TestJudgeScopes_Calls(t *testing.T) {
	cases := []struct {
		name   string
		scopes []string
		calls  []string // "METHOD path"
		want   []string
		reason string
	}{
		{"only what is needed", []string{"deals:read"}, []string{"GET /api/v1/deals/1"}, nil, ""},
		{"unused scope", []string{"deals:read", "contacts:read"}, []string{"GET /api/v1/deals"}, []string{"PD-SCOPE-08 warn"}, "contacts:read was granted"},
		{"full where read would do", []string{"deals:full"}, []string{"GET /api/v1/deals"}, []string{"PD-SCOPE-08 warn"}, "needed base, deals:read"},
		{"call outside the scopes", []string{"deals:read"}, []string{"GET /api/v1/deals", "GET /api/v1/persons"}, []string{"PD-SCOPE-07 fail"}, "the app called GET /api/v1/persons, which"},
		{"v2 call outside the scopes", []string{"deals:read"}, []string{"GET /api/v2/deals", "GET /api/v2/activities"}, []string{"PD-SCOPE-07 fail"}, "the app called GET /api/v2/activities, which"},
		{"call to no endpoint", []string{"deals:read"}, []string{"GET /api/v1/deals", "GET /api/v1/bogus"}, []string{"PD-SCOPE-07 fail"}, "/api/v1/bogus (in no scope)"},
		{"admin where webhooks:full would do", []string{"admin"}, []string{"POST /api/v1/webhooks"}, []string{"PD-SCOPE-08 warn"}, "needed base, webhooks:full"},
		{"admin needed", []string{"admin"}, []string{"POST /api/v1/roles"}, nil, ""},
		{"unauthenticated calls are not the scopes' business", []string{"deals:read"}, []string{"GET /api/v1/deals", "!GET /api/v1/persons"}, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := fixture(t, Options{}, func(a *manifest.App) { a.Scopes = tc.scopes })
			at, _ := login(t, m, 101)
			for _, c := range tc.calls {
				tok := at
				if strings.HasPrefix(c, "!") {
					tok, c = "at-nope", c[1:]
				}
				method, path, _ := strings.Cut(c, " ")
				r := httptest.NewRequest(method, path, strings.NewReader(`{}`))
				r.Header.Set("Authorization", "Bearer "+tok)
				do(t, m, r)
			}
			got := m.JudgeScopes(acme)
			if strings.Join(rulesOf(got), ",") != strings.Join(tc.want, ",") {
				t.Fatalf("findings = %v, want %v", got, tc.want)
			}
			if tc.reason != "" && !strings.Contains(got[0].Reason, tc.reason) {
				t.Errorf("reason = %q, want %q", got[0].Reason, tc.reason)
			}
		})
	}
}

// TestMarketplace_NoGoroutineLeak runs every kind of misbehaving app and
// requires the goroutine count to come back once servers and idle
// connections are closed.
func TestMarketplace_NoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	func() {
		release := make(chan struct{})
		handlers := []http.HandlerFunc{
			okJSON(`{"data":[]}`),
			func(w http.ResponseWriter, r *http.Request) { // never answers
				select {
				case <-r.Context().Done():
				case <-release:
				}
			},
			func(w http.ResponseWriter, r *http.Request) { // a huge answer
				chunk := make([]byte, 1<<16)
				for i := 0; i < 100<<20/len(chunk); i++ {
					if _, err := w.Write(chunk); err != nil {
						return
					}
				}
			},
			func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, r.URL.String(), http.StatusFound) },
		}
		for _, h := range handlers {
			app := httptest.NewServer(h)
			m := New(Options{Deadline: 200 * time.Millisecond})
			must(t, m.AddCompany(Company{1, "Acme Ltd"}))
			must(t, m.AddUser(User{ID: 1, CompanyID: 1}))
			must(t, m.AddApp(manifest.App{ClientID: acme, ClientSecret: secret, CallbackURL: app.URL + "/cb",
				Extensions: []manifest.Extension{{Type: reference.JSONPanel, Resource: "deal", URL: app.URL + "/panel"}}}))
			for i := 0; i < 3; i++ {
				ex, err := m.SendPanel(context.Background(), acme, PanelRequest{UserID: 1})
				must(t, err)
				_ = m.JudgePanel(ex, Expectation{})
			}
			m.Close()
			app.Close()
		}
		close(release)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if after := runtime.NumGoroutine(); after > before {
		buf := make([]byte, 1<<16)
		t.Errorf("goroutines: %d before, %d after\n%s", before, after, buf[:runtime.Stack(buf, true)])
	}
}

func TestMarketplace_CallerCancel(t *testing.T) {
	m, _ := appServing(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, Options{Deadline: 5 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if _, err := m.SendPanel(ctx, acme, PanelRequest{UserID: 101}); err == nil {
		t.Error("no error when the caller's context ended: that is not the app's fault")
	}
}

// TestJudgeCalls_OnlyTheGivenCalls: a company whose own calls needed every
// scope gets no warning, though another company's calls went astray.
func TestJudgeCalls_OnlyTheGivenCalls(t *testing.T) {
	m, _ := fixture(t, Options{}, func(a *manifest.App) { a.Scopes = []string{"deals:read"} })
	acmeToken, _ := login(t, m, 101)
	globexToken, _ := login(t, m, 200)
	for _, c := range []struct{ tok, path string }{
		{acmeToken, "/api/v1/deals/1"},
		{globexToken, "/api/v1/persons"}, // outside deals:read
	} {
		r := httptest.NewRequest(http.MethodGet, c.path, nil)
		r.Header.Set("Authorization", "Bearer "+c.tok)
		do(t, m, r)
	}
	var acmeCalls, globexCalls []Call
	for _, c := range m.CallsBy(acme) {
		switch c.CompanyID {
		case 1:
			acmeCalls = append(acmeCalls, c)
		case 2:
			globexCalls = append(globexCalls, c)
		}
	}
	if got := m.JudgeCalls(acme, acmeCalls); len(got) != 0 {
		t.Errorf("Acme's calls: findings %v, want none", got)
	}
	got := m.JudgeCalls(acme, globexCalls)
	if strings.Join(rulesOf(got), ",") != "PD-SCOPE-07 fail,PD-SCOPE-08 warn" {
		t.Errorf("Globex's calls: findings %v, want PD-SCOPE-07 fail and PD-SCOPE-08 warn", got)
	}
	if n := len(m.JudgeCalls("someone-else", acmeCalls)); n != 0 {
		t.Errorf("an unknown app's judgement has %d findings, want none", n)
	}
}

// A link action's redirect to the login_url it declares is a refusal, for
// the judge and for Held alike: right for a viewer to refuse, wrong for an
// entitled one. The login is the declared URL, or its path on the host the
// request went to; another page, another host's page of the same path, or
// any redirect without a login_url declared is no refusal.
func TestMarketplace_LoginRedirectIsARefusal(t *testing.T) {
	cases := []struct {
		name, login, location string
		refusal               bool
	}{
		{"relative", "{app}/login", "/login?next=%2Fdeals%2F1", true},
		{"absolute", "{app}/login", "{app}/login", true},
		{"login on another host", "https://auth.acme.test/login", "https://auth.acme.test/login?next=x", true},
		{"its path on the app's host", "https://auth.acme.test/login", "/login", true},
		{"another page", "{app}/login", "/deals/1", false},
		{"the path on a third host", "{app}/login", "https://evil.test/login", false},
		{"no login_url", "", "/login", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var base string
			app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", strings.ReplaceAll(tc.location, "{app}", base))
				w.WriteHeader(http.StatusFound)
			}))
			t.Cleanup(app.Close)
			base = app.URL
			m, _ := fixture(t, Options{Deadline: time.Second}, pointAt(app.URL, func(a *manifest.App) {
				a.Extensions[1].LoginURL = strings.ReplaceAll(tc.login, "{app}", base)
			}))
			ex, err := m.SendLinkAction(context.Background(), acme, LinkRequest{UserID: 101})
			must(t, err)
			refused := len(m.JudgeLinkAction(ex, Refuse(""))) == 0
			asAnswer := m.JudgeLinkAction(ex, Answer(""))
			answered := len(asAnswer) == 0
			if tc.refusal && (answered || !strings.Contains(asAnswer[0].Reason, "which sends the viewer to the login_url")) {
				t.Errorf("an entitled viewer sent to the login: %v", asAnswer)
			}
			if refused != tc.refusal || answered == tc.refusal {
				t.Errorf("judged as a refusal: %v, as an answer: %v; want a refusal: %v", refused, answered, tc.refusal)
			}
			if m.Held(ex, Refuse("")) != tc.refusal || m.Held(ex, Answer("")) == tc.refusal {
				t.Errorf("Held(refuse) %v, Held(answer) %v; want a refusal: %v", m.Held(ex, Refuse("")), m.Held(ex, Answer("")), tc.refusal)
			}
		})
	}
}
