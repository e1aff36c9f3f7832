package certify_test

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/appcert/appcert/certify"
	"github.com/appcert/appcert/certify/result"
	"github.com/appcert/appcert/fakes/app"
	"github.com/appcert/appcert/internal/browser"
	"github.com/appcert/appcert/internal/junit"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/reference"
	"github.com/appcert/appcert/rules"
)

// browserCheck returns the browser sub-check on the sample app's Custom UI
// panel of the scenario of rule id.
func browserCheck(t *testing.T, rep *certify.Report, id rules.ID) result.SubCheck {
	t.Helper()
	for _, s := range rep.Scenarios {
		for _, c := range s.Checks {
			if s.Rule == id && c.Browser && c.Surface == manifest.CustomUIPanel {
				return c
			}
		}
	}
	t.Fatalf("no browser sub-check of %s on the Custom UI panel:\n%s", id, reportText(rep))
	return result.SubCheck{}
}

// The sample app's Custom UI page runs in Chromium; its backend call, sent
// again with Gina's (another company's) and Bob's (another user's) token
// and ids, is refused, so both rules pass there, having judged the
// replays; and no Chromium process is left once the run is over.
func TestCertify_CustomUIPageRunsInTheBrowser(t *testing.T) {
	if _, err := browser.Find(os.Getenv("APPCERT_CHROMIUM")); err != nil {
		t.Skipf("skipping the browser checks: %v (.ci/run installs it)", err)
	}
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp) // the browser's profile goes here, so its processes can be found
	rep, err := certify.Demo(context.Background(), certify.Options{Tags: "@PD-EXT-05,@PD-EXT-02", Chromium: os.Getenv("APPCERT_CHROMIUM")}, certify.DemoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []rules.ID{rules.PDExt05, rules.PDExt02} {
		c := browserCheck(t, rep, id)
		// Two replays for each of Gina and Bob, of the page's one call.
		if c.Verdict != certify.Pass || c.Judged < 4 {
			t.Errorf("%s in the browser: %s, %d judged (%s); want PASS on 4 replays:\n%s", id, c.Verdict, c.Judged, c.Reason, reportText(rep))
		}
	}
	if left := processesUnder(tmp); len(left) > 0 {
		t.Errorf("Chromium processes left after the run: %v", left)
	}
}

// Without a browser the browser checks are NOT EXERCISED, saying why; the
// Custom UI surface they decide is NOT EXERCISED too, though its page
// loads held, and so is the rule, in every report: a Custom UI backend
// that serves whoever the query names (which only the browser checks
// catch) never shows as a PASS.
func TestCertify_BrowserChecksWithoutABrowserAreNotExercised(t *testing.T) {
	rep, err := certify.Demo(context.Background(), certify.Options{Tags: "@PD-EXT-05,@PD-EXT-02", NoBrowser: true},
		certify.DemoOptions{Faults: []app.Fault{app.FaultCustomUITrustsQuery}})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []rules.ID{rules.PDExt05, rules.PDExt02} {
		c := browserCheck(t, rep, id)
		if c.Verdict != certify.NotExercised || c.Judged != 0 || !strings.Contains(c.Reason, "need Chromium") || !strings.Contains(c.Reason, "--browser=false") {
			t.Errorf("%s's browser sub-check: %s, %d judged, %q; want NOT EXERCISED saying Chromium is needed and switched off", id, c.Verdict, c.Judged, c.Reason)
		}
		r, _ := rep.Rule(id)
		if r.Verdict != certify.NotExercised {
			t.Errorf("%s is %s without the browser checks; want NOT EXERCISED:\n%s", id, r.Verdict, reportText(rep))
		}
		for _, s := range r.Surfaces {
			if s.Surface == manifest.CustomUIPanel && (s.Verdict != certify.NotExercised || !strings.Contains(strings.Join(s.Reasons, "\n"), "need Chromium")) {
				t.Errorf("%s on the Custom UI panel: %s, %v; want NOT EXERCISED saying the browser checks did not run", id, s.Verdict, s.Reasons)
			}
		}
	}
	if rep.Counts.NotExercised != 2 || rep.Counts.Passed != 0 || rep.ExitCode() != certify.ExitOK {
		t.Errorf("counts %+v, exit %d; want the 2 rules not exercised, none passed, exit 0", rep.Counts, rep.ExitCode())
	}
	if line := rep.SummaryLine(); !strings.Contains(line, "2 not exercised") {
		t.Errorf("summary line %q", line)
	}
	// junit.xml: the surface skipped, saying why.
	var doc junit.Suites
	if err := xml.Unmarshal(rep.JUnit, &doc); err != nil {
		t.Fatal(err)
	}
	for _, s := range doc.Suites {
		for _, c := range s.Cases {
			if strings.HasSuffix(c.Name, " on custom_ui_panel") && (c.Skipped == nil || !strings.Contains(c.Skipped.Message, "NOT EXERCISED") || !strings.Contains(c.Skipped.Message, "need Chromium")) {
				t.Errorf("junit %s: %+v; want skipped, NOT EXERCISED, saying Chromium is needed", c.Name, c)
			}
		}
	}
	// report.html: the rule and the surface not exercised.
	page, err := rep.HTML()
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile(`(?s)<tr id="row-PD-EXT-05">.*?</tr>`).FindString(string(page))
	if !strings.Contains(row, `v-not-exercised">NOT EXERCISED</td>`) || !strings.Contains(row, `NOT EXERCISED</span> custom_ui_panel`) || strings.Contains(row, `PASS</span> custom_ui_panel`) {
		t.Errorf("report.html's PD-EXT-05 row:\n%s", row)
	}
	// cucumber.json: the browser scenarios' steps from the browser on are
	// skipped, not passed, saying why first.
	browserSteps := 0
	for _, s := range cucumberSteps(t, rep.Cucumber) {
		if !strings.Contains(s.Name, "in the browser") {
			continue
		}
		browserSteps++
		m := s.ErrorMessage
		// The scenario checks its Custom UI pages only: one check, or
		// several, the browser's reason first.
		later := strings.Index(m, "; ") >= 0 && strings.Index(m, "need Chromium") > strings.Index(m, "; ")
		if s.Status != "skipped" || !strings.Contains(m, "need Chromium") || later {
			t.Errorf("cucumber.json, %s: %q is %s, %q; want skipped, saying first that Chromium is needed", s.Scenario, s.Name, s.Status, m)
		}
	}
	if browserSteps != 2 {
		t.Errorf("cucumber.json has %d steps running pages in the browser, want 2", browserSteps)
	}
}

// An explicit --chromium that is not there is a setup error.
func TestCertify_MissingChromiumIsASetupError(t *testing.T) {
	_, err := certify.Demo(context.Background(), certify.Options{Tags: "@PD-EXT-05", Chromium: "/nonexistent/chromium"}, certify.DemoOptions{})
	var setup *certify.SetupError
	if !errors.As(err, &setup) || !strings.Contains(err.Error(), "/nonexistent/chromium") {
		t.Errorf("certify with a missing --chromium: %v; want a setup error naming it", err)
	}
}

// processesUnder lists the live processes whose command line mentions dir.
func processesUnder(dir string) []string {
	var out []string
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		cmd, err := os.ReadFile(filepath.Join(p, "cmdline"))
		if err != nil || !strings.Contains(string(cmd), dir) {
			continue
		}
		if st, err := os.ReadFile(filepath.Join(p, "stat")); err == nil && strings.Contains(string(st), ") Z ") {
			continue // exited; its parent has not read it yet
		}
		out = append(out, filepath.Base(p)+" "+strings.ReplaceAll(string(cmd), "\x00", " "))
	}
	return out
}

// A Chromium that will not start leaves the browser checks NOT EXERCISED,
// saying so, rather than failing the app.
func TestCertify_ChromiumThatWillNotStartLeavesBrowserChecksNotExercised(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "chromium")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	rep, err := certify.Demo(context.Background(), certify.Options{Tags: "@PD-EXT-05", Chromium: bin}, certify.DemoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := browserCheck(t, rep, rules.PDExt05)
	if c.Verdict != certify.NotExercised || !strings.Contains(c.Reason, bin+" did not start") {
		t.Errorf("the browser sub-check: %s, %q; want NOT EXERCISED saying %s did not start", c.Verdict, c.Reason, bin)
	}
	if rep.ExitCode() != certify.ExitOK {
		t.Errorf("exit %d; a browser that will not start fails nothing of the app", rep.ExitCode())
	}
}

// The browser scenarios on a manifest with no Custom UI page are N/A,
// saying so, in summary.json's scenarios, and skipped with that reason in
// cucumber.json; the rules they check are decided by their other
// scenarios, and the text says nothing of Custom UI pages. With a Custom
// UI page and no browser, the same scenarios are not exercised on it.
func TestCertify_BrowserScenariosWithoutACustomUIPageAreNotApplicable(t *testing.T) {
	for _, tc := range []struct {
		kinds []reference.ExtensionKind
		want  certify.Verdict
		why   string
	}{
		{[]reference.ExtensionKind{reference.JSONPanel, reference.LinkAction}, certify.NotApplicable, "the app declares no Custom UI page"},
		{[]reference.ExtensionKind{reference.JSONPanel, reference.CustomUIPanel}, certify.NotExercised, "the browser checks need Chromium"},
	} {
		rep, err := certify.Demo(context.Background(), certify.Options{Tags: "@PD-EXT-05,@PD-EXT-02", NoBrowser: true}, certify.DemoOptions{Kinds: tc.kinds})
		if err != nil {
			t.Fatal(err)
		}
		inBrowser := map[string]bool{}
		for _, sc := range rep.Scenarios {
			if !strings.HasSuffix(sc.URI, "browser.feature") {
				continue
			}
			inBrowser[sc.Name] = true
			if sc.Verdict != tc.want {
				t.Errorf("%v: %q is %s, want %s", tc.kinds, sc.Name, sc.Verdict, tc.want)
			}
			for _, c := range sc.Checks {
				if !manifest.IsCustomUI(c.Surface) || c.Verdict != tc.want || !strings.Contains(c.Reason, tc.why) {
					t.Errorf("%v: %q checks %s: %s %q; want %s on Custom UI pages only, saying %q", tc.kinds, sc.Name, c.Surface, c.Verdict, c.Reason, tc.want, tc.why)
				}
			}
		}
		if len(inBrowser) == 0 {
			t.Fatalf("%v: no browser scenario ran; the test shows nothing", tc.kinds)
		}
		var feats []struct {
			Elements []struct {
				Name  string `json:"name"`
				Steps []struct {
					Result struct {
						Status string `json:"status"`
					} `json:"result"`
				} `json:"steps"`
			} `json:"elements"`
		}
		if err := json.Unmarshal(rep.Cucumber, &feats); err != nil {
			t.Fatal(err)
		}
		for _, f := range feats {
			for _, e := range f.Elements {
				if !inBrowser[e.Name] {
					continue
				}
				last := e.Steps[len(e.Steps)-1].Result.Status
				if last != "skipped" {
					t.Errorf("%v: %q's last step is %s in cucumber.json; want skipped, as it is %s", tc.kinds, e.Name, last, tc.want)
				}
			}
		}
		if tc.want == certify.NotApplicable {
			for _, id := range []rules.ID{rules.PDExt05, rules.PDExt02} {
				if rr, _ := rep.Rule(id); rr.Verdict != certify.Pass {
					t.Errorf("%s is %s, want PASS:\n%s", id, rr.Verdict, reportText(rep))
				}
			}
			if txt := reportText(rep); strings.Contains(txt, "Custom UI") {
				t.Errorf("the text speaks of Custom UI pages the app does not declare:\n%s", txt)
			}
		}
	}
}
