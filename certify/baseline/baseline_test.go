package baseline

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

const file = `expected_failures:
  - rule: PD-EXT-02
    surface: json_panel
    reason: token checks land in 2.3
  - rule: PD-EXT-04
    surface: json_panel
    reason: schema fixed next sprint
    expires: 2026-11-29
  - rule: PD-UNINST-02
    surface: app
    reason: fixed, but nobody removed the entry
  - rule: PD-SHARE-21
    surface: link_action
    reason: not checked in this run
`

func TestFile_JudgeExpectedStaleExpiredUnchecked(t *testing.T) {
	f, err := Parse([]byte(file))
	if err != nil {
		t.Fatal(err)
	}
	checks := []Check{
		{Rule: "PD-EXT-02", Surface: "json_panel", Failed: true},
		{Rule: "PD-EXT-02", Surface: "link_action", Failed: true}, // not listed: fails the run
		{Rule: "PD-EXT-04", Surface: "json_panel", Failed: true},
		{Rule: "PD-UNINST-02", Surface: "app"},
	}
	now := time.Date(2026, 11, 30, 4, 0, 0, 0, time.UTC)
	j := f.Judge(checks, now)
	if len(j.Expected) != 1 || !j.Accepts("PD-EXT-02", "json_panel") || j.Accepts("PD-EXT-02", "link_action") || j.Accepts("PD-EXT-04", "json_panel") {
		t.Errorf("expected %+v", j.Expected)
	}
	if len(j.Stale) != 2 || j.Stale[0].Entry.Rule != "PD-EXT-04" || !strings.Contains(j.Stale[0].Why, "expired on 2026-11-29") ||
		j.Stale[1].Entry.Rule != "PD-UNINST-02" || !strings.Contains(j.Stale[1].Why, "no longer fails") {
		t.Errorf("stale %+v", j.Stale)
	}
	if len(j.Unchecked) != 1 || j.Unchecked[0].Rule != "PD-SHARE-21" {
		t.Errorf("unchecked %+v", j.Unchecked)
	}
	// The last day of an expiry still holds.
	if j := f.Judge(checks, time.Date(2026, 11, 29, 23, 59, 0, 0, time.UTC)); !j.Accepts("PD-EXT-04", "json_panel") {
		t.Errorf("expired a day early: %+v", j.Stale)
	}
}

func TestParse_BadEntriesNameTheirPlace(t *testing.T) {
	for doc, want := range map[string]string{
		"expected_failures:\n  - {rule: PD-NOPE-1, surface: app, reason: x}\n":                                                 `expected_failures[0].rule: "PD-NOPE-1" is not a rule`,
		"expected_failures:\n  - {rule: PD-SHARE-13, surface: app, reason: x}\n":                                               "is a marketplace rule",
		"expected_failures:\n  - {rule: PD-EXT-02, reason: x}\n":                                                               "expected_failures[0].surface is required",
		"expected_failures:\n  - {rule: PD-EXT-02, surface: app}\n":                                                            "expected_failures[0].reason is required",
		"expected_failures:\n  - {rule: PD-EXT-02, surface: app, reason: x, expires: soon}\n":                                  `expected_failures[0].expires: "soon" is not a date`,
		"expected_failures:\n  - {rule: PD-EXT-02, surface: app, reason: x, expiry: 2026-01-01}\n":                             "field expiry not found",
		"expected_failures:\n  - {rule: PD-EXT-02, surface: app, reason: x}\n  - {rule: PD-EXT-02, surface: app, reason: y}\n": "already expected_failures[0]",
	} {
		if _, err := Parse([]byte(doc)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", doc, err, want)
		}
	}
	if _, err := Parse(bytes.Repeat([]byte("#"), MaxSize+1)); err == nil {
		t.Error("a baseline above 1 MiB was read")
	}
}

// What Write writes, Parse reads back, and it accepts exactly today's
// failures.
func TestWrite_RoundTrips(t *testing.T) {
	checks := []Check{
		{Rule: "PD-EXT-02", Surface: "json_panel", Failed: true, Reason: "the app answered 200 to a forged token"},
		{Rule: "PD-EXT-04", Surface: "json_panel"},
	}
	var b bytes.Buffer
	if err := Write(&b, checks); err != nil {
		t.Fatal(err)
	}
	f, err := Parse(b.Bytes())
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	j := f.Judge(checks, time.Now())
	if len(f.Entries) != 1 || f.Entries[0].Reason != "the app answered 200 to a forged token" || !j.Accepts("PD-EXT-02", "json_panel") || len(j.Stale) != 0 {
		t.Errorf("%+v\n%s", f.Entries, b.String())
	}
}

// A long reason keeps what was sent and what the app did with it: the cut
// is from its middle.
func TestWrite_LongReasonKeepsItsStartAndEnd(t *testing.T) {
	long := "the Custom UI panel page's call " + strings.Repeat("é", 2000) + " the app did not refuse it"
	fits := "the Custom UI panel page's call to its backend, sent again with Gina's token and Alice's ids: " +
		strings.Repeat("x", 300) + ": the app did not refuse it, and served someone the token does not name"
	var b bytes.Buffer
	if err := Write(&b, []Check{
		{Rule: "PD-EXT-02", Surface: "custom_ui_panel", Failed: true, Reason: long},
		{Rule: "PD-EXT-05", Surface: "custom_ui_panel", Failed: true, Reason: fits},
	}); err != nil {
		t.Fatal(err)
	}
	f, err := Parse(b.Bytes())
	if err != nil {
		t.Fatalf("%v\n%s", err, b.String())
	}
	got := f.Entries[0].Reason
	if n := utf8.RuneCountInString(got); n > maxReason || !utf8.ValidString(got) ||
		!strings.HasPrefix(got, "the Custom UI panel page's call ") || !strings.HasSuffix(got, " the app did not refuse it") {
		t.Errorf("a %d-character reason became %d characters: %q", utf8.RuneCountInString(long), n, got)
	}
	if f.Entries[1].Reason != fits {
		t.Errorf("a %d-character reason was cut: %q", len(fits), f.Entries[1].Reason)
	}
}
