package scopes

import (
	"fmt"
	"math/bits"
	"strings"
)

// Match is the catalogue endpoint a call resolves to and every scope that
// grants it.
type Match struct {
	Endpoint Endpoint
	Scopes   Set
	// Version is the API version the path named: 1 for /api/v1, /v1 or no
	// prefix, 2 for /api/v2.
	Version int

	e *entry // the index entry, for precomputed reasons; nil if built by hand
}

// Decision is the answer to "may a holder of these scopes make this call?".
// Scope is the granting scope reported when Allowed; Reason is a sentence
// for people.
type Decision struct {
	Allowed  bool
	Endpoint Endpoint
	Scope    string
	Reason   string
}

// MatchCall resolves a call to its catalogue endpoint.
//
// The method is case-insensitive. In the path, a query string is dropped,
// one trailing slash is tolerated and a leading /api/v1 or /v1 is stripped,
// since apps call the API through those prefixes. A {param} segment
// matches any non-empty segment; a parameter inside a segment (by-{x})
// matches its fixed text around a non-empty rest; a literal segment wins
// over a parameter (/deals/summary is not /deals/{id}).
//
// Under /api/v2 only the resources API v2 has are served (V2Resources); a
// v2 endpoint is granted as the v1 template of the same path is, and v2's
// PATCH counts as the table's PUT (v2 has no PUT).
//
// An unknown method wraps ErrUnknownMethod; a path no scope lists wraps
// ErrUnknownEndpoint.
func MatchCall(method, path string) (Match, error) {
	mi := methodIndex(method)
	if mi < 0 {
		return Match{}, fmt.Errorf("scopes: %w %q (the API uses %s)", ErrUnknownMethod, method, strings.Join(methods[:], ", "))
	}
	p, version := normalize(path)
	if version == 2 {
		switch {
		case !isV2(p):
			return Match{}, fmt.Errorf("scopes: %w: API v2 has no %s %s (v2 serves %s; use /api/v1 for the rest)", ErrUnknownEndpoint, methods[mi], path, strings.Join(V2Resources, ", "))
		case methods[mi] == "PUT":
			return Match{}, fmt.Errorf("scopes: %w: API v2 has no PUT %s (v2 updates with PATCH)", ErrUnknownEndpoint, path)
		case methods[mi] == "PATCH":
			mi = methodIndex("PUT")
		}
	}
	if e := cat.roots[mi].find(p); e != nil {
		return Match{Endpoint: e.endpoint, Scopes: e.scopes, Version: version, e: e}, nil
	}
	return Match{}, unknownEndpoint(mi, path)
}

// V2Resources are the resources API v2 serves, by their first path segment.
var V2Resources = []string{"deals", "persons", "organizations", "activities", "products", "pipelines", "stages", "itemSearch"}

// isV2 reports whether a normalized path is under a resource of API v2.
func isV2(p string) bool {
	if len(p) < 2 {
		return false
	}
	seg := p[1:]
	if i := strings.IndexByte(seg, '/'); i >= 0 {
		seg = seg[:i]
	}
	for _, r := range V2Resources {
		if seg == r {
			return true
		}
	}
	return false
}

// unknownEndpoint says which other methods the path has, if any: the
// common slip is PATCH for PUT.
func unknownEndpoint(mi int, path string) error {
	var others []string
	p, _ := normalize(path)
	for i, root := range cat.roots {
		if i != mi && root.find(p) != nil {
			others = append(others, methods[i])
		}
	}
	msg := fmt.Errorf("scopes: %w: no scope lists %s %s", ErrUnknownEndpoint, methods[mi], path)
	if len(others) > 0 {
		return fmt.Errorf("%w (the path exists for %s)", msg, strings.Join(others, ", "))
	}
	return msg
}

// normalize reduces a request path to the form templates are written in,
// without allocating, and says which API version its prefix named.
func normalize(p string) (string, int) {
	if i := strings.IndexAny(p, "?#"); i >= 0 {
		p = p[:i]
	}
	version := 1
	for i, prefix := range [...]string{"/api/v1", "/v1", "/api/v2"} {
		if strings.HasPrefix(p, prefix) && (len(p) == len(prefix) || p[len(prefix)] == '/') {
			p = p[len(prefix):]
			if i == 2 {
				version = 2
			}
			break
		}
	}
	if len(p) > 1 && p[len(p)-1] == '/' {
		p = p[:len(p)-1]
	}
	return p, version
}

// Check decides whether a holder of granted may make the call. base is
// always granted (PD-SCOPE-01); the call is allowed iff a granted scope
// lists its endpoint (PD-SCOPE-02). The admin-user rule (PD-SCOPE-05) is
// the model's, through Match.OnlyAdmin.
func Check(granted Set, method, path string) (Decision, error) {
	m, err := MatchCall(method, path)
	if err != nil {
		return Decision{}, err
	}
	return m.Check(granted), nil
}

// Check is Check for an already matched call.
func (m Match) Check(granted Set) Decision {
	held := (granted | Base) & cat.all
	d := Decision{Endpoint: m.Endpoint}
	g := held & m.Scopes
	if g == 0 {
		d.Reason = fmt.Sprintf("%s is not granted by %s; it needs one of: %s", m.Endpoint, held, m.Scopes)
		return d
	}
	// Report a non-admin scope where there is one: a call that also works
	// without admin should not look like it needs an admin user.
	pick := g &^ Admin
	if pick == 0 {
		pick = g
	}
	i := bits.TrailingZeros32(uint32(pick))
	d.Allowed = true
	d.Scope = cat.scopes[i].Name
	if m.e != nil && m.e.scopes == m.Scopes {
		d.Reason = m.e.allowed[bits.OnesCount32(uint32(m.Scopes)&(1<<i-1))]
	} else {
		d.Reason = m.Endpoint.String() + " is granted by " + d.Scope
	}
	return d
}

// OnlyAdmin reports whether admin is the only scope in granted (with base)
// that grants the endpoint: the call then fails for a non-admin user
// (PD-SCOPE-05).
func (m Match) OnlyAdmin(granted Set) bool {
	return (granted|Base)&m.Scopes == Admin
}
