// Command appcert certifies marketplace apps against the documented install,
// sharing and approval rules, and runs the marketplace's own feature suites.
//
// Exit codes: 0 all required checks pass, 1 a check or scenario failed,
// 2 setup or usage error.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// Exit codes shared by every subcommand.
const (
	exitOK    = 0
	exitFail  = 1
	exitSetup = 2
)

// command is one subcommand. run gets the arguments after the subcommand's
// name and returns the process exit code.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

// commands is the subcommand table; each subcommand lives in its own file.
func commands() map[string]command {
	return map[string]command{
		"scopes":   {"which scopes grant which API calls", runScopes},
		"ca":       {"print the path of appcert's CA certificate (for --tls), creating the CA first", runCA},
		"certify":  {"play the marketplace against a running app and report, rule by rule, what it breaks", runCertify},
		"features": {"run the marketplace feature suites (Gherkin) against the reference model", runFeatures},
		"steps":    {"list the feature steps, with an example of each", runSteps},
		"rules":    {"the rule catalogue and what covers each rule; appcert rules ID... looks rules up", runRules},
		"sim":      {"simulate a marketplace under load against the reference model, checking its invariants", runSim},
		"serve":    {"a local marketplace page for your app: click through installs, sharing and its panels", runServe},
		"version":  {"print appcert's version", runVersion},
	}
}

func main() {
	os.Exit(runMain())
}

// runMain is the process: run, cancelled by Ctrl-C or SIGTERM so that
// whatever a command started (servers, the app's container) is stopped on
// the way out, even when a command panics.
func runMain() int {
	ctx, stop := notifySignals(context.Background())
	defer stop()
	return run(ctx, os.Args[1:], os.Stdout, os.Stderr)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 {
		usage(stderr, cmds)
		return exitSetup
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(stdout, cmds)
		return exitOK
	case "-version", "--version":
		return runVersion(ctx, nil, stdout, stderr)
	case "help":
		// appcert help CMD [SUB] is appcert CMD [SUB] --help.
		if len(args) == 1 {
			usage(stdout, cmds)
			return exitOK
		}
		if _, ok := cmds[args[1]]; !ok {
			fmt.Fprintf(stderr, "appcert help: unknown command %q; run 'appcert --help' for the list\n", args[1])
			return exitSetup
		}
		args = append(append([]string{}, args[1:]...), "--help")
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "appcert: unknown command %q; run 'appcert --help' for the list\n", args[0])
		return exitSetup
	}
	return c.run(ctx, args[1:], stdout, stderr)
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("appcert: certify marketplace apps against the documented sharing, install and approval rules\n\n")
	b.WriteString("Usage: appcert <command> [flags]   (appcert help <command>, or appcert <command> --help, for its flags)\n\nCommands:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-10s %s\n", n, cmds[n].summary)
	}
	b.WriteString("\nExit codes: 0 all required checks pass, 1 a check failed, 2 setup or usage error.\n")
	io.WriteString(w, b.String())
}
