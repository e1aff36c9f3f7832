package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/appcert/appcert/features"
)

const featuresUsage = `Usage: appcert features [flags] [PATH...]

Runs the marketplace feature suites against the reference model: the suites
built into appcert, or the .feature files and folders given (FILE:LINE runs
one scenario). Scenarios run concurrently, in an order the seed fixes.

Flags:
  --tags EXPR      only scenarios matching EXPR: @PD-SHARE-13, "@a,@b" (either),
                   "@a && ~@b" (a and not b)
  --format NAME    console report: pretty (default), progress, junit, cucumber
  --out DIR        also write DIR/junit.xml and DIR/cucumber.json
  --seed N         run in the order of seed N (a failed run prints its seed)
  --concurrency N  scenarios at once (default: one per CPU)
  --color          colour the console report

Exit codes: 0 every scenario passed, 1 a scenario failed or a step is
undefined, 2 bad tags, path, format or feature file.
`

func runFeatures(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("appcert features", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { io.WriteString(stderr, featuresUsage) }
	var opts features.RunOptions
	fs.StringVar(&opts.Tags, "tags", "", "tag expression")
	fs.StringVar(&opts.Format, "format", "pretty", "console format")
	fs.StringVar(&opts.OutDir, "out", "", "folder for junit.xml and cucumber.json")
	fs.Int64Var(&opts.Seed, "seed", 0, "scenario order")
	fs.IntVar(&opts.Concurrency, "concurrency", 0, "scenarios at once")
	fs.BoolVar(&opts.Color, "color", false, "colour the report")
	paths, code, stop := interleaved(fs, args)
	if stop {
		return code
	}
	opts.Paths, opts.Out = paths, stdout
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
	if !rep.OK() {
		return exitFail
	}
	return exitOK
}

// interleaved parses flags wherever they stand among the positional
// arguments ("a.feature --tags @x" as well as "--tags @x a.feature").
func interleaved(fs *flag.FlagSet, args []string) ([]string, int, bool) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, exitOK, true
			}
			return nil, exitSetup, true
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, 0, false
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
