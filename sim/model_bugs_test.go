package sim

import (
	"testing"

	"github.com/appcert/appcert/reference"
)

// TestModel_ApprovingASwitchedOffAppInstallsNothing: once an admin
// switches off an app's pre-approval, "no one installs the app, until it
// is pre-approved again" (ZM-18), an admin approving a Request to Install
// included: the approval is refused.
func TestModel_ApprovingASwitchedOffAppInstallsNothing(t *testing.T) {
	m := reference.New(reference.Zoom, nil)
	for _, c := range append(zoomBackground(),
		reference.SetPreApproval{App: crm, By: alice, On: true},
		reference.SetPreApproval{App: crm, By: alice, On: false}) {
		if r := m.Apply(c); !r.OK() {
			t.Fatalf("%s: %v", c.Kind(), r.Refusal)
		}
	}
	r := m.Apply(reference.RequestApp{App: crm, By: bob})
	if !r.OK() {
		t.Fatalf("Bob's Request to Install: %v", r.Refusal)
	}
	d := m.Apply(reference.DecideRequest{Request: reference.RequestID(r.Event.Seq), By: alice, Approve: true})
	if d.OK() || d.Refusal.Reason != reference.ReasonAppDisabled {
		t.Fatalf("approving a switched-off app: %+v, want refused as %q", d.Refusal, reference.ReasonAppDisabled)
	}
	if in, ok := m.Installation(crm, bob); ok {
		t.Fatalf("Bob has %q through %+v while its pre-approval is switched off", crm, in)
	}
}
