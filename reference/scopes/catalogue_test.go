package scopes

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// The seed's table, pinned: name, number of endpoints, first and last
// endpoint in the seed's order. The duplicate POST /files under deals:full
// is counted once.
var seedTable = []struct {
	name        string
	count       int
	first, last string
}{
	{"base", 4, "GET /users/me", "GET /currencies"},
	{"deals:read", 39, "GET /deals/collection", "GET /subscriptions/{id}/payments"},
	{"deals:full", 73, "POST /deals", "DELETE /deals/{id}/participants/{id}"},
	{"mail:read", 7, "GET /deals/{id}/mailMessages", "GET /organizations/{id}/mailMessages"},
	{"mail:full", 10, "PUT /mailbox/mailThreads/{id}", "GET /organizations/{id}/mailMessages"},
	{"activities:read", 15, "GET /activities", "GET /users/{id}/activities"},
	{"activities:full", 28, "POST /activities", "GET /users/{id}/activities"},
	{"contacts:read", 34, "GET /deals/{id}/persons", "GET /filters/helpers"},
	{"contacts:full", 65, "POST /persons", "GET /filters/helpers"},
	{"products:read", 10, "GET /deals/{id}/products", "GET /products/{id}/permittedUsers"},
	{"products:full", 21, "POST /products", "DELETE /products/{id}/followers/{follower_id}"},
	{"users:read", 12, "GET /users", "GET /billing/subscriptions/addons"},
	{"recents:read", 4, "GET /recents", "GET /organizations/{id}/flow"},
	{"search:read", 14, "GET /searchResults", "GET /itemSearch/field"},
	{"admin", 58, "POST /stages", "DELETE /roles/{id}/assignments"},
	{"leads:read", 6, "GET /leads", "GET /leads/search"},
	{"leads:full", 12, "POST /leads", "DELETE /leadLabels/{id}"},
	{"phone-integration", 5, "POST /callLogs", "GET /callLogs/{id}"},
	{"goals:read", 5, "GET /goals/count/by-{goalAssignee}", "GET /goals/{id}/results"},
	{"goals:full", 8, "GET /goals/count/by-{goalAssignee}", "DELETE /goals/{id}"},
	{"video-calls", 2, "POST /meetings/user-provider-links", "DELETE /meetings/user-provider-links/{id}"},
	{"messengers-integration", 4, "POST /channels", "DELETE /channels/{channel-id}/conversations/{conversation-id}"},
	{"projects:read", 14, "GET /projects", "GET /projectTemplates/{id}"},
	{"projects:full", 23, "GET /projects", "DELETE /tasks/{id}"},
	{"webhooks:read", 1, "GET /webhooks", "GET /webhooks"},
	{"webhooks:full", 3, "GET /webhooks", "DELETE /webhooks/{id}"},
}

func TestCatalogue_TranscribesSeedTable(t *testing.T) {
	cat := Catalogue()
	if len(cat) != 26 || len(seedTable) != 26 {
		t.Fatalf("catalogue has %d scopes, want 26", len(cat))
	}
	for i, want := range seedTable {
		s := cat[i]
		if s.Name != want.name {
			t.Errorf("scope %d is %q, want %q", i, s.Name, want.name)
			continue
		}
		if len(s.Endpoints) != want.count {
			t.Errorf("%s lists %d endpoints, want %d", s.Name, len(s.Endpoints), want.count)
		}
		if got := s.Endpoints[0].String(); got != want.first {
			t.Errorf("%s first endpoint %q, want %q", s.Name, got, want.first)
		}
		if got := s.Endpoints[len(s.Endpoints)-1].String(); got != want.last {
			t.Errorf("%s last endpoint %q, want %q", s.Name, got, want.last)
		}
		if s.Title == "" || s.Description == "" {
			t.Errorf("%s has an empty title or description", s.Name)
		}
	}
	// 478 rows in the seed, less the second POST /files under deals:full;
	// 282 distinct method and template pairs across all scopes.
	total := 0
	for _, s := range cat {
		total += len(s.Endpoints)
	}
	if total != 477 || len(allEndpoints()) != 282 {
		t.Errorf("%d endpoints listed, %d distinct; want 477 and 282", total, len(allEndpoints()))
	}
}

func TestCatalogue_PinsEndpointsInTheMiddle(t *testing.T) {
	for _, c := range []struct{ scope, endpoint string }{
		{"deals:read", "GET /deals/summary"},
		{"deals:read", "GET /subscriptions/find/{id}"},
		{"deals:full", "DELETE /deals/{id}/followers/{id}"},
		{"deals:full", "PUT /subscriptions/recurring/{id}/cancel"},
		{"mail:full", "GET /mailbox/mailConnections"},
		{"contacts:full", "DELETE /organizations/{id}/followers/{follower_id}"},
		{"users:read", "GET /legacyTeams/users/{id}"},
		{"search:read", "GET /leads/search"},
		{"admin", "GET /webhooks"},
		{"admin", "PUT /roles/{id}/pipelines"},
		{"leads:full", "PATCH /leads/{id}"},
		{"goals:read", "GET /goals/find-intervals/custom"},
		{"messengers-integration", "POST /channels/messages/receive"},
		{"projects:full", "PUT /projects/{id}/plan/tasks/{id}"},
	} {
		s, ok := Lookup(c.scope)
		if !ok {
			t.Fatalf("Lookup(%q) failed", c.scope)
		}
		if !slices.ContainsFunc(s.Endpoints, func(e Endpoint) bool { return e.String() == c.endpoint }) {
			t.Errorf("%s does not list %s", c.scope, c.endpoint)
		}
	}
}

func TestCatalogue_TitlesSplitFromDescriptions(t *testing.T) {
	for name, title := range map[string]string{
		"base":                   "Access to basic information",
		"users:read":             "Read users data",
		"admin":                  "Administer account",
		"phone-integration":      "Call logs",
		"messengers-integration": "Messaging integration",
	} {
		s, _ := Lookup(name)
		if s.Title != title {
			t.Errorf("%s title %q, want %q", name, s.Title, title)
		}
		if strings.HasPrefix(s.Description, title) {
			t.Errorf("%s description still starts with the title: %q", name, s.Description)
		}
	}
}

func TestCatalogue_ReturnsCopies(t *testing.T) {
	Catalogue()[1].Endpoints[0].Path = "/changed"
	s, _ := Lookup("deals:read")
	s.Endpoints[0].Path = "/changed"
	if got := Catalogue()[1].Endpoints[0].Path; got != "/deals/collection" {
		t.Fatalf("catalogue changed through a returned copy: %q", got)
	}
}

// PD-SCOPE-02: "A :full scope includes its :read endpoints as listed."
func TestCatalogue_PDSCOPE02_FullIncludesRead(t *testing.T) {
	for _, s := range Catalogue() {
		base, ok := strings.CutSuffix(s.Name, ":full")
		if !ok {
			continue
		}
		read, ok := Lookup(base + ":read")
		if !ok {
			t.Errorf("%s has no %s:read", s.Name, base)
			continue
		}
		for _, e := range read.Endpoints {
			if !slices.Contains(s.Endpoints, e) {
				t.Errorf("%s lacks %s, which %s lists", s.Name, e, read.Name)
			}
		}
	}
}

func TestLookup_UnknownName(t *testing.T) {
	for _, n := range []string{"", "deals", "Deals:read", "deals:read "} {
		if _, ok := Lookup(n); ok {
			t.Errorf("Lookup(%q) succeeded", n)
		}
	}
}

func TestParse_RejectsBadData(t *testing.T) {
	for name, text := range map[string]string{
		"empty":             "# nothing\n",
		"endpoint first":    "GET /x\nscope a | A | a\nGET /y\n",
		"no endpoints":      "scope a | A | a\nscope b | B | b\nGET /y\n",
		"last no endpoints": "scope a | A | a\nGET /y\nscope b | B | b\n",
		"two parts":         "scope a | A\nGET /y\n",
		"scope twice":       "scope a | A | a\nGET /y\nscope a | A | a\nGET /z\n",
		"lower method":      "scope a | A | a\nget /y\n",
		"bad method":        "scope a | A | a\nHEAD /y\n",
		"no slash":          "scope a | A | a\nGET y\n",
		"trailing slash":    "scope a | A | a\nGET /y/\n",
		"empty segment":     "scope a | A | a\nGET /y//z\n",
		"empty param":       "scope a | A | a\nGET /y/{}\n",
		"two params":        "scope a | A | a\nGET /y/{a}{b}\n",
		"unclosed":          "scope a | A | a\nGET /y/{a\n",
		"listed twice":      "scope a | A | a\nGET /y\nGET /y\n",
		"same shape":        "scope a | A | a\nGET /y/{a}\nscope b | B | b\nGET /y/{b}\n",
		"extra field":       "scope a | A | a\nGET /y z\n",
	} {
		if _, err := build(text); err == nil {
			t.Errorf("%s: build accepted %q", name, text)
		}
	}
}

func TestParse_AcceptsMinimalData(t *testing.T) {
	c, err := build("# c\n\nscope a | A | a\r\nGET /y/by-{x}\nscope b | B | b\nGET /y/by-{x}\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.entries) != 1 || c.entries[0].scopes != 3 {
		t.Fatalf("want one endpoint granted by both scopes, got %+v", c.entries)
	}
}

func TestParseSet_NamesUnknownScope(t *testing.T) {
	_, err := ParseSet([]string{"deals:read", "deal:full"})
	if !errors.Is(err, ErrUnknownScope) || !strings.Contains(err.Error(), `"deal:full"`) {
		t.Fatalf("got %v, want ErrUnknownScope naming deal:full", err)
	}
}

func TestParseSet_RoundTripsNames(t *testing.T) {
	s, err := ParseSet([]string{"webhooks:full", "base", "deals:read", "deals:read"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"base", "deals:read", "webhooks:full"}
	if got := s.Names(); !slices.Equal(got, want) {
		t.Fatalf("Names() = %v, want %v", got, want)
	}
	if s.Len() != 3 || !s.Has("deals:read") || s.Has("deals:full") || s.Has("nope") {
		t.Fatalf("Len/Has wrong for %v", s)
	}
	if got := s.String(); got != "base, deals:read, webhooks:full" {
		t.Fatalf("String() = %q", got)
	}
}

func TestSet_BaseAndAdminAreTheirScopes(t *testing.T) {
	if got := Base.Names(); !slices.Equal(got, []string{"base"}) {
		t.Errorf("Base = %v", got)
	}
	if got := Admin.Names(); !slices.Equal(got, []string{"admin"}) {
		t.Errorf("Admin = %v", got)
	}
	if Set(0).With("admin") != Admin {
		t.Errorf("With(admin) != Admin")
	}
}

func TestSet_WithPanicsOnUnknownName(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("With(unknown) did not panic")
		}
	}()
	Base.With("deals:write")
}

func TestSet_BitsFollowCatalogueOrder(t *testing.T) {
	for i, s := range Catalogue() {
		if got := Set(0).With(s.Name); got != 1<<i {
			t.Errorf("%s has bit %b, want 1<<%d", s.Name, got, i)
		}
	}
	if got := Set(1 << 31).String(); got != "(none)" {
		t.Errorf("bits beyond the catalogue print as %q", got)
	}
}
