package certifytest_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/appcert/appcert/certify"
	"github.com/appcert/appcert/certify/result"
	"github.com/appcert/appcert/certifytest"
	"github.com/appcert/appcert/fakes/app"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/reference"
	"github.com/appcert/appcert/rules"
)

// onAction lets the sample app answer a link action, then answers as
// change says instead (true), or as the app did.
func onAction(h http.Handler, change func(w http.ResponseWriter, r *http.Request, status int) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/action" {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if change(w, r, rec.Code) {
			return
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// A link action may answer a viewer it refuses with a redirect to the
// login_url it declares: an app that does, with a path on its own host or
// with the absolute login URL it was configured with (certifytest serves
// the handler elsewhere, and tells it nothing), passes every rule whose
// stories refuse someone; one that sends entitled viewers to its login
// too, or refuses nobody, fails them.
func TestCertify_LinkActionRedirectingToItsLogin(t *testing.T) {
	const loginURL = "http://127.0.0.1:8080/login" // the app's own page, as configured
	checked := []rules.ID{rules.PDShare21, rules.PDShare22, rules.PDShare24, rules.PDExt02, rules.PDUninst02}
	var tags []string
	for _, id := range checked {
		tags = append(tags, "@"+string(id))
	}
	toLogin := func(target string) func(w http.ResponseWriter, r *http.Request, status int) bool {
		return func(w http.ResponseWriter, r *http.Request, status int) bool {
			if status == http.StatusUnauthorized || status == http.StatusForbidden {
				http.Redirect(w, r, target, http.StatusFound)
				return true
			}
			return false
		}
	}
	cases := []struct {
		name   string
		change func(w http.ResponseWriter, r *http.Request, status int) bool
		pass   bool
		reason string // of a failure on the link action
	}{
		{"a path on its own host", toLogin("/login?next=%2Fdeals%2F1"), true, ""},
		{"the configured login URL", toLogin(loginURL + "?next=x"), true, ""},
		{"entitled viewers sent to the login too", func(w http.ResponseWriter, r *http.Request, _ int) bool {
			http.Redirect(w, r, loginURL, http.StatusFound)
			return true
		}, false, "which sends the viewer to the login_url; an entitled viewer gets the link action's page"},
		{"nobody refused", func(w http.ResponseWriter, r *http.Request, status int) bool {
			if status == http.StatusUnauthorized || status == http.StatusForbidden {
				w.WriteHeader(http.StatusOK)
				return true
			}
			return false
		}, false, "answered 200; want a refusal, 401 or 403"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := certifytest.Start(t, certifytest.Options{Tags: strings.Join(tags, ",")})
			a := sampleApp(t, app.Options{OAuthBaseURL: m.OAuthURL, HTTPClient: m.Client})
			mf := certify.DemoOptions{Kinds: []reference.ExtensionKind{manifest.LinkAction}}.Manifest("http://127.0.0.1:8080", a.Scopes())
			for i := range mf.Extensions {
				mf.Extensions[i].LoginURL = loginURL
			}
			rep, err := m.Run(t.Context(), mf, onAction(a, tc.change))
			if err != nil {
				t.Fatal(err)
			}
			t.Log(rep.SummaryLine())
			if tc.pass {
				if rep.ExitCode() != certify.ExitOK {
					t.Errorf("exit %d: %s", rep.ExitCode(), rep.SummaryLine())
				}
				for _, id := range checked {
					r, _ := rep.Rule(id)
					if !slices.ContainsFunc(r.Surfaces, func(s result.SurfaceResult) bool {
						return s.Surface == manifest.LinkAction && s.Verdict == certify.Pass && s.Judged > 0
					}) {
						t.Errorf("%s on the link action: %+v", id, r.Surfaces)
					}
				}
				return
			}
			if rep.ExitCode() != certify.ExitFailed {
				t.Errorf("exit %d, want 1: %s", rep.ExitCode(), rep.SummaryLine())
			}
			failed := 0
			for _, id := range checked {
				r, _ := rep.Rule(id)
				if slices.ContainsFunc(r.Findings, func(f result.Finding) bool {
					return f.Surface == manifest.LinkAction && f.Severity == result.SeverityFail && strings.Contains(f.Reason, tc.reason)
				}) {
					failed++
				}
			}
			if failed == 0 {
				t.Errorf("no rule failed on the link action with %q: %s", tc.reason, rep.SummaryLine())
			}
		})
	}
}
