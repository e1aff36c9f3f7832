package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/appcert/appcert/features"
	"github.com/appcert/appcert/reference"
)

const stepsUsage = `Usage: appcert steps [--area NAME] [--reasons] [--statuses]

Lists every step the marketplace feature suites understand, by area, with an
example of each. --reasons lists the refusal reasons "it is refused because"
takes, and --statuses the labels "{person} sees {app} as" takes, per
marketplace.

A feature file runs against Pipedrive unless it is tagged @procore or @zoom
(on the line above "Feature:", or above one scenario for that scenario) or
sits in a folder named procore or zoom. In a
pattern, {person} is a name written bare (Bob); {people} is a list (Bob,
Carol and Dave); {app}, {company} and {text} are written in double quotes;
[a|b] means either wording; {access} is "only me" (herself, himself,
themselves, with or without "only"), "all users" or a list of people; {n} is
a number; {email} is nothing or " and emails them".
`

func runSteps(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("appcert steps", stepsUsage, stdout, stderr)
	area := fs.String("area", "", "only this `area` (e.g. outcomes)")
	reasons := fs.Bool("reasons", false, "list the refusal reasons per marketplace")
	statuses := fs.Bool("statuses", false, "list the status labels per marketplace")
	pos, code, stop := fs.parse(args)
	if stop {
		return code
	}
	if len(pos) > 0 {
		return fs.usageErr("unexpected argument %q", pos[0])
	}
	if *reasons || *statuses {
		if *area != "" {
			fmt.Fprintln(stderr, "appcert steps: --area lists steps; it does not go with --reasons or --statuses")
			return exitSetup
		}
		var b strings.Builder
		if *reasons {
			writeVocabulary(&b, "Refusal reasons, for: Then it is refused because \"<reason>\"", func(p reference.Profile) []string {
				var out []string
				for _, r := range reference.Reasons(p) {
					out = append(out, string(r))
				}
				return out
			})
		}
		if *statuses {
			writeVocabulary(&b, "Status labels, for: Then <person> sees \"<app>\" as \"<label>\"", func(p reference.Profile) []string {
				var out []string
				for _, s := range reference.Statuses(p) {
					out = append(out, s.Label())
				}
				return out
			})
		}
		io.WriteString(stdout, b.String())
		return exitOK
	}
	var b strings.Builder
	b.WriteString(stepsUsage[strings.Index(stepsUsage, "\n\n")+2:])
	last, n := "", 0
	for _, p := range features.MarketplacePhrases() {
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
		if p.Note != "" {
			fmt.Fprintf(&b, "      note: %s\n", p.Note)
		}
		n++
	}
	if n == 0 {
		fmt.Fprintf(stderr, "appcert steps: no area %q\n", *area)
		return exitSetup
	}
	fmt.Fprintf(&b, "\n%d steps. appcert steps --reasons and --statuses list the reasons and labels steps take.\n", n)
	io.WriteString(stdout, b.String())
	return exitOK
}

// writeVocabulary writes one list per marketplace, under the marketplace's
// feature tag.
func writeVocabulary(b *strings.Builder, title string, list func(reference.Profile) []string) {
	fmt.Fprintf(b, "%s\n", title)
	for _, p := range reference.Profiles() {
		fmt.Fprintf(b, "\n%s (@%s)\n", strings.ToUpper(string(p)), p)
		for _, x := range list(p) {
			fmt.Fprintf(b, "  %q\n", x)
		}
	}
	b.WriteString("\n")
}
