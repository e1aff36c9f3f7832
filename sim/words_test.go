package sim

import (
	"strings"
	"testing"

	"github.com/appcert/appcert/reference"
	"github.com/appcert/appcert/steps"
)

// TestWords_AccountCommandsAreSteps words a command of every Procore and
// Zoom kind after its suite's background: every line must be exactly one
// step of the suite, none marked as a command no step says.
func TestWords_AccountCommandsAreSteps(t *testing.T) {
	cases := map[reference.Profile][]reference.Command{
		reference.Procore: {
			reference.SetAllowUserInstalls{By: alice, Allow: false},
			reference.Install{App: fieldForms, By: bob, Accept: true},
			reference.Authorize{App: fieldForms, By: carol, Accept: true},
			reference.RequestApp{App: fieldForms, By: bob, Notes: "for the site diaries"},
			reference.DecideRequest{By: alice, Approve: false, Note: "we use another tool"},
			reference.RequestApp{App: fieldForms, By: carol},
			reference.DecideRequest{By: dave, Approve: true},
			reference.Uninstall{App: fieldForms, By: carol, Confirmed: true},
			reference.JoinCompany{User: 8, Company: acme, Name: "Frank", Email: "frank@acme.example"},
			reference.PublishApp{App: reference.App{ID: "app-2", Name: "App 2"}},
		},
		reference.Zoom: {
			reference.PublishApp{App: reference.App{ID: "app-4", Name: "App 4", Level: reference.AccountLevel, Development: true,
				MadeByOwner: true, MakerCompany: acme, Scopes: []string{"meeting:read"}}},
			reference.SetAccountPermissions{By: alice, Permissions: reference.AccountPermissions{RequirePreApproval: true, BlockUserInstalls: true}},
			reference.SetAccountPermissions{By: alice, Permissions: reference.AccountPermissions{RequirePreApproval: true}},
			reference.Install{App: zNotes, By: alice, Accept: true},
			reference.SetPreApproval{App: zNotes, By: alice, On: true, WhoCanInstall: []string{"bob@acme.test"}},
			reference.SetPreApproval{App: zNotes, By: alice, On: false},
			reference.RequestApp{App: recorderApp, By: carol},
			reference.RequestApp{App: crm, By: bob, Type: reference.RequestInstall},
			reference.DecideRequest{By: alice, Approve: true},
			reference.SetRequestEmails{By: alice, On: false},
			reference.SetRequestEmails{By: alice, On: false, Recipients: []UserID{erin}},
			reference.SetRole{User: dave, By: alice, Marketplace: reference.MarketplaceEdit, Scopes: []string{"meeting:read"}},
			reference.SetRole{User: carol, By: alice, Scopes: []string{"meeting:read", "cloud:write"}},
			reference.Uninstall{App: zNotes, By: alice},
			reference.Uninstall{App: zNotes, By: alice, Confirmed: true},
		},
	}
	for p, cmds := range cases {
		m := NewModel(p, nil)
		for _, c := range backgrounds()[p] {
			m.Apply(c)
		}
		// A decision decides the request filed last.
		var filed reference.RequestID
		for i, c := range cmds {
			if d, ok := c.(reference.DecideRequest); ok {
				d.Request = filed
				cmds[i], c = d, d
			}
			if r := m.Apply(c); r.OK() && c.Kind() == "request_app" {
				filed = reference.RequestID(r.Event.Seq)
			}
		}
		text := Words(m, cmds)
		for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
			line = strings.TrimSpace(line)
			step := line[strings.Index(line, " ")+1:]
			if strings.Contains(step, "no step says") {
				t.Errorf("%s: %s", p, line)
				continue
			}
			if got := steps.Match(step); len(got) != 1 {
				t.Errorf("%s: %q matches %d steps: %v", p, step, len(got), got)
			}
		}
		t.Logf("%s:\n%s", p, text)
	}
}

// TestWords_PermissionsPhrasedAsTheyChange: a saved Permissions page is
// phrased as the switches it changes from a known page, and in full where
// a refused save may have left the page unknown.
func TestWords_PermissionsPhrasedAsTheyChange(t *testing.T) {
	m := NewModel(reference.Zoom, nil)
	for _, c := range zoomBackground() {
		m.Apply(c)
	}
	on := reference.AccountPermissions{RequirePreApproval: true}
	got := Words(m, []reference.Command{reference.SetAccountPermissions{By: alice, Permissions: on}})
	if want := "    When Alice turns the permission \"Require pre-approval\" ON\n"; got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if got := WordsMidRun(m, []reference.Command{reference.SetAccountPermissions{By: alice, Permissions: on}}); strings.Count(got, "turns the permission") != 5 {
		t.Fatalf("mid-run, a page is phrased in full; got\n%s", got)
	}
	twice := Words(m, []reference.Command{reference.SetAccountPermissions{By: bob, Permissions: on}, reference.SetAccountPermissions{By: alice, Permissions: on}})
	if strings.Count(twice, "Require pre-approval\" ON") != 2 {
		t.Fatalf("after a save that may have been refused, the switch is phrased again; got\n%s", twice)
	}
}
