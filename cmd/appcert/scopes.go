package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/appcert/appcert/reference/scopes"
)

const scopesUsage = `Usage: appcert scopes <subcommand> [flags] [args]

Which Pipedrive scopes grant which API calls (seeds/002, rules PD-SCOPE-01, -02).

Subcommands:
  need METHOD PATH [METHOD PATH]...    the smallest set of scopes granting every call
  check --scopes a,b METHOD PATH       whether those scopes (and base) grant the call
  list [--endpoints]                   the scope catalogue

A PATH may carry a query string and an /api/v1, /v1 or /api/v2 prefix. API v2
(deals, persons, organizations, activities, products, pipelines, stages,
itemSearch) is granted as the v1 template of the same path; its PATCH
counts as the table's PUT.
Exit codes: 0 granted or listed, 1 denied (check), 2 usage error.
`

func runScopes(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "appcert scopes: missing subcommand; use need, check or list (appcert scopes --help)")
		return exitSetup
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		io.WriteString(stdout, scopesUsage)
		return exitOK
	case "need":
		return scopesNeed(args[1:], stdout, stderr)
	case "check":
		return scopesCheck(args[1:], stdout, stderr)
	case "list":
		return scopesList(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "appcert scopes: unknown subcommand %q; use need, check or list (appcert scopes --help)\n", args[0])
	return exitSetup
}

// callError reports a call that does not resolve, with what to do next.
func callError(stderr io.Writer, sub string, err error) int {
	hint := ""
	switch {
	case errors.Is(err, scopes.ErrUnknownEndpoint):
		hint = "; see 'appcert scopes list --endpoints' for the catalogue"
	case errors.Is(err, scopes.ErrUnknownScope):
		hint = "; see 'appcert scopes list' for the names"
	}
	fmt.Fprintf(stderr, "appcert scopes %s: %v%s\n", sub, err, hint)
	return exitSetup
}

func scopesNeed(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("appcert scopes need", "Usage: appcert scopes need METHOD PATH [METHOD PATH]...\n\nThe smallest set of scopes granting every call.\n", stdout, stderr)
	pos, code, stop := fs.parse(args)
	if stop {
		return code
	}
	if len(pos) == 0 || len(pos)%2 != 0 {
		fmt.Fprintf(stderr, "appcert scopes need: want METHOD PATH pairs, got %d arguments; e.g. appcert scopes need GET /deals/1 POST /deals\n", len(pos))
		return exitSetup
	}
	calls := make([]scopes.Call, 0, len(pos)/2)
	for i := 0; i < len(pos); i += 2 {
		calls = append(calls, scopes.Call{Method: pos[i], Path: pos[i+1]})
	}
	res, err := scopes.Need(calls)
	if err != nil {
		return callError(stderr, "need", err)
	}
	fmt.Fprintf(stdout, "scopes: %s\n\n", res.Scopes)
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CALL\tENDPOINT\tGRANTED BY")
	for _, c := range res.Calls {
		fmt.Fprintf(tw, "%s %s\t%s\t%s\n", strings.ToUpper(c.Call.Method), c.Call.Path, c.Match.Endpoint, c.Match.Scopes)
	}
	tw.Flush()
	return exitOK
}

func scopesCheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("appcert scopes check", "Usage: appcert scopes check --scopes a,b METHOD PATH\n\nWhether those scopes (and base) grant the call: exit 0 allowed, 1 denied.\n", stdout, stderr)
	list := fs.String("scopes", "", "comma-separated `scopes` the app holds (base is always held)")
	pos, code, stop := fs.parse(args)
	if stop {
		return code
	}
	if len(pos) != 2 {
		fmt.Fprintf(stderr, "appcert scopes check: want METHOD PATH, got %d arguments; e.g. appcert scopes check --scopes deals:read GET /deals/1\n", len(pos))
		return exitSetup
	}
	var names []string
	for _, n := range strings.Split(*list, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	granted, err := scopes.ParseSet(names)
	if err != nil {
		return callError(stderr, "check", err)
	}
	m, err := scopes.MatchCall(pos[0], pos[1])
	if err != nil {
		return callError(stderr, "check", err)
	}
	d := m.Check(granted)
	if m.Version == 2 {
		fmt.Fprintf(stdout, "API v2: %s %s is granted as the table's %s\n", strings.ToUpper(pos[0]), pos[1], m.Endpoint)
	}
	if !d.Allowed {
		fmt.Fprintf(stdout, "denied: %s\n", d.Reason)
		return exitFail
	}
	fmt.Fprintf(stdout, "allowed: %s\n", d.Reason)
	return exitOK
}

func scopesList(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("appcert scopes list", "Usage: appcert scopes list [--endpoints]\n\nThe scope catalogue.\n", stdout, stderr)
	endpoints := fs.Bool("endpoints", false, "list each scope's endpoints too")
	pos, code, stop := fs.parse(args)
	if stop {
		return code
	}
	if len(pos) != 0 {
		fmt.Fprintf(stderr, "appcert scopes list: unexpected argument %q; list takes only --endpoints\n", pos[0])
		return exitSetup
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SCOPE\tTITLE\tENDPOINTS")
	for _, s := range scopes.Catalogue() {
		fmt.Fprintf(tw, "%s\t%s\t%d\n", s.Name, s.Title, len(s.Endpoints))
		if *endpoints {
			for _, e := range s.Endpoints {
				fmt.Fprintf(tw, "\t  %s\t\n", e)
			}
		}
	}
	tw.Flush()
	return exitOK
}
