package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func runScopesT(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = runScopes(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestRunScopes_CheckAllowed(t *testing.T) {
	code, out, errs := runScopesT(t, "check", "--scopes", "deals:read", "GET", "/deals/5")
	if code != exitOK || out != "allowed: GET /deals/{id} is granted by deals:read\n" || errs != "" {
		t.Fatalf("code %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestRunScopes_CheckDenied(t *testing.T) {
	code, out, _ := runScopesT(t, "check", "--scopes", "deals:read", "POST", "/deals")
	want := "denied: POST /deals is not granted by base, deals:read; it needs one of: deals:full\n"
	if code != exitFail || out != want {
		t.Fatalf("code %d, stdout %q, want %q", code, out, want)
	}
}

func TestRunScopes_CheckFlagAfterCallAndSpaces(t *testing.T) {
	code, out, errs := runScopesT(t, "check", "get", "/v1/deals/5?x=1", "--scopes", " leads:read , deals:full ,")
	if code != exitOK || !strings.Contains(out, "granted by deals:full") {
		t.Fatalf("code %d, stdout %q, stderr %q", code, out, errs)
	}
}

func TestRunScopes_CheckV2PatchAsPut(t *testing.T) {
	code, out, errs := runScopesT(t, "check", "--scopes", "deals:read", "PATCH", "/api/v2/deals/5")
	if code != exitFail || !strings.Contains(out, "API v2: PATCH /api/v2/deals/5 is granted as the table's PUT /deals/{id}") || !strings.Contains(out, "deals:full") {
		t.Fatalf("code %d, stdout %q, stderr %q", code, out, errs)
	}
	code, _, errs = runScopesT(t, "check", "GET", "/api/v2/users/me")
	if code != exitSetup || !strings.Contains(errs, "API v2 has no GET /api/v2/users/me") {
		t.Fatalf("code %d, stderr %q; want a usage error naming v2's resources", code, errs)
	}
}

func TestRunScopes_CheckBaseWithoutScopes(t *testing.T) {
	code, out, _ := runScopesT(t, "check", "GET", "/users/me")
	if code != exitOK || out != "allowed: GET /users/me is granted by base\n" {
		t.Fatalf("code %d, stdout %q", code, out)
	}
}

func TestRunScopes_Need(t *testing.T) {
	code, out, errs := runScopesT(t, "need", "GET", "/deals/5", "POST", "/persons")
	if code != exitOK || errs != "" {
		t.Fatalf("code %d, stderr %q", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 5 || lines[0] != "scopes: base, deals:read, contacts:full" {
		t.Fatalf("stdout:\n%s", out)
	}
	for i, want := range [][]string{
		{"GET /deals/5", "GET /deals/{id}", "deals:read, deals:full"},
		{"POST /persons", "POST /persons", "contacts:full"},
	} {
		for _, w := range want {
			if !strings.Contains(lines[3+i], w) {
				t.Errorf("line %q lacks %q", lines[3+i], w)
			}
		}
	}
}

func TestRunScopes_List(t *testing.T) {
	code, out, _ := runScopesT(t, "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != exitOK || len(lines) != 27 {
		t.Fatalf("code %d, %d lines:\n%s", code, len(lines), out)
	}
	if f := strings.Fields(lines[2]); f[0] != "deals:read" || f[len(f)-1] != "39" {
		t.Fatalf("deals:read line %q", lines[2])
	}
	_, full, _ := runScopesT(t, "list", "--endpoints")
	if !strings.Contains(full, "GET /goals/count/by-{goalAssignee}") || strings.Count(full, "\n") != 27+477 {
		t.Fatalf("list --endpoints has %d lines", strings.Count(full, "\n"))
	}
}

func TestRunScopes_UsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string // in the one-line stderr
	}{
		{nil, "missing subcommand"},
		{[]string{"grant"}, "unknown subcommand"},
		{[]string{"need"}, "want METHOD PATH pairs"},
		{[]string{"need", "GET", "/deals", "POST"}, "want METHOD PATH pairs"},
		{[]string{"need", "HEAD", "/deals"}, "unknown method"},
		{[]string{"need", "GET", "/deals", "GET", "/nope"}, "call 2"},
		{[]string{"check", "GET"}, "want METHOD PATH"},
		{[]string{"check", "--scopes", "deal:read", "GET", "/deals"}, `unknown scope "deal:read"`},
		{[]string{"check", "GET", "/nope"}, "appcert scopes list --endpoints"},
		{[]string{"check", "PATCH", "/deals/1"}, "PUT"},
		{[]string{"list", "extra"}, "unexpected argument"},
	} {
		code, out, errs := runScopesT(t, c.args...)
		if code != exitSetup || out != "" || !strings.Contains(errs, c.want) || strings.Count(errs, "\n") != 1 {
			t.Errorf("%v: code %d, stdout %q, stderr %q; want exit 2 and one line with %q", c.args, code, out, errs, c.want)
		}
	}
}

func TestRunScopes_BadFlagIsUsageError(t *testing.T) {
	code, _, errs := runScopesT(t, "check", "--scope", "x", "GET", "/deals")
	if code != exitSetup || !strings.Contains(errs, "-scope") {
		t.Fatalf("code %d, stderr %q", code, errs)
	}
}

func TestRunScopes_Help(t *testing.T) {
	code, out, _ := runScopesT(t, "--help")
	if code != exitOK || !strings.Contains(out, "need METHOD PATH") {
		t.Fatalf("code %d, stdout %q", code, out)
	}
	for _, sub := range []string{"need", "check", "list"} {
		code, out, errs := runScopesT(t, sub, "--help")
		if code != exitOK || !strings.Contains(out, "Usage: appcert scopes "+sub) || errs != "" {
			t.Errorf("%s --help: code %d, stdout %q, stderr %q", sub, code, out, errs)
		}
	}
	_, out, _ = runScopesT(t, "check", "-h")
	if !strings.Contains(out, "--scopes SCOPES") {
		t.Errorf("check -h does not describe --scopes: %q", out)
	}
}
