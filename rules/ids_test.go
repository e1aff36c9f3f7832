package rules

import (
	"slices"
	"testing"
)

func TestID_Catalogue(t *testing.T) {
	var want []ID
	for _, r := range AppRules() {
		want = append(want, r.ID)
	}
	if got := AppIDs(); !slices.Equal(got, want) {
		t.Errorf("AppIDs() = %v; the catalogue's app rules are %v", got, want)
	}
}
