package reference

import (
	"testing"
)

// story is a run touching every Pipedrive command, used by the log tests.
func story() []Command {
	return []Command{
		Install{App: insights, By: alice, Access: SpecificUsers, Users: []UserID{bob}, Email: true, Accept: true},
		Authorize{App: insights, By: bob, Accept: false},
		Authorize{App: insights, By: bob, Accept: true},
		ManageUsers{App: insights, By: alice, Add: []UserID{carol}, Remove: []UserID{bob}},
		ManageUsers{App: insights, By: alice, Access: AllUsers},
		JoinCompany{User: 104, Company: acme, Name: "Erin"},
		OpenApps{User: 104},
		Install{App: notes, By: gina, Access: AllUsers, Accept: true},
		ChangeScopes{App: notes, Scopes: []string{"deals:full"}},
		Authorize{App: notes, By: gina, Accept: true},
		ExpireAuthorization{App: insights, User: bob},
		Install{App: adminApp, By: alice, Accept: true},
		CreateObject{App: adminApp, By: alice, Object: Pipeline, Name: "Renewals"},
		SetSharingMode{App: solo, Mode: ModeAddToAccount, By: PartyMarketplace},
		Uninstall{App: insights, By: alice},
	}
}

func TestMarket_X01_ReplayGivesTheSameState(t *testing.T) {
	m := newFixture(t)
	mustApply(t, m, story()...)
	r, err := Replay(Pipedrive, m.Log())
	if err != nil {
		t.Fatal(err)
	}
	if !r.Equal(m) {
		t.Fatal("the replayed market differs from the original")
	}
	// A prefix of the log replays to a different state: Equal can tell.
	p, err := Replay(Pipedrive, m.Log()[:len(m.Log())-1])
	if err != nil || p.StateEqual(m) {
		t.Fatalf("a shorter log replayed to an equal state (err %v)", err)
	}
}

func TestMarket_X01_EventsAreAttributed(t *testing.T) {
	m := newFixture(t)
	mustApply(t, m, Install{App: insights, By: alice, Access: AllUsers, Accept: true})
	log := m.Log()
	e := log[len(log)-1]
	if e.Actor != alice || e.Company != acme || e.App != insights || e.Command.Kind() != "install" || e.At.IsZero() {
		t.Fatalf("event = %+v", e)
	}
	for i := 1; i < len(log); i++ {
		if log[i].Seq != log[i-1].Seq+1 || log[i].At.Before(log[i-1].At) {
			t.Fatalf("events %d and %d out of order", i-1, i)
		}
	}
}

func TestMarket_X01_ReplayRejectsACorruptLog(t *testing.T) {
	m := newFixture(t)
	log := append(m.Log()[:0:0], m.Log()...)
	log = append(log, log[0]) // the first company added twice
	if _, err := Replay(Pipedrive, log); err == nil {
		t.Fatal("a log with a refused command replayed")
	}
}

// TestMarket_X02_RefusalsChangeNothing refuses one of every command kind,
// checking each leaves the market as it was and names its reason.
func TestMarket_X02_RefusalsChangeNothing(t *testing.T) {
	m := newFixture(t)
	mustApply(t, m, Install{App: insights, By: alice, Access: SpecificUsers, Users: []UserID{bob}, Accept: true})
	cases := []struct {
		cmd  Command
		want Reason
	}{
		{AddCompany{Company: acme, Name: "Acme again"}, ReasonDuplicate},
		{JoinCompany{User: 900, Company: 99, Name: "Nobody"}, ReasonUnknownCompany},
		{PublishApp{App: App{ID: insights, Name: "Copy"}}, ReasonDuplicate},
		{PublishApp{App: App{ID: "x", Name: "X", Scopes: []string{"everything"}}}, ReasonInvalid},
		{SetSharingMode{App: insights, Mode: ModeNone, By: PartyVendor}, ReasonMarketplaceOnly},
		{Install{App: "nope", By: bob, Accept: true}, ReasonUnknownApp},
		{Install{App: insights, By: alice, Accept: true}, ReasonAlreadyAuthorized},
		{Install{App: notes, By: alice, Access: SpecificUsers, Users: []UserID{gina}, Accept: true}, ReasonSpecificUsersBlocked},
		{Install{App: adminApp, By: alice, Access: SpecificUsers, Users: []UserID{gina}, Accept: true}, ReasonOtherCompany},
		{Authorize{App: insights, By: carol, Accept: true}, ReasonNothingToAuthorize},
		{ManageUsers{App: notes, By: alice, Add: []UserID{bob}}, ReasonNotInstalled},
		{ManageUsers{App: insights, By: bob, Add: []UserID{carol}}, ReasonNotAdmin},
		{ChangeScopes{App: "nope"}, ReasonUnknownApp},
		{ExpireAuthorization{App: insights, User: carol}, ReasonNotInstalled},
		{Uninstall{App: insights, By: bob}, ReasonNotInstalled},
		{OpenApps{User: 999}, ReasonUnknownUser},
		{CreateObject{App: insights, By: carol, Object: Pipeline, Name: "P"}, ReasonNotAuthorized},
	}
	kinds := map[string]bool{}
	for _, tc := range cases {
		r := mustRefuse(t, m, tc.cmd, tc.want)
		if r.Rule == "" || r.Error() == "" {
			t.Errorf("%s: refusal %+v names no rule", tc.cmd.Kind(), r)
		}
		kinds[tc.cmd.Kind()] = true
	}
	for _, c := range story() {
		if !kinds[c.Kind()] {
			t.Errorf("no refusal case for %s", c.Kind())
		}
	}
}

func TestMarket_X03_CompaniesAreIsolated(t *testing.T) {
	m := newFixture(t)
	eff := mustApply(t, m, Install{App: insights, By: alice, Access: AllUsers, Email: true, Accept: true})
	for _, e := range eff {
		switch x := e.(type) {
		case Email:
			if x.To.Includes(globex, gina) || x.To.Includes(globex, hank) {
				t.Fatalf("Acme's email reaches Globex: %+v", x)
			}
		case SharingCallback:
			if x.Company != acme {
				t.Fatalf("callback for company %d", x.Company)
			}
		}
	}
	wantStatus(t, m, insights, hank, StatusNone)
	if d := m.Dock(hank); len(d.AddedByAdmin)+len(d.Apps) != 0 || d.Bubble {
		t.Fatalf("Globex's dock shows Acme's app: %+v", d)
	}
	if _, err := m.ManageUsersView(insights, gina); err == nil {
		t.Fatal("Globex's admin sees Acme's Manage users")
	}
	if m.Extension(insights, hank, JSONPanel).Allowed {
		t.Fatal("Globex's user may use Acme's shared panel")
	}
	// Globex's admin installs and shares independently of Acme's.
	mustApply(t, m, Install{App: insights, By: gina, Access: AllUsers, Accept: true})
	if v, _ := m.ManageUsersView(insights, gina); v.AddedBy != gina || len(v.Users) != 1 || v.Users[0].User != hank {
		t.Fatalf("Globex's view = %+v", v)
	}
}

func TestMarket_X01_DrainedBatchesReplayToTheSameState(t *testing.T) {
	m := newFixture(t)
	first := m.DrainLog()
	mustApply(t, m, story()...)
	if len(m.Log()) != len(story()) {
		t.Fatalf("log after drain holds %d events, want %d", len(m.Log()), len(story()))
	}
	r, err := Replay(Pipedrive, append(first, m.DrainLog()...))
	if err != nil || !r.StateEqual(m) {
		t.Fatalf("replay of drained batches: equal=%v err=%v", err == nil && r.StateEqual(m), err)
	}
}
