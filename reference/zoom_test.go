package reference

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// The Zoom fixture: Acme with admins Alice and Erin (Marketplace:Edit) and
// Dave (Marketplace:View), users Bob and Carol; Globex with admin Gina
// (Marketplace:Edit) and user Hank. Everyone holds meeting:read; Alice also
// recording:read, Bob also meeting:write.
const (
	erin                                                 UserID = 104
	zNotes, recorder, whiteboard, acmeDev, thirdDev, crm AppID  = "z-notes", "recorder", "whiteboard", "acme-dev", "third-dev", "crm"
)

func newZoom(t testing.TB) *Market {
	t.Helper()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	m := New(Zoom, func() time.Time { now = now.Add(time.Second); return now })
	read := []string{"meeting:read"}
	mustApply(t, m,
		AddCompany{Company: acme, Name: "Acme"},
		AddCompany{Company: globex, Name: "Globex"},
		JoinCompany{User: alice, Company: acme, Name: "Alice", Email: "alice@acme.test", Admin: true,
			Marketplace: MarketplaceEdit, Scopes: []string{"recording:read", "meeting:read"}},
		JoinCompany{User: bob, Company: acme, Name: "Bob", Email: "Bob@Acme.test", Scopes: []string{"meeting:read", "meeting:write"}},
		JoinCompany{User: carol, Company: acme, Name: "Carol", Email: "carol@acme.test", Scopes: read},
		JoinCompany{User: dave, Company: acme, Name: "Dave", Email: "dave@acme.test", Admin: true, Marketplace: MarketplaceView, Scopes: read},
		JoinCompany{User: erin, Company: acme, Name: "Erin", Email: "erin@acme.test", Admin: true, Marketplace: MarketplaceEdit, Scopes: read},
		JoinCompany{User: gina, Company: globex, Name: "Gina", Email: "gina@globex.test", Admin: true, Marketplace: MarketplaceEdit, Scopes: read},
		JoinCompany{User: hank, Company: globex, Name: "Hank", Email: "hank@globex.test", Scopes: read},
		PublishApp{App: App{ID: zNotes, Name: "Z Notes", Scopes: read}},
		PublishApp{App: App{ID: recorder, Name: "Recorder", Scopes: []string{"meeting:read", "recording:read", "cloud:write"}}},
		PublishApp{App: App{ID: whiteboard, Name: "Whiteboard", MadeByOwner: true, Scopes: read}},
		PublishApp{App: App{ID: acmeDev, Name: "Acme Dev", Development: true, MakerCompany: acme, Scopes: read}},
		PublishApp{App: App{ID: thirdDev, Name: "Third Dev", Development: true, Scopes: read}},
		PublishApp{App: App{ID: crm, Name: "CRM", Level: AccountLevel, Scopes: read}},
	)
	return m
}

func requirePreApproval(t testing.TB, m *Market, p AccountPermissions) {
	t.Helper()
	mustApply(t, m, SetAccountPermissions{By: alice, Permissions: p})
}

func TestMarket_ZM01_AnyUserInstallsAndDeauthorizesAUserLevelApp(t *testing.T) {
	m := newZoom(t)
	if a, _ := m.App(zNotes); a.Level != UserLevel {
		t.Fatalf("default level = %q", a.Level)
	}
	for _, u := range []UserID{bob, carol, dave} {
		mustApply(t, m, Install{App: zNotes, By: u, Accept: true})
		wantStatus(t, m, zNotes, u, StatusAuthorized)
	}
	mustRefuse(t, m, Uninstall{App: zNotes, By: alice, Confirmed: true}, ReasonNotInstalled)
	eff := mustApply(t, m, Uninstall{App: zNotes, By: bob, Confirmed: true})
	if len(effectsOf[UninstallCallback](eff)) != 1 {
		t.Fatalf("deauthorizing sent %+v", eff)
	}
	wantStatus(t, m, zNotes, bob, StatusNone)
	wantStatus(t, m, zNotes, carol, StatusAuthorized)
	// The user authorizes again after a scope change.
	mustApply(t, m, ChangeScopes{App: zNotes, Scopes: []string{"meeting:read"}})
	wantStatus(t, m, zNotes, carol, StatusReauthorize)
	mustApply(t, m, Authorize{App: zNotes, By: carol, Accept: true})
	wantStatus(t, m, zNotes, carol, StatusAuthorized)
	mustRefuse(t, m, Authorize{App: zNotes, By: bob, Accept: true}, ReasonNothingToAuthorize)
}

func TestMarket_ZM02_AdminWithoutEditIsRefusedNotMarketplaceEdit(t *testing.T) {
	m := newZoom(t)
	// Dave holds Marketplace:View only: as for deciding a request, the
	// reason is the role he lacks, not that only admins install.
	ref := mustRefuse(t, m, Install{App: crm, By: dave, Accept: true}, ReasonNotMarketplaceEdit)
	if ref.Rule != "ZM-02" {
		t.Fatalf("refused under %s, want ZM-02", ref.Rule)
	}
	if err := m.CanInstall(crm, dave); err == nil || err.(*Refusal).Reason != ReasonNotMarketplaceEdit {
		t.Fatalf("CanInstall = %v", err)
	}
	mustApply(t, m, SetRole{User: dave, By: alice, Marketplace: MarketplaceNone, Scopes: []string{"meeting:read"}})
	mustRefuse(t, m, Install{App: crm, By: dave, Accept: true}, ReasonNotMarketplaceEdit)
	// A user who is no admin is sent to Request to Install.
	mustRefuse(t, m, Install{App: crm, By: bob, Accept: true}, ReasonAdminInstallOnly)
}

func TestMarket_ZM25_OnlyEditAdminsChangeMarketplaceRoles(t *testing.T) {
	m := newZoom(t)
	// Dave (View) may not raise himself, nor give anyone a role.
	mustRefuse(t, m, SetRole{User: dave, By: dave, Marketplace: MarketplaceEdit, Scopes: []string{"meeting:read"}}, ReasonNotMarketplaceEdit)
	mustRefuse(t, m, SetRole{User: erin, By: dave, Marketplace: MarketplaceView, Scopes: []string{"meeting:read"}}, ReasonNotMarketplaceEdit)
	// He still sets held scopes, which leave the role as it is.
	mustApply(t, m, SetRole{User: carol, By: dave, Scopes: []string{"meeting:read", "recording:read"}})
	mustApply(t, m, SetRole{User: dave, By: dave, Marketplace: MarketplaceView, Scopes: []string{"meeting:read", "recording:read"}})
	// An Edit admin gives and takes the role, their own included.
	mustApply(t, m, SetRole{User: dave, By: alice, Marketplace: MarketplaceEdit, Scopes: []string{"meeting:read"}})
	mustApply(t, m, SetRole{User: erin, By: erin, Marketplace: MarketplaceView, Scopes: []string{"meeting:read"}})
	if u, _ := m.User(erin); u.Marketplace != MarketplaceView {
		t.Fatalf("erin's role = %q", u.Marketplace)
	}
}

func TestMarket_ZM02_MarketplaceRoleControlsAccountApps(t *testing.T) {
	m := newZoom(t)
	p := AccountPermissions{RequirePreApproval: true}
	mustRefuse(t, m, SetAccountPermissions{By: bob, Permissions: p}, ReasonNotMarketplaceEdit)
	mustRefuse(t, m, SetAccountPermissions{By: dave, Permissions: p}, ReasonNotMarketplaceEdit)
	mustApply(t, m, SetAccountPermissions{By: erin, Permissions: p})
	if got, _ := m.Permissions(acme); got != p {
		t.Fatalf("permissions = %+v", got)
	}
	if got, _ := m.Permissions(globex); got != (AccountPermissions{}) {
		t.Fatalf("Globex's permissions = %+v", got)
	}
	// Account-level apps: installed by an Edit admin, for the whole account.
	mustRefuse(t, m, Install{App: crm, By: bob, Accept: true}, ReasonAdminInstallOnly)
	mustRefuse(t, m, Install{App: crm, By: dave, Accept: true}, ReasonNotMarketplaceEdit)
	mustApply(t, m, Install{App: crm, By: alice, Accept: true})
	for _, u := range []UserID{alice, bob, carol, dave, erin} {
		wantStatus(t, m, crm, u, StatusAuthorized)
	}
	if in, _ := m.Installation(crm, carol); !in.Account || in.By != alice {
		t.Fatalf("installation = %+v", in)
	}
	wantStatus(t, m, crm, hank, StatusNone)
	mustRefuse(t, m, Install{App: crm, By: erin, Accept: true}, ReasonAlreadyInstalled)
	// Only admins hold the role.
	mustRefuse(t, m, JoinCompany{User: 150, Company: acme, Name: "Zed", Marketplace: MarketplaceEdit}, ReasonNotAdmin)
	mustRefuse(t, m, SetRole{User: bob, By: alice, Marketplace: MarketplaceView}, ReasonNotAdmin)
}

func TestMarket_ZM03_RequiredPreApprovalBlocksMembers(t *testing.T) {
	m := newZoom(t)
	requirePreApproval(t, m, AccountPermissions{RequirePreApproval: true})
	r := mustRefuse(t, m, Install{App: zNotes, By: bob, Accept: true}, ReasonPreApprovalRequired)
	if r.Rule != "ZM-03" {
		t.Fatalf("rule = %s", r.Rule)
	}
	mustApply(t, m, SetPreApproval{App: zNotes, By: alice, On: true})
	if st := m.PreApproval(acme, zNotes); !st.On || st.Disabled {
		t.Fatalf("pre-approval = %+v", st)
	}
	mustApply(t, m, Install{App: zNotes, By: bob, Accept: true})
	mustRefuse(t, m, SetPreApproval{App: whiteboard, By: dave, On: true}, ReasonNotMarketplaceEdit)
	mustApply(t, m, Install{App: zNotes, By: hank, Accept: true}) // Globex requires nothing
}

func TestMarket_ZM04_OwnerAndMemberAppsCanBeExempt(t *testing.T) {
	m := newZoom(t)
	requirePreApproval(t, m, AccountPermissions{RequirePreApproval: true, RequireForDevelopment: true})
	mustRefuse(t, m, Install{App: whiteboard, By: bob, Accept: true}, ReasonPreApprovalRequired)
	mustRefuse(t, m, Install{App: acmeDev, By: bob, Accept: true}, ReasonPreApprovalRequired)
	requirePreApproval(t, m, AccountPermissions{RequirePreApproval: true, RequireForDevelopment: true, ExemptOwnerApps: true, ExemptMemberApps: true})
	mustApply(t, m, Install{App: whiteboard, By: bob, Accept: true})
	mustApply(t, m, Install{App: acmeDev, By: bob, Accept: true})
	mustRefuse(t, m, Install{App: zNotes, By: bob, Accept: true}, ReasonPreApprovalRequired)
	mustRefuse(t, m, Install{App: thirdDev, By: bob, Accept: true}, ReasonPreApprovalRequired)
	// Acme's app is not a member's app in Globex.
	mustApply(t, m, SetAccountPermissions{By: gina, Permissions: AccountPermissions{RequireForDevelopment: true, ExemptMemberApps: true}})
	mustRefuse(t, m, Install{App: acmeDev, By: hank, Accept: true}, ReasonPreApprovalRequired)
}

func TestMarket_ZM05_DevelopmentAppsNeedPreApprovalForTesting(t *testing.T) {
	m := newZoom(t)
	requirePreApproval(t, m, AccountPermissions{RequirePreApproval: true})
	mustApply(t, m, Install{App: thirdDev, By: bob, Accept: true}) // only public apps required
	requirePreApproval(t, m, AccountPermissions{RequireForDevelopment: true})
	r := mustRefuse(t, m, Install{App: thirdDev, By: carol, Accept: true}, ReasonPreApprovalRequired)
	if r.Rule != "ZM-05" {
		t.Fatalf("rule = %s", r.Rule)
	}
	mustApply(t, m, Install{App: zNotes, By: carol, Accept: true})
	mustApply(t, m, SetPreApproval{App: thirdDev, By: erin, On: true}, Install{App: thirdDev, By: carol, Accept: true})
}

func TestMarket_ZM06_SettingChangesKeepExistingInstalls(t *testing.T) {
	m := newZoom(t)
	mustApply(t, m, Install{App: zNotes, By: bob, Accept: true}, Install{App: thirdDev, By: carol, Accept: true})
	before, _ := m.Installation(zNotes, bob)
	requirePreApproval(t, m, AccountPermissions{RequirePreApproval: true, RequireForDevelopment: true, BlockUserInstalls: true})
	after, ok := m.Installation(zNotes, bob)
	if !ok || after != before {
		t.Fatalf("installation %+v became %+v, %v", before, after, ok)
	}
	wantStatus(t, m, thirdDev, carol, StatusAuthorized)
	requirePreApproval(t, m, AccountPermissions{})
	wantStatus(t, m, zNotes, bob, StatusAuthorized)
}

func TestMarket_ZM07_PreApprovalRequestsListedAndDecidedByEditAdmins(t *testing.T) {
	m := newZoom(t)
	requirePreApproval(t, m, AccountPermissions{RequirePreApproval: true})
	id, _ := fileRequest(t, m, RequestApp{App: zNotes, By: bob})
	id2, _ := fileRequest(t, m, RequestApp{App: zNotes, By: carol, Type: RequestPreApproval, Notes: "standups"})
	list, err := m.AppRequests(dave, RequestPreApproval) // View is enough to see who asked
	if err != nil || len(list) != 2 || list[0].By != bob || list[0].ByEmail != "Bob@Acme.test" || list[1].By != carol ||
		list[0].Kind != RequestPreApproval || list[1].Notes != "standups" {
		t.Fatalf("App Requests = %+v, %v", list, err)
	}
	if _, err := m.AppRequests(bob, ""); err == nil || err.(*Refusal).Reason != ReasonNoMarketplaceRole {
		t.Fatalf("a member sees App Requests: %v", err)
	}
	mustRefuse(t, m, DecideRequest{Request: id, By: dave, Approve: true}, ReasonNotMarketplaceEdit)
	mustRefuse(t, m, RequestApp{App: zNotes, By: alice}, ReasonAdminsInstall)
	mustApply(t, m, DecideRequest{Request: id, By: erin, Approve: true})
	if !m.PreApproval(acme, zNotes).On {
		t.Fatal("approving did not pre-approve")
	}
	mustRefuse(t, m, DecideRequest{Request: id, By: alice, Approve: false}, ReasonAlreadyDecided)
	mustApply(t, m, Install{App: zNotes, By: bob, Accept: true})
	mustRefuse(t, m, RequestApp{App: zNotes, By: bob}, ReasonAlreadyInstalled)
	mustRefuse(t, m, RequestApp{App: zNotes, By: dave}, ReasonAlreadyPreApproved)
	if r, _ := m.Request(id2); r.State != RequestPending {
		t.Fatalf("Carol's request = %+v; want still pending (ZM-21)", r)
	}
	mustRefuse(t, m, RequestApp{App: crm, By: bob, Type: RequestPreApproval}, ReasonInvalid)
}

func TestMarket_ZM08_MissingScopesAreListed(t *testing.T) {
	m := newZoom(t)
	if got := m.MissingScopes(recorder, bob); !slices.Equal(got, []string{"recording:read", "cloud:write"}) {
		t.Fatalf("missing = %v", got)
	}
	requirePreApproval(t, m, AccountPermissions{RequirePreApproval: true})
	mustApply(t, m, SetPreApproval{App: recorder, By: alice, On: true})
	r := mustRefuse(t, m, Install{App: recorder, By: bob, Accept: true}, ReasonMissingScopes)
	if r.Rule != "ZM-08" || r.Detail != "missing scopes: recording:read, cloud:write" {
		t.Fatalf("refusal = %+v", r)
	}
	if err := m.CanInstall(recorder, bob); err == nil || err.Error() != r.Error() {
		t.Fatalf("CanInstall = %v", err)
	}
	mustApply(t, m, SetRole{User: bob, By: dave, Scopes: []string{"meeting:read", "recording:read", "cloud:write"}})
	if got := m.MissingScopes(recorder, bob); len(got) != 0 {
		t.Fatalf("missing after the grant = %v", got)
	}
	if u, _ := m.User(bob); !slices.Equal(u.Scopes, []string{"cloud:write", "meeting:read", "recording:read"}) {
		t.Fatalf("held = %v", u.Scopes)
	}
	mustApply(t, m, Install{App: recorder, By: bob, Accept: true})
}

func TestMarket_ZM09_WhoCanInstallLimitsNewInstallsOnly(t *testing.T) {
	m := newZoom(t)
	// The list needs the app installed on, or made by, the admin's account.
	mustRefuse(t, m, SetPreApproval{App: zNotes, By: alice, On: true, WhoCanInstall: []string{"bob@acme.test"}}, ReasonNotActivated)
	mustApply(t, m, Install{App: zNotes, By: carol, Accept: true}, Install{App: zNotes, By: alice, Accept: true})
	mustApply(t, m, SetPreApproval{App: zNotes, By: alice, On: true, WhoCanInstall: []string{" BOB@acme.test", "bob@acme.test"}})
	if st := m.PreApproval(acme, zNotes); !slices.Equal(st.WhoCanInstall, []string{"bob@acme.test"}) {
		t.Fatalf("list = %v", st.WhoCanInstall)
	}
	mustRefuse(t, m, Install{App: zNotes, By: dave, Accept: true}, ReasonNotOnWhoCanInstall)
	mustApply(t, m, Install{App: zNotes, By: bob, Accept: true})                                                  // listed, whatever the case of the address
	wantStatus(t, m, zNotes, carol, StatusAuthorized)                                                             // installed before the list
	mustApply(t, m, SetPreApproval{App: acmeDev, By: erin, On: true, WhoCanInstall: []string{"carol@acme.test"}}) // made by a member
	mustRefuse(t, m, SetPreApproval{App: acmeDev, By: erin, On: true, WhoCanInstall: []string{"not-an-address"}}, ReasonInvalid)
}

func TestMarket_ZM10_RequestEmailRecipients(t *testing.T) {
	m := newZoom(t)
	if s, _ := m.RequestEmails(acme); !s.On || !slices.Equal(s.To, []UserID{alice, erin}) {
		t.Fatalf("default settings = %+v; want on, to every Edit admin", s)
	}
	_, eff := fileRequest(t, m, RequestApp{App: zNotes, By: bob, Notes: "hi"})
	mails := effectsOf[Email](eff)
	if len(mails) != 1 || !slices.Equal(mails[0].To.Users, []UserID{alice, erin}) ||
		!slices.Equal(mails[0].ToAddrs, []string{"alice@acme.test", "erin@acme.test"}) || mails[0].Body != "hi" {
		t.Fatalf("email = %+v", mails)
	}
	mustApply(t, m, SetRequestEmails{By: alice, On: true, Recipients: []UserID{erin}})
	_, eff = fileRequest(t, m, RequestApp{App: recorder, By: bob})
	if mails := effectsOf[Email](eff); len(mails) != 1 || !slices.Equal(mails[0].To.Users, []UserID{erin}) {
		t.Fatalf("email to the chosen = %+v", mails)
	}
	mustRefuse(t, m, SetRequestEmails{By: alice, On: true, Recipients: []UserID{alice, erin, 300, 301, 302, 303}}, ReasonTooManyRecipients)
	mustRefuse(t, m, SetRequestEmails{By: alice, On: true, Recipients: []UserID{dave}}, ReasonNotMarketplaceEdit)
	mustRefuse(t, m, SetRequestEmails{By: alice, On: true, Recipients: []UserID{gina}}, ReasonOtherCompany)
	mustRefuse(t, m, SetRequestEmails{By: dave, On: false}, ReasonNotMarketplaceEdit)
	mustApply(t, m, SetRequestEmails{By: erin, On: false})
	_, eff = fileRequest(t, m, RequestApp{App: whiteboard, By: bob})
	if len(eff) != 0 {
		t.Fatalf("email turned off, effects %+v", eff)
	}
	if list, _ := m.AppRequests(alice, RequestPreApproval); len(list) != 3 {
		t.Fatalf("requests listed with email off: %d, want 3", len(list))
	}
}

func TestMarket_ZM11_SwitchingOffPreApprovalDisablesForEveryone(t *testing.T) {
	m := newZoom(t)
	mustRefuse(t, m, SetPreApproval{App: zNotes, By: alice, On: false}, ReasonNotPreApproved)
	mustApply(t, m, SetPreApproval{App: zNotes, By: alice, On: true},
		Install{App: zNotes, By: bob, Accept: true}, Install{App: zNotes, By: alice, Accept: true})
	mustApply(t, m, SetPreApproval{App: zNotes, By: erin, On: false})
	for _, u := range []UserID{bob, alice} {
		wantStatus(t, m, zNotes, u, StatusDisabled)
	}
	mustRefuse(t, m, Install{App: zNotes, By: carol, Accept: true}, ReasonAppDisabled)
	mustRefuse(t, m, Install{App: zNotes, By: erin, Accept: true}, ReasonAppDisabled)
	if st := m.PreApproval(acme, zNotes); st.On || !st.Disabled {
		t.Fatalf("pre-approval = %+v", st)
	}
	wantStatus(t, m, zNotes, hank, StatusNone)
	mustApply(t, m, Install{App: zNotes, By: hank, Accept: true}) // Globex is untouched
}

func TestMarket_ZM12_RequestToInstallForAdminOnlyApps(t *testing.T) {
	m := newZoom(t)
	if err := m.CanInstall(crm, bob); err == nil || err.(*Refusal).Reason != ReasonAdminInstallOnly {
		t.Fatalf("CanInstall = %v; want Request to Install", err)
	}
	id, eff := fileRequest(t, m, RequestApp{App: crm, By: bob}) // the default kind for an account-level app
	if len(eff) != 0 {
		t.Fatalf("Request to Install sent %+v", eff)
	}
	if r, _ := m.Request(id); r.Kind != RequestInstall {
		t.Fatalf("request = %+v", r)
	}
	id2, _ := fileRequest(t, m, RequestApp{App: crm, By: carol, Type: RequestInstall})
	mustRefuse(t, m, RequestApp{App: zNotes, By: bob, Type: RequestInstall}, ReasonInvalid)
	mustRefuse(t, m, RequestApp{App: crm, By: carol}, ReasonRequestPending)
	if list, _ := m.AppRequests(dave, RequestInstall); len(list) != 2 {
		t.Fatalf("Request to Install list = %+v", list)
	}
	mustRefuse(t, m, DecideRequest{Request: id, By: dave, Approve: true}, ReasonNotMarketplaceEdit)
	mustApply(t, m, DecideRequest{Request: id, By: alice, Approve: true})
	in, ok := m.Installation(crm, bob)
	if !ok || !in.Account || in.By != alice {
		t.Fatalf("installation = %+v, %v; want the account's, by Alice", in, ok)
	}
	wantStatus(t, m, crm, carol, StatusAuthorized)
	mustRefuse(t, m, RequestApp{App: crm, By: carol}, ReasonAlreadyInstalled)
	eff = mustApply(t, m, DecideRequest{Request: id2, By: erin, Approve: false})
	if n := effectsOf[Notice](eff); len(n) != 1 || n[0].Kind != NoticeRequestDenied || n[0].To.Users[0] != carol {
		t.Fatalf("rejection = %+v", eff)
	}
}

func TestMarket_ZM13_UninstallIsConfirmedAndRemovesFromTheAccount(t *testing.T) {
	m := newZoom(t)
	mustApply(t, m, Install{App: crm, By: alice, Accept: true}, Install{App: zNotes, By: bob, Accept: true})
	mustRefuse(t, m, Uninstall{App: zNotes, By: bob}, ReasonUninstallUnconfirmed)
	mustRefuse(t, m, Uninstall{App: crm, By: erin}, ReasonUninstallUnconfirmed)
	wantStatus(t, m, zNotes, bob, StatusAuthorized)
	mustApply(t, m, Uninstall{App: zNotes, By: bob, Confirmed: true})
	wantStatus(t, m, zNotes, bob, StatusNone)
	mustApply(t, m, Uninstall{App: crm, By: erin, Confirmed: true})
	for _, u := range []UserID{alice, bob, carol, dave, erin} {
		wantStatus(t, m, crm, u, StatusNone)
	}
}

func TestMarket_ZM14_AdminsCanStopUsersInstallingAtAll(t *testing.T) {
	m := newZoom(t)
	mustApply(t, m, SetPreApproval{App: zNotes, By: alice, On: true})
	requirePreApproval(t, m, AccountPermissions{BlockUserInstalls: true})
	for _, a := range []AppID{zNotes, whiteboard, thirdDev} {
		r := mustRefuse(t, m, Install{App: a, By: bob, Accept: true}, ReasonUserInstallsBlocked)
		if r.Rule != "ZM-14" {
			t.Fatalf("rule = %s", r.Rule)
		}
	}
	mustRefuse(t, m, Install{App: zNotes, By: dave, Accept: true}, ReasonUserInstallsBlocked) // View is not enough
	mustApply(t, m, Install{App: zNotes, By: alice, Accept: true})
	mustApply(t, m, Install{App: zNotes, By: hank, Accept: true})
}

func TestMarket_ZM15_RejectedRequesterIsNotified(t *testing.T) {
	m := newZoom(t)
	id, _ := fileRequest(t, m, RequestApp{App: recorder, By: carol})
	eff := mustApply(t, m, DecideRequest{Request: id, By: alice, Approve: false, Note: "use Z Notes"})
	want := Notice{Kind: NoticeRequestDenied, To: Audience{Company: acme, Users: []UserID{carol}}, App: recorder, By: alice, Detail: "use Z Notes"}
	if len(eff) != 1 || fmt.Sprint(eff[0]) != fmt.Sprint(want) {
		t.Fatalf("effects = %+v; want %+v", eff, want)
	}
	if r, _ := m.Request(id); r.State != RequestDenied || r.DecidedBy != alice || r.Note != "use Z Notes" {
		t.Fatalf("request = %+v", r)
	}
	if m.PreApproval(acme, recorder).On {
		t.Fatal("a rejected request pre-approved the app")
	}
}

func TestMarket_ZM16_MarketplaceRoleIsViewOrEditAndAdminsSetIt(t *testing.T) {
	m := newZoom(t)
	mustRefuse(t, m, SetRole{User: dave, By: bob, Marketplace: MarketplaceEdit}, ReasonNotAdmin)
	mustRefuse(t, m, SetRole{User: dave, By: alice, Marketplace: "Marketplace:Admin"}, ReasonInvalid)
	mustRefuse(t, m, SetRole{User: hank, By: alice}, ReasonOtherCompany)
	mustRefuse(t, m, SetAccountPermissions{By: dave, Permissions: AccountPermissions{BlockUserInstalls: true}}, ReasonNotMarketplaceEdit)
	mustApply(t, m, SetRole{User: dave, By: alice, Marketplace: MarketplaceEdit, Scopes: []string{"meeting:read"}})
	if u, _ := m.User(dave); u.Marketplace != MarketplaceEdit {
		t.Fatalf("dave = %+v", u)
	}
	mustApply(t, m, SetAccountPermissions{By: dave, Permissions: AccountPermissions{BlockUserInstalls: true}})
	mustApply(t, m, SetRole{User: erin, By: dave, Marketplace: MarketplaceNone, Scopes: []string{"meeting:read"}})
	if _, err := m.AppRequests(erin, ""); err == nil {
		t.Fatal("an admin without the role sees App Requests")
	}
}

func TestMarket_ZM17_EditAdminsAreNotHeldBackButNeedScopes(t *testing.T) {
	m := newZoom(t)
	requirePreApproval(t, m, AccountPermissions{RequirePreApproval: true, RequireForDevelopment: true, BlockUserInstalls: true})
	mustApply(t, m, Install{App: zNotes, By: erin, Accept: true}, Install{App: thirdDev, By: erin, Accept: true})
	mustRefuse(t, m, Install{App: recorder, By: erin, Accept: true}, ReasonMissingScopes)
	mustApply(t, m, Install{App: whiteboard, By: alice, Accept: true})
	mustApply(t, m, SetPreApproval{App: whiteboard, By: alice, On: true}, SetPreApproval{App: whiteboard, By: alice, On: false})
	mustRefuse(t, m, Install{App: whiteboard, By: erin, Accept: true}, ReasonAppDisabled)
}

func TestMarket_ZM18_WithdrawnPreApprovalDisablesUntilGrantedAgain(t *testing.T) {
	m := newZoom(t)
	mustApply(t, m, SetPreApproval{App: zNotes, By: alice, On: true},
		Install{App: zNotes, By: bob, Accept: true}, Install{App: crm, By: alice, Accept: true},
		SetPreApproval{App: crm, By: alice, On: true})
	mustApply(t, m, SetPreApproval{App: zNotes, By: alice, On: false}, SetPreApproval{App: crm, By: alice, On: false})
	wantStatus(t, m, zNotes, bob, StatusDisabled)
	wantStatus(t, m, crm, carol, StatusDisabled)
	if in, ok := m.Installation(zNotes, bob); !ok || in.Status != StatusDisabled {
		t.Fatalf("installation = %+v, %v; want kept, disabled", in, ok)
	}
	if StatusDisabled.Label() != "Disabled by admin" {
		t.Fatal(StatusDisabled.Label())
	}
	mustRefuse(t, m, Authorize{App: zNotes, By: bob, Accept: true}, ReasonAppDisabled)
	// A user may ask for it again; approving re-enables every installation.
	id, _ := fileRequest(t, m, RequestApp{App: zNotes, By: carol})
	mustApply(t, m, DecideRequest{Request: id, By: erin, Approve: true})
	wantStatus(t, m, zNotes, bob, StatusAuthorized)
	mustApply(t, m, SetPreApproval{App: crm, By: alice, On: true})
	wantStatus(t, m, crm, carol, StatusAuthorized)
}

func TestMarket_ZM18_NoApprovedRequestInstallsASwitchedOffApp(t *testing.T) {
	m := newZoom(t)
	mustApply(t, m, PublishApp{App: App{ID: "rooms", Name: "Rooms", Level: AccountLevel}},
		SetPreApproval{App: "rooms", By: alice, On: true}, SetPreApproval{App: "rooms", By: alice, On: false})
	id, _ := fileRequest(t, m, RequestApp{App: "rooms", By: carol})
	mustRefuse(t, m, DecideRequest{Request: id, By: alice, Approve: true}, ReasonAppDisabled)
	if in, ok := m.Installation("rooms", carol); ok {
		t.Fatalf("carol has the switched-off app: %+v", in)
	}
	mustApply(t, m, DecideRequest{Request: id, By: alice, Approve: false})
}

func TestMarket_ZM19_EveryInstallNeedsTheScopes(t *testing.T) {
	m := newZoom(t)
	mustRefuse(t, m, Install{App: recorder, By: carol, Accept: true}, ReasonMissingScopes) // nothing required, still checked
	mustApply(t, m, PublishApp{App: App{ID: "big-crm", Name: "Big CRM", Level: AccountLevel, Scopes: []string{"crm:admin"}}})
	mustRefuse(t, m, Install{App: "big-crm", By: alice, Accept: true}, ReasonMissingScopes)
	// On a requester's behalf, neither the admin's nor the requester's scopes are checked.
	id, _ := fileRequest(t, m, RequestApp{App: "big-crm", By: carol})
	mustApply(t, m, DecideRequest{Request: id, By: alice, Approve: true})
	wantStatus(t, m, "big-crm", carol, StatusAuthorized)
}

func TestMarket_ZM20_ExemptionsCoverPublicAndDevelopmentAlike(t *testing.T) {
	m := newZoom(t)
	mustApply(t, m, PublishApp{App: App{ID: "zoom-dev", Name: "Zoom Dev", MadeByOwner: true, Development: true, Scopes: []string{"meeting:read"}}},
		PublishApp{App: App{ID: "acme-public", Name: "Acme Public", MakerCompany: acme, Scopes: []string{"meeting:read"}}})
	requirePreApproval(t, m, AccountPermissions{RequirePreApproval: true, RequireForDevelopment: true, ExemptOwnerApps: true, ExemptMemberApps: true})
	for _, a := range []AppID{whiteboard, "zoom-dev", acmeDev, "acme-public"} {
		mustApply(t, m, Install{App: a, By: carol, Accept: true})
	}
}

func TestMarket_ZM21_RequestsWhateverTheSettingOnePendingEach(t *testing.T) {
	m := newZoom(t)
	fileRequest(t, m, RequestApp{App: zNotes, By: bob}) // nothing required
	mustRefuse(t, m, RequestApp{App: zNotes, By: bob}, ReasonRequestPending)
	fileRequest(t, m, RequestApp{App: crm, By: bob}) // another kind and app
	id, _ := fileRequest(t, m, RequestApp{App: zNotes, By: carol})
	mustApply(t, m, DecideRequest{Request: id, By: alice, Approve: true})
	if list, _ := m.AppRequests(alice, RequestPreApproval); list[0].State != RequestPending {
		t.Fatalf("Bob's request = %+v; want pending", list[0])
	}
}

func TestMarket_ZM22_RequestEmailDefaultsAndFallback(t *testing.T) {
	m := newZoom(t)
	mustApply(t, m, SetRequestEmails{By: alice, On: true, Recipients: []UserID{erin}})
	mustApply(t, m, SetRole{User: erin, By: alice, Marketplace: MarketplaceView})
	_, eff := fileRequest(t, m, RequestApp{App: zNotes, By: bob})
	mails := effectsOf[Email](eff)
	if len(mails) != 1 || mails[0].From != "no-reply@zoom.us" || mails[0].Subject != "Bob@Acme.test requested pre-approval of Z Notes" ||
		!slices.Equal(mails[0].To.Users, []UserID{alice}) {
		t.Fatalf("email = %+v; want Alice, every Edit admin, once the chosen one lost Edit", mails)
	}
	if s, _ := m.RequestEmails(acme); !slices.Equal(s.Recipients, []UserID{erin}) || !slices.Equal(s.To, []UserID{alice}) {
		t.Fatalf("settings = %+v", s)
	}
	if _, eff := fileRequest(t, m, RequestApp{App: crm, By: bob}); len(eff) != 0 {
		t.Fatalf("Request to Install emailed %+v", eff)
	}
}

func TestMarket_ZM23_BlockStopsOwnInstallsNotRequests(t *testing.T) {
	m := newZoom(t)
	requirePreApproval(t, m, AccountPermissions{BlockUserInstalls: true})
	id, _ := fileRequest(t, m, RequestApp{App: crm, By: bob})
	fileRequest(t, m, RequestApp{App: zNotes, By: bob})
	mustApply(t, m, DecideRequest{Request: id, By: alice, Approve: true})
	wantStatus(t, m, crm, bob, StatusAuthorized)
}

func TestMarket_ZM24_WhoMayUninstallWhat(t *testing.T) {
	m := newZoom(t)
	mustApply(t, m, Install{App: crm, By: alice, Accept: true})
	mustRefuse(t, m, Uninstall{App: crm, By: bob, Confirmed: true}, ReasonNotMarketplaceEdit)
	mustRefuse(t, m, Uninstall{App: crm, By: dave, Confirmed: true}, ReasonNotMarketplaceEdit)
	mustApply(t, m, Install{App: zNotes, By: bob, Accept: true})
	mustRefuse(t, m, Uninstall{App: zNotes, By: alice, Confirmed: true}, ReasonNotInstalled)
	// Procore and Pipedrive ask for no confirmation.
	p := newProcore(t)
	mustApply(t, p, Install{App: accounting, By: bob, Accept: true}, Uninstall{App: accounting, By: bob})
}

// zoomStory touches every command a Zoom market runs.
func zoomStory() []Command {
	return []Command{
		Install{App: zNotes, By: bob, Accept: true},
		SetAccountPermissions{By: alice, Permissions: AccountPermissions{RequirePreApproval: true, ExemptOwnerApps: true}},
		RequestApp{App: recorder, By: carol, Notes: "recordings"},
		DecideRequest{Request: 18, By: erin, Approve: false}, // the request above is event 18
		SetRequestEmails{By: alice, On: true, Recipients: []UserID{erin}},
		SetRole{User: carol, By: alice, Scopes: []string{"meeting:read", "recording:read", "cloud:write"}},
		RequestApp{App: recorder, By: carol},
		DecideRequest{Request: 22, By: alice, Approve: true},
		Install{App: recorder, By: carol, Accept: true},
		Install{App: whiteboard, By: bob, Accept: false},
		RequestApp{App: crm, By: bob},
		DecideRequest{Request: 26, By: alice, Approve: true},
		Install{App: zNotes, By: alice, Accept: true},
		SetPreApproval{App: zNotes, By: alice, On: true, WhoCanInstall: []string{"bob@acme.test"}},
		SetPreApproval{App: zNotes, By: erin, On: false},
		ChangeScopes{App: recorder, Scopes: []string{"meeting:read"}},
		Authorize{App: recorder, By: carol, Accept: true},
		ExpireAuthorization{App: recorder, User: carol},
		JoinCompany{User: 105, Company: acme, Name: "Finn", Email: "finn@acme.test", Admin: true, Marketplace: MarketplaceEdit},
		OpenApps{User: 105},
		PublishApp{App: App{ID: "late", Name: "Late", Level: AccountLevel}},
		AddCompany{Company: 3, Name: "Initech"},
		Uninstall{App: crm, By: erin, Confirmed: true},
	}
}

func TestMarket_X01_ZoomReplayGivesTheSameState(t *testing.T) {
	m := newZoom(t)
	mustApply(t, m, zoomStory()...)
	if r, _ := m.Request(26); r.Kind != RequestInstall || r.State != RequestApproved {
		t.Fatalf("story's request 26 = %+v", r)
	}
	r, err := Replay(Zoom, m.Log())
	if err != nil || !r.Equal(m) {
		t.Fatalf("replay: %v", err)
	}
	first := m.Log()[:len(m.Log())-1]
	p, err := Replay(Zoom, first)
	if err != nil || p.StateEqual(m) {
		t.Fatalf("a shorter log replayed to an equal state (err %v)", err)
	}
}

func TestMarket_X02_ZoomRefusalsChangeNothing(t *testing.T) {
	m := newZoom(t)
	id, _ := fileRequest(t, m, RequestApp{App: zNotes, By: bob})
	mustApply(t, m, DecideRequest{Request: id, By: alice, Approve: true}, Install{App: zNotes, By: bob, Accept: true})
	cases := []struct {
		cmd  Command
		want Reason
	}{
		{Install{App: recorder, By: bob, Accept: true}, ReasonMissingScopes},
		{RequestApp{App: zNotes, By: bob}, ReasonAlreadyInstalled},
		{DecideRequest{Request: id, By: erin, Approve: false}, ReasonAlreadyDecided},
		{SetAccountPermissions{By: carol}, ReasonNotMarketplaceEdit},
		{SetRequestEmails{By: alice, On: true, Recipients: []UserID{1, 2, 3, 4, 5, 6}}, ReasonTooManyRecipients},
		{SetRole{User: 999, By: alice}, ReasonUnknownUser},
		{SetPreApproval{App: recorder, By: alice, On: false}, ReasonNotPreApproved},
		{Authorize{App: zNotes, By: bob, Accept: true}, ReasonAlreadyAuthorized},
		{ChangeScopes{App: "nope"}, ReasonUnknownApp},
		{ExpireAuthorization{App: recorder, User: carol}, ReasonNotInstalled},
		{JoinCompany{User: 150, Company: acme, Name: "Zed", Marketplace: MarketplaceView}, ReasonNotAdmin},
		{OpenApps{User: 999}, ReasonUnknownUser},
		{PublishApp{App: App{ID: "x", Name: "X", Mode: ModeSharedExtensions}}, ReasonNotInProfile},
		{PublishApp{App: App{ID: "x", Name: "X", Level: "team"}}, ReasonInvalid},
		{AddCompany{Company: 0, Name: "Zero"}, ReasonInvalid},
		{Uninstall{App: zNotes, By: bob}, ReasonUninstallUnconfirmed},
		{SetSharingMode{App: zNotes, Mode: ModeAddToAccount, By: PartyMarketplace}, ReasonNotInProfile},
		{ManageUsers{App: zNotes, By: alice, Add: []UserID{bob}}, ReasonNotInProfile},
		{CreateObject{App: zNotes, By: bob, Object: Pipeline, Name: "P"}, ReasonNotInProfile},
		{Install{App: whiteboard, By: alice, Access: SpecificUsers, Users: []UserID{bob}, Accept: true}, ReasonNotInProfile},
		{SetAllowUserInstalls{By: alice, Allow: false}, ReasonNotInProfile},
	}
	kinds := map[string]bool{}
	for _, tc := range cases {
		r := mustRefuse(t, m, tc.cmd, tc.want)
		if r.Rule == "" {
			t.Errorf("%s: refusal names no rule", tc.cmd.Kind())
		}
		kinds[tc.cmd.Kind()] = true
	}
	for _, c := range zoomStory() {
		if !kinds[c.Kind()] {
			t.Errorf("no refusal case for %s", c.Kind())
		}
	}
}

func TestMarket_X03_ZoomAccountsAreIsolated(t *testing.T) {
	m := newZoom(t)
	requirePreApproval(t, m, AccountPermissions{RequirePreApproval: true, BlockUserInstalls: true})
	mustApply(t, m, SetPreApproval{App: zNotes, By: alice, On: true}, Install{App: crm, By: alice, Accept: true},
		SetPreApproval{App: zNotes, By: alice, On: false})
	id, eff := fileRequest(t, m, RequestApp{App: recorder, By: hank})
	for _, e := range effectsOf[Email](eff) {
		if !slices.Equal(e.To.Users, []UserID{gina}) || e.To.Company != globex {
			t.Fatalf("Globex's request email = %+v", e)
		}
	}
	mustRefuse(t, m, DecideRequest{Request: id, By: alice, Approve: true}, ReasonOtherCompany)
	if list, _ := m.AppRequests(alice, ""); len(list) != 0 {
		t.Fatalf("Acme sees Globex's requests: %+v", list)
	}
	mustRefuse(t, m, SetRequestEmails{By: gina, On: true, Recipients: []UserID{alice}}, ReasonOtherCompany)
	wantStatus(t, m, crm, hank, StatusNone)
	if st := m.PreApproval(globex, zNotes); st.On || st.Disabled {
		t.Fatalf("Globex's pre-approval = %+v", st)
	}
	mustApply(t, m, Install{App: zNotes, By: hank, Accept: true})
	if _, err := m.AppRequests(gina, ""); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.Admins(globex), []UserID{gina}) || !slices.Equal(m.Admins(acme), []UserID{alice, dave, erin}) {
		t.Fatalf("Globex's admins = %v", m.Admins(globex))
	}
}

// zoomBench is a Zoom account of n users, users 1..3 admins with
// Marketplace:Edit, everyone else a member; pre-approval is required.
func zoomBench(b *testing.B, n, ops int) (*Market, []AppID) {
	b.Helper()
	m := New(Zoom, nil)
	mustApply(b, m, AddCompany{Company: 1, Name: "Big"})
	for i := 1; i <= n; i++ {
		c := JoinCompany{User: UserID(i), Company: 1, Name: "U", Email: fmt.Sprintf("u%d@big.test", i)}
		if i <= 3 {
			c.Admin, c.Marketplace = true, MarketplaceEdit
		}
		mustApply(b, m, c)
	}
	mustApply(b, m, SetAccountPermissions{By: 1, Permissions: AccountPermissions{RequirePreApproval: true}})
	return m, benchApps(b, m, ops/(n-3)+1)
}

func BenchmarkMarket_ZoomPreApprovalRequest(b *testing.B) {
	for _, n := range companySizes {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			m, apps := zoomBench(b, n, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				u, a := pair(apps, n, i)
				if !m.Apply(RequestApp{App: a, By: u}).OK() {
					b.Fatal("refused")
				}
				drainEvery(m, i)
			}
		})
	}
}

func BenchmarkMarket_ZoomPreApprovalDecision(b *testing.B) {
	for _, n := range companySizes {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			m, apps := zoomBench(b, n, b.N)
			ids := make([]RequestID, b.N)
			for i := range ids {
				u, a := pair(apps, n, i)
				ids[i] = RequestID(m.Apply(RequestApp{App: a, By: u}).Event.Seq)
			}
			m.DrainLog()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if !m.Apply(DecideRequest{Request: ids[i], By: UserID(1 + i%3), Approve: i%2 == 0}).OK() {
					b.Fatal("refused")
				}
				drainEvery(m, i)
			}
		})
	}
}

// TestMarket_X01_CloneCopiesProcoreAndZoomState changes a market after
// cloning it: the clone must keep the old state (the refusal tests compare
// against clones, so a shared map would hide a change).
func TestMarket_X01_CloneCopiesProcoreAndZoomState(t *testing.T) {
	for _, tc := range []struct {
		fresh func(testing.TB) *Market
		story []Command
	}{{newProcore, procoreStory()}, {newZoom, zoomStory()}} {
		m := tc.fresh(t)
		mustApply(t, m, tc.story[:len(tc.story)/3]...)
		c := m.Clone()
		want, err := Replay(m.Profile(), m.Log()) // built apart from m, unlike a clone of c
		if err != nil {
			t.Fatal(err)
		}
		mustApply(t, m, tc.story[len(tc.story)/3:]...)
		if !c.StateEqual(want) || c.StateEqual(m) {
			t.Fatalf("%s: the clone changed with the original", m.Profile())
		}
	}
}
