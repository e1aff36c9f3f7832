package scopes

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// oracle is a slow, independent matcher: one regexp per template, and a
// rank per segment to say which of several matching templates is the most
// specific.
type oracle struct {
	byMethod map[string][]oracleTemplate
}

type oracleTemplate struct {
	endpoint Endpoint
	re       *regexp.Regexp
	rank     [][2]int // per segment: kind (2 literal, 1 partial, 0 param), fixed length
}

func newOracle() oracle {
	o := oracle{byMethod: map[string][]oracleTemplate{}}
	for _, e := range allEndpoints() {
		var re strings.Builder
		re.WriteString("^")
		var rank [][2]int
		for _, seg := range strings.Split(e.Path[1:], "/") {
			re.WriteString("/")
			open, end := strings.Index(seg, "{"), strings.Index(seg, "}")
			switch {
			case open < 0:
				re.WriteString(regexp.QuoteMeta(seg))
				rank = append(rank, [2]int{2, len(seg)})
			case open == 0 && end == len(seg)-1:
				re.WriteString("[^/]+")
				rank = append(rank, [2]int{0, 0})
			default:
				re.WriteString(regexp.QuoteMeta(seg[:open]) + "[^/]+" + regexp.QuoteMeta(seg[end+1:]))
				rank = append(rank, [2]int{1, len(seg) - (end - open + 1)})
			}
		}
		re.WriteString("$")
		o.byMethod[e.Method] = append(o.byMethod[e.Method], oracleTemplate{e, regexp.MustCompile(re.String()), rank})
	}
	return o
}

// clean is the documented normalisation, written out plainly; v2 says
// whether the path was under /api/v2.
func clean(p string) (_ string, v2 bool) {
	p, _, _ = strings.Cut(p, "?")
	p, _, _ = strings.Cut(p, "#")
	switch {
	case p == "/api/v2" || strings.HasPrefix(p, "/api/v2/"):
		p, v2 = strings.TrimPrefix(p, "/api/v2"), true
	case p == "/api/v1" || strings.HasPrefix(p, "/api/v1/"):
		p = strings.TrimPrefix(p, "/api/v1")
	case p == "/v1" || strings.HasPrefix(p, "/v1/"):
		p = strings.TrimPrefix(p, "/v1")
	}
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	return p, v2
}

func moreSpecific(a, b [][2]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i][0] > b[i][0] || a[i][0] == b[i][0] && a[i][1] > b[i][1]
		}
	}
	return false
}

func FuzzMatchCall(f *testing.F) {
	for _, e := range allEndpoints() {
		f.Add(e.Method, concrete(e.Path))
		f.Add(strings.ToLower(e.Method), "/api/v1"+concrete(e.Path)+"/?a=b")
		f.Add(e.Method, "/api/v2"+concrete(e.Path))
	}
	for _, odd := range []string{"", "/", "//", "?", "/?", "/v1", "/v1/", "/api/v1", "/deals//", "/deals/{id}",
		"/goals/count/by-", "/goals/count/by-/results", "/deals/%2F", "/deals/\x00", "/\xff/", "/deals/1#frag/x"} {
		f.Add("GET", odd)
	}
	f.Add("", "/deals")
	f.Add("gEt", "/users/me")
	f.Add("PO\u017fT", "/deals")
	o := newOracle()
	f.Fuzz(func(t *testing.T, method, path string) {
		m, err := MatchCall(method, path)
		canon := strings.Map(func(r rune) rune {
			if 'a' <= r && r <= 'z' {
				return r - 'a' + 'A'
			}
			return r
		}, method)
		templates, known := o.byMethod[canon]
		if !known {
			if !errors.Is(err, ErrUnknownMethod) {
				t.Fatalf("MatchCall(%q, %q): want ErrUnknownMethod, got %v", method, path, err)
			}
			return
		}
		p, v2 := clean(path)
		if v2 {
			first, _, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
			if canon == "PUT" || !slices.Contains(V2Resources, first) {
				templates = nil
			} else if canon == "PATCH" {
				templates = o.byMethod["PUT"]
			}
		}
		var best *oracleTemplate
		for i := range templates {
			if templates[i].re.MatchString(p) && (best == nil || moreSpecific(templates[i].rank, best.rank)) {
				best = &templates[i]
			}
		}
		if best == nil {
			if !errors.Is(err, ErrUnknownEndpoint) {
				t.Fatalf("MatchCall(%q, %q) = %v, %v; no template matches", method, path, m.Endpoint, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("MatchCall(%q, %q): %v; %s matches", method, path, err, best.endpoint)
		}
		if want := map[bool]int{false: 1, true: 2}[v2]; m.Version != want {
			t.Fatalf("MatchCall(%q, %q): version %d, want %d", method, path, m.Version, want)
		}
		if m.Endpoint != best.endpoint {
			t.Fatalf("MatchCall(%q, %q) = %s, want the most specific %s", method, path, m.Endpoint, best.endpoint)
		}
	})
}
