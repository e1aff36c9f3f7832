package certify_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/appcert/appcert/certify"
	"github.com/appcert/appcert/certify/suite"
	"github.com/appcert/appcert/fakes/app"
	"github.com/appcert/appcert/internal/browser"
	"github.com/appcert/appcert/reference"
	"github.com/appcert/appcert/rules"
)

// shapes are the manifests the sample app is certified under: each
// combination of the surfaces it declares.
func shapes() map[string][]reference.ExtensionKind {
	out := map[string][]reference.ExtensionKind{}
	var kinds []reference.ExtensionKind
	for _, e := range certify.SampleManifest("http://127.0.0.1:1", nil).Extensions {
		if !slices.Contains(kinds, e.Type) {
			kinds = append(kinds, e.Type)
		}
	}
	for mask := 1; mask < 1<<len(kinds); mask++ {
		var ks []string
		var shape []reference.ExtensionKind
		for i, k := range kinds {
			if mask&(1<<i) != 0 {
				shape = append(shape, k)
				ks = append(ks, string(k))
			}
		}
		out[strings.Join(ks, "+")] = shape
	}
	return out
}

var modes = []reference.SharingMode{reference.ModeNone, reference.ModeAddToAccount, reference.ModeSharedExtensions}

// matrixCase is one certification of the sample app with one fault, under
// one manifest shape and sharing mode.
type matrixCase struct {
	fault app.FaultInfo
	shape string
	kinds []reference.ExtensionKind
	mode  reference.SharingMode
}

func (c matrixCase) name() string {
	return fmt.Sprintf("%s/%s/%s", c.fault.Name, c.shape, c.mode)
}

// faultMatrix is every fault of the sample app under every manifest shape
// that declares a surface the fault shows through, in every sharing mode
// its rule's check applies to: all from the faults' and checks' own data,
// so a new fault, check or surface joins without an edit here.
func faultMatrix(t testing.TB) []matrixCase {
	var out []matrixCase
	for _, f := range app.Faults() {
		check, ok := suite.CheckOf(f.Rule)
		if !ok {
			if !rules.IsPending(f.Rule) {
				t.Errorf("%s breaks %s, which has no check", f.Name, f.Rule)
			}
			continue
		}
		before := len(out)
		for name, kinds := range shapes() {
			if len(f.Kinds) > 0 && !slices.ContainsFunc(kinds, func(k reference.ExtensionKind) bool { return slices.Contains(f.Kinds, k) }) {
				continue // the fault does not show through these surfaces
			}
			for _, mode := range modes {
				if check.Applies(certify.DemoOptions{Kinds: kinds, Mode: mode}.Manifest("http://127.0.0.1", nil)) {
					out = append(out, matrixCase{f, name, kinds, mode})
				}
			}
		}
		if len(out) == before && !rules.IsPending(f.Rule) {
			// A fault on a surface the suite does not send to yet waits for
			// its rule to be built; a built rule's fault must show.
			t.Errorf("%s (%s, on %v) is in no manifest shape the suite certifies", f.Name, f.Rule, f.Kinds)
		}
	}
	slices.SortFunc(out, func(a, b matrixCase) int { return strings.Compare(a.name(), b.name()) })
	return out
}

// runSelected is the cases whose subtests of test go test's -run and -skip
// select, so that a filtered run certifies only those: the subtests are made
// after every certification has run, too late for go test's own filter.
func runSelected(test, run, skip string, cases []matrixCase) []matrixCase {
	return slices.DeleteFunc(slices.Clone(cases), func(c matrixCase) bool {
		name := strings.Split(test+"/"+c.name(), "/")
		if ok, _ := matchesTestPattern(run, name); run != "" && !ok {
			return true
		}
		ok, partial := matchesTestPattern(skip, name)
		return skip != "" && ok && !partial
	})
}

func testFlag(name string) string {
	if f := flag.Lookup(name); f != nil {
		return f.Value.String()
	}
	return ""
}

// matchesTestPattern matches a test's name, split by '/', as go test matches
// it against a -run or -skip pattern: the pattern's alternatives split at
// top-level '|', each split at top-level '/' into one unanchored regular
// expression per level of the name; a name shorter than the pattern matches
// partially (a subtest further down may match in full).
func matchesTestPattern(pattern string, name []string) (ok, partial bool) {
	for _, alt := range splitTestPattern(pattern) {
		ok = true
		for i, elem := range name {
			if i >= len(alt) {
				break
			}
			if m, err := regexp.MatchString(alt[i], elem); err != nil || !m {
				ok = false
				break
			}
		}
		if ok {
			return true, len(name) < len(alt)
		}
	}
	return false, false
}

// splitTestPattern splits as the testing package's splitRegexp does: '/' and
// '|' inside brackets or parentheses, or escaped, split nothing.
func splitTestPattern(s string) [][]string {
	var alts [][]string
	var elems []string
	brackets, parens := 0, 0
	for i := 0; i < len(s); {
		switch s[i] {
		case '[':
			brackets++
		case ']':
			brackets = max(brackets-1, 0)
		case '(':
			if brackets == 0 {
				parens++
			}
		case ')':
			if brackets == 0 {
				parens--
			}
		case '\\':
			i++
		case '/', '|':
			if brackets == 0 && parens == 0 {
				elems = append(elems, s[:i])
				if s[i] == '|' {
					alts, elems = append(alts, elems), nil
				}
				s, i = s[i+1:], 0
				continue
			}
		}
		i++
	}
	return append(alts, append(elems, s))
}

func TestCertify_FaultMatrixRunsWhatRunSelects(t *testing.T) {
	const test = "TestCertify_FaultMatrix"
	all := faultMatrix(t)
	faultsOf := func(cases []matrixCase) []string {
		var out []string
		for _, c := range cases {
			if f := string(c.fault.Name); !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
		return out
	}
	for _, c := range []struct {
		run, skip  string
		wantFaults []string // nil: every fault
		wantShape  string   // "": any shape
	}{
		{run: ""},
		{run: test},
		{run: "Test"},
		{run: test + "/skip-jwt", wantFaults: []string{"skip-jwt"}},
		{run: "^" + test + "$/^skip-jwt$/^json_panel$", wantFaults: []string{"skip-jwt"}, wantShape: "json_panel"},
		{run: "TestOther|" + test + "/^skip-jwt$", wantFaults: []string{"skip-jwt"}},
		{run: test + "/^(skip-jwt|unauthenticated-uninstall)$", wantFaults: []string{"skip-jwt", "unauthenticated-uninstall"}},
		{run: test + "/json_panel", wantFaults: []string{}}, // the shape is the third level, not the second
		{run: "TestOther", wantFaults: []string{}},
	} {
		got := runSelected(test, c.run, c.skip, all)
		if c.wantFaults == nil {
			if len(got) != len(all) {
				t.Errorf("-run %q: %d of %d cases, want all", c.run, len(got), len(all))
			}
			continue
		}
		if f := faultsOf(got); !slices.Equal(f, c.wantFaults) && !(len(f) == 0 && len(c.wantFaults) == 0) {
			t.Errorf("-run %q: faults %v, want %v", c.run, f, c.wantFaults)
		}
		for _, g := range got {
			if c.wantShape != "" && g.shape != c.wantShape {
				t.Errorf("-run %q selected %s", c.run, g.name())
			}
		}
		if c.wantShape != "" && len(got) == 0 {
			t.Errorf("-run %q selected nothing", c.run)
		}
	}
	skipped := runSelected(test, "", test+"/skip-jwt", all)
	if f := faultsOf(skipped); slices.Contains(f, "skip-jwt") || len(f) != len(faultsOf(all))-1 {
		t.Errorf("-skip %s/skip-jwt: faults %v, want all but skip-jwt", test, f)
	}
}

// matrixDeadline bounds each request of a matrix run but those of the
// deadline rule's faults: the matrix is about verdicts, not speed.
const matrixDeadline = time.Minute

// Every fault fails its rule whenever the manifest declares a surface it
// shows through, and the run exits 1; a rule whose surface and mode are
// declared is never N/A.
func TestCertify_FaultMatrix(t *testing.T) {
	// Every app rule must have a fault that breaks it, or its checks are
	// never shown able to fail.
	for _, r := range rules.AppRules() {
		if !slices.ContainsFunc(app.Faults(), func(f app.FaultInfo) bool { return f.Rule == r.ID }) && !rules.IsPending(r.ID) {
			t.Errorf("%s has no fault in fakes/app that breaks it", r.ID)
		}
	}
	all := faultMatrix(t)
	cases := runSelected(t.Name(), testFlag("test.run"), testFlag("test.skip"), all)
	if len(cases) < len(all) {
		// The checks above are over the faults' and rules' data and ran in
		// full; only the certifications -run selects are run and judged.
		t.Logf("-run selects %d of the %d certifications: only their verdicts are checked; the checks that every app rule has a fault and every fault a manifest shape covered all", len(cases), len(all))
	}
	if raceDetector {
		// The race detector slows each run tenfold; one case per fault
		// still runs every fault's code concurrently.
		seen := map[app.Fault]bool{}
		cases = slices.DeleteFunc(cases, func(c matrixCase) bool {
			dup := seen[c.fault.Name]
			seen[c.fault.Name] = true
			return dup
		})
	}
	faults := map[app.Fault]bool{}
	for _, c := range cases {
		faults[c.fault.Name] = true
	}
	t.Logf("%d certifications: %d of the %d faults × the shapes and modes each applies to", len(cases), len(faults), len(app.Faults()))
	// The runs wait on sockets far more than they compute, so they run
	// many at once, more than -parallel's default of one per core.
	chromium, noChromium := browser.Find(os.Getenv("APPCERT_CHROMIUM"))
	why := ""
	if noChromium != nil {
		why = noChromium.Error()
	}
	shared := suite.NewBrowser(chromium, why)
	defer shared.Close()
	var allKinds []reference.ExtensionKind // the largest shape
	for _, kinds := range shapes() {
		if len(kinds) > len(allKinds) {
			allKinds = kinds
		}
	}
	reports := make([]*certify.Report, len(cases))
	errs := make([]error, len(cases))
	var wg sync.WaitGroup
	at := 16
	if raceDetector {
		at = 2 // each run is ten times the work
	}
	// The runs that need the browser go after the others, two at a time:
	// a page starved by a dozen runs at once makes no call to its backend
	// within the page's wait, and the browser check is then (rightly) not
	// exercised rather than failed.
	inBrowser := func(c matrixCase) bool { return slices.ContainsFunc(c.fault.Kinds, suite.InBrowser) }
	for _, phase := range []struct {
		browser bool
		at      int
	}{{false, at}, {true, min(at, 2)}} {
		sem := make(chan struct{}, phase.at)
		for i, c := range cases {
			if inBrowser(c) != phase.browser {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				// A loaded machine must not fail a rule on time alone: with
				// 16 runs at once on a CPU share of a few percent, the sample
				// app's calls outlast 8 s and it answers 504s (PD-EXT-04).
				o := certify.Options{Concurrency: 8, Deadline: matrixDeadline}
				d := certify.DemoOptions{Faults: []app.Fault{c.fault.Name}, Kinds: c.kinds, Mode: c.mode}
				// Chromium runs only where the fault shows through a page in
				// the browser, one for every such run; elsewhere those
				// sub-checks are not exercised, which decides nothing about
				// the fault's rule.
				o.NoBrowser = !inBrowser(c)
				if !o.NoBrowser {
					o.Browser = shared
				}
				if c.fault.Rule == rules.PDExt03 {
					// A fault of the deadline rule: a short deadline keeps the
					// test fast; the answer is held well past it.
					o.Deadline, d.SlowPanelDelay = 5*time.Second, 30*time.Second
				}
				start := time.Now()
				reports[i], errs[i] = certify.Demo(context.Background(), o, d)
				if took := time.Since(start); took > 30*time.Second {
					t.Logf("%s took %v", c.name(), took)
				}
			}()
		}
		wg.Wait()
	}
	for i, c := range cases {
		t.Run(c.name(), func(t *testing.T) {
			if noChromium != nil && slices.ContainsFunc(c.fault.Kinds, suite.InBrowser) {
				t.Skipf("the fault shows in the browser checks, which need Chromium: %v", noChromium)
			}
			rep, err := reports[i], errs[i]
			if err != nil {
				t.Fatal(err)
			}
			got, _ := rep.Rule(c.fault.Rule)
			// An advice rule (least privilege, a state check) warns; the
			// exit code follows the run's rule for the verdict.
			wantVerdict, wantExit := certify.Fail, certify.ExitOK
			if check, _ := suite.CheckOf(c.fault.Rule); check.Advice {
				wantVerdict = certify.Warn
			}
			if wantVerdict.FailsRun() {
				wantExit = certify.ExitFailed
			}
			if got.Verdict != wantVerdict {
				t.Errorf("%s is %s, want %s:\n%s", c.fault.Rule, got.Verdict, wantVerdict, reportText(rep))
			}
			if rep.ExitCode() != wantExit {
				t.Errorf("exit code %d, want %d (%s)", rep.ExitCode(), wantExit, ruleVerdicts(rep))
			}
			// Where the app declares every surface, in the sample's own
			// sharing mode, the fault also fails each rule it lists as Also.
			if len(c.kinds) == len(allKinds) && c.mode == reference.ModeSharedExtensions {
				for _, id := range c.fault.Also {
					if r, _ := rep.Rule(id); r.Verdict != certify.Fail {
						t.Errorf("%s is %s; the fault lists it as failed too:\n%s", id, r.Verdict, reportText(rep))
					}
				}
			}
			for _, r := range rep.Rules {
				check, _ := suite.CheckOf(r.ID)
				if r.Verdict == certify.NotApplicable && check.Applies(certify.DemoOptions{Kinds: c.kinds, Mode: c.mode}.Manifest("http://127.0.0.1", nil)) {
					t.Errorf("%s is N/A, yet its surface and mode are declared: %v", r.ID, r.Reasons)
				}
			}
		})
	}
}
