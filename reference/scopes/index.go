package scopes

import (
	"fmt"
	"math/bits"
	"sort"
	"strings"
)

// catalogue is the parsed data plus the lookup structures built from it.
type catalogue struct {
	scopes []Scope
	byName map[string]int
	all    Set
	// roots holds one segment trie per method, indexed like methods.
	roots [len(methods)]*node
	// entries are the distinct endpoints (method and template), numbered
	// by entry.id; grants[i] is the bitset of entry ids scope i grants,
	// used by Need to measure privilege.
	entries []*entry
	grants  [][]uint64
}

func (c *catalogue) bit(name string) Set {
	i, ok := c.byName[name]
	if !ok {
		return 0
	}
	return 1 << i
}

// entry is one distinct endpoint and the scopes that grant it.
type entry struct {
	id       int
	endpoint Endpoint
	scopes   Set
	// allowed[k] is the Check reason when the k-th scope of scopes (in bit
	// order) is the one reported; built once so an allowed Check does not
	// allocate.
	allowed []string
}

// node is one trie level: the children for the next path segment.
// Precedence when several could match is literal, then a parameter inside
// a segment (longest fixed text first), then a whole-segment parameter;
// the search backtracks, so a literal that leads nowhere does not hide a
// parameter that matches.
type node struct {
	literal map[string]*node
	partial []partialEdge
	param   *node
	leaf    *entry
}

type partialEdge struct {
	prefix, suffix string
	next           *node
}

// segment is one parsed template segment. For a literal, prefix holds the
// text; for a parameter, the text either side of {name}.
type segment struct {
	prefix, suffix string
	param          bool
}

// parseTemplate splits a path template into segments. A segment is either
// literal or holds exactly one {name}, possibly with fixed text around it
// (by-{goalAssignee}).
func parseTemplate(path string) ([]segment, error) {
	if !strings.HasPrefix(path, "/") || path == "/" || strings.HasSuffix(path, "/") {
		return nil, fmt.Errorf("path %q: want /segment[/segment...]", path)
	}
	parts := strings.Split(path[1:], "/")
	segs := make([]segment, len(parts))
	for i, p := range parts {
		if p == "" {
			return nil, fmt.Errorf("path %q: empty segment", path)
		}
		open := strings.IndexByte(p, '{')
		if open < 0 {
			if strings.ContainsAny(p, "}?#") {
				return nil, fmt.Errorf("path %q: bad segment %q", path, p)
			}
			segs[i] = segment{prefix: p}
			continue
		}
		end := strings.IndexByte(p, '}')
		if end < open+2 || strings.ContainsAny(p[open+1:end], "{") ||
			strings.ContainsAny(p[end+1:], "{}") {
			return nil, fmt.Errorf("path %q: bad parameter in segment %q", path, p)
		}
		segs[i] = segment{prefix: p[:open], suffix: p[end+1:], param: true}
	}
	return segs, nil
}

// shape is the template with parameter names dropped: two templates with
// the same shape match the same paths.
func shape(segs []segment) string {
	var b strings.Builder
	for _, s := range segs {
		b.WriteByte('/')
		b.WriteString(s.prefix)
		if s.param {
			b.WriteString("{}")
			b.WriteString(s.suffix)
		}
	}
	return b.String()
}

func build(text string) (*catalogue, error) {
	scopes, err := parse(text)
	if err != nil {
		return nil, err
	}
	c := &catalogue{scopes: scopes, byName: map[string]int{}}
	for i := range c.roots {
		c.roots[i] = &node{}
	}
	byShape := map[string]*entry{}
	for i, s := range scopes {
		c.byName[s.Name] = i
		c.all |= 1 << i
		for _, e := range s.Endpoints {
			segs, _ := parseTemplate(e.Path) // parse has checked it
			key := e.Method + " " + shape(segs)
			en := byShape[key]
			if en == nil {
				en = &entry{id: len(c.entries), endpoint: e}
				byShape[key] = en
				c.entries = append(c.entries, en)
				c.roots[methodIndex(e.Method)].insert(segs, en)
			} else if en.endpoint != e {
				// Two names for one shape would make the reported template
				// depend on the order of the file.
				return nil, fmt.Errorf("%s and %s match the same paths; use one template", en.endpoint, e)
			}
			en.scopes |= 1 << i
		}
	}
	words := (len(c.entries) + 63) / 64
	c.grants = make([][]uint64, len(scopes))
	for i := range c.grants {
		c.grants[i] = make([]uint64, words)
	}
	for _, en := range c.entries {
		for s := en.scopes; s != 0; s &= s - 1 {
			i := bits.TrailingZeros32(uint32(s))
			c.grants[i][en.id/64] |= 1 << (en.id % 64)
			en.allowed = append(en.allowed, en.endpoint.String()+" is granted by "+scopes[i].Name)
		}
	}
	return c, nil
}

func (n *node) insert(segs []segment, en *entry) {
	for _, s := range segs {
		switch {
		case !s.param:
			if n.literal == nil {
				n.literal = map[string]*node{}
			}
			next := n.literal[s.prefix]
			if next == nil {
				next = &node{}
				n.literal[s.prefix] = next
			}
			n = next
		case s.prefix == "" && s.suffix == "":
			if n.param == nil {
				n.param = &node{}
			}
			n = n.param
		default:
			var next *node
			for _, p := range n.partial {
				if p.prefix == s.prefix && p.suffix == s.suffix {
					next = p.next
				}
			}
			if next == nil {
				next = &node{}
				n.partial = append(n.partial, partialEdge{s.prefix, s.suffix, next})
				// Longest fixed text first: the most specific wins.
				sort.SliceStable(n.partial, func(a, b int) bool {
					pa, pb := n.partial[a], n.partial[b]
					return len(pa.prefix)+len(pa.suffix) > len(pb.prefix)+len(pb.suffix)
				})
			}
			n = next
		}
	}
	n.leaf = en
}

// find walks path ("" or "/seg/...") from n; it does not allocate.
func (n *node) find(path string) *entry {
	if path == "" {
		return n.leaf
	}
	if path[0] != '/' {
		return nil // "0users" is not "/users"
	}
	rest := path[1:]
	seg, tail := rest, ""
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		seg, tail = rest[:i], rest[i:]
	}
	if seg == "" {
		return nil
	}
	if next := n.literal[seg]; next != nil {
		if e := next.find(tail); e != nil {
			return e
		}
	}
	for _, p := range n.partial {
		if len(seg) > len(p.prefix)+len(p.suffix) &&
			strings.HasPrefix(seg, p.prefix) && strings.HasSuffix(seg, p.suffix) {
			if e := p.next.find(tail); e != nil {
				return e
			}
		}
	}
	if n.param != nil {
		return n.param.find(tail)
	}
	return nil
}
