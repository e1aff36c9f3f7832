package reference

import (
	"slices"
	"testing"
	"time"
)

// The people of the tests: Acme (1) with admins Alice and Dave, users Bob
// and Carol; Globex (2) with admin Gina and user Hank.
const (
	acme, globex                    CompanyID = 1, 2
	alice, bob, carol, dave         UserID    = 100, 101, 102, 103
	gina, hank                      UserID    = 200, 201
	insights, notes, solo, adminApp AppID     = "deal-insights", "notes-sync", "solo-tool", "admin-tool"
)

// newFixture returns a market with the two companies, their people and four
// apps: insights (shared-extensions mode, specific users allowed), notes
// (add-to-account, specific users not allowed), solo (no sharing) and
// adminApp (requests the admin scope).
func newFixture(t testing.TB) *Market {
	t.Helper()
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	m := New(Pipedrive, func() time.Time { now = now.Add(time.Second); return now })
	mustApply(t, m,
		AddCompany{Company: acme, Name: "Acme"},
		AddCompany{Company: globex, Name: "Globex"},
		JoinCompany{User: alice, Company: acme, Name: "Alice", Email: "alice@acme.test", Admin: true},
		JoinCompany{User: bob, Company: acme, Name: "Bob", Email: "bob@acme.test"},
		JoinCompany{User: carol, Company: acme, Name: "Carol", Email: "carol@acme.test"},
		JoinCompany{User: dave, Company: acme, Name: "Dave", Email: "dave@acme.test", Admin: true},
		JoinCompany{User: gina, Company: globex, Name: "Gina", Email: "gina@globex.test", Admin: true},
		JoinCompany{User: hank, Company: globex, Name: "Hank", Email: "hank@globex.test"},
		PublishApp{App: App{ID: insights, Name: "Deal Insights", Mode: ModeSharedExtensions, AllowSpecificUsers: true,
			Scopes: []string{"deals:read"}, Extensions: ExtensionKinds(), CallbackURL: "http://app.test/callback"}},
		PublishApp{App: App{ID: notes, Name: "Notes Sync", Mode: ModeAddToAccount,
			Scopes: []string{"deals:read", "contacts:read"}, Extensions: ExtensionKinds()}},
		PublishApp{App: App{ID: solo, Name: "Solo Tool", Mode: ModeNone, Scopes: []string{"deals:read"}, Extensions: []ExtensionKind{JSONPanel}}},
		PublishApp{App: App{ID: adminApp, Name: "Admin Tool", Mode: ModeAddToAccount, AllowSpecificUsers: true,
			Scopes: []string{"admin", "activities:full"}}},
	)
	return m
}

func mustApply(t testing.TB, m *Market, cmds ...Command) []Effect {
	t.Helper()
	var all []Effect
	for _, c := range cmds {
		r := m.Apply(c)
		if !r.OK() {
			t.Fatalf("%s %+v: %v", c.Kind(), c, r.Refusal)
		}
		all = append(all, r.Effects...)
	}
	return all
}

// mustRefuse applies c, requires the given reason, and requires that the
// state did not change.
func mustRefuse(t testing.TB, m *Market, c Command, want Reason) *Refusal {
	t.Helper()
	before := m.Clone()
	r := m.Apply(c)
	if r.OK() {
		t.Fatalf("%s %+v accepted; want refusal %q", c.Kind(), c, want)
	}
	if r.Refusal.Reason != want {
		t.Fatalf("%s refused with %q (%v); want %q", c.Kind(), r.Refusal.Reason, r.Refusal, want)
	}
	if !slices.Contains(Reasons(m.Profile()), want) {
		t.Fatalf("%s refused with %q, which Reasons(%s) does not list", c.Kind(), want, m.Profile())
	}
	if !m.Equal(before) {
		t.Fatalf("%s was refused but changed the market", c.Kind())
	}
	return r.Refusal
}

func wantStatus(t testing.TB, m *Market, app AppID, u UserID, want Status) {
	t.Helper()
	if got := m.Status(app, u); got != want {
		t.Fatalf("status of %q for user %d = %q, want %q", app, u, got, want)
	}
	if !slices.Contains(Statuses(m.Profile()), want) {
		t.Fatalf("status %q, which Statuses(%s) does not list", want, m.Profile())
	}
}

func effectsOf[T Effect](effects []Effect) []T {
	var out []T
	for _, e := range effects {
		if x, ok := e.(T); ok {
			out = append(out, x)
		}
	}
	return out
}
