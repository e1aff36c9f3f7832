package certify_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/appcert/appcert/certify"
	"github.com/appcert/appcert/certify/result"
	"github.com/appcert/appcert/internal/browser"
	"github.com/appcert/appcert/manifest"
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

// Without a browser the browser checks are NOT EXERCISED, saying why, and
// the report says so on the surface even where page loads passed it.
func TestCertify_BrowserChecksWithoutABrowserAreNotExercised(t *testing.T) {
	rep, err := certify.Demo(context.Background(), certify.Options{Tags: "@PD-EXT-05", NoBrowser: true}, certify.DemoOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := browserCheck(t, rep, rules.PDExt05)
	if c.Verdict != certify.NotExercised || c.Judged != 0 || !strings.Contains(c.Reason, "need Chromium") || !strings.Contains(c.Reason, "--browser=false") {
		t.Errorf("the browser sub-check: %s, %d judged, %q; want NOT EXERCISED saying Chromium is needed and switched off", c.Verdict, c.Judged, c.Reason)
	}
	r, _ := rep.Rule(rules.PDExt05)
	for _, s := range r.Surfaces {
		if s.Surface == manifest.CustomUIPanel && !strings.Contains(strings.Join(s.Reasons, "\n"), "need Chromium") {
			t.Errorf("the Custom UI panel's %s does not say the browser checks did not run: %v", s.Verdict, s.Reasons)
		}
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
