package scopes

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

// concrete fills a template's parameters with "7": no literal segment of
// the catalogue is "7", so the path resolves to the template itself.
func concrete(template string) string {
	return paramRE.ReplaceAllString(template, "7")
}

var paramRE = regexp.MustCompile(`\{[^}]*\}`)

// allEndpoints lists every distinct endpoint in catalogue order.
func allEndpoints() []Endpoint {
	var out []Endpoint
	seen := map[Endpoint]bool{}
	for _, s := range Catalogue() {
		for _, e := range s.Endpoints {
			if !seen[e] {
				seen[e] = true
				out = append(out, e)
			}
		}
	}
	return out
}

func TestMatchCall_ResolvesTemplates(t *testing.T) {
	for _, c := range []struct{ method, path, want string }{
		{"GET", "/deals/42", "GET /deals/{id}"},
		{"get", "/deals/42", "GET /deals/{id}"},
		{"Delete", "/deals/1/followers/2", "DELETE /deals/{id}/followers/{id}"},
		// Literal segments win over parameters.
		{"GET", "/deals/summary", "GET /deals/summary"},
		{"GET", "/users/me", "GET /users/me"},
		{"GET", "/users/find", "GET /users/find"},
		{"GET", "/users/12", "GET /users/{id}"},
		{"GET", "/goals/find-intervals/custom", "GET /goals/find-intervals/custom"},
		{"GET", "/goals/find-intervals/quarter", "GET /goals/find-intervals/{period}"},
		{"GET", "/subscriptions/find/9", "GET /subscriptions/find/{id}"},
		{"GET", "/subscriptions/9", "GET /subscriptions/{id}"},
		{"GET", "/legacyTeams/users/3", "GET /legacyTeams/users/{id}"},
		{"GET", "/legacyTeams/3/users", "GET /legacyTeams/{id}/users"},
		// A literal that leads nowhere gives way to the parameter.
		{"GET", "/legacyTeams/users/users", "GET /legacyTeams/users/{id}"},
		{"GET", "/goals/count/results", "GET /goals/{id}/results"},
		{"GET", "/deals/find/files", "GET /deals/{id}/files"},
		// A parameter inside a segment.
		{"GET", "/goals/count/by-team", "GET /goals/count/by-{goalAssignee}"},
		{"DELETE", "/channels/c1/conversations/c2", "DELETE /channels/{channel-id}/conversations/{conversation-id}"},
		// Query, trailing slash, API prefixes.
		{"GET", "/deals?start=0&limit=10", "GET /deals"},
		{"GET", "/deals/", "GET /deals"},
		{"GET", "/deals/5/?x=/y", "GET /deals/{id}"},
		{"GET", "/api/v1/deals/5", "GET /deals/{id}"},
		{"GET", "/v1/deals", "GET /deals"},
		{"GET", "/v1/users/me/", "GET /users/me"},
		{"PATCH", "/leads/abc-123", "PATCH /leads/{id}"},
	} {
		m, err := MatchCall(c.method, c.path)
		if err != nil {
			t.Errorf("MatchCall(%s %s): %v", c.method, c.path, err)
			continue
		}
		if got := m.Endpoint.String(); got != c.want {
			t.Errorf("MatchCall(%s %s) = %s, want %s", c.method, c.path, got, c.want)
		}
	}
}

func TestMatchCall_RejectsUnknownCalls(t *testing.T) {
	for _, c := range []struct {
		method, path string
		want         error
	}{
		{"HEAD", "/deals", ErrUnknownMethod},
		{"", "/deals", ErrUnknownMethod},
		{"GETS", "/deals", ErrUnknownMethod},
		{"PO\u017fT", "/deals", ErrUnknownMethod}, // long s folds to S in Unicode, not in HTTP
		{"GET", "/nope", ErrUnknownEndpoint},
		{"GET", "/", ErrUnknownEndpoint},
		{"GET", "", ErrUnknownEndpoint},
		{"GET", "deals", ErrUnknownEndpoint},
		{"GET", "0users", ErrUnknownEndpoint},
		{"GET", "0users/7", ErrUnknownEndpoint},
		{"GET", "/deals//", ErrUnknownEndpoint},
		{"GET", "/deals//files", ErrUnknownEndpoint},
		{"GET", "/goals/count/by-", ErrUnknownEndpoint},
		{"GET", "/deals/1/2/3/4/5", ErrUnknownEndpoint},
		{"GET", "/api/v2/users/me", ErrUnknownEndpoint}, // v2 has no users
		{"PATCH", "/api/v2/leads/abc", ErrUnknownEndpoint},
		{"PUT", "/api/v2/deals/1", ErrUnknownEndpoint}, // v2 updates with PATCH
		{"GET", "/api/v2", ErrUnknownEndpoint},
		{"GET", "/api/v2deals", ErrUnknownEndpoint},
		{"GET", "/v1", ErrUnknownEndpoint},
		{"GET", "/v1deals", ErrUnknownEndpoint},
		{"PATCH", "/deals/1", ErrUnknownEndpoint},
		{"GET", "/Deals", ErrUnknownEndpoint},
	} {
		_, err := MatchCall(c.method, c.path)
		if !errors.Is(err, c.want) {
			t.Errorf("MatchCall(%q, %q) = %v, want %v", c.method, c.path, err, c.want)
		}
	}
}

func TestMatchCall_ServesV2AsTheV1TemplateOfTheSamePath(t *testing.T) {
	for _, c := range []struct {
		method, path, want string
		version            int
	}{
		{"GET", "/api/v2/deals", "GET /deals", 2},
		{"GET", "/api/v2/deals/7?cursor=abc", "GET /deals/{id}", 2},
		{"PATCH", "/api/v2/deals/7", "PUT /deals/{id}", 2},
		{"POST", "/api/v2/persons", "POST /persons", 2},
		{"DELETE", "/api/v2/organizations/3", "DELETE /organizations/{id}", 2},
		{"GET", "/api/v2/itemSearch?term=x", "GET /itemSearch", 2},
		{"GET", "/api/v2/stages/", "GET /stages", 2},
		{"GET", "/api/v1/deals", "GET /deals", 1},
		{"GET", "/v1/users/me", "GET /users/me", 1},
		{"GET", "/deals", "GET /deals", 1},
	} {
		m, err := MatchCall(c.method, c.path)
		if err != nil {
			t.Errorf("MatchCall(%s %s): %v", c.method, c.path, err)
			continue
		}
		if got := m.Endpoint.String(); got != c.want || m.Version != c.version {
			t.Errorf("MatchCall(%s %s) = %s v%d, want %s v%d", c.method, c.path, got, m.Version, c.want, c.version)
		}
	}
	// Granted by the same scope as the v1 template: PATCH needs what PUT does.
	d, err := Check(mustSet(t, "deals:read"), "PATCH", "/api/v2/deals/1")
	if err != nil || d.Allowed {
		t.Fatalf("PATCH /api/v2/deals/1 with deals:read = %+v, %v; want refused (it is the table's PUT)", d, err)
	}
	d, err = Check(mustSet(t, "deals:full"), "PATCH", "/api/v2/deals/1")
	if err != nil || !d.Allowed || d.Scope != "deals:full" {
		t.Fatalf("PATCH /api/v2/deals/1 with deals:full = %+v, %v; want granted by deals:full", d, err)
	}
}

func mustSet(t *testing.T, names ...string) Set {
	t.Helper()
	s, err := ParseSet(names)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMatchCall_ErrorNamesTheCall(t *testing.T) {
	_, err := MatchCall("PATCH", "/deals/1")
	if err == nil || !strings.Contains(err.Error(), "PATCH /deals/1") || !strings.Contains(err.Error(), "PUT") {
		t.Fatalf("error %v should name the call and the methods the path has", err)
	}
	_, err = MatchCall("TRACE", "/deals")
	if err == nil || !strings.Contains(err.Error(), `"TRACE"`) {
		t.Fatalf("error %v should name the method", err)
	}
}

func TestMatchCall_ListsEveryGrantingScope(t *testing.T) {
	m, err := MatchCall("GET", "/files/3")
	if err != nil {
		t.Fatal(err)
	}
	want := "deals:read, deals:full, activities:read, activities:full, contacts:read, contacts:full"
	if got := m.Scopes.String(); got != want {
		t.Fatalf("GET /files/{id} granted by %s, want %s", got, want)
	}
}

func TestCheck_PDSCOPE01_BaseAlwaysGranted(t *testing.T) {
	b, _ := Lookup("base")
	for _, e := range b.Endpoints {
		for _, granted := range []Set{0, Base, Set(0).With("leads:read")} {
			d, err := Check(granted, e.Method, concrete(e.Path))
			if err != nil {
				t.Fatal(err)
			}
			if !d.Allowed || d.Scope != "base" {
				t.Errorf("Check(%v, %s) = %+v, want allowed by base", granted, e, d)
			}
		}
	}
	d, _ := Check(0, "POST", "/deals")
	if !strings.Contains(d.Reason, "not granted by base;") {
		t.Errorf("denied reason should count base as granted: %q", d.Reason)
	}
}

func TestCheck_PDSCOPE02_OnlyListedEndpoints(t *testing.T) {
	all := allEndpoints()
	for i, s := range Catalogue() {
		bit := Set(1) << i
		lists := map[Endpoint]bool{}
		for _, e := range s.Endpoints {
			lists[e] = true
			d, err := Check(bit, e.Method, concrete(e.Path))
			if err != nil {
				t.Fatalf("%s: %v", e, err)
			}
			if !d.Allowed || d.Endpoint != e {
				t.Errorf("%s: Check(%s) = %+v, want allowed as %s", s.Name, concrete(e.Path), d, e)
			}
		}
		base, _ := Lookup("base")
		for _, e := range base.Endpoints {
			lists[e] = true
		}
		denied := 0
		for _, e := range all {
			if lists[e] {
				continue
			}
			d, err := Check(bit, e.Method, concrete(e.Path))
			if err != nil {
				t.Fatalf("%s: %v", e, err)
			}
			if d.Allowed {
				t.Errorf("%s does not list %s but Check allowed it: %+v", s.Name, e, d)
			}
			denied++
		}
		if denied == 0 {
			t.Errorf("%s: no endpoint of another scope was checked", s.Name)
		}
	}
}

func TestCheck_PrefersNonAdminScope(t *testing.T) {
	both := Admin.With("deals:read")
	d, err := Check(both, "GET", "/stages/3")
	if err != nil {
		t.Fatal(err)
	}
	if !d.Allowed || d.Scope != "deals:read" {
		t.Fatalf("got %+v, want allowed by deals:read", d)
	}
	if d.Reason != "GET /stages/{id} is granted by deals:read" {
		t.Fatalf("reason %q", d.Reason)
	}
	// admin comes before webhooks:read in catalogue order; still not it.
	d, _ = Check(Admin.With("webhooks:read"), "GET", "/webhooks")
	if !d.Allowed || d.Scope != "webhooks:read" {
		t.Fatalf("got %+v, want allowed by webhooks:read", d)
	}
	d, _ = Check(Admin, "GET", "/stages/3")
	if !d.Allowed || d.Scope != "admin" {
		t.Fatalf("got %+v, want allowed by admin", d)
	}
}

func TestCheck_DeniedReasonNamesNeededScopes(t *testing.T) {
	d, err := Check(Set(0).With("deals:read"), "post", "/deals")
	if err != nil {
		t.Fatal(err)
	}
	want := "POST /deals is not granted by base, deals:read; it needs one of: deals:full"
	if d.Allowed || d.Scope != "" || d.Reason != want {
		t.Fatalf("got %+v, want denied with %q", d, want)
	}
}

func TestCheck_UnknownCallIsAnError(t *testing.T) {
	if _, err := Check(Admin, "GET", "/nope"); !errors.Is(err, ErrUnknownEndpoint) {
		t.Fatalf("got %v", err)
	}
}

func TestMatch_CheckWithoutIndexEntry(t *testing.T) {
	m := Match{Endpoint: Endpoint{"GET", "/x"}, Scopes: Set(0).With("leads:read").With("admin")}
	d := m.Check(Admin.With("leads:read"))
	if !d.Allowed || d.Scope != "leads:read" || d.Reason != "GET /x is granted by leads:read" {
		t.Fatalf("got %+v", d)
	}
}

func TestMatch_OnlyAdmin(t *testing.T) {
	m, err := MatchCall("POST", "/stages")
	if err != nil {
		t.Fatal(err)
	}
	if !m.OnlyAdmin(Admin) {
		t.Error("POST /stages with admin: want OnlyAdmin")
	}
	if m.OnlyAdmin(Set(0).With("deals:full")) {
		t.Error("POST /stages without admin: OnlyAdmin is true")
	}
	get, _ := MatchCall("GET", "/stages")
	if !get.OnlyAdmin(Admin) || get.OnlyAdmin(Admin.With("deals:read")) {
		t.Error("GET /stages: admin is the only grant with admin alone, not with deals:read")
	}
	me, _ := MatchCall("GET", "/users/me")
	if me.OnlyAdmin(Admin) {
		t.Error("GET /users/me is granted by base, not only admin")
	}
}

func TestMatchCall_DoesNotAllocate(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := MatchCall("get", "/api/v1/goals/count/by-user?x=1"); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("MatchCall allocates %v times", allocs)
	}
	allocs = testing.AllocsPerRun(100, func() {
		if d, _ := Check(Admin, "GET", "/stages/1"); !d.Allowed {
			t.Fatal("denied")
		}
	})
	if allocs != 0 {
		t.Fatalf("an allowed Check allocates %v times", allocs)
	}
}

func BenchmarkMatchCall(b *testing.B) {
	paths := []struct{ m, p string }{
		{"GET", "/deals/42"},
		{"GET", "/api/v1/deals/summary?x=1"},
		{"DELETE", "/channels/c1/conversations/c2"},
		{"get", "/goals/count/by-team"},
		{"PUT", "/projects/1/plan/tasks/2"},
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		c := paths[i%len(paths)]
		if _, err := MatchCall(c.m, c.p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	granted := Set(0).With("deals:read").With("contacts:full")
	for _, c := range []struct{ name, method, path string }{
		{"allowed", "GET", "/api/v1/deals/42?x=1"},
		{"allowed-base", "GET", "/users/me"},
		{"denied", "POST", "/deals"}, // builds its reason
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Check(granted, c.method, c.path); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
