package certify_test

import (
	"os/exec"
	"strings"
	"testing"
)

// certify runs the app suite only: the marketplace vocabulary (steps) and
// the wire steps that test the fake marketplace stay out of its build.
func TestCertify_DoesNotImportTheMarketplaceSteps(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Skipf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		switch pkg {
		case "github.com/appcert/appcert/steps", "github.com/appcert/appcert/wiresteps", "github.com/appcert/appcert/features":
			t.Errorf("certify depends on %s", pkg)
		}
	}
}
