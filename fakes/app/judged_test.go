package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/appcert/appcert/certify/result"
	"github.com/appcert/appcert/fakes/marketplace"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/rules"
)

// judgedSurface is one of the sample app's surfaces as the fake
// marketplace sends and judges it.
type judgedSurface struct {
	typ  string
	ext  manifest.Extension
	send func(m *marketplace.Marketplace, user int64, tok marketplace.Token) (marketplace.Exchange, error)
	// judge judges the exchange; submit also submits a modal and judges that.
	judge func(m *marketplace.Marketplace, ex marketplace.Exchange, want marketplace.Expectation) []marketplace.Finding
}

const judgedClient = "sample-app"

func judgedSurfaces(appURL string) []judgedSurface {
	ctx := context.Background()
	return []judgedSurface{
		{string(manifest.JSONModal), manifest.Extension{Type: manifest.JSONModal, Name: "Create a task", Resource: "deal", URL: appURL + "/modal"},
			func(m *marketplace.Marketplace, user int64, tok marketplace.Token) (marketplace.Exchange, error) {
				return m.SendModalOpen(ctx, judgedClient, marketplace.ModalRequest{UserID: user, SelectedIDs: []int64{2}, Token: tok})
			}, (*marketplace.Marketplace).JudgeModalOpen},
		{"json_modal submit", manifest.Extension{Type: manifest.JSONModal, Name: "Create a task", Resource: "deal", URL: appURL + "/modal"},
			func(m *marketplace.Marketplace, user int64, tok marketplace.Token) (marketplace.Exchange, error) {
				return m.SendModalSubmit(ctx, judgedClient, marketplace.ModalRequest{UserID: user, SelectedIDs: []int64{2}, Token: tok}, map[string]any{"title": "Call back"})
			}, (*marketplace.Marketplace).JudgeModalSubmit},
		{string(manifest.CustomUIPanel), manifest.Extension{Type: manifest.CustomUIPanel, Name: "Deal notes", Resource: "deal", URL: appURL + "/ui/panel"},
			func(m *marketplace.Marketplace, user int64, tok marketplace.Token) (marketplace.Exchange, error) {
				return m.SendCustomUI(ctx, judgedClient, marketplace.CustomUIRequest{Type: manifest.CustomUIPanel, UserID: user, SelectedIDs: []int64{2}, Token: tok})
			}, (*marketplace.Marketplace).JudgeCustomUI},
		{"link_action list", manifest.Extension{Type: manifest.LinkAction, Name: "Open selected", Resource: "deal", View: manifest.ViewList, URL: appURL + "/action"},
			func(m *marketplace.Marketplace, user int64, tok marketplace.Token) (marketplace.Exchange, error) {
				return m.SendLinkAction(ctx, judgedClient, marketplace.LinkRequest{Extension: "Open selected", UserID: user, ExcludedIDs: []int64{3}, Filter: `{"owner":100}`, Token: tok})
			}, (*marketplace.Marketplace).JudgeLinkAction},
	}
}

// judgedEnv runs the sample app with faults behind a real fake marketplace
// whose manifest declares only the surface s, and authorizes user 100.
func judgedEnv(t *testing.T, surface func(appURL string) judgedSurface, faults ...Fault) (*marketplace.Marketplace, judgedSurface) {
	t.Helper()
	m := marketplace.New(marketplace.Options{Deadline: 2 * time.Second})
	t.Cleanup(m.Close)
	market := httptest.NewServer(m)
	t.Cleanup(market.Close)
	a, err := New(Options{ClientID: judgedClient, ClientSecret: "sample-secret", OAuthBaseURL: market.URL,
		Faults: faults, SlowPanelDelay: 4 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	app := httptest.NewServer(a)
	t.Cleanup(app.Close)
	s := surface(app.URL)
	for _, c := range []marketplace.Company{{ID: 1, Name: "Acme Ltd"}, {ID: 2, Name: "Globex Inc"}} {
		if err := m.AddCompany(c); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []marketplace.User{{ID: 100, CompanyID: 1, Name: "Ada", Email: "ada@acme.test", Admin: true},
		{ID: 101, CompanyID: 1, Name: "Bob", Email: "bob@acme.test"}, {ID: 200, CompanyID: 2, Name: "Gil", Email: "gil@globex.test", Admin: true}} {
		if err := m.AddUser(u); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.AddApp(manifest.App{Name: "Sample app", ClientID: judgedClient, ClientSecret: "sample-secret",
		CallbackURL: app.URL + "/callback", Scopes: a.Scopes(), Extensions: []manifest.Extension{s.ext}}); err != nil {
		t.Fatal(err)
	}
	ex, err := m.Authorize(context.Background(), judgedClient, 100)
	if err != nil || ex.Status >= 400 {
		t.Fatalf("authorize: %v %+v", err, ex)
	}
	return m, s
}

// findingsOf sends the genuine request, every forged token and a request
// from a viewer who never authorized, and judges each.
func findingsOf(t *testing.T, m *marketplace.Marketplace, s judgedSurface) []marketplace.Finding {
	t.Helper()
	var out []marketplace.Finding
	ex, err := s.send(m, 100, marketplace.TokenValid)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, s.judge(m, ex, marketplace.Expectation{})...)
	for _, tok := range marketplace.ForgedTokens() {
		ex, err := s.send(m, 100, tok)
		if err != nil {
			t.Fatal(err)
		}
		rule := rules.ID("")
		if s.typ == "json_modal submit" && (tok == marketplace.TokenOtherUser || tok == marketplace.TokenOtherCompany) {
			rule = rules.PDExt06 // a submit naming someone else
		}
		out = append(out, s.judge(m, ex, marketplace.Refuse(rule))...)
	}
	return out
}

// TestApp_EverySurfaceJudged: for each new surface, the conforming sample
// app passes the fake marketplace's judges; a manifest declaring only that
// surface still has its token handling examined (each forged token is
// sent and must be refused); and each fault that breaks the surface fails
// its rule, with the surface named in the reason.
func TestApp_EverySurfaceJudged(t *testing.T) {
	faults := map[string][]Fault{
		string(manifest.JSONModal):     {FaultSlowModal, FaultBadModal, FaultSkipJWT, FaultTrustQueryUser, FaultBadToken500},
		"json_modal submit":            {FaultBadModalSubmit, FaultSkipJWT, FaultTrustQueryUser, FaultBadToken500},
		string(manifest.CustomUIPanel): {FaultCustomUIRefusalPage, FaultSkipJWT, FaultTrustQueryUser, FaultBadToken500},
		"link_action list":             {FaultSkipJWT, FaultTrustQueryUser, FaultBadToken500},
	}
	ruleOf := map[Fault]rules.ID{}
	for _, fi := range Faults() {
		ruleOf[fi.Name] = fi.Rule
	}
	for i := range judgedSurfaces("") {
		pick := func(appURL string) judgedSurface { return judgedSurfaces(appURL)[i] }
		typ := pick("").typ
		t.Run(typ+"/conforming", func(t *testing.T) {
			t.Parallel()
			m, s := judgedEnv(t, pick)
			if got := findingsOf(t, m, s); len(got) != 0 {
				t.Errorf("the conforming app: %v", got)
			}
			// Never N/A: the forged tokens were sent to this surface.
			if n := len(marketplace.ForgedTokens()); n < 5 {
				t.Fatalf("only %d forged tokens", n)
			}
		})
		for _, f := range faults[typ] {
			t.Run(typ+"/"+string(f), func(t *testing.T) {
				t.Parallel()
				m, s := judgedEnv(t, pick, f)
				got := findingsOf(t, m, s)
				name := marketplace.SurfaceName(s.ext.Type)
				rule := string(ruleOf[f])
				if typ == "json_modal submit" && f == FaultTrustQueryUser {
					rule = string(rules.PDExt06) // a submit naming someone else is refused
				}
				var hit bool
				for _, fd := range got {
					if string(fd.Rule) == rule && fd.Severity == result.SeverityFail && strings.HasPrefix(fd.Reason, name) {
						hit = true
					}
				}
				if !hit {
					t.Errorf("%s: no %s failure naming the %s among %v", f, rule, name, got)
				}
			})
		}
	}
}

// TestApp_PanelDeclaredSchemaJudged: the sample app's panel passes its
// declared data_schema; with an undeclared field it fails PD-EXT-04 with
// the field's JSON path, and the same answer passes where no schema is
// declared.
func TestApp_PanelDeclaredSchemaJudged(t *testing.T) {
	declared, err := manifest.CompileSchema(PanelDataSchema)
	if err != nil {
		t.Fatal(err)
	}
	declared.Path = "deal-summary.json"
	for _, tc := range []struct {
		name     string
		faults   []Fault
		schema   bool
		wantPath string
	}{
		{"conforming, declared", nil, true, ""},
		{"undeclared field, declared", []Fault{FaultUndeclaredPanelField}, true, "data[0].internal_notes"},
		{"undeclared field, nothing declared", []Fault{FaultUndeclaredPanelField}, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			panel := func(appURL string) judgedSurface {
				e := manifest.Extension{Type: manifest.JSONPanel, Name: "Deal summary", Resource: "deal", URL: appURL + "/panel"}
				if tc.schema {
					e.DataSchema, e.Declared = declared.Path, declared
				}
				return judgedSurface{typ: string(manifest.JSONPanel), ext: e}
			}
			m, _ := judgedEnv(t, panel, tc.faults...)
			ex, err := m.SendPanel(context.Background(), judgedClient, marketplace.PanelRequest{UserID: 100, SelectedIDs: []int64{2}})
			if err != nil {
				t.Fatal(err)
			}
			if ex.Status != http.StatusOK {
				t.Fatalf("panel answered %d: %s", ex.Status, ex.Body)
			}
			got := m.JudgePanel(ex, marketplace.Expectation{})
			if tc.wantPath == "" {
				if len(got) != 0 {
					t.Errorf("findings %v, want none", got)
				}
				return
			}
			if len(got) == 0 || got[0].Rule != rules.PDExt04 || !strings.Contains(got[0].Reason, tc.wantPath) {
				t.Errorf("findings %v, want PD-EXT-04 naming %s", got, tc.wantPath)
			}
		})
	}
}
