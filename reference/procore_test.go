package reference

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// The Procore fixture has the same people as newFixture: Company XYZ (acme)
// with admins Alice and Dave and users Bob and Carol; Globex with admin Gina
// and user Hank. Two apps are listed.
const (
	accounting, timesheets AppID = "accounting-tools", "timesheets"
)

func newProcore(t testing.TB) *Market {
	t.Helper()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	m := New(Procore, func() time.Time { now = now.Add(time.Second); return now })
	mustApply(t, m,
		AddCompany{Company: acme, Name: "Company XYZ"},
		AddCompany{Company: globex, Name: "Globex"},
		JoinCompany{User: alice, Company: acme, Name: "Alice", Email: "alice@xyz.test", Admin: true},
		JoinCompany{User: bob, Company: acme, Name: "Bob", Email: "joecontractor@example.com"},
		JoinCompany{User: carol, Company: acme, Name: "Carol", Email: "carol@xyz.test"},
		JoinCompany{User: dave, Company: acme, Name: "Dave", Email: "dave@xyz.test", Admin: true},
		JoinCompany{User: gina, Company: globex, Name: "Gina", Email: "gina@globex.test", Admin: true},
		JoinCompany{User: hank, Company: globex, Name: "Hank", Email: "hank@globex.test"},
		PublishApp{App: App{ID: accounting, Name: "Accounting Software Tools", Scopes: []string{"projects:read"}, CallbackURL: "http://app.test/cb"}},
		PublishApp{App: App{ID: timesheets, Name: "Timesheets"}},
	)
	return m
}

// fileRequest files a request and returns its ID.
func fileRequest(t testing.TB, m *Market, c RequestApp) (RequestID, []Effect) {
	t.Helper()
	r := m.Apply(c)
	if !r.OK() {
		t.Fatalf("%+v: %v", c, r.Refusal)
	}
	return RequestID(r.Event.Seq), r.Effects
}

func turnUserInstallsOff(t testing.TB, m *Market) {
	t.Helper()
	mustApply(t, m, SetAllowUserInstalls{By: alice, Allow: false})
}

func TestMarket_PC01_AllowUserInstallsIsOnByDefaultAndAdminsOnly(t *testing.T) {
	m := newProcore(t)
	if on, ok := m.AllowUserInstalls(acme); !on || !ok {
		t.Fatalf("Allow User Installs = %v, %v; want ON by default", on, ok)
	}
	mustRefuse(t, m, SetAllowUserInstalls{By: bob, Allow: false}, ReasonNotAdmin)
	mustApply(t, m, SetAllowUserInstalls{By: dave, Allow: false})
	if on, _ := m.AllowUserInstalls(acme); on {
		t.Fatal("an admin turned it OFF and it stayed ON")
	}
	if on, _ := m.AllowUserInstalls(globex); !on {
		t.Fatal("Acme's setting changed Globex's")
	}
	mustApply(t, m, SetAllowUserInstalls{By: alice, Allow: true})
	if on, _ := m.AllowUserInstalls(acme); !on {
		t.Fatal("turned back ON, still OFF")
	}
}

func TestMarket_PC02_WithUserInstallsOnAUserInstallsAlone(t *testing.T) {
	m := newProcore(t)
	eff := mustApply(t, m, Install{App: accounting, By: bob, Accept: true})
	wantStatus(t, m, accounting, bob, StatusAuthorized)
	in, ok := m.Installation(accounting, bob)
	if !ok || in.By != bob || in.Account {
		t.Fatalf("installation = %+v, %v; want bob's own", in, ok)
	}
	if len(effectsOf[Email](eff)) != 0 {
		t.Fatal("an allowed install emailed the admins")
	}
	wantStatus(t, m, accounting, carol, StatusNone)
	mustRefuse(t, m, Install{App: accounting, By: bob, Accept: true}, ReasonAlreadyInstalled)
	mustApply(t, m, Uninstall{App: accounting, By: bob})
	wantStatus(t, m, accounting, bob, StatusNone)
}

func TestMarket_PC03_NonAdminsRequestWithNotes(t *testing.T) {
	m := newProcore(t)
	id, _ := fileRequest(t, m, RequestApp{App: accounting, By: bob, Notes: "for the Q3 invoices"})
	r, ok := m.Request(id)
	if !ok || r.Kind != RequestInstall || r.By != bob || r.ByEmail != "joecontractor@example.com" ||
		r.Notes != "for the Q3 invoices" || r.State != RequestPending || r.App != accounting || r.Company != acme {
		t.Fatalf("request = %+v, %v", r, ok)
	}
	fileRequest(t, m, RequestApp{App: timesheets, By: carol}) // notes are optional
	mustRefuse(t, m, RequestApp{App: accounting, By: alice}, ReasonAdminsInstall)
	mustRefuse(t, m, RequestApp{App: accounting, By: bob}, ReasonRequestPending)
	mustRefuse(t, m, RequestApp{App: accounting, By: bob, Type: RequestPreApproval}, ReasonNotInProfile)
	mustApply(t, m, Install{App: timesheets, By: bob, Accept: true})
	mustRefuse(t, m, RequestApp{App: timesheets, By: bob}, ReasonAlreadyInstalled)
	list, err := m.AppRequests(alice, "")
	if err != nil || len(list) != 2 || list[0].ID != id || list[1].By != carol {
		t.Fatalf("App Requests = %+v, %v", list, err)
	}
	if _, err := m.AppRequests(bob, ""); err == nil {
		t.Fatal("a non-admin sees App Requests")
	}
}

func TestMarket_PC04_EveryAdminIsEmailedWithTheDocumentedSubject(t *testing.T) {
	m := newProcore(t)
	_, eff := fileRequest(t, m, RequestApp{App: accounting, By: bob, Notes: "please"})
	mails := effectsOf[Email](eff)
	if len(mails) != 1 {
		t.Fatalf("effects = %+v; want one email", eff)
	}
	e := mails[0]
	const subject = "joecontractor@example.com requested to access or install Accounting Software Tools on Company XYZ"
	if e.Subject != subject || e.From != "no-reply@procore.com" || e.Body != "please" {
		t.Fatalf("email = %+v", e)
	}
	if !slices.Equal(e.To.Users, []UserID{alice, dave}) || !slices.Equal(e.ToAddrs, []string{"alice@xyz.test", "dave@xyz.test"}) {
		t.Fatalf("recipients = %v %v; want Alice and Dave", e.To.Users, e.ToAddrs)
	}
	for _, u := range []UserID{bob, carol} {
		if e.To.Includes(acme, u) {
			t.Errorf("user %d, not an admin, is emailed", u)
		}
	}
	if e.To.Includes(globex, gina) {
		t.Error("Globex's admin is emailed about Acme's request")
	}
	// A second request is a second email.
	_, eff = fileRequest(t, m, RequestApp{App: timesheets, By: bob})
	if len(effectsOf[Email](eff)) != 1 {
		t.Fatal("the second request sent no email")
	}
}

func TestMarket_PC05_ApproveInstallsOnBehalfDenyNotifies(t *testing.T) {
	m := newProcore(t)
	id, _ := fileRequest(t, m, RequestApp{App: accounting, By: bob})
	mustRefuse(t, m, DecideRequest{Request: id, By: carol, Approve: true}, ReasonNotAdmin)
	mustRefuse(t, m, DecideRequest{Request: id, By: gina, Approve: true}, ReasonOtherCompany)
	mustApply(t, m, DecideRequest{Request: id, By: dave, Approve: true})
	wantStatus(t, m, accounting, bob, StatusAuthorized)
	if in, _ := m.Installation(accounting, bob); in.By != dave {
		t.Fatalf("installation = %+v; want installed by Dave on Bob's behalf", in)
	}
	if r, _ := m.Request(id); r.State != RequestApproved || r.DecidedBy != dave {
		t.Fatalf("request = %+v", r)
	}

	id2, _ := fileRequest(t, m, RequestApp{App: timesheets, By: carol})
	eff := mustApply(t, m, DecideRequest{Request: id2, By: alice, Approve: false, Note: "not this year"})
	n := effectsOf[Notice](eff)
	if len(n) != 1 || n[0].Kind != NoticeRequestDenied || !slices.Equal(n[0].To.Users, []UserID{carol}) ||
		n[0].App != timesheets || n[0].By != alice || n[0].Detail != "not this year" {
		t.Fatalf("denial effects = %+v", eff)
	}
	wantStatus(t, m, timesheets, carol, StatusNone)
}

func TestMarket_PC05_DecidedRequestCannotBeDecidedAgain(t *testing.T) {
	m := newProcore(t)
	id, _ := fileRequest(t, m, RequestApp{App: accounting, By: bob})
	mustApply(t, m, DecideRequest{Request: id, By: alice, Approve: false})
	for _, by := range []UserID{alice, dave} {
		for _, ok := range []bool{true, false} {
			r := mustRefuse(t, m, DecideRequest{Request: id, By: by, Approve: ok}, ReasonAlreadyDecided)
			if r.Rule != "PC-05" {
				t.Errorf("rule = %s", r.Rule)
			}
		}
	}
	wantStatus(t, m, accounting, bob, StatusNone)
	// A new request after a denial is a new request, decided on its own.
	id2, _ := fileRequest(t, m, RequestApp{App: accounting, By: bob})
	if id2 == id {
		t.Fatal("the new request reused the decided one's ID")
	}
	mustApply(t, m, DecideRequest{Request: id2, By: dave, Approve: true})
	mustRefuse(t, m, DecideRequest{Request: id2, By: alice, Approve: false}, ReasonAlreadyDecided)
	mustRefuse(t, m, DecideRequest{Request: 9999, By: alice, Approve: true}, ReasonUnknownRequest)
}

func TestMarket_PC06_OffRefusesUserAttemptsAndEmailsEveryAdmin(t *testing.T) {
	m := newProcore(t)
	turnUserInstallsOff(t, m)
	for _, c := range []Command{
		Install{App: accounting, By: bob, Accept: true},
		Authorize{App: accounting, By: bob, Accept: true},
	} {
		before := m.Clone()
		r := m.Apply(c)
		if r.OK() || r.Refusal.Reason != ReasonUserInstallsOff || r.Refusal.Rule != "PC-06" {
			t.Fatalf("%s: result %+v; want refused: user installs are off", c.Kind(), r)
		}
		if !m.Equal(before) {
			t.Fatalf("%s: the refused attempt changed the market", c.Kind())
		}
		mails := effectsOf[Email](r.Effects)
		if len(mails) != 1 || !slices.Equal(mails[0].To.Users, []UserID{alice, dave}) {
			t.Fatalf("%s: effects %+v; want one email to Alice and Dave", c.Kind(), r.Effects)
		}
	}
	wantStatus(t, m, accounting, bob, StatusNone)
	if err := m.CanInstall(accounting, bob); err == nil || err.(*Refusal).Reason != ReasonUserInstallsOff {
		t.Fatalf("CanInstall = %v", err)
	}
	// Globex is untouched by Acme's setting.
	mustApply(t, m, Install{App: accounting, By: hank, Accept: true})
}

// TestMarket_PC07_AttemptEmailIsTheRefusalsEffect pins the choice: the
// attempt is refused, not logged, and its email rides on the refusal.
func TestMarket_PC07_AttemptEmailIsTheRefusalsEffect(t *testing.T) {
	m := newProcore(t)
	turnUserInstallsOff(t, m)
	n := len(m.Log())
	r := m.Apply(Install{App: accounting, By: carol, Accept: true})
	if r.OK() || r.Event != nil || len(m.Log()) != n {
		t.Fatalf("the attempt was logged: %+v", r)
	}
	mails := effectsOf[Email](r.Effects)
	if len(mails) != 1 || mails[0].From != "no-reply@procore.com" ||
		mails[0].Subject != "carol@xyz.test attempted to install Accounting Software Tools on Company XYZ" {
		t.Fatalf("attempt email = %+v", mails)
	}
	r = m.Apply(Authorize{App: accounting, By: carol, Accept: true})
	if mails := effectsOf[Email](r.Effects); len(mails) != 1 || !strings.Contains(mails[0].Subject, "attempted to authorize") {
		t.Fatalf("authorization attempt email = %+v", r.Effects)
	}
	// Other refusals carry no effects.
	if r := m.Apply(Install{App: "nope", By: carol, Accept: true}); len(r.Effects) != 0 {
		t.Fatalf("an unknown-app refusal has effects %+v", r.Effects)
	}
}

func TestMarket_PC08_OffDoesNotHoldBackAdmins(t *testing.T) {
	m := newProcore(t)
	id, _ := fileRequest(t, m, RequestApp{App: timesheets, By: bob})
	turnUserInstallsOff(t, m)
	mustApply(t, m, Install{App: accounting, By: alice, Accept: true})
	mustApply(t, m, Authorize{App: timesheets, By: dave, Accept: true})
	mustApply(t, m, DecideRequest{Request: id, By: alice, Approve: true})
	wantStatus(t, m, timesheets, bob, StatusAuthorized)
}

func TestMarket_PC09_RequestsWhateverTheSetting(t *testing.T) {
	m := newProcore(t)
	turnUserInstallsOff(t, m)
	id, _ := fileRequest(t, m, RequestApp{App: accounting, By: bob})
	mustRefuse(t, m, RequestApp{App: accounting, By: bob, Notes: "again"}, ReasonRequestPending)
	mustApply(t, m, SetAllowUserInstalls{By: alice, Allow: true}, Install{App: accounting, By: bob, Accept: true})
	// Approving after the user installed it leaves their own installation.
	mustApply(t, m, DecideRequest{Request: id, By: alice, Approve: true})
	if in, _ := m.Installation(accounting, bob); in.By != bob {
		t.Fatalf("installation = %+v; want still Bob's own", in)
	}
}

func TestMarket_PC10_AuthorizingInstalls(t *testing.T) {
	m := newProcore(t)
	mustApply(t, m, Authorize{App: accounting, By: carol, Accept: true})
	wantStatus(t, m, accounting, carol, StatusAuthorized)
	mustRefuse(t, m, Authorize{App: accounting, By: carol, Accept: true}, ReasonAlreadyAuthorized)
	// Changed scopes need re-authorizing, as in Pipedrive.
	mustApply(t, m, ChangeScopes{App: accounting, Scopes: []string{"projects:write"}})
	wantStatus(t, m, accounting, carol, StatusReauthorize)
	mustApply(t, m, Authorize{App: accounting, By: carol, Accept: true})
	wantStatus(t, m, accounting, carol, StatusAuthorized)
}

func TestMarket_X02_ProcoreRefusesOtherMarketplacesCommands(t *testing.T) {
	m := newProcore(t)
	mustApply(t, m, Install{App: accounting, By: alice, Accept: true})
	for _, c := range []Command{
		SetSharingMode{App: accounting, Mode: ModeAddToAccount, By: PartyMarketplace},
		ManageUsers{App: accounting, By: alice, Add: []UserID{bob}},
		CreateObject{App: accounting, By: alice, Object: Pipeline, Name: "P"},
		Install{App: timesheets, By: alice, Access: AllUsers, Accept: true},
		JoinCompany{User: 150, Company: acme, Name: "Zed", Marketplace: MarketplaceEdit, Admin: true},
		JoinCompany{User: 150, Company: acme, Name: "Zed", Scopes: []string{"meeting:read"}},
		PublishApp{App: App{ID: "z", Name: "Z", Level: AccountLevel}},
		PublishApp{App: App{ID: "z", Name: "Z", Mode: ModeAddToAccount}},
		SetAccountPermissions{By: alice},
		SetPreApproval{App: accounting, By: alice, On: true},
		SetRequestEmails{By: alice, On: true},
		SetRole{User: bob, By: alice},
	} {
		mustRefuse(t, m, c, ReasonNotInProfile)
	}
	if d := m.APICall(accounting, alice, "GET", "/deals"); d.Allowed || d.Reason != ReasonNotInProfile {
		t.Fatalf("Pipedrive's API in Procore: %+v", d)
	}
}

func TestMarket_X02_PipedriveRefusesProcoreAndZoomCommands(t *testing.T) {
	m := newFixture(t)
	for _, c := range []Command{
		RequestApp{App: insights, By: bob},
		DecideRequest{Request: 1, By: alice, Approve: true},
		SetAllowUserInstalls{By: alice},
		SetAccountPermissions{By: alice},
		SetPreApproval{App: insights, By: alice, On: true},
		SetRequestEmails{By: alice, On: true},
		SetRole{User: bob, By: alice},
		PublishApp{App: App{ID: "z", Name: "Z", Development: true}},
		JoinCompany{User: 150, Company: acme, Name: "Zed", Scopes: []string{"deals:read"}},
	} {
		mustRefuse(t, m, c, ReasonNotInProfile)
	}
	if _, err := m.AppRequests(alice, ""); err == nil {
		t.Fatal("Pipedrive has App Requests")
	}
}

// procoreStory touches every command a Procore market runs.
func procoreStory() []Command {
	return []Command{
		Install{App: accounting, By: bob, Accept: true},
		Install{App: timesheets, By: carol, Accept: false},
		RequestApp{App: timesheets, By: carol, Notes: "please"},
		DecideRequest{Request: 13, By: alice, Approve: true}, // the request above is event 13
		SetAllowUserInstalls{By: dave, Allow: false},
		RequestApp{App: accounting, By: hank},
		DecideRequest{Request: 16, By: gina, Approve: false, Note: "no"},
		Authorize{App: accounting, By: alice, Accept: true},
		ChangeScopes{App: accounting, Scopes: []string{"projects:write"}},
		Authorize{App: accounting, By: bob, Accept: true},
		ExpireAuthorization{App: accounting, User: bob},
		JoinCompany{User: 104, Company: acme, Name: "Erin", Email: "erin@xyz.test", Admin: true},
		OpenApps{User: 104},
		PublishApp{App: App{ID: "late", Name: "Late"}},
		AddCompany{Company: 3, Name: "Initech"},
		Uninstall{App: timesheets, By: carol},
	}
}

func TestMarket_X01_ProcoreReplayGivesTheSameState(t *testing.T) {
	m := newProcore(t)
	first := m.DrainLog()
	mustApply(t, m, procoreStory()...)
	if r, _ := m.Request(13); r.State != RequestApproved {
		t.Fatalf("story's request 13 = %+v", r)
	}
	log := append(first, m.Log()...)
	r, err := Replay(Procore, log)
	if err != nil || !r.StateEqual(m) {
		t.Fatalf("replay: %v", err)
	}
	if _, err := Replay(Pipedrive, log); err == nil {
		t.Fatal("a Procore log replayed under Pipedrive's rules")
	}
}

func TestMarket_X02_ProcoreRefusalsChangeNothing(t *testing.T) {
	m := newProcore(t)
	id, _ := fileRequest(t, m, RequestApp{App: accounting, By: bob})
	mustApply(t, m, DecideRequest{Request: id, By: alice, Approve: true})
	cases := []struct {
		cmd  Command
		want Reason
	}{
		{Install{App: accounting, By: bob, Accept: true}, ReasonAlreadyInstalled},
		{RequestApp{App: timesheets, By: dave}, ReasonAdminsInstall},
		{DecideRequest{Request: id, By: alice, Approve: false}, ReasonAlreadyDecided},
		{SetAllowUserInstalls{By: carol, Allow: false}, ReasonNotAdmin},
		{Authorize{App: accounting, By: bob, Accept: true}, ReasonAlreadyAuthorized},
		{ChangeScopes{App: accounting, Scopes: []string{""}}, ReasonInvalid},
		{ExpireAuthorization{App: timesheets, User: carol}, ReasonNotInstalled},
		{JoinCompany{User: bob, Company: acme, Name: "Bob"}, ReasonDuplicate},
		{OpenApps{User: 999}, ReasonUnknownUser},
		{PublishApp{App: App{ID: accounting, Name: "Copy"}}, ReasonDuplicate},
		{AddCompany{Company: acme, Name: "Again"}, ReasonDuplicate},
		{Uninstall{App: timesheets, By: carol}, ReasonNotInstalled},
	}
	kinds := map[string]bool{}
	for _, tc := range cases {
		mustRefuse(t, m, tc.cmd, tc.want)
		kinds[tc.cmd.Kind()] = true
	}
	turnUserInstallsOff(t, m)
	mustRefuse(t, m, Install{App: timesheets, By: carol, Accept: true}, ReasonUserInstallsOff)
	for _, c := range procoreStory() {
		if !kinds[c.Kind()] {
			t.Errorf("no refusal case for %s", c.Kind())
		}
	}
}

func TestMarket_X03_ProcoreCompaniesAreIsolated(t *testing.T) {
	m := newProcore(t)
	id, eff := fileRequest(t, m, RequestApp{App: accounting, By: hank})
	for _, e := range effectsOf[Email](eff) {
		if e.To.Company != globex || slices.ContainsFunc(e.ToAddrs, func(a string) bool { return !strings.HasSuffix(a, "@globex.test") }) {
			t.Fatalf("Globex's request email leaves Globex: %+v", e)
		}
	}
	if list, _ := m.AppRequests(alice, ""); len(list) != 0 {
		t.Fatalf("Acme's admin sees Globex's requests: %+v", list)
	}
	mustRefuse(t, m, DecideRequest{Request: id, By: alice, Approve: true}, ReasonOtherCompany)
	turnUserInstallsOff(t, m)
	mustApply(t, m, Install{App: accounting, By: hank, Accept: true})
	if r := m.Apply(Install{App: accounting, By: bob, Accept: true}); r.OK() {
		t.Fatal("Acme's setting did not apply in Acme")
	} else if mails := effectsOf[Email](r.Effects); len(mails) != 1 || mails[0].To.Includes(globex, gina) {
		t.Fatalf("Acme's attempt email = %+v", mails)
	}
}

// procoreBench is a Procore company of n users, users 1..3 its admins, with
// apps listed so that every iteration's user and app pair is new: a user has
// one pending request per app.
func procoreBench(b *testing.B, n, ops int) (*Market, []AppID) {
	b.Helper()
	m := New(Procore, nil)
	mustApply(b, m, AddCompany{Company: 1, Name: "Big"})
	for i := 1; i <= n; i++ {
		mustApply(b, m, JoinCompany{User: UserID(i), Company: 1, Name: "U", Email: fmt.Sprintf("u%d@big.test", i), Admin: i <= 3})
	}
	return m, benchApps(b, m, ops/(n-3)+1)
}

func benchApps(b *testing.B, m *Market, k int) []AppID {
	apps := make([]AppID, k)
	for j := range apps {
		apps[j] = AppID(fmt.Sprintf("app-%d", j))
		mustApply(b, m, PublishApp{App: App{ID: apps[j], Name: "App"}})
	}
	return apps
}

// pair is iteration i's requesting user (never an admin) and app.
func pair(apps []AppID, n, i int) (UserID, AppID) {
	return UserID(4 + i%(n-3)), apps[i/(n-3)]
}

func BenchmarkMarket_ProcoreRequest(b *testing.B) {
	for _, n := range companySizes {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			m, apps := procoreBench(b, n, b.N)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				u, a := pair(apps, n, i)
				if !m.Apply(RequestApp{App: a, By: u, Notes: "please"}).OK() {
					b.Fatal("refused")
				}
				drainEvery(m, i)
			}
		})
	}
}

func BenchmarkMarket_ProcoreDecision(b *testing.B) {
	for _, n := range companySizes {
		b.Run(fmt.Sprintf("users=%d", n), func(b *testing.B) {
			m, apps := procoreBench(b, n, b.N)
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
