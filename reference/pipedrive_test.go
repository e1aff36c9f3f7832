package reference

import (
	"slices"
	"testing"
)

func TestMarket_PDSHARE01_AppWithoutSharingIsOnlyTheInstallers(t *testing.T) {
	m := newFixture(t)
	mustApply(t, m, Install{App: solo, By: alice, Accept: true})
	wantStatus(t, m, solo, alice, StatusAuthorized)
	for _, u := range []UserID{bob, carol, dave} {
		wantStatus(t, m, solo, u, StatusNone)
		if use := m.Extension(solo, u, JSONPanel); use.Allowed {
			t.Errorf("user %d may use the panel of an unshared app", u)
		}
	}
	mustRefuse(t, m, Install{App: solo, By: dave, Access: AllUsers, Accept: true}, ReasonModeForbids)
}

func TestMarket_PDSHARE02_OnlyTheMarketplaceSetsTheMode(t *testing.T) {
	m := newFixture(t)
	for _, p := range []Party{PartyVendor, PartyCompany, ""} {
		mustRefuse(t, m, SetSharingMode{App: solo, Mode: ModeAddToAccount, By: p}, ReasonMarketplaceOnly)
	}
	mustRefuse(t, m, SetSharingMode{App: solo, Mode: "everyone", By: PartyMarketplace}, ReasonInvalid)
	mustApply(t, m, SetSharingMode{App: solo, Mode: ModeAddToAccount, By: PartyMarketplace})
	if a, _ := m.App(solo); a.Mode != ModeAddToAccount {
		t.Fatalf("mode = %q", a.Mode)
	}
	// An app listed without a mode has none: sharing must be enabled.
	mustApply(t, m, PublishApp{App: App{ID: "plain", Name: "Plain"}})
	if a, _ := m.App("plain"); a.Mode != ModeNone {
		t.Fatalf("default mode = %q, want none", a.Mode)
	}
}

func TestMarket_PDSHARE03_OnlyAdminsAddAppsToOthers(t *testing.T) {
	m := newFixture(t)
	mustRefuse(t, m, Install{App: insights, By: bob, Access: AllUsers, Accept: true}, ReasonNotAdmin)
	mustRefuse(t, m, Install{App: insights, By: bob, Access: SpecificUsers, Users: []UserID{carol}, Accept: true}, ReasonNotAdmin)
	mustApply(t, m, Install{App: insights, By: bob, Accept: true}) // only me is fine
	wantStatus(t, m, insights, carol, StatusNone)
}

func TestMarket_PDSHARE04_TheThreeAccessChoices(t *testing.T) {
	cases := []struct {
		access Access
		users  []UserID
		want   map[UserID]Status
	}{
		{OnlyMe, nil, map[UserID]Status{alice: StatusAuthorized, bob: StatusNone, carol: StatusNone}},
		{SpecificUsers, []UserID{bob}, map[UserID]Status{alice: StatusAuthorized, bob: StatusAuthorize, carol: StatusNone}},
		{AllUsers, nil, map[UserID]Status{alice: StatusAuthorized, bob: StatusAuthorize, carol: StatusAuthorize}},
	}
	for _, tc := range cases {
		t.Run(string(tc.access), func(t *testing.T) {
			m := newFixture(t)
			mustApply(t, m, Install{App: insights, By: alice, Access: tc.access, Users: tc.users, Accept: true})
			for u, st := range tc.want {
				wantStatus(t, m, insights, u, st)
			}
		})
	}
}

func TestMarket_PDSHARE05_SpecificUsersRefusedWhereNotAllowed(t *testing.T) {
	m := newFixture(t)
	mustRefuse(t, m, Install{App: notes, By: alice, Access: SpecificUsers, Users: []UserID{bob}, Accept: true}, ReasonSpecificUsersBlocked)
	mustApply(t, m, Install{App: notes, By: alice, Access: AllUsers, Accept: true})
}

func TestMarket_PDSHARE06_AddingToOthersAddsToTheAdmin(t *testing.T) {
	m := newFixture(t)
	mustApply(t, m, Install{App: insights, By: alice, Access: SpecificUsers, Users: []UserID{bob}, Accept: true})
	wantStatus(t, m, insights, alice, StatusAuthorized)
	mustRefuse(t, m, ManageUsers{App: insights, By: alice, Remove: []UserID{alice}}, ReasonInvalid)
}

func TestMarket_PDSHARE07_AuthorizationIsPerUser(t *testing.T) {
	m := newFixture(t)
	mustApply(t, m, Install{App: notes, By: alice, Access: AllUsers, Accept: true})
	wantStatus(t, m, notes, bob, StatusAuthorize)
	if g := m.Granted(notes, bob); g != nil {
		t.Fatalf("bob was granted %v by the admin's acceptance", g)
	}
	if d := m.APICall(notes, bob, "GET", "/deals/1"); d.Allowed {
		t.Fatal("API call allowed for a user who has not authorized")
	}
	mustApply(t, m, Authorize{App: notes, By: bob, Accept: true})
	wantStatus(t, m, notes, bob, StatusAuthorized)
	wantStatus(t, m, notes, carol, StatusAuthorize)
}

func TestMarket_PDSHARE08_EmailNamesTheAdminAndTheApp(t *testing.T) {
	m := newFixture(t)
	eff := mustApply(t, m, Install{App: insights, By: alice, Access: SpecificUsers, Users: []UserID{bob, carol}, Email: true, Accept: true})
	mails := effectsOf[Email](eff)
	if len(mails) != 1 || len(effectsOf[Notice](eff)) != 0 {
		t.Fatalf("effects = %+v; want one email and no notices", eff)
	}
	if mails[0].Subject != "Alice added Deal Insights for you" || !mails[0].To.Includes(acme, bob) || !mails[0].To.Includes(acme, carol) || mails[0].To.Includes(acme, alice) {
		t.Fatalf("email = %+v", mails[0])
	}
	// Without the email option, in-app notices (the default).
	m = newFixture(t)
	eff = mustApply(t, m, Install{App: insights, By: alice, Access: AllUsers, Accept: true})
	notices := effectsOf[Notice](eff)
	if len(effectsOf[Email](eff)) != 0 || len(notices) != 1 || !notices[0].To.Includes(acme, dave) || notices[0].To.Includes(globex, hank) {
		t.Fatalf("effects = %+v; want one in-app notice to Acme's users", eff)
	}
}

func TestMarket_PDSHARE09_JoinersGetTheAppOnlyWithAllUsers(t *testing.T) {
	m := newFixture(t)
	mustApply(t, m,
		Install{App: insights, By: alice, Access: SpecificUsers, Users: []UserID{bob}, Accept: true},
		Install{App: notes, By: alice, Access: AllUsers, Accept: true})
	eff := mustApply(t, m, JoinCompany{User: 104, Company: acme, Name: "Erin"})
	wantStatus(t, m, notes, 104, StatusAuthorize)
	wantStatus(t, m, insights, 104, StatusNone)
	if n := effectsOf[Notice](eff); len(n) != 1 || n[0].App != notes {
		t.Fatalf("joiner notices = %+v", eff)
	}
	// A joiner in another company gets nothing.
	mustApply(t, m, JoinCompany{User: 202, Company: globex, Name: "Ivy"})
	wantStatus(t, m, notes, 202, StatusNone)
}

func TestMarket_PDSHARE10_OnlyTheAddingAdminManages(t *testing.T) {
	m := newFixture(t)
	mustApply(t, m, Install{App: insights, By: alice, Access: SpecificUsers, Users: []UserID{bob}, Accept: true})
	mustRefuse(t, m, ManageUsers{App: insights, By: dave, Add: []UserID{carol}}, ReasonNotAddingAdmin)
	mustRefuse(t, m, ManageUsers{App: insights, By: dave, Remove: []UserID{bob}}, ReasonNotAddingAdmin)
	mustRefuse(t, m, Install{App: insights, By: dave, Access: AllUsers, Accept: true}, ReasonNotAddingAdmin)
	mustApply(t, m, ManageUsers{App: insights, By: alice, Add: []UserID{carol}})
	wantStatus(t, m, insights, carol, StatusAuthorize)
}

func TestMarket_PDSHARE11_OtherAdminsSeeTheAdderOnlyIfAdded(t *testing.T) {
	m := newFixture(t)
	mustApply(t, m, Install{App: insights, By: alice, Access: SpecificUsers, Users: []UserID{bob}, Accept: true})
	v, err := m.ManageUsersView(insights, dave)
	if err != nil || v.AddedBy != 0 || v.CanEdit {
		t.Fatalf("dave, not added: view %+v, %v; want the adder hidden and no editing", v, err)
	}
	mustApply(t, m, ManageUsers{App: insights, By: alice, Add: []UserID{dave}})
	if v, _ := m.ManageUsersView(insights, dave); v.AddedBy != alice {
		t.Fatalf("dave, added: AddedBy = %d, want alice", v.AddedBy)
	}
	if _, err := m.ManageUsersView(insights, bob); err == nil {
		t.Fatal("a non-admin opened Manage users")
	}
}

func TestMarket_PDSHARE12_ManageUsersListsFindsAndSavesTogether(t *testing.T) {
	m := newFixture(t)
	mustApply(t, m, Install{App: insights, By: alice, Access: SpecificUsers, Users: []UserID{bob}, Accept: true})
	mustApply(t, m, ManageUsers{App: insights, By: alice, Add: []UserID{carol, dave}, Remove: []UserID{bob}})
	v, err := m.ManageUsersView(insights, alice)
	if err != nil || v.AddedBy != alice || !v.CanEdit {
		t.Fatalf("view = %+v, %v", v, err)
	}
	var ids []UserID
	for _, r := range v.Users {
		ids = append(ids, r.User)
	}
	if !slices.Equal(ids, []UserID{carol, dave}) {
		t.Fatalf("listed users = %v, want carol and dave", ids)
	}
	if f := v.Find("car"); len(f) != 1 || f[0].User != carol {
		t.Fatalf("Find(car) = %+v", f)
	}
	// One bad user in the batch and nothing of it is saved.
	mustRefuse(t, m, ManageUsers{App: insights, By: alice, Add: []UserID{bob, hank}}, ReasonOtherCompany)
	wantStatus(t, m, insights, bob, StatusNone)
}

func TestMarket_PDSHARE13_RemovingAnAuthorizedUserDoesNotUninstall(t *testing.T) {
	m := newFixture(t)
	mustApply(t, m,
		Install{App: insights, By: alice, Access: SpecificUsers, Users: []UserID{bob, carol}, Accept: true},
		Authorize{App: insights, By: bob, Accept: true})
	eff := mustApply(t, m, ManageUsers{App: insights, By: alice, Remove: []UserID{bob, carol}})
	if len(effectsOf[UninstallCallback](eff)) != 0 {
		t.Fatalf("removal sent an uninstall: %+v", eff)
	}
	wantStatus(t, m, insights, bob, StatusAuthorized)
	wantStatus(t, m, insights, carol, StatusNone)
}

func TestMarket_PDSHARE14_DockSectionsAndBubble(t *testing.T) {
	m := newFixture(t)
	mustApply(t, m, Install{App: insights, By: alice, Access: AllUsers, Accept: true})
	mustApply(t, m, OpenApps{User: bob})
	d := m.Dock(bob)
	if !slices.Equal(d.AddedByAdmin, []AppID{insights}) || len(d.Apps) != 0 || !d.Bubble {
		t.Fatalf("dock before authorizing = %+v", d)
	}
	mustApply(t, m, Authorize{App: insights, By: bob, Accept: true})
	d = m.Dock(bob)
	if len(d.AddedByAdmin) != 0 || !slices.Equal(d.Apps, []AppID{insights}) || d.Bubble {
		t.Fatalf("dock after authorizing = %+v", d)
	}
	// A later addition brings the bubble back at the next open.
	mustApply(t, m, Install{App: notes, By: alice, Access: AllUsers, Accept: true})
	if d := m.Dock(bob); d.Bubble || !d.BubbleDue {
		t.Fatalf("dock after a new addition = %+v", d)
	}
	mustApply(t, m, OpenApps{User: bob})
	if !m.Dock(bob).Bubble {
		t.Fatal("no bubble for a new addition after refreshing")
	}
}

func TestMarket_PDSHARE14_BubbleAppearsOnlyAfterOpenOrRefresh(t *testing.T) {
	m := newFixture(t)
	mustApply(t, m, OpenApps{User: bob})
	mustApply(t, m, Install{App: insights, By: alice, Access: SpecificUsers, Users: []UserID{bob, carol}, Accept: true})
	for _, u := range []UserID{bob, carol} {
		if d := m.Dock(u); d.Bubble || !d.BubbleDue {
			t.Fatalf("user %d right after the install: dock = %+v; want the bubble due, not seen", u, d)
		}
	}
	mustApply(t, m, OpenApps{User: bob})
	if d := m.Dock(bob); !d.Bubble || d.BubbleDue {
		t.Fatalf("bob after refreshing: dock = %+v", d)
	}
	if d := m.Dock(carol); d.Bubble {
		t.Fatalf("carol has not opened Pipedrive yet: dock = %+v", d)
	}
	// Removed before she ever opened: nothing to see.
	mustApply(t, m, ManageUsers{App: insights, By: alice, Remove: []UserID{carol}})
	mustApply(t, m, OpenApps{User: carol})
	if d := m.Dock(carol); d.Bubble || d.BubbleDue {
		t.Fatalf("carol, removed: dock = %+v", d)
	}
}

func TestMarket_PDSHARE15_StatusesAndTheirLabels(t *testing.T) {
	m := newFixture(t)
	mustApply(t, m, Install{App: insights, By: alice, Access: AllUsers, Accept: true})
	wantStatus(t, m, insights, bob, StatusAuthorize)
	mustApply(t, m, Authorize{App: insights, By: bob, Accept: true})
	wantStatus(t, m, insights, bob, StatusAuthorized)
	mustApply(t, m, ExpireAuthorization{App: insights, User: bob})
	wantStatus(t, m, insights, bob, StatusReauthorize)
	wantStatus(t, m, insights, alice, StatusAuthorized)
	mustApply(t, m, Authorize{App: insights, By: bob, Accept: true})
	wantStatus(t, m, insights, bob, StatusAuthorized)
	mustRefuse(t, m, Authorize{App: insights, By: bob, Accept: true}, ReasonAlreadyAuthorized)
	mustRefuse(t, m, Authorize{App: solo, By: bob, Accept: true}, ReasonNothingToAuthorize)
	for st, label := range map[Status]string{StatusAuthorize: "Authorize app", StatusReauthorize: "Re-authorize", StatusAuthorized: "Authorized"} {
		if st.Label() != label {
			t.Errorf("%q label = %q, want %q", st, st.Label(), label)
		}
	}
}

// TestMarket_PDSHARE16_ExtensionMatrix pins seed 000's table: every
// extension kind in both sharing modes, for an added user who has not
// authorized.
func TestMarket_PDSHARE16_ExtensionMatrix(t *testing.T) {
	usable := map[SharingMode][]ExtensionKind{
		ModeAddToAccount:     nil,
		ModeSharedExtensions: {LinkAction, JSONPanel},
	}
	for mode, kinds := range usable {
		m := newFixture(t)
		mustApply(t, m,
			SetSharingMode{App: insights, Mode: mode, By: PartyMarketplace},
			Install{App: insights, By: alice, Access: AllUsers, Accept: true})
		for _, k := range ExtensionKinds() {
			use := m.Extension(insights, bob, k)
			if use.Allowed != slices.Contains(kinds, k) {
				t.Errorf("%s, %s: allowed = %v", mode, k, use.Allowed)
			}
			if k == DockWindow && use.Reason != ReasonOpensAppDetails {
				t.Errorf("%s, dock window: reason %q, want it to open the app details", mode, use.Reason)
			}
			if !m.Extension(insights, alice, k).Allowed {
				t.Errorf("%s, %s: the authorized admin may not use it", mode, k)
			}
		}
	}
}

func TestMarket_PDSHARE17_InstallationURLReplacesTheOAuthPage(t *testing.T) {
	m := newFixture(t)
	mustApply(t, m, PublishApp{App: App{ID: "onboard", Name: "Onboard", Mode: ModeAddToAccount, InstallationURL: "https://onboard.test/start"}})
	mustApply(t, m, Install{App: "onboard", By: alice, Access: AllUsers, Accept: true})
	eff := mustApply(t, m, Authorize{App: "onboard", By: bob, Accept: true})
	if r := effectsOf[Redirect](eff); len(r) != 1 || r[0].InstallationURL != "https://onboard.test/start" {
		t.Fatalf("redirects = %+v", r)
	}
	eff = mustApply(t, m, Install{App: notes, By: carol, Accept: true})
	if r := effectsOf[Redirect](eff); len(r) != 1 || r[0].InstallationURL != "" {
		t.Fatalf("an app without an Installation URL sent the user to %+v", r)
	}
}

func TestMarket_PDSHARE18_SharedExtensionsActForTheInstaller(t *testing.T) {
	m := newFixture(t)
	mustApply(t, m, Install{App: insights, By: alice, Access: AllUsers, Accept: true})
	use := m.Extension(insights, bob, JSONPanel)
	if !use.Allowed || use.OnBehalfOf != alice {
		t.Fatalf("bob's shared panel = %+v; want it on alice's behalf", use)
	}
	mustApply(t, m, Authorize{App: insights, By: bob, Accept: true})
	if use := m.Extension(insights, bob, JSONPanel); use.OnBehalfOf != bob {
		t.Fatalf("after authorizing, bob's panel acts for %d", use.OnBehalfOf)
	}
}

func TestMarket_PDSHARE19_IsSharedOnlyForSharedViewers(t *testing.T) {
	m := newFixture(t)
	mustApply(t, m, Install{App: insights, By: alice, Access: AllUsers, Accept: true})
	if !m.Extension(insights, bob, JSONPanel).IsShared {
		t.Fatal("bob, shared and unauthorized: isShared false")
	}
	if m.Extension(insights, alice, JSONPanel).IsShared {
		t.Fatal("alice installed it herself: isShared true")
	}
	mustApply(t, m, Authorize{App: insights, By: bob, Accept: true})
	if m.Extension(insights, bob, JSONPanel).IsShared {
		t.Fatal("bob authorized: isShared still true")
	}
}

func TestMarket_PDSHARE20_SharingCallbacks(t *testing.T) {
	m := newFixture(t)
	eff := mustApply(t, m, Install{App: insights, By: alice, Access: SpecificUsers, Users: []UserID{bob}, Accept: true})
	want := SharingCallback{App: insights, Company: acme, User: alice, IsShared: true}
	if cb := effectsOf[SharingCallback](eff); len(cb) != 1 || cb[0] != want {
		t.Fatalf("install callbacks = %+v, want %+v", cb, want)
	}
	eff = mustApply(t, m, Authorize{App: insights, By: bob, Accept: true})
	if cb := effectsOf[SharingCallback](eff); len(cb) != 1 || cb[0] != (SharingCallback{App: insights, Company: acme, User: bob}) {
		t.Fatalf("bob's install callbacks = %+v", cb)
	}
	eff = mustApply(t, m, ManageUsers{App: insights, By: alice, Remove: []UserID{bob}})
	if cb := effectsOf[SharingCallback](eff); len(cb) != 1 || cb[0] != (SharingCallback{App: insights, Company: acme, User: alice}) {
		t.Fatalf("making it private: callbacks = %+v", cb)
	}
	eff = mustApply(t, m, Install{App: notes, By: carol, Accept: true})
	if cb := effectsOf[SharingCallback](eff); len(cb) != 1 || cb[0].IsShared {
		t.Fatalf("a private install: callbacks = %+v", cb)
	}
}

func TestMarket_PDSHARE20_CallbackFollowsWhetherOthersHaveTheApp(t *testing.T) {
	m := newFixture(t)
	private := SharingCallback{App: insights, Company: acme, User: alice}
	shared := SharingCallback{App: insights, Company: acme, User: alice, IsShared: true}
	// "Specific users" naming only herself: nobody else has the app.
	eff := mustApply(t, m, Install{App: insights, By: alice, Access: SpecificUsers, Users: []UserID{alice}, Accept: true})
	if cb := effectsOf[SharingCallback](eff); len(cb) != 1 || cb[0] != private {
		t.Fatalf("install for herself only: callbacks = %+v, want %+v", cb, private)
	}
	if n := effectsOf[Notice](eff); len(n) != 0 {
		t.Fatalf("install for herself only told %+v", n)
	}
	// Making it private again changes nothing the app was told: no callback.
	eff = mustApply(t, m, ManageUsers{App: insights, By: alice, Access: OnlyMe})
	if cb := effectsOf[SharingCallback](eff); len(cb) != 0 {
		t.Fatalf("making a private install private: callbacks = %+v", cb)
	}
	// Adding Bob shares it; making it private unshares it.
	eff = mustApply(t, m, ManageUsers{App: insights, By: alice, Add: []UserID{bob}})
	if cb := effectsOf[SharingCallback](eff); len(cb) != 1 || cb[0] != shared {
		t.Fatalf("+ Add Bob: callbacks = %+v, want %+v", cb, shared)
	}
	eff = mustApply(t, m, ManageUsers{App: insights, By: alice, Access: OnlyMe})
	if cb := effectsOf[SharingCallback](eff); len(cb) != 1 || cb[0] != private {
		t.Fatalf("make it private: callbacks = %+v, want %+v", cb, private)
	}
}

func TestMarket_PDSHARE03_NotAdminComesBeforeNotInstalled(t *testing.T) {
	m := newFixture(t)
	mustApply(t, m, Install{App: insights, By: bob, Accept: true})
	ref := mustRefuse(t, m, ManageUsers{App: insights, By: bob, Add: []UserID{carol}}, ReasonNotAdmin)
	if ref.Rule != "PD-SHARE-03" {
		t.Fatalf("refused under %s, want PD-SHARE-03", ref.Rule)
	}
	// Without any installation at all, still "not admin".
	mustRefuse(t, m, ManageUsers{App: notes, By: carol, Add: []UserID{bob}}, ReasonNotAdmin)
	// An admin with nothing to manage is refused "not installed".
	mustRefuse(t, m, ManageUsers{App: notes, By: alice, Add: []UserID{bob}}, ReasonNotInstalled)
}

func TestMarket_PDSHARE26_AllUsersChosenLaterReachesLaterJoiners(t *testing.T) {
	m := newFixture(t)
	mustApply(t, m, Install{App: insights, By: alice, Accept: true})
	mustApply(t, m, ManageUsers{App: insights, By: alice, Access: AllUsers})
	mustApply(t, m, JoinCompany{User: 110, Company: acme, Name: "Zoe"})
	wantStatus(t, m, insights, 110, StatusAuthorize)
}

func TestMarket_PDSHARE25_AddAndRemoveLater(t *testing.T) {
	m := newFixture(t)
	mustApply(t, m, Install{App: insights, By: alice, Accept: true})
	wantStatus(t, m, insights, bob, StatusNone)
	eff := mustApply(t, m, ManageUsers{App: insights, By: alice, Add: []UserID{bob}})
	wantStatus(t, m, insights, bob, StatusAuthorize)
	if cb := effectsOf[SharingCallback](eff); len(cb) != 1 || !cb[0].IsShared {
		t.Fatalf("+ Add to a private install: callbacks = %+v", cb)
	}
	mustApply(t, m, ManageUsers{App: insights, By: alice, Access: AllUsers})
	wantStatus(t, m, insights, carol, StatusAuthorize)
	mustApply(t, m, ManageUsers{App: insights, By: alice, Remove: []UserID{carol}})
	wantStatus(t, m, insights, carol, StatusNone)
	wantStatus(t, m, insights, bob, StatusAuthorize)
	mustRefuse(t, m, ManageUsers{App: insights, By: alice, Access: OnlyMe, Add: []UserID{carol}}, ReasonInvalid)
	mustApply(t, m, ManageUsers{App: insights, By: alice, Access: OnlyMe})
	wantStatus(t, m, insights, bob, StatusNone)
}

func TestMarket_PDSCOPE01_BaseIsAlwaysGranted(t *testing.T) {
	m := newFixture(t)
	mustApply(t, m, PublishApp{App: App{ID: "bare", Name: "Bare"}}, Install{App: "bare", By: bob, Accept: true})
	if d := m.APICall("bare", bob, "GET", "/users/me"); !d.Allowed || d.Scope != "base" {
		t.Fatalf("users/me = %+v", d)
	}
}

func TestMarket_PDSCOPE02_OnlyGrantedEndpoints(t *testing.T) {
	m := newFixture(t)
	mustApply(t, m, Install{App: notes, By: bob, Accept: true})
	if d := m.APICall(notes, bob, "GET", "/api/v1/deals/42?x=1"); !d.Allowed || d.Scope != "deals:read" || d.Endpoint.Path != "/deals/{id}" {
		t.Fatalf("GET deal = %+v", d)
	}
	if d := m.APICall(notes, bob, "POST", "/deals"); d.Allowed || d.Reason != ReasonScopeMismatch {
		t.Fatalf("POST deals = %+v; want a scope mismatch", d)
	}
	if d := m.APICall(notes, bob, "GET", "/nowhere"); d.Allowed || d.Reason != ReasonUnknownEndpoint {
		t.Fatalf("unknown endpoint = %+v", d)
	}
}

func TestMarket_PDSCOPE03_AllOrNothing(t *testing.T) {
	m := newFixture(t)
	eff := mustApply(t, m, Install{App: notes, By: bob, Accept: false})
	if r := effectsOf[Redirect](eff); len(r) != 1 || !r[0].Denied {
		t.Fatalf("denying: %+v", eff)
	}
	wantStatus(t, m, notes, bob, StatusNone)
	if g := m.Granted(notes, bob); g != nil {
		t.Fatalf("denied but granted %v", g)
	}
	mustApply(t, m, Install{App: notes, By: bob, Accept: true})
	if g := m.Granted(notes, bob); !slices.Equal(g, []string{"base", "deals:read", "contacts:read"}) {
		t.Fatalf("granted = %v, want all of the app's scopes and base", g)
	}
}

func TestMarket_PDSCOPE04_ChangedScopesNeedReauthorization(t *testing.T) {
	m := newFixture(t)
	mustApply(t, m, Install{App: notes, By: bob, Accept: true}, Install{App: notes, By: gina, Accept: true})
	mustApply(t, m, ChangeScopes{App: notes, Scopes: []string{"deals:full"}})
	wantStatus(t, m, notes, bob, StatusReauthorize)
	wantStatus(t, m, notes, gina, StatusReauthorize)
	if d := m.APICall(notes, bob, "POST", "/deals"); d.Allowed {
		t.Fatal("new scope applied before re-authorizing")
	}
	mustApply(t, m, Authorize{App: notes, By: bob, Accept: true})
	if d := m.APICall(notes, bob, "POST", "/deals"); !d.Allowed {
		t.Fatalf("after re-authorizing: %+v", d)
	}
	mustRefuse(t, m, ChangeScopes{App: notes, Scopes: []string{"deals:write"}}, ReasonInvalid)
}

func TestMarket_PDSCOPE05_AdminEndpointsFailForNonAdmins(t *testing.T) {
	m := newFixture(t)
	mustApply(t, m, Install{App: adminApp, By: bob, Accept: true}, Install{App: adminApp, By: alice, Accept: true})
	if d := m.APICall(adminApp, bob, "POST", "/activityTypes"); d.Allowed || d.Reason != ReasonAdminOnly {
		t.Fatalf("non-admin POST activityTypes = %+v", d)
	}
	if d := m.APICall(adminApp, alice, "POST", "/activityTypes"); !d.Allowed || d.Scope != "admin" {
		t.Fatalf("admin POST activityTypes = %+v", d)
	}
	// An endpoint another granted scope also grants works for anyone.
	if d := m.APICall(adminApp, bob, "GET", "/activityTypes"); !d.Allowed || d.Scope != "activities:full" {
		t.Fatalf("non-admin GET activityTypes = %+v", d)
	}
}

func TestMarket_PDSCOPE06_CompanyObjectsOutliveTheAdminsInstall(t *testing.T) {
	m := newFixture(t)
	mustApply(t, m, Install{App: adminApp, By: bob, Accept: true})
	mustRefuse(t, m, CreateObject{App: adminApp, By: bob, Object: ActivityType, Name: "Demo call"}, ReasonAdminOnly)
	mustApply(t, m, Install{App: adminApp, By: alice, Accept: true},
		CreateObject{App: adminApp, By: alice, Object: ActivityType, Name: "Demo call"})
	if !m.ObjectUsable(adminApp, bob, ActivityType, "Demo call") {
		t.Fatal("a non-admin installation cannot use the admin's activity type")
	}
	mustApply(t, m, Install{App: adminApp, By: hank, Accept: true})
	if m.ObjectUsable(adminApp, hank, ActivityType, "Demo call") {
		t.Fatal("another company can use Acme's activity type")
	}
}

// TestMarket_PDSHARE16_OnlyLinkActionsAndJSONPanelsAreShared: even shared
// with a user by name, a JSON modal or a Custom UI page needs that user's
// own authorization.
func TestMarket_PDSHARE16_OnlyLinkActionsAndJSONPanelsAreShared(t *testing.T) {
	for _, k := range ExtensionKinds() {
		if want := k == LinkAction || k == JSONPanel; k.Shareable() != want {
			t.Errorf("%s.Shareable() = %v", k, k.Shareable())
		}
	}
	for _, k := range []ExtensionKind{JSONModal, CustomUIPanel, CustomUIModal, CustomUIFloatingWindow, CustomUISettings} {
		m := newFixture(t)
		app := App{ID: "surface", Name: "Surface", Mode: ModeSharedExtensions, AllowSpecificUsers: true, Extensions: []ExtensionKind{k}}
		mustApply(t, m, PublishApp{App: app})
		mustApply(t, m, Install{App: "surface", By: alice, Access: SpecificUsers, Users: []UserID{bob}, Accept: true})
		if use := m.Extension("surface", bob, k); use.Allowed || use.Reason != ReasonNotAuthorized {
			t.Errorf("%s shared with Bob by name: %+v, want it to need his authorization", k, use)
		}
		if !m.Extension("surface", alice, k).Allowed {
			t.Errorf("%s: the authorizing admin may not use it", k)
		}
	}
}
