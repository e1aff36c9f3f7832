package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/appcert/appcert/steps"
)

const stepsUsage = `Usage: appcert steps [--area NAME]

Lists every step the marketplace feature suites understand, by area, with an
example of each. In a pattern, {person} is a name written bare (Bob);
{people} is a list (Bob, Carol and Dave); {app}, {company} and {text} are
written in double quotes; [a|b] means either wording; {access} is
"only me" (herself, himself, themselves), "all users" or a list of people;
{email} is nothing or " and emails them".
`

func runSteps(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("appcert steps", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { io.WriteString(stderr, stepsUsage) }
	area := fs.String("area", "", "only this area (e.g. outcomes)")
	pos, code, stop := interleaved(fs, args)
	if stop {
		return code
	}
	if len(pos) > 0 {
		fmt.Fprintf(stderr, "appcert steps: unexpected argument %q\n", pos[0])
		return exitSetup
	}
	var b strings.Builder
	b.WriteString(stepsUsage[strings.Index(stepsUsage, "\n\n")+2:])
	last, n := "", 0
	for _, p := range steps.Phrases() {
		if *area != "" && !strings.EqualFold(p.Area, *area) {
			continue
		}
		if p.Area != last {
			fmt.Fprintf(&b, "\n%s\n%s\n", strings.ToUpper(p.Area), strings.Repeat("-", len(p.Area)))
			last = p.Area
		}
		fmt.Fprintf(&b, "  %s\n", p.Pattern)
		for i, line := range strings.Split(p.Example, "\n") {
			if i == 0 {
				fmt.Fprintf(&b, "      e.g. %s\n", line)
			} else {
				fmt.Fprintf(&b, "           %s\n", line)
			}
		}
		n++
	}
	if n == 0 {
		fmt.Fprintf(stderr, "appcert steps: no area %q\n", *area)
		return exitSetup
	}
	fmt.Fprintf(&b, "\n%d steps.\n", n)
	io.WriteString(stdout, b.String())
	return exitOK
}
