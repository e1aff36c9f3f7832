package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/appcert/appcert/certify"
	"github.com/appcert/appcert/certify/baseline"
	"github.com/appcert/appcert/certify/container"
	"github.com/appcert/appcert/fakes/app"
	"github.com/appcert/appcert/fakes/marketplace"
	"github.com/appcert/appcert/manifest"
	"github.com/appcert/appcert/rules"
)

const certifyUsage = `Usage: appcert certify --manifest app.yaml [flags]
       appcert certify --manifest app.yaml --image IMAGE | --build DIR [--env NAME=VALUE]... [flags]
       appcert certify --demo [--fault NAME]...

Plays the marketplace against a running app and reports, rule by rule, how
it handles sharing, JSON panels, link actions, uninstalls, OAuth and scopes.
Point the app's OAuth base URL at the --listen address first; API calls go
to the api_domain the token answer names.

--demo certifies the bundled sample app instead, started in-process on a
loopback port (with --fault, broken on purpose; --fault list shows them).

Each Custom UI page runs in headless Chromium (chromium on PATH or at
/usr/bin/chromium, or --chromium PATH) inside a host page that speaks the
SDK, for a user the app is installed for; every call it makes to the app's
origin is sent again with another company's and another user's signed
token and ids. Without Chromium (or with --browser=false) those checks are
NOT EXERCISED.

--image runs the app from a local container image (--build: built first
from DIR/Dockerfile) on the host network, so the manifest's URLs are on
127.0.0.1. The app learns the marketplace from its environment:
APPCERT_OAUTH_URL, APPCERT_API_URL, APPCERT_CLIENT_ID and
APPCERT_CLIENT_SECRET by default, and any --env NAME=VALUE, whose VALUE may
name {oauth_url}, {api_url}, {client_id}, {client_secret} (and, with HTTPS,
{ca_cert}: the CA certificate's path in the container). appcert waits until
the callback URL (or --wait-path) answers, keeps the app's output in
container.log in --out and beside each failed exchange, and removes the
container on every way out.


Writes junit.xml, cucumber.json, summary.json and report.html into --out.
--baseline FILE accepts known failures (YAML: expected_failures, each a
rule, surface, reason and optional expires date): they are reported as
expected and do not fail the run; an entry that no longer fails, or has
expired, fails it. --write-baseline FILE writes today's failures as a
baseline to start from. A failing rule's line ends with the command that
reruns that rule's checks alone.
Exit codes: 0 every required check passed (warnings allowed), 1 a check
failed or could not run (or --timeout was reached), 2 setup or usage error
(no Docker engine, an app that exits or never answers), 130 interrupted by Ctrl-C, 143 by SIGTERM (the reports hold what was found
so far).
`

// ruleFlags collects repeated --rule flags: app rules of the catalogue.
type ruleFlags []string

func (r *ruleFlags) String() string { return strings.Join(*r, ",") }

func (r *ruleFlags) Set(id string) error {
	rl, ok := rules.Lookup(rules.ID(strings.ToUpper(strings.TrimSpace(id))))
	switch {
	case !ok:
		return fmt.Errorf("no rule %q in the catalogue ('appcert rules' lists them)", id)
	case rl.Kind != rules.App:
		return fmt.Errorf("%s is a marketplace rule, checked by 'appcert features --tags @%s'; certify checks app rules", rl.ID, rl.ID)
	}
	*r = append(*r, string(rl.ID))
	return nil
}

// tags is the tag expression selecting the rules' checks, with the
// --tags expression, if any, also required.
func (r ruleFlags) tags(tags string) string {
	if len(r) == 0 {
		return tags
	}
	sel := "@" + strings.Join(r, ",@")
	if strings.TrimSpace(tags) == "" {
		return sel
	}
	return sel + " && " + tags
}

// faultFlags collects repeated --fault flags.
type faultFlags []app.Fault

func (f *faultFlags) String() string {
	s := make([]string, len(*f))
	for i, x := range *f {
		s[i] = string(x)
	}
	return strings.Join(s, ",")
}

func (f *faultFlags) Set(name string) error {
	if name == "list" {
		*f = append(*f, "list")
		return nil
	}
	x, err := app.ParseFault(name)
	if err != nil {
		return err
	}
	*f = append(*f, x)
	return nil
}

// faultUsage is --fault's help in each command that takes it.
const faultUsage = "with --demo, switch a sample app fault `NAME` on; repeatable (\"list\" lists them)"

// listed prints the sample app's faults when --fault list asked for them.
func (f faultFlags) listed(stdout io.Writer) bool {
	if !slices.Contains(f, "list") {
		return false
	}
	for _, fi := range app.Faults() {
		fmt.Fprintf(stdout, "%-26s %-13s %s\n", fi.Name, fi.Rule, fi.Description)
	}
	return true
}

func runCertify(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("appcert certify", certifyUsage, stdout, stderr)
	var (
		path, listen, tags, out, format string
		demo, progress                  bool
		timeout                         time.Duration
		faults                          faultFlags
		rateLimit                       int
		useTLS                          bool
		caDir, appCA                    string
		only                            ruleFlags
		baselinePath, writeBaseline     string
		image, build, waitPath          string
		envs, labels                    listFlag
		waitTimeout                     time.Duration
		useBrowser                      bool
		chromium                        string
	)
	fs.StringVar(&path, "manifest", "", "the app's manifest `file` (YAML or JSON, at most 1 MiB)")
	fs.StringVar(&listen, "listen", certify.DefaultListen, "`address` the marketplace serves on (with --demo: a free port unless set)")
	fs.StringVar(&tags, "tags", "", "run only the scenarios this godog tag `expression` selects (\"@PD-EXT-02\", \"@a,@b\", \"~@a\")")
	fs.StringVar(&out, "out", "out", "`folder` for junit.xml, cucumber.json, summary.json and report.html")
	fs.StringVar(&baselinePath, "baseline", "", "a YAML `file` of expected failures: they do not fail the run; a stale entry does")
	fs.StringVar(&writeBaseline, "write-baseline", "", "write today's failures to this `file`, a baseline to start from")
	fs.StringVar(&format, "format", "pretty", "what to print, by `name`: pretty, junit, cucumber or json")
	fs.IntVar(&rateLimit, "rate-limit", marketplace.DefaultRateLimit, "each access token's burst budget of API calls per rolling 2 s `window`; over it the API answers 429")
	fs.BoolVar(&useTLS, "tls", false, "serve the marketplace over HTTPS with a certificate from appcert's CA (see 'appcert ca')")
	fs.StringVar(&caDir, "ca", "", "the CA's `folder` for --tls (default: appcert/ca in the user's config folder)")
	fs.StringVar(&appCA, "app-ca", "", "a PEM `file` of the CA the app's own https URLs are signed by, trusted besides the system roots")
	fs.BoolVar(&demo, "demo", false, "certify the bundled sample app, started in-process")
	fs.BoolVar(&useBrowser, "browser", true, "run each Custom UI page in headless Chromium and send its backend calls again as other viewers (--browser=false: those checks are not exercised)")
	fs.StringVar(&chromium, "chromium", "", "the Chromium `binary` for --browser (default: chromium on PATH, or /usr/bin/chromium)")
	fs.Var(&faults, "fault", faultUsage)
	fs.Var(&only, "rule", "run only the checks of this app rule `ID` (PD-EXT-02); repeatable")
	fs.BoolVar(&progress, "progress", false, "a line on stderr per finished scenario (default: on a terminal, unless CI is set)")
	fs.DurationVar(&timeout, "timeout", 0, "stop the whole run after this `duration` (e.g. 5m) and report what was found so far")
	fs.StringVar(&image, "image", "", "run the app under test from this local container `image`")
	fs.StringVar(&build, "build", "", "build the app's image from the Dockerfile in `DIR` and run it")
	fs.Var(&envs, "env", "with --image or --build, set `NAME=VALUE` in the app's environment; VALUE may name {oauth_url}, {api_url}, {client_id}, {client_secret}, {ca_cert}; repeatable")
	fs.Var(&labels, "label", "with --image or --build, add `KEY=VALUE` to the container's labels; repeatable")
	fs.StringVar(&waitPath, "wait-path", "", "with --image or --build, the `path` that answers once the app is ready (default: the callback URL)")
	fs.DurationVar(&waitTimeout, "wait-timeout", container.DefaultWaitTimeout, "with --image or --build, how long the app has to answer once started")
	pos, code, stop := fs.parse(args)
	if stop {
		return code
	}
	if faults.listed(stdout) {
		return exitOK
	}
	usageErr := fs.usageErr
	switch {
	case len(pos) > 0:
		return usageErr("unexpected argument %q", pos[0])
	case format != "pretty" && format != "junit" && format != "cucumber" && format != "json":
		return usageErr("unknown --format %q (want pretty, junit, cucumber or json)", format)
	case demo && path != "":
		return usageErr("--demo certifies the sample app; drop --manifest")
	case !demo && path == "":
		return usageErr("--manifest is required (or --demo)")
	case !demo && len(faults) > 0:
		return usageErr("--fault breaks the sample app, so it needs --demo")
	case out == "":
		return usageErr("--out must name a folder")
	case rateLimit < 1 || rateLimit > 100000:
		return usageErr("--rate-limit %d: want a number of calls from 1 to 100000", rateLimit)
	case caDir != "" && !useTLS:
		return usageErr("--ca names the CA for --tls; add --tls")
	case timeout < 0:
		return usageErr("--timeout %v: must not be negative", timeout)
	case image != "" && build != "":
		return usageErr("--image and --build both name the app's image; give one")
	case demo && (image != "" || build != ""):
		return usageErr("--demo runs the sample app in-process; drop --image and --build")
	case image == "" && build == "" && (len(envs) > 0 || len(labels) > 0 || waitPath != ""):
		return usageErr("--env, --label and --wait-path configure the app's container, so they need --image or --build")
	case waitTimeout <= 0:
		return usageErr("--wait-timeout %v: must be positive", waitTimeout)
	}
	var labelMap map[string]string
	for _, l := range labels {
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" {
			return usageErr("--label %q is not KEY=VALUE", l)
		}
		if labelMap == nil {
			labelMap = map[string]string{}
		}
		labelMap[k] = v
	}

	o := certify.Options{Tags: only.tags(tags), RateLimit: rateLimit, TLS: useTLS, CADir: caDir, Chromium: chromium, NoBrowser: !useBrowser}
	if appCA != "" {
		o.AppCAs = []string{appCA}
	}
	scheme := "http"
	if useTLS {
		scheme = "https"
	}
	if !fs.isSet("progress") {
		progress = isTerminal(stderr) && os.Getenv("CI") == ""
	}
	if progress {
		o.Progress = stderr
	}
	if !demo {
		var err error
		if o.Manifest, err = manifest.Load(path); err != nil {
			fmt.Fprintf(stderr, "appcert certify: %s: %v\n", path, err)
			return exitSetup
		}
	}
	// Before anything is sent: results that cannot be written are lost.
	var expected *baseline.File
	if baselinePath != "" {
		var err error
		if expected, err = baseline.Load(baselinePath); err != nil {
			fmt.Fprintf(stderr, "appcert certify: --baseline %s: %v\n", baselinePath, err)
			return exitSetup
		}
	}
	removeOut, err := checkWritable(out)
	if err != nil {
		fmt.Fprintf(stderr, "appcert certify: --out %s: the reports cannot be written there: %v\n", out, err)
		return exitSetup
	}
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, timeout, errTimeout)
		defer cancel()
	}

	var rep *certify.Report
	if demo {
		if fs.isSet("listen") {
			o.Listen = listen
		}
		fmt.Fprintf(stderr, "appcert certify: certifying the sample app%s\n", faultNote(faults))
		rep, err = certify.Demo(ctx, o, certify.DemoOptions{Faults: faults})
	} else {
		o.Listen = listen
		if image != "" || build != "" {
			rep, err = container.Certify(ctx, o, container.Run{
				Spec:     container.Spec{Image: image, BuildDir: build, Labels: labelMap},
				EnvArgs:  envs,
				WaitPath: waitPath, WaitTimeout: waitTimeout,
				OutDir:   out,
				Progress: prefixWriter{stderr, "appcert certify: "},
			})
		} else {
			fmt.Fprintf(stderr, "appcert certify: certifying %s; the marketplace serves on %s://%s\n", path, scheme, listen)
			rep, err = certify.Run(ctx, o)
		}
	}
	if err != nil {
		removeOut()
		if ctx.Err() != nil {
			fmt.Fprintf(stderr, "appcert certify: %s before any check ran; nothing written\n", stopped(ctx, timeout))
			return stoppedCode(ctx)
		}
		fmt.Fprintf(stderr, "appcert certify: %v\n", err)
		return exitSetup
	}
	rep.Rerun = rerunCommand(args)
	if expected != nil {
		if err := rep.ApplyBaseline(baselinePath, expected, time.Now()); err != nil {
			fmt.Fprintf(stderr, "appcert certify: --baseline: %v\n", err)
			return exitSetup
		}
	}
	switch format {
	case "pretty":
		err = rep.WriteText(stdout)
	case "junit":
		_, err = stdout.Write(rep.JUnit)
	case "cucumber":
		_, err = stdout.Write(rep.Cucumber)
	case "json":
		var b []byte
		if b, err = rep.JSON(); err == nil {
			_, err = stdout.Write(b)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "appcert certify: %v\n", err)
	}
	if err := rep.WriteFiles(out); err != nil {
		fmt.Fprintf(stderr, "appcert certify: writing the reports: %v\n", err)
		return exitSetup
	}
	fmt.Fprintf(stderr, "appcert certify: reports in %s\n", strings.Join([]string{
		filepath.Join(out, "junit.xml"), filepath.Join(out, "cucumber.json"), filepath.Join(out, "summary.json"), filepath.Join(out, "report.html"),
	}, ", "))
	if writeBaseline != "" {
		var b strings.Builder
		err := baseline.Write(&b, rep.Checks())
		if err == nil {
			err = os.WriteFile(writeBaseline, []byte(b.String()), 0o644)
		}
		if err != nil {
			fmt.Fprintf(stderr, "appcert certify: --write-baseline: %v\n", err)
			return exitSetup
		}
		fmt.Fprintf(stderr, "appcert certify: today's failures written to %s\n", writeBaseline)
	}
	if format != "pretty" {
		fmt.Fprintf(stderr, "appcert certify: %s\n", rep.SummaryLine())
	}
	if rep.Interrupted {
		fmt.Fprintf(stderr, "appcert certify: %s; the reports hold what was found so far\n", stopped(ctx, timeout))
		return stoppedCode(ctx)
	}
	return rep.ExitCode()
}

// errTimeout ends a run that reached --timeout.
var errTimeout = errors.New("--timeout reached")

// stopped says why a run stopped early.
func stopped(ctx context.Context, timeout time.Duration) string {
	if errors.Is(context.Cause(ctx), errTimeout) {
		return fmt.Sprintf("stopped at --timeout %v", timeout)
	}
	return "interrupted (" + context.Cause(ctx).Error() + ")"
}

// stoppedCode is the exit code of a run stopped early: a failed gate for
// --timeout (the checks not run did not pass), 128 plus the signal for an
// interrupted one.
func stoppedCode(ctx context.Context) int {
	if errors.Is(context.Cause(ctx), errTimeout) {
		return exitFail
	}
	return interruptedCode(ctx)
}

// checkWritable makes sure reports can be written into dir, creating it if
// need be; remove takes away a folder it created, for a run that ends
// without reports.
func checkWritable(dir string) (remove func(), err error) {
	remove = func() {}
	if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return remove, err
		}
		remove = func() { os.Remove(dir) } // only if still empty
	} else if err != nil {
		return remove, err
	}
	f, err := os.CreateTemp(dir, ".appcert-probe-*")
	if err != nil {
		remove()
		return func() {}, err
	}
	f.Close()
	os.Remove(f.Name())
	return remove, nil
}

// listFlag collects a repeated string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// prefixWriter writes each Write (one line) after a prefix.
type prefixWriter struct {
	w      io.Writer
	prefix string
}

func (p prefixWriter) Write(b []byte) (int, error) {
	if _, err := io.WriteString(p.w, p.prefix+string(b)); err != nil {
		return 0, err
	}
	return len(b), nil
}

func faultNote(faults faultFlags) string {
	if len(faults) == 0 {
		return ""
	}
	return " with faults " + faults.String()
}
