package scopes

import (
	"errors"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"
)

func need(t *testing.T, calls ...string) NeedResult {
	t.Helper()
	var cs []Call
	for _, c := range calls {
		m, p, _ := strings.Cut(c, " ")
		cs = append(cs, Call{m, p})
	}
	r, err := Need(cs)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestNeed_PicksSmallestLeastPrivilegedSet(t *testing.T) {
	for _, c := range []struct {
		calls []string
		want  string
	}{
		{nil, "base"},
		{[]string{"GET /users/me"}, "base"},
		// deals:read and deals:full both grant it; read grants less.
		{[]string{"GET /deals/1"}, "base, deals:read"},
		// Six scopes grant it; activities:read grants the fewest endpoints.
		{[]string{"GET /files/1"}, "base, activities:read"},
		{[]string{"GET /webhooks"}, "base, webhooks:read"},
		// One full scope beats read plus full.
		{[]string{"GET /deals/1", "POST /deals"}, "base, deals:full"},
		{[]string{"POST /deals", "GET /persons/2"}, "base, deals:full, contacts:read"},
		// search:read alone covers both; two read scopes would be two.
		{[]string{"GET /deals/find", "GET /persons/search"}, "base, search:read"},
		// contacts:full grants both; without it two scopes would be needed.
		{[]string{"POST /files", "POST /persons"}, "base, contacts:full"},
		{[]string{"POST /stages", "GET /stages"}, "base, admin"},
	} {
		r := need(t, c.calls...)
		if got := r.Scopes.String(); got != c.want {
			t.Errorf("Need(%v) = %s, want %s", c.calls, got, c.want)
		}
	}
}

func TestNeed_ResolvesEachCall(t *testing.T) {
	r := need(t, "get /v1/deals/5?x=1", "POST /deals")
	if len(r.Calls) != 2 {
		t.Fatalf("got %d calls", len(r.Calls))
	}
	c := r.Calls[0]
	if c.Call.Path != "/v1/deals/5?x=1" || c.Match.Endpoint.String() != "GET /deals/{id}" ||
		c.Match.Scopes.String() != "deals:read, deals:full" {
		t.Fatalf("first call resolved as %+v", c)
	}
}

func TestNeed_UnknownCallIsAnError(t *testing.T) {
	_, err := Need([]Call{{"GET", "/deals"}, {"GET", "/nope"}})
	if !errors.Is(err, ErrUnknownEndpoint) || !strings.Contains(err.Error(), "call 2") {
		t.Fatalf("got %v, want ErrUnknownEndpoint naming call 2", err)
	}
	_, err = Need([]Call{{"HEAD", "/deals"}})
	if !errors.Is(err, ErrUnknownMethod) {
		t.Fatalf("got %v, want ErrUnknownMethod", err)
	}
}

// bruteNeed tries every subset of the scopes that grant some call.
func bruteNeed(matches []Match) Set {
	var cand Set
	for _, m := range matches {
		if m.Scopes&Base == 0 {
			cand |= m.Scopes
		}
	}
	var idx []int
	for c := cand; c != 0; c &= c - 1 {
		idx = append(idx, bits.TrailingZeros32(uint32(c)))
	}
	best, found := Set(0), false
	for mask := 0; mask < 1<<len(idx); mask++ {
		var s Set
		for j, i := range idx {
			if mask&(1<<j) != 0 {
				s |= 1 << i
			}
		}
		ok := true
		for _, m := range matches {
			if m.Scopes&(s|Base) == 0 {
				ok = false
				break
			}
		}
		if ok && (!found || better(s, best)) {
			best, found = s, true
		}
	}
	return best | Base
}

// better is the documented order, written out: fewer scopes, fewer
// endpoints, then the sorted names compare earlier in catalogue order.
func better(a, b Set) bool {
	if a.Len() != b.Len() {
		return a.Len() < b.Len()
	}
	if pa, pb := privilege(a), privilege(b); pa != pb {
		return pa < pb
	}
	ia, ib := indices(a), indices(b)
	for k := range ia {
		if ia[k] != ib[k] {
			return ia[k] < ib[k]
		}
	}
	return false
}

func indices(s Set) []int {
	var out []int
	for ; s != 0; s &= s - 1 {
		out = append(out, bits.TrailingZeros32(uint32(s)))
	}
	return out
}

func TestNeed_MatchesBruteForce(t *testing.T) {
	all := allEndpoints()
	rng := rand.New(rand.NewPCG(2, 2))
	tried := 0
	for tried < 300 {
		n := 1 + rng.IntN(6)
		var calls []Call
		var matches []Match
		for range n {
			e := all[rng.IntN(len(all))]
			calls = append(calls, Call{e.Method, concrete(e.Path)})
			m, err := MatchCall(e.Method, concrete(e.Path))
			if err != nil {
				t.Fatal(err)
			}
			matches = append(matches, m)
		}
		var cand Set
		for _, m := range matches {
			cand |= m.Scopes
		}
		if cand.Len() > 14 {
			continue // keep the brute force quick
		}
		tried++
		r, err := Need(calls)
		if err != nil {
			t.Fatal(err)
		}
		if want := bruteNeed(matches); r.Scopes != want {
			t.Fatalf("Need(%v) = %s, brute force %s", calls, r.Scopes, want)
		}
	}
}

func TestNeed_EveryEndpointAtOnce(t *testing.T) {
	var calls []Call
	for _, e := range allEndpoints() {
		calls = append(calls, Call{e.Method, concrete(e.Path)})
	}
	r, err := Need(calls)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range r.Calls {
		if c.Match.Scopes&r.Scopes == 0 {
			t.Fatalf("call %d %v not granted by %s", i, c.Call, r.Scopes)
		}
	}
	// Each :read is inside its :full, and admin lists every webhooks:full
	// endpoint, so none of these adds anything.
	for _, n := range []string{"deals:read", "contacts:read", "leads:read", "goals:read", "webhooks:read", "webhooks:full"} {
		if r.Scopes.Has(n) {
			t.Errorf("%s is redundant but chosen: %s", n, r.Scopes)
		}
	}
}

func BenchmarkNeed(b *testing.B) {
	calls := []Call{{"GET", "/deals/1"}, {"POST", "/persons"}, {"GET", "/files/2"}, {"GET", "/stages"}, {"POST", "/webhooks"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Need(calls); err != nil {
			b.Fatal(err)
		}
	}
}
