package rules

import "testing"

func TestPendingRules_ParseAndNameCatalogueRules(t *testing.T) {
	ps, err := parsePending(pendingText)
	if err != nil {
		t.Fatalf("pending.txt: %v", err)
	}
	for _, p := range ps {
		if !IsPending(p.ID) {
			t.Errorf("IsPending(%s) = false", p.ID)
		}
	}
	if IsPending("X-01") {
		t.Error("X-01 is built, yet IsPending says it is not")
	}
}

func TestPendingRules_BadLinesAreErrors(t *testing.T) {
	for _, text := range []string{
		"PD-EXT-99 | not a rule",
		"PD-EXT-02",
		"PD-EXT-02 |  ",
		"PD-EXT-02 | a\nPD-EXT-02 | b",
	} {
		if _, err := parsePending(text); err == nil {
			t.Errorf("parsePending(%q) gave no error", text)
		}
	}
}
