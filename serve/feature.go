package serve

import (
	"fmt"
	"strings"

	"github.com/appcert/appcert/reference"
	"github.com/appcert/appcert/steps"
)

// feature records what the user does, and what the page then showed them,
// as a scenario in the marketplace steps' own phrases (appcert steps), so
// that `appcert features` replays it against the same model.
type feature struct {
	given []string
	steps []step
}

type step struct {
	keyword string // When or Then
	text    string
}

func (f *feature) when(format string, args ...any) { f.add("When", format, args...) }
func (f *feature) then(format string, args ...any) { f.add("Then", format, args...) }

func (f *feature) add(keyword, format string, args ...any) {
	f.steps = append(f.steps, step{keyword, fmt.Sprintf(format, args...)})
}

// Text is the .feature file.
func (f *feature) Text(appName string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Feature: %s, as clicked through in appcert serve\n\n", appName)
	b.WriteString("  @recorded\n  Scenario: Recorded in appcert serve\n")
	prev := ""
	for i, g := range f.given {
		kw := "Given"
		if i > 0 && !strings.HasPrefix(g, "  ") {
			kw = "And"
		}
		if strings.HasPrefix(g, "  ") { // a table row
			fmt.Fprintf(&b, "      %s\n", g)
			continue
		}
		fmt.Fprintf(&b, "    %s %s\n", kw, g)
	}
	prev = "Given"
	for _, s := range f.steps {
		kw := s.keyword
		if kw == prev {
			kw = "And"
		}
		prev = s.keyword
		fmt.Fprintf(&b, "    %s %s\n", kw, s.text)
	}
	return b.String()
}

// quote writes an app, company or text as the steps read it.
func quote(s string) string { return `"` + s + `"` }

// modePhrase is how the steps declare an app's sharing mode.
func modePhrase(app string, m reference.SharingMode) string {
	if m == reference.ModeNone {
		return fmt.Sprintf("the app %s has no sharing", quote(app))
	}
	return fmt.Sprintf("the app %s is shared in the %s mode", quote(app), steps.ModeWord(m))
}
