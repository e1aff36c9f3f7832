package rules

import (
	"errors"
	"strings"
	"testing"
)

func TestParse_ReadsFieldsAndGroups(t *testing.T) {
	in := "## a note, not a group\r\n" +
		"# First group\r\n" +
		"\r\n" +
		"AB-01 | M | 000,001 | - | One thing.\r\n" +
		"# Second group\n" +
		"  CD-EF-10 | A | docs | assumed | Answers a|b within 10 s.  \n"
	got, err := Parse(strings.NewReader(in))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	want := []Rule{
		{ID: "AB-01", Kind: Marketplace, Group: "First group", Source: "000,001", Summary: "One thing."},
		{ID: "CD-EF-10", Kind: App, Group: "Second group", Source: "docs", Assumed: true, Summary: "Answers a|b within 10 s."},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d rules, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("rule %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestParse_EmptyInputHasNoRules(t *testing.T) {
	got, err := Parse(strings.NewReader("## only notes\n\n"))
	if err != nil || len(got) != 0 {
		t.Fatalf("Parse = %v, %v; want no rules, no error", got, err)
	}
}

func TestParse_ErrorsNameLineAndProblem(t *testing.T) {
	const head = "# G\nAB-01 | M | 000 | - | Fine.\n" // the bad line is line 3
	cases := []struct {
		name     string
		line     string
		want     error
		mentions []string
	}{
		{"duplicate ID", "AB-01 | A | 000 | - | Again.", ErrDuplicateID, []string{"AB-01", "first on line 2"}},
		{"bad kind", "AB-02 | X | 000 | - | S.", ErrBadKind, []string{`"X"`, "AB-02", "M or A"}},
		{"lower-case kind", "AB-02 | m | 000 | - | S.", ErrBadKind, []string{`"m"`}},
		{"missing summary", "AB-02 | M | 000 | -", ErrMissingField, []string{"summary"}},
		{"empty summary", "AB-02 | M | 000 | - |  ", ErrMissingField, []string{"summary"}},
		{"empty kind", "AB-02 |  | 000 | - | S.", ErrMissingField, []string{"kind"}},
		{"missing source", "AB-02 | M", ErrMissingField, []string{"source"}},
		{"lower-case ID", "ab-02 | M | 000 | - | S.", ErrMalformedID, []string{`"ab-02"`}},
		{"one-digit number", "AB-2 | M | 000 | - | S.", ErrMalformedID, []string{`"AB-2"`}},
		{"no number", "AB | M | 000 | - | S.", ErrMalformedID, []string{`"AB"`}},
		{"tag sign", "@AB-02 | M | 000 | - | S.", ErrMalformedID, []string{`"@AB-02"`}},
		{"bad source", "AB-02 | M | 2 | - | S.", ErrBadSource, []string{`"2"`, "AB-02"}},
		{"bad source list", "AB-02 | M | 000, 001x | - | S.", ErrBadSource, nil},
		{"bad assumed", "AB-02 | M | 000 | yes | S.", ErrBadAssumed, []string{`"yes"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(head + tc.line + "\n"))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line != 3 {
				t.Fatalf("err = %#v, want a *ParseError for line 3", err)
			}
			msg := err.Error()
			for _, s := range append([]string{"line 3:", tc.want.Error()}, tc.mentions...) {
				if !strings.Contains(msg, s) {
					t.Errorf("message %q does not mention %q", msg, s)
				}
			}
		})
	}
}

func TestParse_RuleBeforeGroupIsAnError(t *testing.T) {
	_, err := Parse(strings.NewReader("## note\nAB-01 | M | 000 | - | S.\n"))
	var pe *ParseError
	if !errors.Is(err, ErrNoGroup) || !errors.As(err, &pe) || pe.Line != 2 {
		t.Fatalf("err = %v, want ErrNoGroup on line 2", err)
	}
}

func TestParse_LaterErrorLineCountsNotesAndBlanks(t *testing.T) {
	in := "## n\n\n# G\nAB-01 | M | 000 | - | S.\n\n## n\nAB-01 | M | 000 | - | S.\n"
	_, err := Parse(strings.NewReader(in))
	if err == nil || !strings.HasPrefix(err.Error(), "line 7: ") || !strings.Contains(err.Error(), "first on line 4") {
		t.Fatalf("err = %v, want the duplicate reported on line 7, first on line 4", err)
	}
}
