package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/appcert/appcert/features"
)

const featuresUsage = `Usage: appcert features [flags] [PATH...]

Runs the marketplace feature suites against the reference model: the suites
built into appcert, or the .feature files and folders given (FILE:LINE runs
one scenario). Scenarios run concurrently, in an order the seed fixes.

Exit codes: 0 every scenario passed, 1 a scenario failed or a step is
undefined, 2 bad tags, path, format or feature file, 130 interrupted by
Ctrl-C, 143 by SIGTERM (the scenarios begun finish; the reports say which
did not run).
`

func runFeatures(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("appcert features", featuresUsage, stdout, stderr)
	var opts features.RunOptions
	fs.StringVar(&opts.Tags, "tags", "", "only scenarios matching the tag `expr`ession: @PD-SHARE-13, \"@a,@b\" (either), \"@a && ~@b\" (a and not b)")
	fs.StringVar(&opts.Format, "format", "pretty", "console report `name`: pretty, progress, junit or cucumber")
	fs.StringVar(&opts.OutDir, "out", "", "also write junit.xml and cucumber.json into this `folder`")
	fs.Int64Var(&opts.Seed, "seed", 0, "run in the order of seed `n` (a failed run prints its seed)")
	fs.IntVar(&opts.Concurrency, "concurrency", 0, "`n` scenarios at once (default: one per CPU)")
	fs.BoolVar(&opts.Color, "color", false, "colour the console report")
	paths, code, stop := fs.parse(args)
	if stop {
		return code
	}
	opts.Paths, opts.Out = paths, stdout
	if opts.Concurrency <= 0 {
		opts.Concurrency = runtime.GOMAXPROCS(0) // one per CPU, as before the line below
	}
	if os.Getenv("GOMAXPROCS") == "" {
		// The scenarios still run concurrently, on one thread: godog's
		// storage and formatters serialize most of a run, and a second
		// thread spent more CPU waking and spinning than it saved time
		// (on 2 cores: 0.50 s of wall time either way, 0.66 s of CPU
		// against 0.55 s).
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	}
	if os.Getenv("GOGC") == "" {
		// A run allocates some 100 MB in half a second, keeping little:
		// at Go's default the collector runs twenty times; at 200 it runs
		// a third as often, and fresh memory (page faults) costs less
		// than it does at 400.
		defer debug.SetGCPercent(debug.SetGCPercent(200))
	}
	rep, err := features.Run(ctx, opts)
	if err != nil {
		var ue *features.UsageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "appcert features: %v\n", err)
			return exitSetup
		}
		fmt.Fprintf(stderr, "appcert features: %v\n", err)
		return exitFail
	}
	// A machine-readable console report keeps stdout to itself.
	sum := stdout
	if opts.Format == "junit" || opts.Format == "cucumber" {
		sum = stderr
	}
	rep.Summary(sum)
	if len(rep.Files) > 0 {
		fmt.Fprintf(stderr, "reports: %s\n", strings.Join(rep.Files, ", "))
	}
	if ctx.Err() != nil {
		// A cancelled CI job must not pass: the scenarios begun finished,
		// the others did not run.
		fmt.Fprintf(stderr, "appcert features: interrupted (%v): %d of %d scenarios ran\n", context.Cause(ctx), rep.Ran, rep.Scenarios)
		return interruptedCode(ctx)
	}
	if !rep.OK() {
		return exitFail
	}
	return exitOK
}
