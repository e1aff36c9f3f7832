package steps

import (
	"strings"
	"testing"
)

// Every example must match its own phrase and no other, or godog (strict)
// would call the step ambiguous.
func TestPhrases_EachExampleMatchesOnlyItsOwnPhrase(t *testing.T) {
	for _, p := range Phrases() {
		text := strings.SplitN(p.Example, "\n", 2)[0]
		got := Match(text)
		if len(got) != 1 || got[0].Pattern != p.Pattern {
			var pats []string
			for _, g := range got {
				pats = append(pats, g.Pattern)
			}
			t.Errorf("example %q of %q matches %q", text, p.Pattern, pats)
		}
	}
}

func TestNearest_PutsTheClosestPhraseFirst(t *testing.T) {
	cases := map[string]string{
		`Bob can see "Deal Insights" as "Authorized"`:              `{person} sees {app} as {text}`,
		`it was refused because "not admin"`:                       `it is refused because {text}`,
		`Alice install "Deal Insights" for all users`:              `{person} [installs|has installed] {app} for {access}{email}`,
		`Bob gets a mail with the subject "Alice added X for you"`: `{person} gets an email with the subject {text}`,
		`"Notes Sync" may call "GET /deals/1" on behalf of Bob`:    `{app} may call {call} for {person}`,
	}
	for text, want := range cases {
		if got := Nearest(text, 3); len(got) == 0 || got[0].Pattern != want {
			t.Errorf("Nearest(%q) = %v; want %q first", text, got, want)
		}
	}
}

func TestSplitNames_ReadsListsAsWritten(t *testing.T) {
	got := splitNames("Bob, Carol and Dave")
	if strings.Join(got, "|") != "Bob|Carol|Dave" {
		t.Fatalf("got %q", got)
	}
	if joinNames(got) != "Bob, Carol and Dave" {
		t.Fatalf("joinNames = %q", joinNames(got))
	}
}
