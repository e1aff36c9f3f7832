package marketplace

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/appcert/appcert/internal/jwt"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/reference"
)

// withSurfaces adds a JSON modal, a list-view link action with a login
// page and one extension of every Custom UI type to the fixture's app.
func withSurfaces(a *manifest.App) {
	a.Extensions = append(a.Extensions,
		manifest.Extension{Type: manifest.JSONModal, Name: "Create a task", Resource: "deal", URL: "http://127.0.0.1:1/modal"},
		manifest.Extension{Type: manifest.LinkAction, Name: "Bulk", Resource: "deal", View: manifest.ViewList, URL: "http://127.0.0.1:1/bulk", LoginURL: "http://127.0.0.1:1/login"},
		manifest.Extension{Type: manifest.CustomUIPanel, Name: "Todo", Resource: "person", URL: "http://127.0.0.1:1/ui"},
		manifest.Extension{Type: manifest.CustomUIModal, Name: "Proposal", Resource: "deal", URL: "http://127.0.0.1:1/ui-modal"},
		manifest.Extension{Type: manifest.CustomUIFloatingWindow, Name: "Dialer", URL: "http://127.0.0.1:1/window"},
		manifest.Extension{Type: manifest.CustomUISettings, Name: "Settings", URL: "http://127.0.0.1:1/settings"},
	)
}

// surfacesAt is withSurfaces with every URL pointed at base.
func surfacesAt(base string) func(*manifest.App) {
	return func(a *manifest.App) {
		withSurfaces(a)
		pointAt(base, nil)(a)
	}
}

func TestMarketplace_ModalRequests(t *testing.T) {
	var rc recorder
	app := httptest.NewServer(rc.handler(okJSON(`{}`)))
	defer app.Close()
	m, _ := fixture(t, Options{}, surfacesAt(app.URL))
	r := ModalRequest{UserID: 101, SelectedIDs: []int64{7}}
	ex, err := m.SendModalOpen(context.Background(), acme, r)
	must(t, err)
	got := rc.last(t)
	q := got.URL.Query()
	want := map[string]string{"resource": "deal", "view": "details", "userId": "101", "companyId": "1", "selectedIds": "7"}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("open: %s = %q, want %q", k, q.Get(k), v)
		}
	}
	if q.Has("isShared") || got.Method != http.MethodGet || got.URL.Path != "/json_modal" || ex.Kind != string(manifest.JSONModal) || ex.Extension != "Create a task" {
		t.Errorf("open: %s %s, exchange %s %q", got.Method, got.URL, ex.Kind, ex.Extension)
	}
	if c, err := jwt.Verify(q.Get("token"), secret, time.Now()); err != nil || c.UserID != 101 || c.CompanyID != 1 {
		t.Errorf("open: token %+v, %v", c, err)
	}
	ex, err = m.SendModalSubmit(context.Background(), acme, r, map[string]any{"title": "Call back", "due": "2026-12-01"})
	must(t, err)
	got = rc.last(t)
	if got.Method != http.MethodPost || got.URL.Query().Get("selectedIds") != "7" || got.Header.Get("Content-Type") != "application/json" {
		t.Errorf("submit: %s %s %v", got.Method, got.URL, got.Header)
	}
	var values map[string]any
	if json.Unmarshal(got.Body, &values) != nil || values["title"] != "Call back" {
		t.Errorf("submit body = %s", got.Body)
	}
	if !strings.HasPrefix(describe(ex), "JSON modal submit") {
		t.Errorf("a submit is described as %q", describe(ex))
	}
}

func TestMarketplace_CustomUIRequests(t *testing.T) {
	var rc recorder
	app := httptest.NewServer(rc.handler(okJSON(`{}`)))
	defer app.Close()
	m, _ := fixture(t, Options{}, surfacesAt(app.URL))
	for _, typ := range []reference.ExtensionKind{manifest.CustomUIPanel, manifest.CustomUIModal, manifest.CustomUIFloatingWindow, manifest.CustomUISettings} {
		t.Run(string(typ), func(t *testing.T) {
			ex, err := m.SendCustomUI(context.Background(), acme, CustomUIRequest{Type: typ, UserID: 200, Theme: "dark"})
			must(t, err)
			q := rc.last(t).URL.Query()
			if q.Get("userId") != "200" || q.Get("companyId") != "2" || q.Get("theme") != "dark" || ex.Kind != string(typ) {
				t.Errorf("query = %v", q)
			}
			if id := q.Get("id"); len(id) != 36 || strings.Count(id, "-") != 4 {
				t.Errorf("id = %q, want the extension's UUID", id)
			}
			onRecord := typ == manifest.CustomUIPanel || typ == manifest.CustomUIModal
			if q.Has("resource") != onRecord || q.Has("selectedIds") != onRecord || q.Has("view") != onRecord {
				t.Errorf("resource, view, selectedIds sent = %v, want %v: %v", q.Has("resource"), onRecord, q)
			}
			if c, err := jwt.Verify(q.Get("token"), secret, time.Now()); err != nil || c.UserID != 200 {
				t.Errorf("token %+v, %v", c, err)
			}
		})
	}
	first, _ := m.SendCustomUI(context.Background(), acme, CustomUIRequest{Type: manifest.CustomUIPanel, UserID: 101})
	again, _ := m.SendCustomUI(context.Background(), acme, CustomUIRequest{Type: manifest.CustomUIPanel, UserID: 102})
	idOf := func(ex Exchange) string { return strings.Split(strings.Split(ex.Request.URL, "id=")[1], "&")[0] }
	if idOf(first) != idOf(again) {
		t.Errorf("the extension's id changed between loads: %s, %s", idOf(first), idOf(again))
	}
	if _, err := m.SendCustomUI(context.Background(), acme, CustomUIRequest{Type: manifest.JSONPanel, UserID: 101}); err == nil {
		t.Error("a JSON panel was sent as a Custom UI page")
	}
}

func TestMarketplace_ListViewLinkAction(t *testing.T) {
	var rc recorder
	app := httptest.NewServer(rc.handler(okJSON(`{}`)))
	defer app.Close()
	m, _ := fixture(t, Options{}, surfacesAt(app.URL))
	_, err := m.SendLinkAction(context.Background(), acme, LinkRequest{Extension: "Bulk", UserID: 101, SelectedIDs: []int64{1, 2, 3}, Filter: `{"filter_id":4}`})
	must(t, err)
	q := rc.last(t).URL.Query()
	if q.Get("view") != "list" || q.Get("selectedIds") != "1,2,3" || !q.Has("excludedIds") || q.Get("excludedIds") != "" || q.Get("filter") != `{"filter_id":4}` {
		t.Errorf("query = %v", q)
	}
	// Everything selected but two: selectedIds empty, excludedIds the two.
	_, err = m.SendLinkAction(context.Background(), acme, LinkRequest{Extension: "Bulk", UserID: 101, ExcludedIDs: []int64{5, 6}})
	must(t, err)
	q = rc.last(t).URL.Query()
	if !q.Has("selectedIds") || q.Get("selectedIds") != "" || q.Get("excludedIds") != "5,6" || q.Get("filter") != "{}" {
		t.Errorf("all selected: query = %v", q)
	}
	// The details-view link action carries none of the list's parameters.
	_, err = m.SendLinkAction(context.Background(), acme, LinkRequest{UserID: 101})
	must(t, err)
	if q := rc.last(t).URL.Query(); q.Has("excludedIds") || q.Has("filter") || q.Get("view") != "details" || q.Get("selectedIds") != "1" {
		t.Errorf("details view: query = %v", q)
	}
}

func TestJudgeLinkAction_RedirectToLogin(t *testing.T) {
	cases := []struct {
		name, location string
		rules          []string
	}{
		{"to login_url", "http://127.0.0.1:1/login?next=/bulk", nil},
		{"relative, to the login path on the app", "/login", nil}, // the app's own login page, where it was asked (served elsewhere than declared, as certifytest does)
		{"elsewhere", "http://127.0.0.1:1/home", []string{"PD-EXT-02 fail"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, tc.location, http.StatusFound)
			}))
			defer app.Close()
			m, _ := fixture(t, Options{}, func(a *manifest.App) {
				surfacesAt(app.URL)(a) // the login page stays at 127.0.0.1:1
			})
			ex, err := m.SendLinkAction(context.Background(), acme, LinkRequest{Extension: "Bulk", UserID: 101, Token: TokenExpired})
			must(t, err)
			if got := rulesOf(m.JudgeLinkAction(ex, Refuse(""))); strings.Join(got, ",") != strings.Join(tc.rules, ",") {
				t.Errorf("findings = %v, want %v", got, tc.rules)
			}
		})
	}
	// Without a login_url, a redirect is no refusal.
	app := httptest.NewServer(http.RedirectHandler("http://127.0.0.1:1/login", http.StatusFound))
	defer app.Close()
	m, _ := fixture(t, Options{}, pointAt(app.URL, nil))
	ex, err := m.SendLinkAction(context.Background(), acme, LinkRequest{UserID: 101, Token: TokenExpired})
	must(t, err)
	if got := rulesOf(m.JudgeLinkAction(ex, Refuse(""))); len(got) != 1 {
		t.Errorf("a redirect from a link action with no login_url: %v, want a PD-EXT-02 failure", got)
	}
}

const declaredPanel = `{"type":"object","properties":{"id":{"type":"integer"},"header":{"type":"string"},"stage":{"type":"string"}}}`

func TestJudgePanel_DeclaredSchema(t *testing.T) {
	answer := `{"data":[{"id":1,"header":"Acme Ltd deal 1","stage":"Won","internal_notes":"call the CFO"}]}`
	s, err := manifest.CompileSchema([]byte(declaredPanel))
	must(t, err)
	s.Path = "schemas/panel.json"
	for _, declared := range []bool{true, false} {
		m, _ := appServing(t, okJSON(answer), Options{})
		if declared {
			m, _ = fixture(t, Options{Deadline: time.Second}, func(a *manifest.App) {
				pointAt(mustURL(t, answer), nil)(a)
				a.Extensions[0].DataSchema, a.Extensions[0].Declared = s.Path, s
			})
		}
		ex, err := m.SendPanel(context.Background(), acme, PanelRequest{UserID: 101})
		must(t, err)
		got := m.JudgePanel(ex, Expectation{})
		if !declared {
			if len(got) != 0 {
				t.Errorf("no declared schema: %v, want a pass", got)
			}
			continue
		}
		if len(got) != 1 || got[0].Rule != "PD-EXT-04" || !strings.Contains(got[0].Reason, "data[0].internal_notes") {
			t.Fatalf("declared schema: %v, want one PD-EXT-04 failure naming data[0].internal_notes", got)
		}
		if !strings.Contains(got[0].Reason, "schemas/panel.json") {
			t.Errorf("the reason does not name the declared schema: %s", got[0].Reason)
		}
	}
}

// mustURL serves body and returns the server's URL.
func mustURL(t *testing.T, body string) string {
	app := httptest.NewServer(okJSON(body))
	t.Cleanup(app.Close)
	return app.URL
}

func TestJudgeModalOpen_Answers(t *testing.T) {
	const good = `{"data":{"blocks":{"title":{"value":"Call back"},"due":{"value":"2026-12-01"}},"actions":{"submit":{"label":"Save"}}}}`
	cases := []struct {
		name   string
		answer http.HandlerFunc
		want   Expectation
		rules  []string
		reason string
	}{
		{"conforming", okJSON(good), Expectation{}, nil, ""},
		{"no actions is fine", okJSON(`{"data":{"blocks":{}}}`), Expectation{}, nil, ""},
		{"a panel's answer", okJSON(`{"data":[{"id":1,"header":"h"}]}`), Expectation{}, []string{"PD-EXT-06 fail"}, "want the modal's object"},
		{"no blocks", okJSON(`{"data":{"actions":{}}}`), Expectation{}, []string{"PD-EXT-06 fail"}, "data.blocks is a JSON null"},
		{"block not an object", okJSON(`{"data":{"blocks":{"title":"x"}}}`), Expectation{}, []string{"PD-EXT-06 fail"}, "data.blocks.title is a JSON string"},
		{"not JSON", okJSON(`<html>`), Expectation{}, []string{"PD-EXT-06 fail"}, "not JSON"},
		{"refused an entitled viewer", status(401, ``), Expectation{}, []string{"PD-EXT-06 fail"}, "answered 401"},
		{"conforming refusal", status(401, `{"error":{"message":"Reinstall"}}`), Refuse(""), nil, ""},
		{"served a forged request", okJSON(good), Refuse(""), []string{"PD-EXT-02 fail"}, "want a refusal"},
		{"500 and stack trace", status(500, "panic: bad token\n\ngoroutine 7 [running]:"), Refuse(""), []string{"PD-EXT-02 fail", "PD-EXT-02 fail"}, "stack trace"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := fixture(t, Options{Deadline: time.Second}, surfacesAt(mustHandler(t, tc.answer)))
			ex, err := m.SendModalOpen(context.Background(), acme, ModalRequest{UserID: 101})
			must(t, err)
			got := m.JudgeModalOpen(ex, tc.want)
			if strings.Join(rulesOf(got), ",") != strings.Join(tc.rules, ",") {
				t.Fatalf("findings = %v, want %v", got, tc.rules)
			}
			if tc.reason != "" && !strings.Contains(got[0].Reason, tc.reason) {
				t.Errorf("reason = %q, want it to say %q", got[0].Reason, tc.reason)
			}
			for _, f := range got {
				if !strings.HasPrefix(f.Reason, "JSON modal request") {
					t.Errorf("the finding does not name the surface: %s", f.Reason)
				}
			}
		})
	}
}

func mustHandler(t *testing.T, h http.Handler) string {
	app := httptest.NewServer(h)
	t.Cleanup(app.Close)
	return app.URL
}

func TestJudgeModalOpen_DeclaredSchemaAndDeadline(t *testing.T) {
	s, err := manifest.CompileSchema([]byte(`{"type":"object","properties":{"blocks":{"type":"object","properties":{"title":{"type":"object"}}},"actions":{}}}`))
	must(t, err)
	s.Path = "schemas/modal.json"
	m, _ := fixture(t, Options{Deadline: 200 * time.Millisecond}, func(a *manifest.App) {
		surfacesAt(mustHandler(t, okJSON(`{"data":{"blocks":{"title":{},"secret":{}}}}`)))(a)
		a.Extensions[2].Schema, a.Extensions[2].Declared = s.Path, s
	})
	ex, err := m.SendModalOpen(context.Background(), acme, ModalRequest{UserID: 101})
	must(t, err)
	got := m.JudgeModalOpen(ex, Expectation{})
	if len(got) != 1 || got[0].Rule != "PD-EXT-06" || !strings.Contains(got[0].Reason, "data.blocks.secret") {
		t.Errorf("findings = %v, want PD-EXT-06 naming data.blocks.secret", got)
	}
	slow := mustHandler(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}))
	m, _ = fixture(t, Options{Deadline: 100 * time.Millisecond}, surfacesAt(slow))
	ex, err = m.SendModalOpen(context.Background(), acme, ModalRequest{UserID: 101})
	must(t, err)
	if got := rulesOf(m.JudgeModalOpen(ex, Expectation{})); strings.Join(got, ",") != "PD-EXT-03 fail" {
		t.Errorf("a modal that never answers: %v, want PD-EXT-03", got)
	}
}

func TestJudgeModalSubmit_Answers(t *testing.T) {
	cases := []struct {
		name   string
		answer http.HandlerFunc
		want   Expectation
		rules  []string
		reason string
	}{
		{"success", okJSON(`{"success":{"message":"Task created","type":"snackbar","link":{"url":"https://x/t/1","label":"Open"}}}`), Expectation{}, nil, ""},
		{"error", status(400, `{"error":{"message":"The due date is in the past"}}`), Expectation{}, nil, ""},
		{"block errors", okJSON(`{"data":{"blocks":{"due":{"error":"In the past"}}}}`), Expectation{}, nil, ""},
		{"success without type", okJSON(`{"success":{"message":"ok"}}`), Expectation{}, []string{"PD-EXT-06 fail"}, `want "snackbar"`},
		{"success without message", okJSON(`{"success":{"type":"snackbar"}}`), Expectation{}, []string{"PD-EXT-06 fail"}, "success.message"},
		{"plain ok", okJSON(`{"ok":true}`), Expectation{}, []string{"PD-EXT-06 fail"}, "neither"},
		{"500", status(500, `oops`), Expectation{}, []string{"PD-EXT-06 fail"}, "answered 500"},
		{"mismatched token refused", status(403, ``), Refuse("PD-EXT-06"), nil, ""},
		{"mismatched token served", okJSON(`{"success":{"message":"Task created","type":"snackbar"}}`), Refuse("PD-EXT-06"), []string{"PD-EXT-06 fail"}, "want a refusal"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := fixture(t, Options{Deadline: time.Second}, surfacesAt(mustHandler(t, tc.answer)))
			ex, err := m.SendModalSubmit(context.Background(), acme, ModalRequest{UserID: 101, Token: TokenValid}, map[string]any{"title": "x"})
			must(t, err)
			got := m.JudgeModalSubmit(ex, tc.want)
			if strings.Join(rulesOf(got), ",") != strings.Join(tc.rules, ",") {
				t.Fatalf("findings = %v, want %v", got, tc.rules)
			}
			if tc.reason != "" && !strings.Contains(got[0].Reason, tc.reason) {
				t.Errorf("reason = %q, want it to say %q", got[0].Reason, tc.reason)
			}
		})
	}
}

func TestJudgeCustomUI_Answers(t *testing.T) {
	const page = `<!doctype html><script src="https://cdn.jsdelivr.net/npm/@pipedrive/app-extensions-sdk@0/dist/index.umd.js"></script>`
	html := func(code int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(code)
			_, _ = w.Write([]byte(body))
		}
	}
	cases := []struct {
		name   string
		answer http.HandlerFunc
		want   Expectation
		rules  []string
		reason string
	}{
		{"page for an entitled viewer", html(200, page), Expectation{}, nil, ""},
		{"refused plainly", html(401, `<p>Please reinstall the app</p>`), Refuse(""), nil, ""},
		{"page served to a forged token", html(200, page), Refuse(""), []string{"PD-EXT-02 fail"}, "served the page"},
		{"refusal carrying the page", html(403, page), Refuse(""), []string{"PD-EXT-02 fail"}, "the body is the app's page"},
		{"500 with a stack trace", html(500, "TypeError: x\n    at verify (/srv/app/server.js:41:9)"), Refuse(""), []string{"PD-EXT-02 fail", "PD-EXT-02 fail"}, "stack trace"},
		{"redirect is no refusal", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/login", http.StatusFound) },
			Refuse(""), []string{"PD-EXT-02 fail"}, "want a refusal, 401 or 403"},
		{"entitled viewer refused", html(403, ``), Expectation{}, []string{"PD-EXT-02 fail"}, "an entitled viewer gets the page"},
		{"entitled viewer refused, rule carried", html(403, ``), Answer("PD-UNINST-02"), []string{"PD-UNINST-02 fail"}, "answered 403"},
	}
	for _, tc := range cases {
		for _, typ := range []reference.ExtensionKind{manifest.CustomUIPanel, manifest.CustomUISettings} {
			t.Run(tc.name+"/"+string(typ), func(t *testing.T) {
				m, _ := fixture(t, Options{Deadline: time.Second}, surfacesAt(mustHandler(t, tc.answer)))
				ex, err := m.SendCustomUI(context.Background(), acme, CustomUIRequest{Type: typ, UserID: 101, Token: TokenBadSignature})
				must(t, err)
				got := m.JudgeCustomUI(ex, tc.want)
				if strings.Join(rulesOf(got), ",") != strings.Join(tc.rules, ",") {
					t.Fatalf("findings = %v, want %v", got, tc.rules)
				}
				if tc.reason != "" && !strings.Contains(got[0].Reason, tc.reason) {
					t.Errorf("reason = %q, want it to say %q", got[0].Reason, tc.reason)
				}
				for _, f := range got {
					if !strings.HasPrefix(f.Reason, SurfaceName(typ)+" request (token: bad signature)") {
						t.Errorf("the finding does not name the surface and variant: %s", f.Reason)
					}
				}
			})
		}
	}
}

// The answer judges read hostile bodies: no panic, and the work stays
// bounded by the body (which the sender caps at MaxBody).
func FuzzPanelSchema(f *testing.F) {
	s, err := manifest.CompileSchema([]byte(declaredPanel))
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(`{"data":[{"id":1,"header":"h","x":{"markdown":true,"value":"v"}}]}`))
	f.Add([]byte(`{"data":{"id":1,"stage":5,"extra":[1,{"a":null}]}}`))
	f.Add([]byte(`{"data":[` + strings.Repeat(`[`, 5000) + `]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		_ = panelSchema(body, nil)
		_ = panelSchema(body, s)
	})
}

func FuzzModalAnswers(f *testing.F) {
	s, err := manifest.CompileSchema([]byte(`{"type":"object","properties":{"blocks":{"type":"object"},"actions":{"type":"object"}}}`))
	if err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(`{"data":{"blocks":{"a":{"value":1}},"actions":{}}}`))
	f.Add([]byte(`{"success":{"message":"m","type":"snackbar","link":{"url":"u"}}}`))
	f.Add([]byte(`{"error":{"message":5}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		_ = modalSchema(body, nil)
		_ = modalSchema(body, s)
		_ = submitShape(200, body)
		_ = submitShape(400, body)
	})
}

// In a story about another rule (want.Rule), a wrong status to an entitled
// viewer breaks that rule, and an answer in the wrong format breaks only
// its surface's format rule (PD-EXT-04, PD-EXT-06), marked Unreadable;
// a conforming answer breaks nothing.
func TestJudge_FormatIsTheSurfacesOwnRule(t *testing.T) {
	const (
		panel  = `{"data":[{"id":1,"header":"Acme Ltd deal 1"}]}`
		modal  = `{"data":{"blocks":{"title":{"value":"x"}}}}`
		submit = `{"success":{"message":"Saved","type":"snackbar"}}`
	)
	story := Answer("PD-UNINST-02")
	cases := []struct {
		name       string
		kind       string
		answer     http.HandlerFunc
		rules      []string
		unreadable bool
	}{
		{"panel conforming", KindPanel, okJSON(panel), nil, false},
		{"panel refused", KindPanel, status(403, ``), []string{"PD-UNINST-02 fail"}, false},
		{"panel off schema", KindPanel, okJSON(`{"data":{"header":"no id"}}`), []string{"PD-EXT-04 fail"}, true},
		{"modal conforming", "open", okJSON(modal), nil, false},
		{"modal refused", "open", status(401, ``), []string{"PD-UNINST-02 fail"}, false},
		{"modal with a panel's data", "open", okJSON(panel), []string{"PD-EXT-06 fail"}, true},
		{"modal not JSON", "open", okJSON(`<html>`), []string{"PD-EXT-06 fail"}, true},
		{"submit conforming", "submit", okJSON(submit), nil, false},
		{"submit 500", "submit", status(500, `oops`), []string{"PD-UNINST-02 fail"}, false},
		{"submit neither shape", "submit", okJSON(`{"ok":true}`), []string{"PD-EXT-06 fail"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, _ := fixture(t, Options{Deadline: time.Second}, surfacesAt(mustHandler(t, tc.answer)))
			var got []Finding
			switch tc.kind {
			case KindPanel:
				ex, err := m.SendPanel(context.Background(), acme, PanelRequest{UserID: 101})
				must(t, err)
				got = m.JudgeExtension(ex, story)
			case "open":
				ex, err := m.SendModalOpen(context.Background(), acme, ModalRequest{UserID: 101})
				must(t, err)
				got = m.JudgeExtension(ex, story)
			case "submit":
				ex, err := m.SendModalSubmit(context.Background(), acme, ModalRequest{UserID: 101, Token: TokenValid}, map[string]any{"title": "x"})
				must(t, err)
				got = m.JudgeExtension(ex, story)
			}
			if strings.Join(rulesOf(got), ",") != strings.Join(tc.rules, ",") {
				t.Fatalf("findings = %v, want %v", got, tc.rules)
			}
			if u := Unreadable(got); (len(u) > 0) != tc.unreadable {
				t.Errorf("unreadable = %v, want %v (findings %v)", u, tc.unreadable, got)
			}
		})
	}
}
