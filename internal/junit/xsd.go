package junit

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// schema is a parsed XML Schema of the subset junit.xsd uses: global
// elements with complex types (attributes; sequences and choices of
// element references with occurrence bounds; mixed or not) and named
// simple types restricting a built-in type.
type schema struct {
	elements map[string]*elementDecl
	types    map[string]*simpleType
}

type elementDecl struct {
	name    string
	mixed   bool
	attrs   []attrDecl
	content *particle // nil: no child elements
}

type attrDecl struct {
	name, typ string
	required  bool
}

// particle is an element reference, a sequence or a choice, with its
// occurrence bounds (max -1: unbounded).
type particle struct {
	kind     string // "element", "sequence", "choice"
	ref      string
	min, max int
	children []*particle
}

type simpleType struct {
	base         string
	minInclusive *big.Rat
	patterns     []*regexp.Regexp
}

// parseSchema reads an XSD, refusing any construct it does not understand
// rather than ignoring it.
func parseSchema(data []byte) (*schema, error) {
	root, err := parseTree(data)
	if err != nil {
		return nil, err
	}
	if root.name != "schema" {
		return nil, fmt.Errorf("xsd: root is <%s>, not <xs:schema>", root.name)
	}
	s := &schema{elements: map[string]*elementDecl{}, types: map[string]*simpleType{}}
	for _, c := range root.children {
		switch c.name {
		case "simpleType":
			st, err := parseSimpleType(c)
			if err != nil {
				return nil, err
			}
			s.types[c.attr("name")] = st
		case "element":
			e, err := parseElement(c)
			if err != nil {
				return nil, err
			}
			s.elements[e.name] = e
		default:
			return nil, fmt.Errorf("xsd: unsupported <%s>", c.name)
		}
	}
	// Every reference and type must resolve.
	var check func(p *particle) error
	check = func(p *particle) error {
		if p == nil {
			return nil
		}
		if p.kind == "element" && s.elements[p.ref] == nil {
			return fmt.Errorf("xsd: reference to undeclared element %q", p.ref)
		}
		for _, c := range p.children {
			if err := check(c); err != nil {
				return err
			}
		}
		return nil
	}
	for _, e := range s.elements {
		if err := check(e.content); err != nil {
			return nil, err
		}
		for _, a := range e.attrs {
			if !builtin(a.typ) && s.types[a.typ] == nil {
				return nil, fmt.Errorf("xsd: attribute %s of %s has unknown type %q", a.name, e.name, a.typ)
			}
		}
	}
	return s, nil
}

func builtin(typ string) bool {
	return typ == "xs:string" || typ == "xs:decimal" || typ == "xs:nonNegativeInteger"
}

func parseSimpleType(n *node) (*simpleType, error) {
	if len(n.children) != 1 || n.children[0].name != "restriction" {
		return nil, fmt.Errorf("xsd: simpleType %q: want one <xs:restriction>", n.attr("name"))
	}
	r := n.children[0]
	st := &simpleType{base: r.attr("base")}
	if !builtin(st.base) {
		return nil, fmt.Errorf("xsd: simpleType %q: unsupported base %q", n.attr("name"), st.base)
	}
	for _, f := range r.children {
		v := f.attr("value")
		switch f.name {
		case "minInclusive":
			x, ok := new(big.Rat).SetString(v)
			if !ok {
				return nil, fmt.Errorf("xsd: minInclusive %q", v)
			}
			st.minInclusive = x
		case "pattern":
			re, err := regexp.Compile("^(?:" + v + ")$") // XSD patterns match the whole value
			if err != nil {
				return nil, fmt.Errorf("xsd: pattern %q: %v", v, err)
			}
			st.patterns = append(st.patterns, re)
		default:
			return nil, fmt.Errorf("xsd: unsupported facet <%s>", f.name)
		}
	}
	return st, nil
}

func parseElement(n *node) (*elementDecl, error) {
	e := &elementDecl{name: n.attr("name")}
	if e.name == "" || len(n.children) != 1 || n.children[0].name != "complexType" {
		return nil, fmt.Errorf("xsd: element %q: want a name and one <xs:complexType>", e.name)
	}
	ct := n.children[0]
	e.mixed = ct.attr("mixed") == "true"
	for _, c := range ct.children {
		switch c.name {
		case "attribute":
			use := c.attr("use")
			if use != "" && use != "optional" && use != "required" {
				return nil, fmt.Errorf("xsd: attribute %q: use %q", c.attr("name"), use)
			}
			e.attrs = append(e.attrs, attrDecl{name: c.attr("name"), typ: c.attr("type"), required: use == "required"})
		case "sequence", "choice":
			if e.content != nil {
				return nil, fmt.Errorf("xsd: element %q: two content models", e.name)
			}
			p, err := parseParticle(c)
			if err != nil {
				return nil, fmt.Errorf("xsd: element %q: %v", e.name, err)
			}
			e.content = p
		default:
			return nil, fmt.Errorf("xsd: element %q: unsupported <%s>", e.name, c.name)
		}
	}
	return e, nil
}

func parseParticle(n *node) (*particle, error) {
	p := &particle{kind: n.name, min: 1, max: 1}
	if v := n.attr("minOccurs"); v != "" {
		m, err := strconv.Atoi(v)
		if err != nil || m < 0 {
			return nil, fmt.Errorf("minOccurs %q", v)
		}
		p.min = m
	}
	if v := n.attr("maxOccurs"); v == "unbounded" {
		p.max = -1
	} else if v != "" {
		m, err := strconv.Atoi(v)
		if err != nil || m < p.min {
			return nil, fmt.Errorf("maxOccurs %q", v)
		}
		p.max = m
	}
	switch n.name {
	case "element":
		if p.ref = n.attr("ref"); p.ref == "" {
			return nil, errors.New("a local element must be a ref to a global one")
		}
	case "sequence", "choice":
		for _, c := range n.children {
			cp, err := parseParticle(c)
			if err != nil {
				return nil, err
			}
			p.children = append(p.children, cp)
		}
	default:
		return nil, fmt.Errorf("unsupported <%s>", n.name)
	}
	return p, nil
}

// validate checks a document against the schema: its root a declared
// element, every element's attributes declared, typed and present when
// required, its children in the order and numbers its content model
// allows, and text only in mixed elements.
func (s *schema) validate(data []byte) error {
	root, err := parseTree(data)
	if err != nil {
		return err
	}
	return s.validateNode(root, "/"+root.name)
}

func (s *schema) validateNode(n *node, path string) error {
	d := s.elements[n.name]
	if d == nil {
		return fmt.Errorf("%s: element <%s> is not declared", path, n.name)
	}
	for _, a := range n.attrs {
		i := slices.IndexFunc(d.attrs, func(ad attrDecl) bool { return ad.name == a.Name.Local })
		if i < 0 || a.Name.Space != "" {
			return fmt.Errorf("%s: attribute %q is not declared", path, a.Name.Local)
		}
		if err := s.checkValue(d.attrs[i].typ, a.Value); err != nil {
			return fmt.Errorf("%s/@%s: %v", path, a.Name.Local, err)
		}
	}
	for _, ad := range d.attrs {
		if ad.required && !n.hasAttr(ad.name) {
			return fmt.Errorf("%s: required attribute %q is missing", path, ad.name)
		}
	}
	if !d.mixed && strings.TrimSpace(n.text) != "" {
		return fmt.Errorf("%s: text is not allowed here", path)
	}
	names := make([]string, len(n.children))
	for i, c := range n.children {
		names[i] = c.name
	}
	if d.content == nil {
		if len(names) > 0 {
			return fmt.Errorf("%s: <%s> is not allowed here (no child elements)", path, names[0])
		}
	} else if !slices.Contains(match(d.content, names, 0), len(names)) {
		return fmt.Errorf("%s: children %v do not follow the content model", path, names)
	}
	for i, c := range n.children {
		if err := s.validateNode(c, fmt.Sprintf("%s/%s[%d]", path, c.name, i+1)); err != nil {
			return err
		}
	}
	return nil
}

var (
	decimalRE = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$`)
	nonNegRE  = regexp.MustCompile(`^\+?[0-9]+$`)
)

func (s *schema) checkValue(typ, v string) error {
	base, st := typ, s.types[typ]
	if st != nil {
		base = st.base
	}
	v = strings.TrimSpace(v) // numeric types collapse white space
	switch base {
	case "xs:decimal":
		if !decimalRE.MatchString(v) {
			return fmt.Errorf("%q is not a decimal", v)
		}
	case "xs:nonNegativeInteger":
		if !nonNegRE.MatchString(v) {
			return fmt.Errorf("%q is not a non-negative integer", v)
		}
	}
	if st == nil {
		return nil
	}
	if st.minInclusive != nil {
		x, ok := new(big.Rat).SetString(strings.TrimPrefix(v, "+"))
		if !ok || x.Cmp(st.minInclusive) < 0 {
			return fmt.Errorf("%q is below %s", v, st.minInclusive.RatString())
		}
	}
	for _, re := range st.patterns {
		if !re.MatchString(v) {
			return fmt.Errorf("%q does not match the pattern of %s", v, typ)
		}
	}
	return nil
}

// match returns every position the particle can end at when it starts
// matching names at i.
func match(p *particle, names []string, i int) []int {
	once := func(start int) []int {
		switch p.kind {
		case "element":
			if start < len(names) && names[start] == p.ref {
				return []int{start + 1}
			}
			return nil
		case "sequence":
			ends := []int{start}
			for _, c := range p.children {
				var next []int
				for _, e := range ends {
					next = appendNew(next, match(c, names, e)...)
				}
				ends = next
			}
			return ends
		default: // choice
			var ends []int
			for _, c := range p.children {
				ends = appendNew(ends, match(c, names, start)...)
			}
			return ends
		}
	}
	var ends []int
	if p.min == 0 {
		ends = []int{i}
	}
	frontier := []int{i}
	for n := 1; (p.max < 0 || n <= p.max) && len(frontier) > 0; n++ {
		var reached, next []int
		for _, f := range frontier {
			for _, e := range once(f) {
				reached = appendNew(reached, e)
				if e != f { // an empty match repeated gets nowhere new
					next = appendNew(next, e)
				}
			}
		}
		if n >= p.min {
			ends = appendNew(ends, reached...)
		} else if len(next) == 0 && len(reached) > 0 {
			// Only empty matches: the remaining minimum is met by them too.
			ends = appendNew(ends, reached...)
		}
		frontier = next
	}
	return ends
}

func appendNew(xs []int, ys ...int) []int {
	for _, y := range ys {
		if !slices.Contains(xs, y) {
			xs = append(xs, y)
		}
	}
	return xs
}

// node is an element of a parsed document: its local name, attributes,
// child elements and the text directly inside it.
type node struct {
	name     string
	attrs    []xml.Attr
	children []*node
	text     string
}

func (n *node) attr(name string) string {
	for _, a := range n.attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n *node) hasAttr(name string) bool {
	return slices.ContainsFunc(n.attrs, func(a xml.Attr) bool { return a.Name.Local == name })
}

// parseTree reads a well-formed document into nodes.
func parseTree(data []byte) (*node, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var stack []*node
	var root *node
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("not well-formed XML: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			var attrs []xml.Attr
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
					continue
				}
				attrs = append(attrs, a)
			}
			n := &node{name: t.Name.Local, attrs: attrs}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else if root != nil {
				return nil, errors.New("not well-formed XML: two root elements")
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			} else if strings.TrimSpace(string(t)) != "" {
				return nil, errors.New("not well-formed XML: text outside the root element")
			}
		}
	}
	if root == nil {
		return nil, errors.New("not well-formed XML: no root element")
	}
	return root, nil
}
