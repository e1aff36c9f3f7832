package tagexpr

import (
	"strings"
	"testing"
)

func TestValidate_AcceptsGodogExpressionsAndNamesTheBadTerm(t *testing.T) {
	for _, ok := range []string{"", "@PD-EXT-02", "@a,@b", "@a && ~@b", "~@slow"} {
		if err := Validate(ok); err != nil {
			t.Errorf("Validate(%q) = %v, want nil", ok, err)
		}
	}
	for expr, want := range map[string]string{
		"  ":        "blank",
		"@a,,@b":    "empty tag",
		"@a && ":    "empty tag",
		"@a && b c": `"b c" is not a tag`,
	} {
		err := Validate(expr)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate(%q) = %v, want an error saying %q", expr, err, want)
		}
	}
}
