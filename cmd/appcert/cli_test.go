package main

import (
	"encoding/json"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
)

// Every subcommand, and every scopes subcommand, prints its help on stdout
// and exits 0, asked either way; a bad flag is one line of advice on stderr
// and exit 2.
func TestCLI_HelpOnStdoutEverywhere(t *testing.T) {
	var cmdlines [][]string
	for name := range commands() {
		cmdlines = append(cmdlines, []string{name})
	}
	for _, sub := range []string{"need", "check", "list"} {
		cmdlines = append(cmdlines, []string{"scopes", sub})
	}
	for _, cl := range cmdlines {
		name := strings.Join(cl, " ")
		for _, args := range [][]string{
			append(append([]string{}, cl...), "--help"),
			append(append([]string{}, cl...), "-h"),
			append([]string{"help"}, cl...),
		} {
			code, out, errs := runCLI(t, args...)
			if code != exitOK || errs != "" || !strings.Contains(out, "Usage: appcert "+name) {
				t.Errorf("%q: exit %d, stderr %q, stdout:\n%.200s", args, code, errs, out)
			}
		}
		if name == "scopes" {
			continue // its first argument is a subcommand, not a flag
		}
		code, out, errs := runCLI(t, append(append([]string{}, cl...), "--no-such-flag")...)
		if code != exitSetup || out != "" || !strings.Contains(errs, "appcert "+name+": flag provided but not defined: --no-such-flag;") ||
			!strings.Contains(errs, "run 'appcert "+name+" --help' for usage") {
			t.Errorf("%s --no-such-flag: exit %d, stdout %q, stderr %q", name, code, out, errs)
		}
	}
}

// Help lists flags in one style, --name VALUE, with their defaults.
func TestCLI_HelpListsFlagsInOneStyle(t *testing.T) {
	_, out, _ := runCLI(t, "help", "certify")
	for _, want := range []string{"\nFlags:\n", "  --manifest FILE ", "--out FOLDER", "(default out)", "  --demo "} {
		if !strings.Contains(out, want) {
			t.Errorf("certify --help lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\n  -manifest") {
		t.Errorf("certify --help shows single-dash flags:\n%s", out)
	}
}

func TestCLI_TopLevelHelpAndUnknowns(t *testing.T) {
	if code, out, _ := runCLI(t, "--help"); code != exitOK || !strings.Contains(out, "Commands:") || !strings.Contains(out, "version") {
		t.Errorf("--help: exit %d:\n%s", code, out)
	}
	if code, out, errs := runCLI(t); code != exitSetup || out != "" || !strings.Contains(errs, "Commands:") {
		t.Errorf("no arguments: exit %d, stdout %q", code, out)
	}
	if code, _, errs := runCLI(t, "help", "nope"); code != exitSetup || !strings.Contains(errs, `unknown command "nope"`) {
		t.Errorf("help nope: exit %d, %q", code, errs)
	}
	if code, _, errs := runCLI(t, "nope"); code != exitSetup || !strings.Contains(errs, `unknown command "nope"`) {
		t.Errorf("nope: exit %d, %q", code, errs)
	}
}

func TestVersion_PrintsOneLine(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, errs := runCLI(t, args...)
		if code != exitOK || errs != "" || !strings.HasPrefix(out, "appcert ") || strings.Count(out, "\n") != 1 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, errs)
		}
	}
}

func TestVersionLine_PrefersLinkedThenModuleThenCommit(t *testing.T) {
	bi := &debug.BuildInfo{Main: debug.Module{Version: "v1.4.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-11-30T04:00:00Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	cases := []struct {
		linked string
		bi     *debug.BuildInfo
		want   string
	}{
		{"v2.0.0", bi, "appcert v2.0.0 (commit 0123456789ab+dirty, 2026-11-30T04:00:00Z) go"},
		{"", bi, "appcert v1.4.0 (commit 0123456789ab+dirty, 2026-11-30T04:00:00Z) go"},
		{"", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "appcert devel go"},
		{"", nil, "appcert devel go"},
	}
	for _, c := range cases {
		if got := versionLine(c.linked, c.bi); !strings.HasPrefix(got, c.want) {
			t.Errorf("versionLine(%q) = %q, want prefix %q", c.linked, got, c.want)
		}
	}
}

func TestRules_LooksRulesUp(t *testing.T) {
	code, out, errs := runCLI(t, "rules", "pd-ext-02", "PD-SHARE-13")
	if code != exitOK || errs != "" || !strings.Contains(out, "PD-EXT-02  A") || !strings.Contains(out, "PD-SHARE-13  M") ||
		strings.Contains(out, "PD-EXT-01 ") || !strings.Contains(out, "\n2 rules,") {
		t.Errorf("rules pd-ext-02 PD-SHARE-13: exit %d:\n%s", code, out)
	}
	// Every fault that fails the rule is listed, its own and others'; one
	// rule is "1 rule".
	code, out, _ = runCLI(t, "rules", "PD-EXT-02")
	for _, want := range []string{"skip-jwt, trust-query-user, bad-token-500, ignore-basic-auth, custom-ui-refusal-page", "custom-ui-trusts-query (a PD-EXT-05 fault)", "\n1 rule, 0 with gaps"} {
		if code != exitOK || !strings.Contains(out, want) {
			t.Errorf("rules PD-EXT-02: exit %d, lacks %q:\n%s", code, want, out)
		}
	}
	code, out, _ = runCLI(t, "rules", "PD-EXT")
	if code != exitOK || !strings.Contains(out, "PD-EXT-01  M") || !strings.Contains(out, "PD-EXT-02  A") || strings.Contains(out, "\nPD-SHARE-") {
		t.Errorf("rules PD-EXT: exit %d:\n%s", code, out)
	}
	code, out, errs = runCLI(t, "rules", "PD-EXT-99")
	if code != exitSetup || out != "" || !strings.Contains(errs, `no rule "PD-EXT-99"`) {
		t.Errorf("rules PD-EXT-99: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestRules_JSON(t *testing.T) {
	code, out, _ := runCLI(t, "rules", "--json", "PD-EXT-02", "PD-SHARE-13")
	var got []ruleJSON
	if err := json.Unmarshal([]byte(out), &got); code != exitOK || err != nil {
		t.Fatalf("exit %d, %v:\n%s", code, err, out)
	}
	if len(got) != 2 || got[0].ID != "PD-EXT-02" || got[0].Kind != "A" || len(got[0].AppChecks) == 0 || len(got[0].Faults) == 0 ||
		got[1].ID != "PD-SHARE-13" || len(got[1].Scenarios) == 0 || got[1].Scenarios[0].Line == 0 || got[1].Summary == "" {
		t.Errorf("rules --json: %+v", got)
	}
	if len(got) == 2 && (!slices.Contains(got[0].Surfaces, "json_modal") || !slices.Contains(got[0].Surfaces, "custom_ui_settings") || len(got[1].Surfaces) != 0) {
		t.Errorf("rules --json: PD-EXT-02 runs on %v, PD-SHARE-13 (a marketplace rule) on %v", got[0].Surfaces, got[1].Surfaces)
	}
}

// Each app rule says which surfaces its check runs on: the same data the
// certification decides its sub-checks from.
func TestRules_ShowSurfaces(t *testing.T) {
	code, out, _ := runCLI(t, "rules", "PD-EXT-03", "PD-EXT-06", "PD-OAUTH-02")
	if code != exitOK {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, want := range []string{
		"  surfaces:   JSON panel (json_panel), JSON modal (json_modal)\n",
		"  surfaces:   JSON modal (json_modal)\n",
		"  surfaces:   the app as a whole\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("rules output lacks %q:\n%s", want, out)
		}
	}
}
