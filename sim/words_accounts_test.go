package sim

import (
	"testing"

	"github.com/appcert/appcert/reference"
)

func TestFlipPermission_FlipsExactlyTheNamedSwitch(t *testing.T) {
	start := reference.AccountPermissions{RequirePreApproval: true, ExemptMemberApps: true}
	for i, name := range permissionNames() {
		before, after := permissionSwitches(start), permissionSwitches(flipPermission(start, i))
		for j := range before {
			if changed := before[j] != after[j]; changed != (i == j) {
				t.Errorf("flipping %q: switch %q changed = %v", name, permissionNames()[j], changed)
			}
		}
	}
}
